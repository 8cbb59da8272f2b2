"""What the navigation shows: only what the user may open (the views check again), and the
size of the queues behind those links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from chitra.access.models import Role
from chitra.outreach.services import schedule_province, team_ward
from chitra.payments.queries import sees_payments
from chitra.payments.services import works_exceptions
from chitra.registry.importing.run import can_import
from chitra.reporting.areas import may_see_figures
from chitra.verification.views import sees_verification
from chitra.web.queues import count_all, queues_of

NOTHING: dict[str, Any] = {
    "nav_imports": False, "nav_payments": False, "nav_outreach": False,
    "nav_referrals": False, "nav_method_changes": False, "nav_campaigns": False,
    "nav_exceptions": False, "nav_schedules": False, "nav_figures": False,
    "nav_verification": False, "nav_counts": {}, "nav_queue_total": 0,
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return dict(NOTHING)
    has_org = bool(user.organization_id)
    nav = {"nav_imports": can_import(user), "nav_payments": sees_payments(user),
           "nav_outreach": team_ward(user) is not None,
           "nav_referrals": user.role == Role.BANK_OPERATOR and has_org,
           "nav_method_changes": user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER)
           and has_org,
           "nav_campaigns": user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.VIEWER,
                                          Role.WARD_TEAM) and has_org,
           "nav_exceptions": works_exceptions(user),
           "nav_schedules": schedule_province(user) is not None,
           "nav_figures": may_see_figures(user),
           "nav_verification": sees_verification(user)}
    counts = count_all(queues_of(
        user, method_changes=nav["nav_method_changes"], referrals=nav["nav_referrals"]))
    nav["nav_counts"] = counts
    nav["nav_queue_total"] = sum(counts.values())
    return nav
