"""Notices to beneficiaries: what a letter and an SMS tell one person (their title, amount,
next payment day and point, or the day money reaches their account), read from the registry
and the payment schedule in one query per list.

The letter (:mod:`chitra.outreach.letter_pdf`) keeps its diacritics. The SMS is folded to
ASCII and to the GSM 7-bit basic characters, and is at most :data:`SMS_MAX` characters: one
unaccented SMS costs a third of an accented one, and every phone shows it. When the whole text
is longer, parts are dropped in this order until it fits (:func:`sms_text`):

1. the payment point's address;
2. the opening hours;
3. the name shortened to initials and the given name (``Lo Van Pom`` → ``L.V. Pom``);
4. the payment point's name cut short (``…``), then dropped;
5. the name reduced to the given name, then that cut to fit;
6. the amount.

Whatever is left is cut at :data:`SMS_MAX` (no real name or hotline gets there).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time

from django.db.models import BigIntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from chitra.core.admin_units import ward_name
from chitra.core.money import format_vnd
from chitra.core.text import nfc, to_ascii
from chitra.outreach.models import PaymentSchedule
from chitra.outreach.worklist import cash_recipients
from chitra.payments import calendar
from chitra.payments.models import PaymentCycle
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitGroup,
    BenefitStatus,
    Channel,
    PaymentAccount,
    SexChoice,
)

HOW_TO_OPEN = ("Mở tài khoản ngân hàng hoặc ví điện tử miễn phí, mang theo căn cước công dân; "
               "tổ công tác phường/xã sẽ hỗ trợ. Sau khi mở, báo tổ công tác để nhận lương hưu, "
               "trợ cấp qua tài khoản, không phải đến điểm chi trả.")
SMS_MAX = 160  # one SMS of GSM 7-bit characters
TITLES = {SexChoice.MALE.value: "Ông", SexChoice.FEMALE.value: "Bà"}
UNKNOWN_TITLE = "Ông/Bà"

# What an SMS may carry: the GSM 7-bit basic characters that are also ASCII (a character of
# the extension table, like [ ] { } ~ | \ ^, counts twice; backtick is not in the set).
_NOT_GSM = re.compile(r"[^A-Za-z0-9 !\"#$%&'()*+,\-./:;<=>?@_]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class LetterFacts:
    """What one person's letter and SMS say."""

    beneficiary_id: int
    full_name: str
    sex: str
    phone: str
    street: str
    ward_code: str
    monthly_amount: int  # đồng, the active monthly benefits together
    one_time_amount: int  # đồng, the active one-time/short-term benefits together
    cash: bool  # paid in cash at a payment point (else into an account)
    point_name: str = ""
    point_address: str = ""
    payment_day: date | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    transfer_date: date | None = None  # for those paid into an account

    @property
    def title(self) -> str:
        """Ông / Bà from the recorded sex; ``Ông/Bà`` when it is not recorded."""
        return TITLES.get(self.sex, UNKNOWN_TITLE)

    @property
    def address(self) -> str:
        return ", ".join(p for p in (nfc(self.street), ward_name(self.ward_code)) if p)

    @property
    def amount(self) -> int:
        """The amount the letter names: the monthly one, else the one-time one."""
        return self.monthly_amount or self.one_time_amount


# --- reading ------------------------------------------------------------------------------------

def _with_amounts(people: QuerySet[Beneficiary]) -> QuerySet[Beneficiary]:
    def total(group: BenefitGroup) -> Coalesce:
        rows = (Benefit.objects.filter(beneficiary=OuterRef("pk"), group=group,
                                       status=BenefitStatus.ACTIVE)
                .values("beneficiary").annotate(total=Sum("amount")).values("total"))
        return Coalesce(Subquery(rows, output_field=BigIntegerField()), Value(0))

    channel = (PaymentAccount.objects.filter(beneficiary=OuterRef("pk"), valid_to__isnull=True)
               .order_by("-valid_from", "-id").values("channel")[:1])
    return (people.select_related("payment_point")
            .annotate(monthly_amount=total(BenefitGroup.MONTHLY),
                      one_time_amount=total(BenefitGroup.ONE_TIME),
                      current_channel=Subquery(channel)))


def next_payment_days(ward_code: str, today: date) -> dict[int, PaymentSchedule]:
    """Payment point id → its nearest payment day from ``today`` on, for the ward's points."""
    days: dict[int, PaymentSchedule] = {}
    for d in (PaymentSchedule.objects.filter(ward_code=ward_code, day__gte=today)
              .order_by("-day")):
        days[d.payment_point_id] = d  # the nearest day wins (ordered latest first)
    return days


def next_transfer_date(province_code: str, today: date) -> date:
    """The next day account transfers are made: this month's (its cycle's date, else the
    calendar's) if not past, else next month's."""
    this_month = today.replace(day=1)
    month = this_month
    for month in (this_month, _next_month(this_month)):
        planned = (PaymentCycle.objects.filter(province_code=province_code, period=month)
                   .values_list("transfer_date", flat=True).first())
        day = planned or calendar.transfer_date(month)
        if day >= today:
            return day
    return calendar.transfer_date(_next_month(month))  # next month's cycle set a past date


def _next_month(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _facts(person: Beneficiary, days: dict[int, PaymentSchedule], transfer: date) -> LetterFacts:
    cash = getattr(person, "current_channel", None) == Channel.CASH
    point = person.payment_point
    day = days.get(person.payment_point_id or 0) if cash else None
    return LetterFacts(
        beneficiary_id=person.pk, full_name=person.full_name, sex=person.sex,
        phone=person.phone, street=person.street, ward_code=person.ward_code,
        monthly_amount=int(getattr(person, "monthly_amount", 0) or 0),
        one_time_amount=int(getattr(person, "one_time_amount", 0) or 0),
        cash=cash,
        point_name=point.name if cash and point else "",
        point_address=point.address if cash and point else "",
        payment_day=day.day if day else None,
        opens_at=day.opens_at if day else None,
        closes_at=day.closes_at if day else None,
        transfer_date=None if cash else transfer)


def ward_letters(ward_code: str, province_code: str, today: date) -> Iterator[LetterFacts]:
    """The ward's cash recipients' letters, by name, read in chunks (a big ward is not held
    in memory)."""
    days = next_payment_days(ward_code, today)
    transfer = next_transfer_date(province_code, today)
    people = _with_amounts(cash_recipients(ward_code)).order_by("name_key", "id")
    for person in people.iterator(chunk_size=2000):
        yield _facts(person, days, transfer)


def person_letter(ward_code: str, province_code: str, beneficiary_id: int,
                  today: date) -> LetterFacts | None:
    """One active beneficiary's letter, if they are of the ward (``None`` otherwise)."""
    person = (_with_amounts(Beneficiary.objects.filter(
        pk=beneficiary_id, ward_code=ward_code, status=BeneficiaryStatus.ACTIVE)).first())
    if person is None:
        return None
    days = next_payment_days(ward_code, today)
    return _facts(person, days, next_transfer_date(province_code, today))


# --- the SMS ------------------------------------------------------------------------------------

def sms_plain(text: str) -> str:
    """``text`` as an SMS may carry it: ASCII, GSM basic characters, one line."""
    folded = to_ascii(nfc(text))
    return _SPACES.sub(" ", _NOT_GSM.sub(" ", folded)).strip()


def short_name(name: str) -> str:
    """Initials and the given name: ``Lo Van Pom`` → ``L.V. Pom``."""
    words = name.split()
    if len(words) < 2:
        return name
    return "".join(f"{w[0]}." for w in words[:-1]) + " " + words[-1]


def _compose(f: LetterFacts, hotline: str, name: str, amount: bool, hours: bool,
             point: str, address: str) -> str:
    title = sms_plain(f.title)
    money = f" {format_vnd(f.amount).replace(' ₫', 'd')}" if amount and f.amount else ""
    if not f.cash:
        when = (f" ngay {f.transfer_date:%d/%m/%Y}" if f.transfer_date else "")
        body = f"BHXH: {title} {name} nhan{money} qua tai khoan{when}."
    elif f.payment_day is None:
        body = f"BHXH: {title} {name} nhan{money} tien mat theo lich cua phuong/xa."
    else:
        window = (f" {f.opens_at:%H:%M}-{f.closes_at:%H:%M}"
                  if hours and f.opens_at and f.closes_at else "")
        where = f" tai {point}" if point else ""
        where += f" ({address})" if point and address else ""
        body = f"BHXH: {title} {name} nhan{money} ngay {f.payment_day:%d/%m/%Y}{window}{where}."
    return f"{body} LH {hotline}" if hotline else body


def sms_text(f: LetterFacts, hotline: str) -> str:
    """The person's SMS, at most :data:`SMS_MAX` characters (the module docstring says what
    is dropped first when it is longer)."""
    hotline = sms_plain(hotline)
    full = sms_plain(f.full_name)
    short = short_name(full)
    given = full.split()[-1] if full else ""
    point, address = sms_plain(f.point_name), sms_plain(f.point_address)
    tries = [(full, True, True, point, address), (full, True, True, point, ""),
             (full, True, False, point, ""), (short, True, False, point, "")]
    for args in tries:
        text = _compose(f, hotline, *args)
        if len(text) <= SMS_MAX:
            return text
    if point:
        without = len(_compose(f, hotline, short, True, False, "", ""))
        room = SMS_MAX - without - len(" tai ...")
        if room >= 6:
            return _compose(f, hotline, short, True, False, point[:room].rstrip() + "...", "")
    for name in (short, given):
        text = _compose(f, hotline, name, True, False, "", "")
        if len(text) <= SMS_MAX:
            return text
    for amount in (True, False):  # a given name longer than the room left is cut to fit
        room = SMS_MAX - len(_compose(f, hotline, "", amount, False, "", ""))
        if room >= 4:
            return _compose(f, hotline, given[:room].rstrip(), amount, False, "", "")
    return _compose(f, hotline, given, False, False, "", "")[:SMS_MAX]
