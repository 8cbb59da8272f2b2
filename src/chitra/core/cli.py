"""Helpers shared by the ``chitra`` commands of every app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def acting_user(username: str | None) -> Any:
    """``--as USERNAME``: the active user a command acts as, so maker–checker and the audit
    trail hold on the CLI too. The user model is looked up, not imported: core sits below
    ``access``."""
    if not username:
        raise CommandError("Cần --as TÊN_NGƯỜI_DÙNG / --as USERNAME is required.")
    users = get_user_model().objects
    try:
        return users.select_related("organization").get(username=username, is_active=True)
    except users.model.DoesNotExist:
        raise CommandError(f"Không có người dùng {username!r} / no such user.") from None
