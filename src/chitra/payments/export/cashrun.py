"""A cycle's cash lists and results templates, from the database (DESIGN §6).

One list (xlsx and pdf) per payment point and payment date; "at home" (no payment point)
is a group of its own. Writing a group is a pure function of its lines, so any process may
write any group and the bytes are the same: the exporting process reads the lines and
shares the groups out with worker processes (:mod:`chitra.core.workerpool`).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chitra.config import CONFIG
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.workerpool import WorkerPool, each
from chitra.payments import ids
from chitra.payments.export import cashlists
from chitra.payments.models import PaymentCycle, PaymentItem
from chitra.registry.models import BenefitType, Channel

HOME = "tai-nha"  # the file-name part of the "at home" group
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


def groups(cycle: PaymentCycle) -> list[Group]:
    rows = (PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH, provider__isnull=True)
            .values_list("payment_point_id", "payment_point__name", "payment_point__address",
                         "payment_date")
            .distinct().order_by("payment_date", "payment_point_id"))
    return [Group(pid, name or "Chi trả tại nhà", address or "", day)
            for pid, name, address, day in rows]


def ward_days(cycle: PaymentCycle) -> list[tuple[str, str, date]]:
    """(ward code, ward name, day) of every ward with cash payments, by day and name."""
    wards = current_wards()
    rows = (PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH, provider__isnull=True)
            .values_list("ward_code", "payment_date").distinct())
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
    items = PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH, provider__isnull=True,
                                       payment_date=day)
    if ward is not None:
        items = items.filter(ward_code=ward)
    elif at_home:
        items = items.filter(payment_point__isnull=True)
    else:
        items = items.filter(payment_point_id=point)
    wards = current_wards()
    prefix, width = ids.end_to_end_prefix(cycle.period), ids.E2E_ITEM_WIDTH
    rows = (items.order_by("full_name", "id")
            .values_list("id", "full_name", "citizen_id", "ward_code",
                         "obligation__benefit__benefit_type", "amount"))
    for n, (item_id, name, cid, ward_code, btype, amount) in enumerate(
            rows.iterator(chunk_size=5000), 1):
        yield cashlists.CashLine(
            sequence=n, full_name=name, citizen_id=cid,
            ward_name=wards[ward_code].name if ward_code in wards else ward_code,
            benefit_label=_BENEFIT_LABELS.get(btype, btype), amount=amount,
            proxy_name=None, end_to_end_id=f"{prefix}{item_id:0{width}d}")


def stem_of(cycle: PaymentCycle, group: Group) -> str:
    return f"tien-mat-{cycle.period:%Y-%m}-{group.where}-{group.day:%Y%m%d}"


def _grouped(cycle: PaymentCycle) -> Iterator[tuple[Group, list[cashlists.CashLine]]]:
    """Every group with its lines, from one query in group order (a query per group would
    scan the cycle's items once per group: the items have no index by payment point)."""
    wards = current_wards()
    prefix, width = ids.end_to_end_prefix(cycle.period), ids.E2E_ITEM_WIDTH
    # provider IS NULL is what cash means (a check constraint): the (cycle, provider) index.
    rows = (PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH, provider__isnull=True)
            .order_by("payment_date", "payment_point_id", "full_name", "id")
            .values_list("payment_date", "payment_point_id", "payment_point__name",
                         "payment_point__address", "id", "full_name", "citizen_id",
                         "ward_code", "obligation__benefit__benefit_type", "amount"))
    group: Group | None = None
    lines: list[cashlists.CashLine] = []
    for (day, pid, point_name, address, item_id, name, cid, ward_code, btype,
         amount) in rows.iterator(chunk_size=5000):
        if group is None or (day, pid) != (group.day, group.point_id):
            if group is not None:
                yield group, lines
            group, lines = Group(pid, point_name or "Chi trả tại nhà", address or "", day), []
        lines.append(cashlists.CashLine(
            sequence=len(lines) + 1, full_name=name, citizen_id=cid,
            ward_name=wards[ward_code].name if ward_code in wards else ward_code,
            benefit_label=_BENEFIT_LABELS.get(btype, btype), amount=amount,
            proxy_name=None, end_to_end_id=f"{prefix}{item_id:0{width}d}"))
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
