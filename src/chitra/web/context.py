"""What the navigation shows: only what the user may open (the views check again)."""

from __future__ import annotations

from django.http import HttpRequest

from chitra.access.models import Role
from chitra.outreach.services import team_ward
from chitra.payments.queries import sees_payments
from chitra.registry.importing.run import can_import


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_imports": False, "nav_payments": False, "nav_outreach": False,
                "nav_referrals": False, "nav_method_changes": False,
                "nav_campaigns": False}
    return {"nav_imports": can_import(user), "nav_payments": sees_payments(user),
            "nav_outreach": team_ward(user) is not None,
            "nav_referrals": user.role == Role.BANK_OPERATOR and bool(user.organization_id),
            "nav_method_changes": user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER)
            and bool(user.organization_id),
            "nav_campaigns": user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.VIEWER,
                                           Role.WARD_TEAM) and bool(user.organization_id)}
