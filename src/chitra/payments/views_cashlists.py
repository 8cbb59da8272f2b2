"""Results templates the post office fills in (issue 13 point 5): a page listing them per
payment point and day and per ward and day, and the download. Who sees them: as for the
cash lists (BHXH staff and post offices of the cycle's province); anyone else gets 404, as
for a cycle that does not exist."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chitra.access.models import User
from chitra.payments import queries, services
from chitra.payments.errors import PaymentError
from chitra.payments.models import PaymentCycle
from chitra.payments.views_common import request_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cycle_for(request: HttpRequest, pk: int) -> tuple[User, PaymentCycle]:
    user = request_user(request)
    cycle = PaymentCycle.objects.filter(pk=pk).first()
    if cycle is None or not queries.may_download_cash_lists(user, cycle.province_code):
        raise Http404
    return user, cycle


@login_required
@require_GET
def cash_templates(request: HttpRequest, pk: int) -> HttpResponse:
    user, cycle = _cycle_for(request, pk)
    choices = services.template_choices(cycle)
    return render(request, "payments/cash_templates.html", {
        "cycle": cycle, "sees_cycles": queries.sees_cycles(user),
        "points": [c for c in choices if c.point], "wards": [c for c in choices if c.ward]})


@login_required
@require_GET
def cash_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    user, cycle = _cycle_for(request, pk)
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        raise Http404 from None
    try:
        name, data = services.cash_results_template(
            user, cycle, day, point=request.GET.get("point", "")[:20],
            ward=request.GET.get("ward", "")[:20])
    except PaymentError:
        raise Http404 from None
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
