"""``--as USERNAME``: the acting user of a command, so maker–checker holds on the CLI too."""

from __future__ import annotations

from django.core.management.base import CommandError

from chitra.access.models import User


def acting_user(username: str | None) -> User:
    if not username:
        raise CommandError("Cần --as TÊN_NGƯỜI_DÙNG / --as USERNAME is required.")
    try:
        return User.objects.select_related("organization").get(username=username,
                                                               is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"Không có người dùng {username!r} / no such user.") from None
