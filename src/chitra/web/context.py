"""What the navigation shows: only what the user may open (the views check again)."""

from __future__ import annotations

from django.http import HttpRequest

from chitra.payments.queries import sees_payments
from chitra.registry.imports import can_import


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_imports": False, "nav_payments": False}
    return {"nav_imports": can_import(user), "nav_payments": sees_payments(user)}
