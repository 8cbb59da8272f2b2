"""Cashless targets (DESIGN §2): a province's per year, set by BHXH Việt Nam; a ward's, set by
its province; per benefit group, by headcount and by amount. Without one, the plan's:
monthly > 90 %, one-time and short-term 100 %."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
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


@dataclass(frozen=True)
class Goal:
    people_bp: int
    amount_bp: int
    source: str  # "ward" | "province" | "plan"


def goal(year: int, province_code: str, ward_code: str, group: str) -> Goal:
    """The target in force: the ward's own, else its province's, else the plan's."""
    current = {t.ward_code: t for t in Target.objects.filter(
        year=year, province_code=province_code, ward_code__in=[ward_code, ""],
        benefit_group=group, replaced_at__isnull=True)}
    if ward_code and ward_code in current:
        return Goal(current[ward_code].people_bp, current[ward_code].amount_bp, "ward")
    if "" in current:
        return Goal(current[""].people_bp, current[""].amount_bp, "province")
    plan = PLAN_BP.get(group, 10_000)
    return Goal(plan, plan, "plan")


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
    """The province's own staff and leadership, BHXH Việt Nam, not a bank."""
    scope = scope_of(user)
    return (user.is_active and scope.provider_id is None
            and scope.province_code in (None, province_code))


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


def set_target(user: User, change: TargetChange) -> Target:
    """Put ``change`` in force; the target it replaces stays, marked replaced (history).
    Another province's answers as one that does not exist."""
    if not may_set(user, change.province_code, change.ward_code):
        raise NotInScope
    found = problems(change)
    if found:
        field_name, vi, en = found[0]
        raise DomainError("invalid_target", f"{vi} ({field_name})", f"{en} ({field_name})")
    now = timezone.now()
    key = {"year": change.year, "province_code": change.province_code,
           "ward_code": change.ward_code, "benefit_group": change.benefit_group}
    with transaction.atomic():
        before = (Target.objects.select_for_update()
                  .filter(**key, replaced_at__isnull=True).first())
        if before is not None:
            before.replaced_at = now
            before.save(update_fields=["replaced_at"])
        target = Target.objects.create(**key, people_bp=change.people_bp,
                                       amount_bp=change.amount_bp, set_by=user.username,
                                       set_at=now, reason=nfc(change.reason.strip()))
        audit.record(user.username, "target.set", "target", target.pk, before=(
            {"people_bp": before.people_bp, "amount_bp": before.amount_bp}
            if before else None), after={**key, "people_bp": change.people_bp,
                                         "amount_bp": change.amount_bp})
    return target


def history(province_code: str, year: int) -> list[Target]:
    """Every target of the province's year, its wards' too, newest first."""
    return list(Target.objects.filter(province_code=province_code, year=year)
                .order_by("ward_code", "benefit_group", "-set_at", "-id"))
