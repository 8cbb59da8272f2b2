"""Downloads people work from (issue 14): the cycle's exclusions (xlsx), the payment-day list
of one point and day (xlsx), and a zip of one day's cash lists. Each is scoped as the page
it is linked from (another province's cycle, point or day answers 404) and its download is
written to the audit log. Thin: the sheets are :mod:`~chitra.payments.services.payment_sheets`,
the zip :mod:`~chitra.payments.services.cash_downloads`.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from chitra.access.scoping import sees_full_citizen_ids
from chitra.payments import downloads, queries
from chitra.payments.models import PaymentCycle
from chitra.payments.services import cash_downloads, payment_sheets
from chitra.payments.services import payment_day as days
from chitra.payments.views import XLSX, cash_list_names
from chitra.payments.views_common import request_user
from chitra.payments.views_payment_day import parse_day

EXCLUSIONS = "exclusions"
PAYMENT_DAY_LIST = "payment_day_list"
CASH_LIST_ZIP = "cash_list_zip"


@login_required
@require_GET
def exclusions_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    name, out = payment_sheets.exclusions_xlsx(cycle, sees_full_citizen_ids(user))
    downloads.record(user, EXCLUSIONS, cycle.pk, name)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def payment_day_xlsx(request: HttpRequest, pk: int, point: int, day: str) -> FileResponse:
    user = request_user(request)
    found = days.payment_day(user, pk, point, parse_day(day))  # 404 outside the user's scope
    name, out = payment_sheets.payment_day_xlsx(found)
    downloads.record(user, PAYMENT_DAY_LIST, found.cycle.pk, name, point=point,
                     day=f"{found.day:%Y-%m-%d}")
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def cash_day_zip(request: HttpRequest, pk: int, day: str) -> FileResponse:
    user = request_user(request)
    cycle = PaymentCycle.objects.filter(pk=pk).first()
    if cycle is None or not queries.may_download_cash_lists(user, cycle.province_code):
        raise Http404
    found = cash_downloads.day_zip(cycle, cash_list_names(cycle), parse_day(day))
    if found is None:
        raise Http404
    name, out = found
    downloads.record(user, CASH_LIST_ZIP, cycle.pk, name)
    return FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")
