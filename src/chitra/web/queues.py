"""The queue sizes the menu shows beside its links, for the links the user sees: all counted
in one database round trip (each count a scalar subquery of one SELECT), so a page costs one
query more, however many queues the user works."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from chitra.access.models import User
from chitra.access.scoping import bhxh_province
from chitra.outreach import queues as outreach_queues
from chitra.payments.models import ExceptionState
from chitra.payments.services import exceptions_visible_to, works_exceptions

# Exceptions still to work on: waiting for a proposal or for the second officer's approval.
UNRESOLVED = (ExceptionState.OPEN, ExceptionState.PROPOSED)


def queues_of(user: User, *, method_changes: bool, referrals: bool) -> dict[str, QuerySet]:
    """The queues behind the menu links ``user`` sees, by badge name."""
    found: dict[str, QuerySet] = {}
    province = bhxh_province(user) if method_changes else None
    if province:
        found["method_changes"] = outreach_queues.pending_method_changes(province)
        found["reports"] = outreach_queues.reports_to_confirm(province)
    if referrals:
        found["overdue_referrals"] = outreach_queues.overdue_referrals(
            user, timezone.localdate())
    if works_exceptions(user):
        found["exceptions"] = exceptions_visible_to(user).filter(state__in=UNRESOLVED)
    return found


def count_all(queues: dict[str, QuerySet]) -> dict[str, int]:
    """``{name: queryset.count()}`` in one query."""
    if not queues:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for qs in queues.values():
        sql, p = qs.order_by().values("pk").query.sql_with_params()
        # ``sql`` is Django's own compiled SQL with placeholders; the values go in params.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS q{len(parts)})")  # noqa: S608
        params.extend(p)
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts), params)
        row = cur.fetchone()
    return {name: int(n) for name, n in zip(queues, row, strict=True)}
