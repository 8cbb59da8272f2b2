"""Payment pages: cycles (open, compute, approve, export, close), files, status upload and
reconciliation. Thin: check who may, call the service or queue the task, render. Which
buttons a cycle offers follows :func:`chitra.payments.lifecycle.allows`.

The CLI (``chitra cycle …``, ``chitra ingest_status``) calls the same services.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chitra.access.models import User
from chitra.access.scoping import sees_full_citizen_ids
from chitra.core.errors import DomainError
from chitra.payments import downloads, queries, services, tasks
from chitra.payments.errors import PaymentError
from chitra.payments.lifecycle import Step, allows
from chitra.payments.models import CycleStatus, PaymentCycle, PaymentFile, StatusFile
from chitra.payments.permissions import CycleAction, may
from chitra.payments.services import cash_downloads, payment_sheets
from chitra.payments.views_common import count_text, error_message, request_user
from chitra.registry.importing.run import DEFAULT_PROVINCE
from chitra.registry.verification_due import not_verified_since

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_SUFFIXES = services.STATUS_UPLOAD_SUFFIXES
MAX_STATUS_UPLOAD_BYTES = services.STATUS_UPLOAD_MAX_BYTES
# Cash lists are named by export.run._write_cash_lists; only names the manifest lists are served.
_CASH_LIST_NAME = re.compile(r"^tien-mat-[0-9]{4}-[0-9]{2}-[A-Za-z0-9-]+-[0-9]{8}\.(xlsx|pdf)$")


# Choice labels of the payment models, shown with {% translate obj.get_x_display %}: listed
# here so makemessages keeps them in the English catalog (models stay free of i18n).
CHOICE_LABELS = (
    # CycleStatus
    gettext_noop("Mở"), gettext_noop("Đang tính"), gettext_noop("Đã tính"),
    gettext_noop("Đã duyệt"),
    gettext_noop("Đã xuất tệp"), gettext_noop("Đang đối soát"), gettext_noop("Đã đóng"),
    # ItemStatus
    gettext_noop("Chờ xuất"), gettext_noop("Đã gửi"), gettext_noop("Ngân hàng đã nhận"),
    gettext_noop("Đã chi"), gettext_noop("Bị từ chối"), gettext_noop("Bị hoàn trả"),
    gettext_noop("Huỷ"),
    # ExclusionReason (and "Đã chết", listed in web/labels.py)
    gettext_noop("Tạm dừng hưởng"), gettext_noop("Không có phương thức nhận"),
    # StatusSource
    gettext_noop("Kết quả chi tiền mặt"),
)


# --- helpers ---------------------------------------------------------------------------------

def _running(cycle: PaymentCycle) -> bool:
    return services.is_running(cycle)


def _percent(cycle: PaymentCycle) -> int:
    if not _running(cycle):
        return 100
    if not cycle.progress_total:
        return 0
    return min(99, cycle.progress_done * 100 // cycle.progress_total)


def _manifest_path(cycle: PaymentCycle) -> Path:
    # The name export.run.export_cycle gives the manifest.
    return services.export_dir(cycle) / f"manifest-{cycle.province_code}-{cycle.period:%Y-%m}.json"


def cash_list_names(cycle: PaymentCycle) -> list[str]:
    """The cash lists of the cycle's export, as its manifest lists them."""
    path = _manifest_path(cycle)
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("meta", {})
    except (OSError, ValueError):
        return []
    names = meta.get("cash_lists", []) if isinstance(meta, dict) else []
    return [n for n in names if isinstance(n, str) and _CASH_LIST_NAME.match(n)]


def _serve(user: User, kind: str, object_id: int, path: Path, name: str, content_type: str,
           **audit_extra: Any) -> FileResponse:
    """The file as an attachment, its download written to the audit log (404 if missing)."""
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name,
                            content_type=content_type)
    downloads.record(user, kind, object_id, name, **audit_extra)
    return response


# --- cycles ----------------------------------------------------------------------------------

class OpenCycleForm(forms.Form):
    period = forms.RegexField(regex=r"^\d{4}-\d{2}$", label=_("Tháng (YYYY-MM)"),
                              widget=forms.TextInput(attrs={"type": "month",
                                                            "placeholder": "2026-11"}))


def _province_of(user: User) -> str:
    org = user.organization
    return org.province_code if org is not None else DEFAULT_PROVINCE


@login_required
@require_GET
def cycle_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not queries.sees_cycles(user):
        if queries.sees_payments(user):
            return redirect("payment_files")
        raise PermissionDenied
    province = _province_of(user)
    return render(request, "payments/cycle_list.html", {
        "cycles": queries.cycle_list(user)[:36],
        "form": OpenCycleForm() if may(user, CycleAction.OPEN, province) else None,
    })


@login_required
@require_POST
def cycle_open(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    province = _province_of(user)
    if not may(user, CycleAction.OPEN, province):
        raise PermissionDenied
    form = OpenCycleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tháng không hợp lệ (dạng YYYY-MM)."))
        return redirect("payment_cycles")
    try:
        cycle = services.open_cycle(province, services.parse_period(form.cleaned_data["period"]),
                                    user.username)
    except DomainError as e:
        messages.error(request, error_message(e))
        return redirect("payment_cycles")
    return redirect("payment_cycle", pk=cycle.pk)


def _actions(user: User, cycle: PaymentCycle) -> dict[str, Any]:
    """Which buttons the page offers, and why approve is not offered when it is not."""
    p, busy = cycle.province_code, _running(cycle)
    approvable = allows(cycle, Step.APPROVE)
    approve_block: str | Promise = ""
    if approvable:
        if not may(user, CycleAction.APPROVE, p):
            approve_block = _("Chỉ lãnh đạo duyệt của BHXH tỉnh được duyệt kỳ chi trả.")
        elif user.username == cycle.computed_by:
            approve_block = _("Bạn đã tính kỳ này; người duyệt phải là người khác "
                              "(nguyên tắc hai người).")
        elif busy:
            approve_block = _("Đang tính lại; hãy chờ xong.")
    return {
        "compute": (allows(cycle, Step.COMPUTE) and not busy
                    and may(user, CycleAction.COMPUTE, p)),
        "approve": approvable and not approve_block,
        "approve_shown": approvable,
        "approve_block": approve_block,
        "export": (allows(cycle, Step.EXPORT) and not busy
                   and may(user, CycleAction.EXPORT, p)),
        "close": (allows(cycle, Step.CLOSE) and not busy
                  and may(user, CycleAction.CLOSE, p)),
        # Whoever may start a step may give back one whose worker died.
        "release": busy and services.is_stuck(cycle) and may(user, CycleAction.COMPUTE, p),
    }


@login_required
@require_GET
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    files = list(PaymentFile.objects.filter(cycle=cycle).select_related("provider"))
    actions = _actions(user, cycle)
    open_items = queries.open_item_count(cycle) if actions["close"] else 0
    cash_lists = cash_list_names(cycle) if files or cycle.exported_at else []
    return render(request, "payments/cycle_detail.html", {
        "cycle": cycle,
        "totals": queries.cycle_totals(cycle),
        "exclusions": queries.exclusions(cycle),
        "files": files,
        "cash_lists": cash_lists,
        "cash_days": cash_downloads.by_day(cash_lists),
        "open_items": open_items,
        "close_warning": _close_warning(open_items) if open_items else "",
        "has_manifest": _manifest_path(cycle).is_file(),
        "actions": actions,
        "running": _running(cycle),
        "stuck": services.is_stuck(cycle),
        "percent": _percent(cycle),
        "failure": services.last_failure(cycle),
        "export_warnings": services.export_warnings(cycle),
        "show_ids": sees_full_citizen_ids(user),
        "not_verified": _not_verified(cycle, user),
    })


def _not_verified(cycle: PaymentCycle, user: User) -> int | None:
    """Before a cycle is approved, how many of its province's active people were not
    verified against the population database in 12 months (issue 16), for BHXH staff."""
    if cycle.status not in (CycleStatus.OPEN, CycleStatus.COMPUTED) or not may(
            user, CycleAction.COMPUTE, cycle.province_code):
        return None
    return not_verified_since(cycle.province_code).count()


@login_required
@require_GET
def cycle_status(request: HttpRequest, pk: int) -> JsonResponse:
    cycle = queries.get_cycle_for(request_user(request), pk)
    failure = services.last_failure(cycle)
    return JsonResponse({
        "id": cycle.pk, "status": cycle.status, "status_label": str(cycle.get_status_display()),
        "step": cycle.progress_step, "done": cycle.progress_done,
        "total": cycle.progress_total, "percent": _percent(cycle),
        "running": _running(cycle), "stuck": services.is_stuck(cycle),
        "failed": failure is not None,
        "message": (failure or {}).get("message_en" if get_language() == "en"
                                       else "message_vi", ""),
    })


def _act(request: HttpRequest, pk: int, action: CycleAction) -> tuple[User, PaymentCycle]:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    if not may(user, action, cycle.province_code):
        raise PermissionDenied
    return user, cycle


def confirmed(request: HttpRequest) -> bool:
    """Whether the POST comes from the confirmation step (``confirm=1``); if not, says so
    in the page's message and nothing is done (issue 14: irreversible steps are confirmed)."""
    if request.POST.get("confirm") == "1":
        return True
    messages.error(request, _("Chưa xác nhận: không có gì thay đổi. Hãy bấm nút xác nhận."))
    return False


def _submit(request: HttpRequest, pk: int, action: CycleAction, step: str,
            queued: str, confirm: bool = False) -> HttpResponse:
    """Queue a compute or export task (the export once confirmed); the page then shows its
    progress."""
    user, cycle = _act(request, pk, action)
    if confirm and not confirmed(request):
        return redirect("payment_cycle", pk=cycle.pk)
    try:
        tasks.submit(step, cycle.pk, user.username)
    except DomainError as e:
        messages.error(request, error_message(e))
    else:
        if _running(PaymentCycle.objects.get(pk=cycle.pk)):  # not done at once by the backend
            messages.info(request, queued)
    return redirect("payment_cycle", pk=cycle.pk)


@login_required
@require_POST
def cycle_compute(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(request, pk, CycleAction.COMPUTE, tasks.COMPUTE,
                   str(_("Đã đưa việc tính kỳ chi trả vào hàng đợi.")))


@login_required
@require_POST
def cycle_export(request: HttpRequest, pk: int) -> HttpResponse:
    return _submit(request, pk, CycleAction.EXPORT, tasks.EXPORT,
                   str(_("Đã đưa việc xuất tệp chi trả vào hàng đợi.")), confirm=True)


@login_required
@require_POST
def cycle_release(request: HttpRequest, pk: int) -> HttpResponse:
    user, cycle = _act(request, pk, CycleAction.COMPUTE)
    if not confirmed(request):
        return redirect("payment_cycle", pk=cycle.pk)
    try:
        services.release_stuck_step(cycle.pk, user.username)
    except DomainError as e:
        messages.error(request, error_message(e))
    else:
        messages.success(request, _("Đã gỡ bước bị treo; có thể chạy lại."))
    return redirect("payment_cycle", pk=cycle.pk)


@login_required
@require_POST
def cycle_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user, cycle = _act(request, pk, CycleAction.APPROVE)
    if not confirmed(request):
        return redirect("payment_cycle", pk=cycle.pk)
    try:
        if _running(cycle):
            raise PaymentError("task_running", "Đang tính lại; hãy chờ xong.",
                                     "A recompute is running; wait for it.")
        services.approve_cycle(cycle.pk, user.username)
    except DomainError as e:
        messages.error(request, error_message(e))
    else:
        messages.success(request, _("Đã duyệt kỳ chi trả."))
    return redirect("payment_cycle", pk=cycle.pk)


@login_required
@require_POST
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    user, cycle = _act(request, pk, CycleAction.CLOSE)
    if not confirmed(request):
        return redirect("payment_cycle", pk=cycle.pk)
    still_open = queries.open_item_count(cycle)
    if still_open and request.POST.get("close_with_open") != "1":
        messages.error(request, _close_warning(still_open) + " " + str(
            _("Hãy đánh dấu ô xác nhận đóng kỳ khi còn giao dịch chưa có kết quả.")))
        return redirect("payment_cycle", pk=cycle.pk)
    try:
        services.close_cycle(cycle.pk, user.username)
    except DomainError as e:
        messages.error(request, error_message(e))
    else:
        messages.success(request, _("Đã đóng kỳ chi trả."))
    return redirect("payment_cycle", pk=cycle.pk)


def _close_warning(n: int) -> str:
    """"Còn 1.234 giao dịch chưa có kết quả." in the reader's language."""
    return ngettext("Còn %(n)s giao dịch chưa có kết quả.",
                    "Còn %(n)s giao dịch chưa có kết quả.", n) % {"n": count_text(n)}


# --- files -----------------------------------------------------------------------------------

@login_required
@require_GET
def file_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not queries.sees_payments(user):
        raise PermissionDenied
    cash = [(c, cash_downloads.by_day(cash_list_names(c)))
            for c in queries.cash_list_cycles_for(user)[:12]]
    return render(request, "payments/file_list.html", {
        "files": queries.files_visible_to(user).order_by("-cycle__period", "provider__short_name",
                                                         "sequence")[:200],
        "cash_cycles": [(c, names) for c, names in cash if names],
        "sees_cycles": queries.sees_cycles(user),
    })


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    user = request_user(request)
    pf = queries.get_file_for(user, pk)
    name = Path(pf.file_name).name
    if name != pf.file_name:
        raise Http404
    where = services.export_dir(pf.cycle)
    if kind == "xml":
        return _serve(user, downloads.PAIN001, pf.pk, where / name, name, "application/xml",
                      cycle=pf.cycle_id)
    if kind == "p7s":
        return _serve(user, downloads.SIGNATURE, pf.pk, where / f"{name}.p7s", f"{name}.p7s",
                      "application/pkcs7-signature", cycle=pf.cycle_id)
    raise Http404


@login_required
@require_GET
def manifest_download(request: HttpRequest, pk: int) -> FileResponse:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    if not may(user, CycleAction.DOWNLOAD, cycle.province_code):
        raise PermissionDenied
    path = _manifest_path(cycle)
    return _serve(user, downloads.MANIFEST, cycle.pk, path, path.name, "application/json")


@login_required
@require_GET
def cash_list_download(request: HttpRequest, pk: int, name: str) -> FileResponse:
    user = request_user(request)
    cycle = PaymentCycle.objects.filter(pk=pk).first()
    if cycle is None or not queries.may_download_cash_lists(user, cycle.province_code):
        raise Http404
    if name not in cash_list_names(cycle):
        raise Http404
    ctype = XLSX if name.endswith(".xlsx") else "application/pdf"
    return _serve(user, downloads.CASH_LIST, cycle.pk, services.export_dir(cycle) / name, name,
                  ctype)


# --- status files in -------------------------------------------------------------------------

class StatusUploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp trạng thái (pain.002, camt.054 .xml; kết quả chi tiền "
                                   "mặt .xlsx/.csv)"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if Path(f.name).suffix.lower() not in STATUS_SUFFIXES:
            raise forms.ValidationError(_("Chỉ nhận tệp .xml, .xlsx hoặc .csv."))
        if f.size > MAX_STATUS_UPLOAD_BYTES:
            raise forms.ValidationError(_("Tệp lớn hơn 50 MB."))
        return f


@login_required
@require_http_methods(["GET", "POST"])
def status_upload(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not queries.may_upload_status(user):
        raise PermissionDenied
    form = (StatusUploadForm(request.POST, request.FILES) if request.method == "POST"
            else StatusUploadForm())
    if form.is_bound and form.is_valid():
        # Stored and queued: the worker reads it (never an xlsx inside a request).
        upload = form.cleaned_data["file"]
        try:
            token = tasks.queue_status_upload(upload, upload.name, user)
        except DomainError as e:
            form.add_error("file", error_message(e))
        else:
            return redirect("payment_status_result", token=token)
    return render(request, "payments/status_upload.html", {
        "form": form,
        "recent": StatusFile.objects.filter(received_by=user.username)
        .select_related("provider")[:10],
    })


@login_required
@require_GET
def status_result(request: HttpRequest, token: str) -> HttpResponse:
    """What became of an upload: in progress, or its result (only to who sent it)."""
    user = request_user(request)
    if not queries.may_upload_status(user):
        raise PermissionDenied
    upload = services.status_upload(token, user)
    if upload is None:
        raise Http404
    return render(request, "payments/status_result.html", {
        "upload": upload, "result": upload.result, "show_ids": sees_full_citizen_ids(user)})


# --- reconciliation --------------------------------------------------------------------------

@login_required
@require_GET
def reconciliation(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    return render(request, "payments/reconciliation.html", {
        "cycle": cycle, "rec": queries.reconciliation(cycle, timezone.localdate()),
        "statuses": queries.STATUS_ORDER, "show_ids": sees_full_citizen_ids(user),
        "open_exceptions": services.open_exception_count(cycle),
    })


@login_required
@require_GET
def reconciliation_csv(request: HttpRequest, pk: int, part: str) -> StreamingHttpResponse:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    if part not in downloads.RECONCILIATION_PARTS:
        raise Http404
    name, lines = downloads.reconciliation_csv(cycle, part)
    downloads.record(user, downloads.RECONCILIATION, cycle.pk, name)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def reconciliation_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    user = request_user(request)
    cycle = queries.get_cycle_for(user, pk)
    name, out = payment_sheets.reconciliation_xlsx(cycle)  # FileResponse closes ``out``
    downloads.record(user, downloads.RECONCILIATION, cycle.pk, name)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
