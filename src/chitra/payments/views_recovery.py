"""Payments made after a beneficiary's death, to recover (issue 16, item 4), on screen: the
list :func:`chitra.payments.recovery.payments_after_death` gives for the user's province.

BHXH staff of a province see theirs (a superuser picks one with ``?province=``); everybody
else finds nothing (404). Query only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chitra.access.scoping import bhxh_province, sees_full_citizen_ids
from chitra.core.admin_units import current_provinces
from chitra.payments.recovery import payments_after_death
from chitra.payments.views_common import request_user

PAGE_SIZE = 100


@login_required
@require_GET
def paid_after_death(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    province = bhxh_province(user) if user.is_active else None
    if user.is_active and user.is_superuser:
        province = request.GET.get("province", "")
        if province not in current_provinces():
            raise Http404
    if province is None:
        raise Http404
    rows = payments_after_death(province)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "payments/paid_after_death.html", {
        "page": page, "total": sum(r.amount for r in rows),
        "people": len({r.beneficiary_id for r in rows}),
        "province_name": current_provinces().get(province, province),
        "show_ids": sees_full_citizen_ids(user),
        "query": f"province={province}" if user.is_superuser else "",
    })
