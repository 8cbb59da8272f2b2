"""The post office's payment-day screen (issue 13 point 5): choose a cycle, a payment point
and day; tick who was paid and who did not collect, on a phone, offline if need be; send
the ticks (JSON) and close the day. Thin: the use cases are
:mod:`chitra.payments.services.payment_day`.

The screen works offline through a small service worker (``sw.js``, served here so that
its scope is this screen's path) and the ticks wait in the phone's localStorage.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from chitra.access.models import User
from chitra.core.errors import DomainError, Problem
from chitra.core.text import fold_key
from chitra.payments import queries
from chitra.payments.payment_day import CashReason, DayTotals
from chitra.payments.services import payment_day as days
from chitra.payments.views_common import (
    error_message,
    in_language,
    problem_message,
    request_user,
)

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SW = Path(__file__).resolve().parent / "static" / "payments" / "payment_day_sw.js"
# The reasons' labels (cashform.REASONS, free of i18n), for the English catalog.
REASON_LABELS = (gettext_noop("Vắng mặt"), gettext_noop("Đã chết"), gettext_noop("Từ chối nhận"))


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` day of a URL; 404 for anything else."""
    m = _DAY.match(text)
    if not m:
        raise Http404
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise Http404 from None


def _may_use(user: User) -> None:
    if not (queries.sees_cycles(user) or queries.is_post_office(user)):
        raise PermissionDenied


@login_required
@require_GET
def choose(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Cycles, then the chosen cycle's payment points and days."""
    user = request_user(request)
    _may_use(user)
    cycle, places = days.places(user, pk) if pk is not None else (None, [])
    return render(request, "payments/payment_day_choose.html", {
        "cycles": days.cycles_for(user)[:12], "cycle": cycle, "places": places})


@login_required
@require_GET
def screen(request: HttpRequest, pk: int, point: int, day: str) -> HttpResponse:
    user = request_user(request)
    found = days.payment_day(user, pk, point, parse_day(day))
    return render(request, "payments/payment_day.html", {
        "d": found, "totals": found.totals, "reasons": list(CashReason),
        "people": [(p, fold_key(f"{p.full_name} {p.id_tail} {p.end_to_end_id}"))
                   for p in found.people],
    })


def _problem(p: Problem, ids: dict[int, str]) -> dict[str, Any]:
    return {"row": p.row, "id": ids.get(p.row or 0, ""), "column": p.column, "code": p.code,
            "message": problem_message(p)}


def _outcome(o: days.Outcome) -> dict[str, str]:
    return {"state": o.state.value, "message": in_language(o.message_vi, o.message_en)}


def _totals(t: DayTotals) -> dict[str, int]:
    return {"people": t.people, "amount": t.amount, "paid": t.paid,
            "paid_amount": t.paid_amount, "not_collected": t.not_collected,
            "unmarked": t.unmarked, "to_hand_back": t.to_hand_back}


@login_required
@require_POST
def sync(request: HttpRequest, pk: int, point: int, day: str) -> JsonResponse:
    """The phone's marks (and closing) as JSON; per mark what became of it."""
    user = request_user(request)
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = days.MAX_BODY + 1
    try:
        answer = days.sync(user, pk, point, parse_day(day), lambda: request.body, size)
    except days.PaymentDayRefused as e:
        return JsonResponse({"error": e.code, "message": error_message(e),
                             "problems": [_problem(p, e.ids) for p in e.problems[:200]]},
                            status=e.http_status)
    except DomainError as e:
        if e.http_status == 404:
            raise Http404 from e
        return JsonResponse({"error": e.code, "message": error_message(e)},
                            status=e.http_status)
    return JsonResponse({
        "outcomes": {cid: _outcome(o) for cid, o in answer.outcomes.items()},
        "totals": _totals(answer.totals),
        "file": {"name": answer.file_name, "duplicate": answer.duplicate,
                 "applied": answer.applied, "unchanged": answer.unchanged},
        "closed": answer.closed,
        "close_problems": [_problem(p, {}) for p in answer.close_problems],
    })


@cache
def _service_worker() -> bytes:
    return _SW.read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline worker, from this path so that it may serve the payment-day pages."""
    response = HttpResponse(_service_worker(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
