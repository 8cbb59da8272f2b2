"""A cycle's cash lists as people look for them (issue 14): by day, then by payment point
with the point's name, and one zip per day holding that day's lists.

The names come from the export's manifest (the caller reads it and keeps only names of the
cash-list pattern); the payment point of a list is in its name (``DCT<id>`` or ``tai-nha``,
:func:`chitra.payments.export.cashrun.stem_of`), its name from the registry (one query).
The zip is written to a temporary file, file by file in chunks, never whole in memory.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from chitra.payments.export import cashrun
from chitra.payments.models import PaymentCycle
from chitra.payments.services.files import export_dir
from chitra.registry.models import PaymentPoint

NAME = re.compile(r"^tien-mat-(?P<period>[0-9]{4}-[0-9]{2})-(?P<where>DCT(?P<point>[0-9]+)|"
                  + re.escape(cashrun.HOME) + r")-(?P<day>[0-9]{8})\.(?P<kind>xlsx|pdf)$")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no clock time


@dataclass
class PointLists:
    """The lists of one payment point (None: paid at home) on one day."""

    point_id: int | None
    point_name: str
    files: list[str] = field(default_factory=list)  # xlsx first, then pdf

    @property
    def is_home(self) -> bool:  # its name is translated on screen
        return self.point_id is None


@dataclass
class DayLists:
    day: date
    points: list[PointLists] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        return sum(len(p.files) for p in self.points)


def _parse(name: str) -> tuple[date, int | None, str] | None:
    m = NAME.match(name)
    if m is None:
        return None
    d = m["day"]
    try:
        day = date(int(d[:4]), int(d[4:6]), int(d[6:]))
    except ValueError:
        return None
    return day, (int(m["point"]) if m["point"] else None), m["kind"]


def by_day(names: list[str]) -> list[DayLists]:
    """``names`` grouped by day and payment point, by day then point name (1 query)."""
    parsed = [(n, p) for n in names if (p := _parse(n)) is not None]
    ids = {point for _n, (_d, point, _k) in parsed if point is not None}
    point_names = dict(PaymentPoint.objects.filter(pk__in=ids).values_list("id", "name"))
    days: dict[date, dict[int | None, PointLists]] = {}
    for name, (day, point, _kind) in sorted(parsed, key=lambda x: (x[1][2] != "xlsx", x[0])):
        points = days.setdefault(day, {})
        if point not in points:
            label = (cashrun.HOME_NAME if point is None
                     else point_names.get(point, f"DCT{point}"))
            points[point] = PointLists(point, label)
        points[point].files.append(name)
    return [DayLists(day, sorted(points.values(), key=lambda p: (p.is_home, p.point_name)))
            for day, points in sorted(days.items())]


def day_zip(cycle: PaymentCycle, names: list[str], day: date) -> tuple[str, IO[bytes]] | None:
    """A zip of the lists of ``day`` among ``names`` (a temporary file at its start, the
    caller closes it), named for the cycle and day; None when that day has no list."""
    where = export_dir(cycle)
    chosen = sorted(n for n in names if (p := _parse(n)) is not None and p[0] == day
                    and (where / n).is_file())
    if not chosen:
        return None
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name in chosen:
                info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                with (where / name).open("rb") as src, z.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return f"tien-mat-{cycle.province_code}-{cycle.period:%Y-%m}-{day:%Y%m%d}.zip", out
