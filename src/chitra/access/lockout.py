"""Login lockout with django-axes: a username after a few failures from any address, and an
address after more failures whatever usernames it tried (password spraying, issue 11).

Axes keeps one failure row per (username, address, user agent) and locks by the usernames'
rows (``AXES_LOCKOUT_PARAMETERS = ["username"]``); the handler below also sums the rows of the
client's address against ``LOGIN_IP_FAILURE_LIMIT``. A success clears only that username's rows,
so one valid account does not reset an address's count.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer, or with ``PROXY_COUNT`` reverse proxies in front the
    address the outermost one saw. Each proxy appends its peer to X-Forwarded-For, so that is
    the ``PROXY_COUNT``-th entry from the right; entries further left come from the client and
    are not trusted."""
    peer = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    if count <= 0:
        return peer
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    if len(hops) < count:
        return peer  # did not come through every proxy
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return peer


class UserOrAddressLockout(AxesDatabaseHandler):
    """Locked when the username has failed ``AXES_FAILURE_LIMIT`` times from anywhere, or the
    address has failed ``LOGIN_IP_FAILURE_LIMIT`` times over all usernames, within the cool-off."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_username: int = super().get_failures(request, credentials)
        if self.address_failures(request) >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(by_username, get_failure_limit(request, credentials))
        return by_username

    @staticmethod
    def address_failures(request: HttpRequest) -> int:
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return 0
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        total: int | None = attempts.aggregate(n=Sum("failures_since_start"))["n"]
        return total or 0
