"""Cashless targets (DESIGN §2): a province's per year, set by BHXH Việt Nam; a ward's, set by
its province; per benefit group, by headcount and by amount. Without one, the plan's:
monthly > 90 %, one-time and short-term 100 %.

A month is measured against the target of its year that was in force at the end of the
month (now, while the month runs): a correction made later in the year changes the months
after it, not the months already over."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from chitra.access.models import Role, User
from chitra.access.scoping import NATIONAL, bhxh_province, scope_of
from chitra.core import audit
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.errors import DomainError, NotInScope
from chitra.core.text import nfc
from chitra.registry.models import BenefitGroup
from chitra.reporting import shares
from chitra.reporting.models import Target

PLAN_BP = {BenefitGroup.MONTHLY.value: 9000, BenefitGroup.ONE_TIME.value: 10_000}

# Advisory lock class (PostgreSQL): one change of a target (year, area, group) at a time.
_SET_LOCK = 7_401_015


@dataclass(frozen=True)
class Goal:
    people_bp: int
    amount_bp: int
    source: str  # "ward" | "province" | "plan"


def month_end(month: date) -> datetime:
    """The first moment after ``month`` (local time): what was in force just before it is the
    month's target."""
    first_next = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return timezone.make_aware(datetime.combine(first_next, time.min))


def _in_force(month: date | None) -> Q:
    """The rows in force at the end of ``month`` (now, for ``None`` or a month not over)."""
    if month is None:
        return Q(replaced_at__isnull=True)
    end = month_end(month)
    if end > timezone.now():
        return Q(replaced_at__isnull=True)
    return Q(set_at__lt=end) & (Q(replaced_at__isnull=True) | Q(replaced_at__gte=end))


def goal(year: int, province_code: str, ward_code: str, group: str, *,
         month: date | None = None) -> Goal:
    """The target in force: the ward's own, else its province's, else the plan's. With
    ``month`` (of ``year``), the one in force at the end of that month."""
    return goals(year, [(province_code, ward_code)], group, month=month)[
        (province_code, ward_code)]


def goals(year: int, areas: Iterable[tuple[str, str]], group: str, *,
          month: date | None = None) -> dict[tuple[str, str], Goal]:
    """:func:`goal` of each ``(province_code, ward_code)`` (ward ``""``: the province's own),
    in one query: a page of a hundred wards or of every province asks once."""
    if month is not None and month.year != year:
        raise ValueError(f"month {month:%Y-%m} is not of year {year}")
    wanted = list(dict.fromkeys(areas))
    if not wanted:
        return {}
    rows = Target.objects.filter(
        _in_force(month), year=year, benefit_group=group,
        province_code__in={p for p, _w in wanted},
        ward_code__in={w for _p, w in wanted} | {""},
    ).values_list("province_code", "ward_code", "people_bp", "amount_bp")
    found = {(p, w): (people, amount) for p, w, people, amount in rows}
    plan = PLAN_BP.get(group, shares.FULL)
    out = {}
    for province_code, ward_code in wanted:
        if ward_code and (province_code, ward_code) in found:
            out[(province_code, ward_code)] = Goal(*found[(province_code, ward_code)], "ward")
        elif (province_code, "") in found:
            out[(province_code, ward_code)] = Goal(*found[(province_code, "")], "province")
        else:
            out[(province_code, ward_code)] = Goal(plan, plan, "plan")
    return out


_PERCENT = re.compile(r"([0-9]{1,3})(?:[.,]([0-9]{1,2}))?[ \t\u00a0]*%?")


def parse_percent(text: str) -> int | None:
    """"90", "90,5", "90.5", "92,25 %" → basis points (9000, 9050, 9050, 9225), by string
    arithmetic (no float); None for anything else (a sign, letters, three decimals)."""
    found = _PERCENT.fullmatch(text.strip()) if len(text) <= 20 else None
    if found is None:
        return None
    whole, frac = found.group(1), found.group(2) or ""
    return int(whole) * 100 + int((frac + "00")[:2])


@dataclass(frozen=True)
class TargetChange:
    year: int
    province_code: str
    ward_code: str  # "" : the province's own target
    benefit_group: str
    people_bp: int
    amount_bp: int
    reason: str = ""


def may_set(user: User, province_code: str, ward_code: str) -> bool:
    """A province's target: BHXH Việt Nam; a ward's: the BHXH office of its province."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not ward_code:
        return user.role == Role.BHXH_NATIONAL and scope_of(user) == NATIONAL
    return bhxh_province(user) == province_code


def may_read(user: User, province_code: str) -> bool:
    """The province's own staff and leadership, BHXH Việt Nam, not a bank, and not a ward's
    people (the screen shows every ward's targets and who set them): who may see the
    province's dashboard (:func:`chitra.reporting.areas.area_for`)."""
    scope = scope_of(user)
    if not user.is_active or scope.provider_id is not None or scope.ward_code:
        return False
    return scope.province_code in (None, province_code)


def problems(change: TargetChange) -> list[tuple[str, str, str]]:
    """(field, vi, en) of everything wrong with ``change``; empty when it may be set."""
    out = []
    if not 2020 <= change.year <= 2100:
        out.append(("year", "Năm không hợp lệ (2020–2100).", "Invalid year (2020–2100)."))
    if change.province_code not in current_provinces():
        out.append(("province", "Không có tỉnh này.", "No such province."))
    ward = current_wards().get(change.ward_code) if change.ward_code else None
    if change.ward_code and (ward is None or ward.province_code != change.province_code):
        out.append(("ward", "Phường/xã không thuộc tỉnh này.",
                    "The ward is not in this province."))
    if change.benefit_group not in BenefitGroup.values:
        out.append(("group", "Nhóm chế độ không hợp lệ.", "Invalid benefit group."))
    for name, bp in (("people", change.people_bp), ("amount", change.amount_bp)):
        if isinstance(bp, bool) or not isinstance(bp, int) or not 0 <= bp <= shares.FULL:
            out.append((name, "Tỷ lệ phải từ 0 đến 100 %.", "A share is 0 to 100 %."))
    if len(change.reason) > 300:
        out.append(("reason", "Lý do quá dài (tối đa 300 ký tự).",
                    "The reason is too long (300 characters at most)."))
    return out


def settable(user: User, province_code: str) -> tuple[bool, bool]:
    """Whether ``user`` may set the province's own target, and its wards' targets."""
    wards = wards_of(province_code)
    return (may_set(user, province_code, ""),
            bool(wards) and may_set(user, province_code, wards[0][0]))


def wards_of(province_code: str) -> list[tuple[str, str]]:
    """The province's current wards, (code, name) by name."""
    return sorted(((c, w.name) for c, w in current_wards().items()
                   if w.province_code == province_code), key=lambda cw: (cw[1], cw[0]))


def set_target(user: User, change: TargetChange) -> Target:
    """Put ``change`` in force; the target it replaces stays, marked replaced (history).
    Another province's answers as one that does not exist.

    Two changes of the same target at once take turns (an advisory lock of the target's
    key on PostgreSQL, held to the end of the caller's transaction): the second replaces
    the first. Should one still meet a row put in force meanwhile (SQLite, or a writer that
    took no lock), it is refused as ``target_changed`` and nothing is written."""
    if not may_set(user, change.province_code, change.ward_code):
        raise NotInScope
    found = problems(change)
    if found:
        field_name, vi, en = found[0]
        raise DomainError("invalid_target", f"{vi} ({field_name})", f"{en} ({field_name})")
    key = {"year": change.year, "province_code": change.province_code,
           "ward_code": change.ward_code, "benefit_group": change.benefit_group}
    with transaction.atomic():
        _lock(key)
        now = timezone.now()
        before = (Target.objects.select_for_update()
                  .filter(**key, replaced_at__isnull=True).first())
        if before is not None:
            before.replaced_at = now
            before.save(update_fields=["replaced_at"])
        try:
            with transaction.atomic():  # a savepoint: the refusal below leaves a clean state
                target = Target.objects.create(
                    **key, people_bp=change.people_bp, amount_bp=change.amount_bp,
                    set_by=user.username, set_at=now, reason=nfc(change.reason.strip()))
        except IntegrityError as e:
            if "unique" not in str(e).lower():  # target_one_current; a check: a bug
                raise
            raise DomainError(
                "target_changed",
                "Chỉ tiêu này vừa được người khác thay đổi. Hãy xem lại và đặt lại.",
                "This target was changed by someone else meanwhile. Check it and set it "
                "again.") from e
        audit.record(user.username, "target.set", "target", target.pk, before=(
            {"people_bp": before.people_bp, "amount_bp": before.amount_bp}
            if before else None), after={**key, "people_bp": change.people_bp,
                                         "amount_bp": change.amount_bp})
    return target


def _lock(key: dict[str, object]) -> None:
    """Wait for any other change of the same target to end (PostgreSQL; SQLite writes one at
    a time anyway)."""
    if connection.vendor != "postgresql":
        return
    digest = zlib.crc32("|".join(str(v) for v in key.values()).encode())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                    [_SET_LOCK, digest - 2**32 if digest >= 2**31 else digest])


def history(province_code: str, year: int) -> list[Target]:
    """Every target of the province's year, its wards' too, newest first."""
    return list(Target.objects.filter(province_code=province_code, year=year)
                .order_by("ward_code", "benefit_group", "-set_at", "-id"))
