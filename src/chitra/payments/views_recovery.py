"""Payments made after a beneficiary's death, to recover (issue 16, item 4), on screen and
as a csv: :mod:`chitra.payments.recovery` for the user's province.

BHXH staff of a province see theirs (a superuser picks one with ``?province=``); everybody
else finds nothing (404). Query only; a csv taken is audited (it holds personal IDs)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from chitra.access.models import User
from chitra.access.scoping import sees_full_citizen_ids
from chitra.core import audit
from chitra.core.admin_units import current_provinces
from chitra.payments import recovery
from chitra.payments.views_common import request_user

PAGE_SIZE = 100


def _province(request: HttpRequest, user: User) -> str:
    province = recovery.province_of(user, request.GET.get("province"))
    if province is None:
        raise Http404
    return province


@login_required
@require_GET
def paid_after_death(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    province = _province(request, user)
    page, rows = recovery.page_of(province, request.GET.get("page"), PAGE_SIZE)
    return render(request, "payments/paid_after_death.html", {
        "page": page, "rows": rows, "totals": recovery.totals(province),
        "province_name": current_provinces().get(province, province),
        "show_ids": sees_full_citizen_ids(user),
        "query": f"province={province}" if user.is_superuser else "",
    })


@login_required
@require_GET
def paid_after_death_csv(request: HttpRequest) -> StreamingHttpResponse:
    user = request_user(request)
    province = _province(request, user)
    name = f"da-chi-sau-ngay-chet-{province}-{timezone.localdate():%Y%m%d}.csv"
    full_ids = sees_full_citizen_ids(user)
    audit.record_download(user.username, "paid_after_death", province, name, full_ids=full_ids)
    response = StreamingHttpResponse(
        (line.encode() for line in recovery.csv_lines(province, full_ids=full_ids)),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
