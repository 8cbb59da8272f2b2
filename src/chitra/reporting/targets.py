"""Cashless targets (DESIGN §2): a province's per year, set by BHXH Việt Nam; a ward's, set by
its province; per benefit group, by headcount and by amount. Without one, the plan's:
monthly > 90 %, one-time and short-term 100 %."""

from __future__ import annotations

from dataclasses import dataclass

from chitra.registry.models import BenefitGroup
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
