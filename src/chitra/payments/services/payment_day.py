"""The post office's payment day (issue 13 point 5): who is to be paid at a payment point on
a day, the marks the officer's phone sends (paid / not collected and why), and the closing
of the day.

Marks go in the one way status comes in: they are written as a cash results file (kept under
``VAR_DIR/payment-day/`` as the evidence) and applied by
:func:`~chitra.payments.services.files.ingest_status_file`, as if the post office had
uploaded it — the same events, reconciliation counts and follow-ups (a reported death
included). The same marks make the same bytes, which the ingest recognises, so a phone
that sends twice changes nothing the second time. Proxies are read as the cash list prints
them (:func:`chitra.payments.export.cashrun.proxies`).

Who: BHXH staff of the province and its post office (as for the cash lists); anybody else
is told the day does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from chitra.access.models import User
from chitra.core import atomicfile, audit
from chitra.core.errors import NotInScope, Problem
from chitra.payments import queries
from chitra.payments.errors import PaymentError
from chitra.payments.export import cashrun
from chitra.payments.ids import end_to_end_id
from chitra.payments.models import ItemStatus, PaymentCycle, PaymentItem, current_status
from chitra.payments.payment_day import (
    REASON_OF_CODE,
    CashReason,
    Closing,
    DayTotals,
    Mark,
    MarkResult,
    closing_problems,
    day_totals,
    parse_posted,
    results_csv,
)
from chitra.payments.services.files import ingest_status_file
from chitra.payments.status.ingest import IngestResult
from chitra.registry.models import Channel, PaymentPoint

HOME = 0  # the "point" of the people the post office pays at home
MAX_BODY = 1024 * 1024  # 5,000 marks are about 400 KB of JSON
CLOSE_ACTION, CLOSE_OBJECT = "payment_day.close", "payment_day"
_RESULT_OF = {ItemStatus.PAID: MarkResult.PAID, ItemStatus.REJECTED: MarkResult.NOT_COLLECTED}


class PaymentDayRefused(PaymentError):
    """The marks cannot be taken: every problem, nothing applied."""

    http_status = 400

    def __init__(self, problems: list[Problem], ids: dict[int, str] | None = None) -> None:
        super().__init__("marks_refused", "Không nhận được các đánh dấu; không có gì thay đổi.",
                         "The marks were not taken; nothing changed.")
        self.problems = problems
        self.ids = ids or {}  # row → the mark's client id, where known


# --- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayPlace:
    point_id: int  # HOME for home deliveries
    point_name: str
    day: date
    people: int
    amount: int

    @property
    def is_home(self) -> bool:  # its name is translated on screen
        return self.point_id == HOME


@dataclass(frozen=True)
class Person:
    item_id: int
    full_name: str
    id_tail: str  # the last digits of the personal ID, enough to tell two namesakes apart
    amount: int
    proxy_name: str
    end_to_end_id: str
    result: MarkResult | None  # as recorded (None: nothing yet)
    reason: CashReason | None
    reason_code: str


@dataclass
class PaymentDay:
    cycle: PaymentCycle
    point_id: int
    point_name: str
    point_address: str
    day: date
    people: list[Person] = field(default_factory=list)
    closed: dict[str, Any] | None = None

    @property
    def totals(self) -> DayTotals:
        return day_totals((p.amount, p.result) for p in self.people)

    @property
    def key(self) -> str:
        return f"{self.cycle.pk}-{self.point_id}-{self.day:%Y%m%d}"

    @property
    def is_home(self) -> bool:  # its name is translated on screen
        return self.point_id == HOME


def cycles_for(user: User) -> QuerySet[PaymentCycle]:
    """The exported cycles whose payment days ``user`` may work on."""
    return queries.cash_list_cycles_for(user).order_by("-period", "province_code")


def _cycle_for(user: User, cycle_id: int) -> PaymentCycle:
    cycle = cycles_for(user).filter(pk=cycle_id).first()
    if cycle is None:
        raise NotInScope()
    return cycle


def _cash(cycle: PaymentCycle) -> QuerySet[PaymentItem]:
    # provider IS NULL is what cash means (a check constraint): the (cycle, provider) index.
    return PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH,
                                      provider__isnull=True).exclude(status=ItemStatus.CANCELLED)


def places(user: User, cycle_id: int) -> tuple[PaymentCycle, list[DayPlace]]:
    """The cycle's payment points and days, with people and amount (one query)."""
    cycle = _cycle_for(user, cycle_id)
    rows = (_cash(cycle).values("payment_point_id", "payment_point__name", "payment_date")
            .annotate(n=Count("id"), s=Sum("amount"))
            .order_by("payment_date", "payment_point__name", "payment_point_id"))
    return cycle, [DayPlace(r["payment_point_id"] or HOME,
                            r["payment_point__name"] or cashrun.HOME_NAME,
                            r["payment_date"], r["n"], r["s"]) for r in rows]


def _items_of(cycle: PaymentCycle, point_id: int, day: date) -> QuerySet[PaymentItem]:
    items = _cash(cycle).filter(payment_date=day)
    if point_id == HOME:
        return items.filter(payment_point__isnull=True)
    return items.filter(payment_point_id=point_id)


def payment_day(user: User, cycle_id: int, point_id: int, day: date) -> PaymentDay:
    """The people to pay at ``point_id`` on ``day``, by name, with what is recorded of each
    (a fixed number of queries). :class:`NotInScope` when there is no such day for ``user``.
    """
    cycle = _cycle_for(user, cycle_id)
    items = _items_of(cycle, point_id, day)
    rows = list(items.order_by("full_name", "id").values_list(
        "id", "beneficiary_id", "full_name", "citizen_id", "amount", "status", "reason_code"))
    if not rows:
        raise NotInScope()
    point = PaymentPoint.objects.filter(pk=point_id).first() if point_id != HOME else None
    proxies = cashrun.proxies(cycle, items)  # as the cash list prints them
    out = PaymentDay(cycle, point_id, point.name if point else cashrun.HOME_NAME,
                     point.address if point else "", day, closed=closed(cycle, point_id, day))
    for item, person, name, cid, amount, stored, code in rows:
        result, reason, reason_code = _recorded_as(cycle, stored, code)
        out.people.append(Person(
            item, name, cid[-4:], amount, proxies.on(person, day) or "",
            end_to_end_id(cycle.period, item), result, reason, reason_code))
    return out


def _recorded_as(cycle: PaymentCycle, stored: str, code: str
                 ) -> tuple[MarkResult | None, CashReason | None, str]:
    """What an item's stored status and reason code say of it on the payment day."""
    result = _RESULT_OF.get(current_status(stored, cycle.sent_at is not None))
    if result != MarkResult.NOT_COLLECTED:
        return result, None, ""
    return result, REASON_OF_CODE.get(code), code


def _reread(day: PaymentDay) -> PaymentDay:
    """``day`` with what is recorded now of its people (one query): after the marks."""
    now = {i: (stored, code) for i, stored, code in _items_of(day.cycle, day.point_id, day.day)
           .values_list("id", "status", "reason_code")}
    people = []
    for p in day.people:
        if p.item_id not in now:  # cancelled meanwhile: as it was
            people.append(p)
            continue
        result, reason, code = _recorded_as(day.cycle, *now[p.item_id])
        people.append(replace(p, result=result, reason=reason, reason_code=code))
    return replace(day, people=people)


def closed(cycle: PaymentCycle, point_id: int, day: date) -> dict[str, Any] | None:
    """The latest closing of the day (None: not closed)."""
    return audit.last_after(CLOSE_OBJECT, f"{cycle.pk}-{point_id}-{day:%Y%m%d}", CLOSE_ACTION)


# --- marks in --------------------------------------------------------------------------------

class OutcomeState(StrEnum):
    SENT = "sent"  # recorded as the mark says
    REFUSED = "refused"  # not taken: the message says why
    KEPT = "kept"  # not sent yet: another mark refused the file; the phone keeps it


@dataclass(frozen=True)
class Outcome:
    state: OutcomeState
    message_vi: str = ""
    message_en: str = ""


@dataclass
class SyncAnswer:
    outcomes: dict[str, Outcome]  # by the mark's client id
    totals: DayTotals
    file_name: str = ""
    duplicate: bool = False
    applied: int = 0
    unchanged: int = 0
    closed: dict[str, Any] | None = None
    close_problems: list[Problem] = field(default_factory=list)


def _too_big(size: int) -> PaymentDayRefused:
    return PaymentDayRefused([Problem(None, "", str(size), "too_big", "Dữ liệu gửi lên quá lớn.",
                                      "The data sent is too big.")])


def decode(body: bytes) -> object:
    """The posted JSON, or :class:`PaymentDayRefused` (too big, not JSON, nested to death)."""
    if len(body) > MAX_BODY:
        raise _too_big(len(body))
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise PaymentDayRefused([Problem(None, "", "", "bad_json",
                                         "Dữ liệu gửi lên không phải JSON.",
                                         "The data sent is not JSON.")]) from None


def sync(user: User, cycle_id: int, point_id: int, day: date, body: Callable[[], bytes],
         size: int = 0) -> SyncAnswer:
    """Check the posted marks (and closing), apply them through the status ingest, and say
    per mark what became of it. Refused whole (:class:`PaymentDayRefused`) when any mark is
    malformed, repeated, or about someone not on this day's list for ``user``.

    ``body`` reads the posted bytes, once ``user`` is known to work on this day and the
    announced ``size`` is not too big (a stranger learns nothing, and reads nothing)."""
    day_now = payment_day(user, cycle_id, point_id, day)  # scope first: 404 for strangers
    if size > MAX_BODY:
        raise _too_big(size)
    data = decode(body())
    posted, problems = parse_posted(data)
    if posted is None:
        raise PaymentDayRefused(problems, _raw_ids(data))
    listed = {p.item_id: p for p in day_now.people}
    unknown = [Problem(row, "item", str(m.item_id), "unknown_item",
                       "Người này không có trong danh sách chi của điểm và ngày này.",
                       "This person is not on the list of this point and day.")
               for row, m in enumerate(posted.marks, 1) if m.item_id not in listed]
    if unknown:
        raise PaymentDayRefused(unknown, {i: m.client_id for i, m in enumerate(posted.marks, 1)})
    answer = SyncAnswer({}, day_now.totals)
    if posted.marks:
        result = _ingest(user, day_now, posted.marks, listed)
        answer.file_name, answer.duplicate = result.file_name, result.duplicate
        answer.applied, answer.unchanged = result.applied, result.unchanged
        day_now = _reread(day_now)
        answer.outcomes = _outcomes(posted.marks, result, day_now)
        answer.totals = day_now.totals
    answer.closed = day_now.closed
    if posted.closing is not None:
        answer.close_problems = closing_problems(answer.totals, posted.closing)
        if not answer.close_problems:
            answer.closed = _close(user, day_now, posted.closing)
    return answer


def _raw_ids(data: object) -> dict[int, str]:
    marks = data.get("marks") if isinstance(data, dict) else None
    if not isinstance(marks, list):
        return {}
    return {row: m["id"] for row, m in enumerate(marks[:5_000], 1)
            if isinstance(m, dict) and isinstance(m.get("id"), str) and len(m["id"]) <= 64}


def evidence_path(day: PaymentDay, now: Any = None) -> Path:
    """Where the results file of one sync is kept: by cycle, point, day and time."""
    now = timezone.localtime(now)
    cycle = day.cycle
    where = "tai-nha" if day.point_id == HOME else f"DCT{day.point_id}"
    return (Path(settings.VAR_DIR) / "payment-day" / f"{cycle.province_code}-{cycle.period:%Y-%m}"
            / f"ket-qua-{cycle.period:%Y-%m}-{where}-{day.day:%Y%m%d}-{now:%Y%m%dT%H%M%S%f}.csv")


def _ingest(user: User, day: PaymentDay, marks: list[Mark],
            listed: dict[int, Person]) -> IngestResult:
    data = results_csv(marks, {i: (p.end_to_end_id, p.amount) for i, p in listed.items()})
    path = evidence_path(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomicfile.write_bytes(path, data, mode=0o600)
    return ingest_status_file(path, user, path.name)


def _outcomes(marks: list[Mark], result: IngestResult, day: PaymentDay) -> dict[str, Outcome]:
    """Per mark: ``sent`` when what is recorded now is what it says; otherwise why not."""
    now = {p.item_id: p for p in day.people}
    in_file = sorted(marks, key=lambda m: m.item_id)
    said = {in_file[p.row - 2].client_id: p for p in result.problems
            if p.row is not None and 2 <= p.row < len(in_file) + 2}
    out: dict[str, Outcome] = {}
    for m in marks:
        person = now[m.item_id]
        if person.result == m.result and (m.result == MarkResult.PAID
                                          or person.reason_code == m.reason_code):
            out[m.client_id] = Outcome(OutcomeState.SENT)
        elif m.client_id in said:
            p = said[m.client_id]
            out[m.client_id] = Outcome(OutcomeState.REFUSED, p.message_vi, p.message_en)
        elif result.problems:
            out[m.client_id] = Outcome(OutcomeState.KEPT,
                                       "Chưa gửi được: tệp bị từ chối vì dòng khác.",
                                       "Not sent: another mark was refused.")
        else:
            out[m.client_id] = _recorded(person)
    return out


def _recorded(person: Person) -> Outcome:
    if person.result is None:
        return Outcome(OutcomeState.REFUSED, "Chưa ghi nhận; cán bộ BHXH sẽ xem xét.",
                       "Not recorded; BHXH staff will look at it.")
    if person.result == MarkResult.PAID:
        what_vi, what_en = "đã chi", "paid"
    else:
        why = person.reason.label.lower() if person.reason else person.reason_code
        what_vi, what_en = f"không nhận ({why})", f"not collected ({person.reason_code})"
    return Outcome(OutcomeState.REFUSED,
                   f"Đã ghi nhận trước đó: {what_vi}; cán bộ BHXH sửa nếu sai.",
                   f"Already recorded as {what_en}; BHXH staff correct it if wrong.")


def _close(user: User, day: PaymentDay, closing: Closing) -> dict[str, Any]:
    """Record the closing once per client id (a phone that sends it twice closes once)."""
    if day.closed is not None and day.closed.get("id") == closing.client_id:
        return day.closed
    t = day.totals
    after = {"id": closing.client_id, "by": user.username,
             "at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
             "people": t.people, "amount": t.amount, "paid": t.paid,
             "paid_amount": t.paid_amount, "not_collected": t.not_collected,
             "to_hand_back": t.to_hand_back, "cash_returned": closing.cash_returned,
             "difference": closing.cash_returned - t.to_hand_back, "note": closing.note}
    audit.record(user.username, CLOSE_ACTION, CLOSE_OBJECT, day.key, after=after)
    return after

