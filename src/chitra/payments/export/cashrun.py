"""A cycle's cash lists and results templates, from the database (DESIGN §6).

One list (xlsx and pdf) per payment point and payment date; "at home" (no payment point)
is a group of its own. Writing a group is a pure function of its lines, so any process may
write any group and the bytes are the same: the exporting process reads the lines and
shares the groups out with worker processes (:mod:`chitra.core.workerpool`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from chitra.config import CONFIG
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.workerpool import WorkerPool, each
from chitra.payments import ids
from chitra.payments.export import cashlists
from chitra.payments.models import PaymentCycle, PaymentItem
from chitra.registry.models import Authorization, BenefitType, Channel

HOME = "tai-nha"  # the file-name part of the "at home" group
# The "at home" group's name: in the files as it is; screens translate it (``is_home``).
HOME_NAME = gettext_noop("Chi trả tại nhà")
_BENEFIT_LABELS = dict(BenefitType.choices)


@dataclass(frozen=True)
class Group:
    """The people paid at one payment point (None: at home) on one day."""

    point_id: int | None
    point_name: str
    address: str
    day: date

    @property
    def where(self) -> str:
        return HOME if self.point_id is None else f"DCT{self.point_id}"


class Proxies:
    """Who collects for whom (a valid authorization letter), by beneficiary and day."""

    def __init__(self, rows: Iterator[tuple[int, date, date, str]]) -> None:
        self._by: dict[int, list[tuple[date, date, str]]] = defaultdict(list)
        for beneficiary, valid_from, valid_to, name in rows:
            self._by[beneficiary].append((valid_from, valid_to, name))

    def on(self, beneficiary: int, day: date) -> str | None:
        """The proxy whose letter covers ``day``; of several, the latest letter's."""
        valid = [name for start, end, name in self._by.get(beneficiary, ()) if start <= day <= end]
        return valid[-1] if valid else None


def proxies(cycle: PaymentCycle, items: QuerySet[PaymentItem] | None = None) -> Proxies:
    """The letters that may cover the payment days of ``items`` (by default the cycle's cash
    items): one query, whatever the number of people."""
    if items is None:
        items = _cash(cycle)
    rows = (Authorization.objects
            .filter(beneficiary_id__in=items.values("beneficiary_id"), valid_to__gte=cycle.period)
            .order_by("beneficiary_id", "valid_from", "id")
            .values_list("beneficiary_id", "valid_from", "valid_to", "proxy_name"))
    return Proxies(rows.iterator())


def _cash(cycle: PaymentCycle) -> QuerySet[PaymentItem]:
    # provider IS NULL is what cash means (a check constraint): the (cycle, provider) index.
    return PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH, provider__isnull=True)


def groups(cycle: PaymentCycle) -> list[Group]:
    rows = (_cash(cycle)
            .values_list("payment_point_id", "payment_point__name", "payment_point__address",
                         "payment_date")
            .distinct().order_by("payment_date", "payment_point_id"))
    return [Group(pid, name or HOME_NAME, address or "", day)
            for pid, name, address, day in rows]


def ward_days(cycle: PaymentCycle) -> list[tuple[str, str, date]]:
    """(ward code, ward name, day) of every ward with cash payments, by day and name."""
    wards = current_wards()
    rows = _cash(cycle).values_list("ward_code", "payment_date").distinct()
    found = [(code, wards[code].name if code in wards else code, day) for code, day in rows]
    return sorted(found, key=lambda r: (r[2], r[1], r[0]))


def header_of(cycle: PaymentCycle, group: Group) -> cashlists.CashListHeader:
    return cashlists.CashListHeader(
        province_name=current_provinces()[cycle.province_code],
        payment_point_name=group.point_name, payment_point_address=group.address,
        payment_date=group.day, cycle_label=f"{cycle.period:%m/%Y}",
        home_delivery=group.point_id is None)


def lines(cycle: PaymentCycle, day: date, *, point: int | None = None,
          at_home: bool = False, ward: str | None = None) -> Iterator[cashlists.CashLine]:
    """The cash lines of one day: of a payment point, of the people paid at home, or of a
    ward (every point and at home), by name; each with its transaction code."""
    items = _cash(cycle).filter(payment_date=day)
    if ward is not None:
        items = items.filter(ward_code=ward)
    elif at_home:
        items = items.filter(payment_point__isnull=True)
    else:
        items = items.filter(payment_point_id=point)
    wards = current_wards()
    proxy = proxies(cycle, items)
    prefix, width = ids.end_to_end_prefix(cycle.period), ids.E2E_ITEM_WIDTH
    rows = (items.order_by("full_name", "id")
            .values_list("id", "beneficiary_id", "full_name", "citizen_id", "ward_code",
                         "obligation__benefit__benefit_type", "amount"))
    for n, (item_id, person, name, cid, ward_code, btype, amount) in enumerate(
            rows.iterator(chunk_size=5000), 1):
        yield cashlists.CashLine(
            sequence=n, full_name=name, citizen_id=cid,
            ward_name=wards[ward_code].name if ward_code in wards else ward_code,
            benefit_label=_BENEFIT_LABELS.get(btype, btype), amount=amount,
            proxy_name=proxy.on(person, day), end_to_end_id=f"{prefix}{item_id:0{width}d}")


def stem_of(cycle: PaymentCycle, group: Group) -> str:
    return f"tien-mat-{cycle.period:%Y-%m}-{group.where}-{group.day:%Y%m%d}"


def _grouped(cycle: PaymentCycle) -> Iterator[tuple[Group, list[cashlists.CashLine]]]:
    """Every group with its lines, from one query in group order (a query per group would
    scan the cycle's items once per group: the items have no index by payment point), and
    one for the proxies."""
    wards = current_wards()
    proxy = proxies(cycle)
    prefix, width = ids.end_to_end_prefix(cycle.period), ids.E2E_ITEM_WIDTH
    rows = (_cash(cycle).order_by("payment_date", "payment_point_id", "full_name", "id")
            .values_list("payment_date", "payment_point_id", "payment_point__name",
                         "payment_point__address", "id", "beneficiary_id", "full_name",
                         "citizen_id", "ward_code", "obligation__benefit__benefit_type",
                         "amount"))
    group: Group | None = None
    lines: list[cashlists.CashLine] = []
    for (day, pid, point_name, address, item_id, person, name, cid, ward_code, btype,
         amount) in rows.iterator(chunk_size=5000):
        if group is None or (day, pid) != (group.day, group.point_id):
            if group is not None:
                yield group, lines
            group, lines = Group(pid, point_name or HOME_NAME, address or "", day), []
        lines.append(cashlists.CashLine(
            sequence=len(lines) + 1, full_name=name, citizen_id=cid,
            ward_name=wards[ward_code].name if ward_code in wards else ward_code,
            benefit_label=_BENEFIT_LABELS.get(btype, btype), amount=amount,
            proxy_name=proxy.on(person, day), end_to_end_id=f"{prefix}{item_id:0{width}d}"))
    if group is not None:
        yield group, lines


def write_all(cycle: PaymentCycle, out: Path) -> list[Path]:
    """Every group's xlsx and pdf; their paths, in group order.

    This process reads the lines (one query) and writes a group whenever no worker is free;
    each of ``CONFIG.export_workers`` worker processes takes a group's lines when it is
    free. Writing needs no database, so workers never open one; the memory is a group's
    lines per process."""
    workers = CONFIG.export_workers
    if workers < 1 or len(groups(cycle)) < 2:
        return [p for g, lines in _grouped(cycle)
                for p in cashlists.write_pair(out, stem_of(cycle, g), header_of(cycle, g),
                                              lines)]
    written: dict[int, list[Path]] = {}
    order: list[int] = []
    with WorkerPool([each(cashlists.write_pair)] * workers) as pool:
        busy: list[Future[list[Path]] | None] = [None] * workers
        keys: list[int] = [0] * workers
        for n, (group, lines) in enumerate(_grouped(cycle)):
            order.append(n)
            args = (out, stem_of(cycle, group), header_of(cycle, group), lines)
            free = next((i for i, f in enumerate(busy) if f is None or f.done()), None)
            if free is None:
                written[n] = cashlists.write_pair(*args)
                continue
            if busy[free] is not None:
                written[keys[free]] = busy[free].result()  # type: ignore[union-attr]
            busy[free], keys[free] = pool.submit(free, *args), n
        for i, f in enumerate(busy):
            if f is not None:
                written[keys[i]] = f.result()
    return [p for n in order for p in written[n]]
