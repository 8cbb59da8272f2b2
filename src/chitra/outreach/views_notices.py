"""Notice pages of the ward team: the letters page, the letters as PDF (the ward's, streamed,
or one person's) and the SMS list for the SMS gateway. Every download of a file naming people
is recorded in the audit log."""

from __future__ import annotations

import re
from itertools import chain, islice

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from chitra.access.models import User
from chitra.config import CONFIG
from chitra.core import audit
from chitra.core.admin_units import current_wards
from chitra.core.tabular import csv_text
from chitra.outreach import services
from chitra.outreach.letter_pdf import Letterhead, letter_pdf, stream_letters
from chitra.outreach.notices import person_letter, sms_text, ward_letters
from chitra.outreach.worklist import cash_recipients

SHOWN = 200  # people listed on the letters page (the PDF has them all)
PDF = "application/pdf"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


def _ward_of(user: User) -> tuple[str, str]:
    """The ward (and its province) whose notices ``user`` sends: its staff and its work
    team's members; anybody else is refused."""
    ward = services.team_ward(user)
    if not ward:
        raise PermissionDenied
    unit = current_wards().get(ward)
    return ward, unit.province_code if unit else ward[:2]


def _letterhead(province: str) -> Letterhead:
    return Letterhead.of(province, CONFIG.office_address, CONFIG.hotline)


@login_required
@require_GET
def notice_letters(request: HttpRequest) -> HttpResponse:
    """The letters page: how many letters and SMS, the downloads, the first people."""
    ward, province = _ward_of(_user(request))
    people = cash_recipients(ward)
    total = people.count()
    with_phone = people.exclude(phone="").count()
    shown = list(islice(ward_letters(ward, province, timezone.localdate()), SHOWN))
    return render(request, "outreach/letters.html", {
        "ward_code": ward, "total": total, "with_phone": with_phone, "letters": shown,
        "more": max(0, total - len(shown))})


@login_required
@require_GET
def notice_letters_pdf(request: HttpRequest) -> StreamingHttpResponse:
    """Every cash recipient's letter, one page each, streamed as it is drawn."""
    user = _user(request)
    ward, province = _ward_of(user)
    today = timezone.localdate()
    name = f"thu-thong-bao-{ward}-{today:%Y-%m-%d}.pdf"
    audit.record_download(user.username, "notice_letters", ward, name)
    pieces = stream_letters(_letterhead(province), ward_letters(ward, province, today), today,
                            title=f"Thư thông báo {ward}")
    response = StreamingHttpResponse(pieces, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def notice_letter_pdf(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    """One person's letter (any active beneficiary of the ward, cash or not)."""
    user = _user(request)
    ward, province = _ward_of(user)
    today = timezone.localdate()
    facts = person_letter(ward, province, beneficiary_id, today)
    if facts is None:
        raise Http404
    name = f"thu-thong-bao-{beneficiary_id}.pdf"
    audit.record_download(user.username, "notice_letter", beneficiary_id, name)
    response = HttpResponse(letter_pdf(_letterhead(province), facts, today), content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


_NOT_DIGITS = re.compile(r"\D")


def _sms_phone(phone: str) -> str:
    """The number as the SMS gateway takes it: digits only, ``+84 912…`` as ``0912…`` (so no
    cell starts with ``+`` and none needs the formula guard's apostrophe)."""
    digits = _NOT_DIGITS.sub("", phone)
    if phone.strip().startswith("+84") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    return digits


@login_required
@require_GET
def notice_sms_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The SMS list (phone, name, text) for the SMS gateway, streamed; cells that a
    spreadsheet would run as a formula are neutralised, and the download is recorded."""
    user = _user(request)
    ward, province = _ward_of(user)
    name = f"tin-nhan-{ward}.csv"
    letters = ward_letters(ward, province, timezone.localdate())
    audit.record_download(user.username, "sms_list", ward, name)
    hotline = CONFIG.hotline
    rows = ([phone, f.full_name, sms_text(f, hotline)]
            for f in letters if (phone := _sms_phone(f.phone)))
    response = StreamingHttpResponse(
        csv_text(chain([["so_dien_thoai", "ho_ten", "noi_dung"]], rows)),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
