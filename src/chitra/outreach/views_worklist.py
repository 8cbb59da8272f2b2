"""The ward team's worklist and contact form, on a phone, with or without a network (issue 14).

The contact form works without JavaScript (a plain POST carrying a client-made entry id);
with it, ``contact_queue.js`` keeps entries in the browser while offline and sends them to
:func:`contact_api` when the connection is back — the entry id makes a resend harmless.
A service worker (:func:`service_worker`, served under ``/outreach/`` so that its scope
covers the worklist and the forms) keeps the day's list and the forms of the people on it,
in a cache named for the signed-in user; logging out clears it (``Clear-Site-Data``).
"""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chitra.access.models import User
from chitra.access.scoping import sees_full_citizen_ids
from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.core.models import PaymentProvider
from chitra.outreach import services
from chitra.outreach.models import ContactOutcome, ContactPlace, PaymentSchedule, TeamMember
from chitra.outreach.views import XLSX, _int, _message, _user, _ward_of
from chitra.outreach.worklist import matching, search_key, tel_href, worklist
from chitra.outreach.worklist_export import write_worklist_xlsx
from chitra.registry.models import Beneficiary, PaymentPoint

MAX_ROWS = 500  # on the page; the Excel file has them all
OFFLINE_FORMS = 200  # contact forms the phone keeps for offline use (the first rows)
_SW = Path(__file__).resolve().parent / "static" / "outreach" / "worklist_sw.js"


def offline_key(user: User) -> str:
    """Names the phone's cache and queue of this user (not the username: it is in the page)."""
    return salted_hmac("chitra.outreach.offline", str(user.pk)).hexdigest()[:20]


def _offline(user: User) -> dict[str, str]:
    key = offline_key(user)
    return {"offline_key": key, "sw_url": f"{reverse('outreach_worklist_sw')}?k={key}"}


def _narrowing(request: HttpRequest, ward: str) -> tuple[PaymentSchedule | None, bool]:
    """``?day=<schedule id>``: the people expected at that payment point that day;
    ``?home=1``: those missed there (home visits to make). Another ward's day is a 404."""
    day = None
    if request.GET.get("day"):
        try:
            pk = _int(request.GET["day"]) or 0
        except DomainError:
            raise Http404 from None
        day = PaymentSchedule.objects.filter(pk=pk, ward_code=ward).select_related(
            "payment_point").first()
        if day is None:
            raise Http404
    return day, request.GET.get("home") == "1"


@login_required
@require_http_methods(["GET", "POST"])
def worklist_view(request: HttpRequest) -> HttpResponse:
    """The ward's worklist (GET), narrowed by ``day``/``home``; a POSTed ``q`` searches it
    on the server (an ID typed in full never goes into a URL)."""
    user = _user(request)
    ward = _ward_of(user)
    today = timezone.localdate()
    day, home = _narrowing(request, ward)
    rows = worklist(ward, today, point_id=day.payment_point_id if day else None,
                    home_visits=home)
    query = ""
    if request.method == "POST":
        query = request.POST.get("q", "").strip()[:100]
        if query:
            rows = matching(rows, query)
    show_ids = sees_full_citizen_ids(user)
    shown = list(rows[:MAX_ROWS])
    return render(request, "outreach/worklist.html", {
        "ward_code": ward, "today": today, "day": day, "home": home, "query": query,
        "rows": [(b, tel_href(b.phone), search_key(b, show_ids=show_ids)) for b in shown],
        "total": len(shown) if len(shown) < MAX_ROWS else rows.count(),
        "days": PaymentSchedule.objects.filter(ward_code=ward, day__gte=today)
        .select_related("payment_point")[:20],
        "expiring": services.expiring_authorizations(ward, today)[:50],
        "members": TeamMember.objects.filter(team__ward_code=ward).select_related("user")
        .order_by("-is_leader", "kind"),
        "show_ids": show_ids, "offline_forms": OFFLINE_FORMS, **_offline(user),
    })


@login_required
@require_GET
def worklist_xlsx(request: HttpRequest) -> FileResponse:
    """The worklist (same ``day``/``home`` narrowing) as an Excel file, all rows."""
    user = _user(request)
    ward = _ward_of(user)
    today = timezone.localdate()
    day, home = _narrowing(request, ward)
    rows = worklist(ward, today, point_id=day.payment_point_id if day else None,
                    home_visits=home).select_related("payment_point")
    name = f"danh-sach-van-dong-{ward}-{today:%Y%m%d}.xlsx"
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    count = write_worklist_xlsx(out, ward, rows.iterator(chunk_size=2000),
                                show_ids=sees_full_citizen_ids(user), today=today)
    audit.record_download(user.username, "worklist", ward, name, rows=count)
    out.seek(0)
    return FileResponse(out, as_attachment=True, content_type=XLSX, filename=name)


def _form_choices(person: Beneficiary) -> dict[str, object]:
    return {
        "places": ContactPlace.choices, "outcomes": ContactOutcome.choices,
        "points": PaymentPoint.objects.filter(ward_code=person.ward_code).order_by("name"),
        "providers": PaymentProvider.objects.order_by("kind", "short_name"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def contact_form(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    user = _user(request)
    ward = _ward_of(user)
    person = get_object_or_404(Beneficiary, pk=beneficiary_id, ward_code=ward)
    entered: dict[str, Any] = {}
    if request.method == "POST":
        entered = {k: str(v)[:300] for k, v in request.POST.items()
                   if k in ("place", "outcome", "payment_point", "provider", "reason",
                            "follow_up_on", "notes", "contacted_at")}
        try:
            data = _contact_input(request.POST, person.pk)
            _contact, created = services.record_contact(user, data)
        except DomainError as e:
            messages.error(request, _message(e))
        else:
            messages.success(request, _("Đã ghi nhận.") if created
                             else _("Phiếu này đã được ghi nhận trước đó."))
            return redirect("outreach_worklist")
    return render(request, "outreach/contact_form.html", {
        "person": person, "client_ref": uuid.uuid4(), "now": timezone.localtime(),
        "tel": tel_href(person.phone), "entered": entered,
        "show_ids": sees_full_citizen_ids(user), **_form_choices(person), **_offline(user),
    })


def _contact_input(data: object, beneficiary_id: int) -> services.ContactInput:
    get = data.get  # type: ignore[attr-defined]
    when = _aware(get("contacted_at", ""))
    if when is None:
        raise DomainError("invalid_contacted_at", "Thời điểm gặp không hợp lệ.",
                          "Invalid contact time.")
    follow = str(get("follow_up_on") or "")
    try:
        follow_up = parse_date(follow) if follow else None
    except ValueError:
        follow_up = None
    if follow and follow_up is None:
        raise DomainError("invalid_follow_up_on", "Ngày hẹn lại không hợp lệ.",
                          "Invalid follow-up date.")
    return services.ContactInput(
        client_ref=str(get("client_ref", "")), beneficiary_id=beneficiary_id,
        contacted_at=when, place=str(get("place", "")), outcome=str(get("outcome", "")),
        payment_point_id=_int(get("payment_point")), reason=str(get("reason", ""))[:300],
        notes=str(get("notes", ""))[:2000], follow_up_on=follow_up,
        refer_to_provider_id=_int(get("provider")))


def _aware(text: str) -> datetime | None:
    try:
        value = parse_datetime(str(text))
    except ValueError:
        return None
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


@login_required
@require_POST
def contact_api(request: HttpRequest) -> JsonResponse:
    """One queued entry from the phone, as JSON. 201 stored, 200 already stored."""
    user = _user(request)
    _ward_of(user)
    if len(request.body) > 16_384:
        return JsonResponse({"error": "too_big"}, status=413)
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            raise ValueError
        data = _contact_input(body, _int(body.get("beneficiary_id")) or 0)
        contact, created = services.record_contact(user, data)
    except ValueError:
        return JsonResponse({"error": "bad_json"}, status=400)
    except DomainError as e:
        return JsonResponse({"error": e.code, "message": _message(e)}, status=e.http_status)
    return JsonResponse({"id": contact.pk, "created": created}, status=201 if created else 200)


@cache
def _service_worker() -> bytes:
    return _SW.read_bytes()


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline worker, from ``/outreach/`` so that it may serve the worklist and forms.
    It holds no data itself (the ``k`` it is loaded with names the user's cache)."""
    response = HttpResponse(_service_worker(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("outreach_worklist")
    return response
