"""The verification screens (issue 16, item 5): the batches, one batch's results, the police's
answer file, and who is due a verification. Thin: parse, call :mod:`queries`,
:mod:`services`, :mod:`run` and :mod:`tasks` (what ``chitra verify_population`` calls), render.

BHXH staff of a province see its batches and start new ones; a police verifier sees only the
batches sent to their organization (and may download their request file); everybody else
finds nothing (404). A batch out of scope answers 404; a POST from someone who sees the page
but may not act, 403. A GET changes nothing. The review queue is in :mod:`views_review`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chitra.access.models import OrganizationKind, Role, User
from chitra.access.scoping import bhxh_province, scope_of, sees_full_citizen_ids
from chitra.core.admin_units import current_provinces
from chitra.core.errors import DomainError, NotInScope
from chitra.registry.verification_due import not_verified_since
from chitra.verification import queries, run, services, tasks
from chitra.verification.exchange_layout import MAX_FILE_BYTES, too_big
from chitra.verification.forms import AnswerFileForm, StartForm
from chitra.verification.models import (
    AdapterKind,
    BatchStatus,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome

PAGE_SIZE = 100
BATCHES_PER_PAGE = 20
DUE_MONTHS = 12
# The chip colour of each status (web/chitra.css).
STATUS_TONES = {BatchStatus.QUEUED: "pending", BatchStatus.RUNNING: "info",
                BatchStatus.AWAITING_ANSWER: "amber", BatchStatus.DONE: "ok",
                BatchStatus.FAILED: "bad"}
RUNNING = (BatchStatus.QUEUED, BatchStatus.RUNNING)
REFRESH_SECONDS = 5


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def message_of(e: DomainError) -> str:
    return e.message_en if get_language() == "en" else e.message_vi


def may_verify(user: User) -> bool:
    """Starts batches, brings answer files and reviews: BHXH staff of a province, a
    superuser (the use cases check again)."""
    return user.is_active and (user.is_superuser or bhxh_province(user) is not None)


def may_answer(user: User, batch: VerificationBatch) -> bool:
    """Brings the answer file of ``batch`` (:func:`services.may_answer` decides)."""
    try:
        services.may_answer(user, batch)
    except DomainError:
        return False
    return True


def sees_verification(user: User) -> bool:
    """Sees the batches page: who :func:`may_verify`, and a police verifier of a police
    organization (the batches sent to it) — as :func:`queries.batches_for` scopes them."""
    if may_verify(user):
        return True
    org = user.organization
    return (user.is_active and user.role == Role.POLICE_VERIFIER and org is not None
            and org.kind == OrganizationKind.POLICE and scope_of(user).sees_people)


def _province_choices(user: User) -> list[tuple[str, str]] | None:
    """A superuser picks the province; BHXH staff verify their own (None: no choice)."""
    if not user.is_superuser:
        return None
    return sorted(current_provinces().items(), key=lambda cn: cn[1])


@dataclass(frozen=True)
class BatchRow:
    batch: VerificationBatch
    tone: str
    counts: list[tuple[str, str, int]]  # (outcome, label, n) of the outcomes found


def _rows(batches: list[VerificationBatch]) -> list[BatchRow]:
    """The batches with their outcome counts, one query for the page (the batches come from
    :func:`queries.batches_for`, so their results are the user's to see)."""
    found: dict[int, dict[str, int]] = {}
    for batch_id, outcome, n in (VerificationResult.objects
                                 .filter(batch_id__in=[b.pk for b in batches]).order_by()
                                 .values_list("batch_id", "outcome").annotate(n=Count("id"))):
        found.setdefault(batch_id, {})[outcome] = n
    for b in batches:  # matched in bulk from an extract: counted on the batch
        if b.matched_in_bulk:
            mine = found.setdefault(b.pk, {})
            mine[Outcome.MATCH] = mine.get(Outcome.MATCH, 0) + b.matched_in_bulk
    labels = dict(Outcome.choices)
    return [BatchRow(b, STATUS_TONES.get(BatchStatus(b.status), "neutral"),
                     [(o, str(labels[o]), n) for o, n in found.get(b.pk, {}).items()])
            for b in batches]


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not sees_verification(user):
        raise Http404
    can_start = may_verify(user)
    provinces = _province_choices(user)
    form = StartForm(provinces=provinces) if can_start else None
    status = 200
    if request.method == "POST":
        if not can_start:
            raise PermissionDenied
        form = StartForm(request.POST, provinces=provinces)
        if form.is_valid():
            batch = _start(user, form)
            if batch is not None:
                messages.success(request, _("Đã tạo đợt đối chiếu %(id)s; đợt chạy nền, "
                                            "trang này cập nhật tiến độ.") % {"id": batch.pk})
                return redirect("verification_batch", pk=batch.pk)
        status = 400
    page = Paginator(queries.batches_for(user), BATCHES_PER_PAGE).get_page(
        request.GET.get("page"))
    province = bhxh_province(user)
    return render(request, "verification/batches.html", {
        "form": form, "page": page, "rows": _rows(list(page.object_list)),
        "province_code": province,
        "province_name": current_provinces().get(province or "", ""),
        "due_count": not_verified_since(province, DUE_MONTHS).count() if province else None,
        "due_months": DUE_MONTHS,
        "is_police": not can_start,
    }, status=status)


def _start(user: User, form: StartForm) -> VerificationBatch | None:
    """Create the batch and queue its run, as ``chitra verify_population`` does; None with
    the refusal on the form."""
    data = form.cleaned_data
    province = data.get("province") or bhxh_province(user) or ""
    try:
        batch = services.create_batch(province, data["adapter"], user)
    except NotInScope:
        raise Http404 from None
    except DomainError as e:
        form.add_error(None, message_of(e))
        return None
    tasks.submit(batch)  # the file path writes its request file in the same task
    return batch


def _batch(user: User, pk: int) -> VerificationBatch:
    try:
        return queries.batch_for(pk, user)
    except NotInScope:
        raise Http404 from None


def _outcome(request: HttpRequest) -> str:
    wanted = request.GET.get("outcome", "")
    return wanted if wanted in Outcome.values else ""


def _detail(request: HttpRequest, user: User, batch: VerificationBatch, *,
            form: AnswerFileForm | None = None, answered: run.AnswerFileOutcome | None = None,
            status: int = 200) -> HttpResponse:
    outcome = _outcome(request)
    page = Paginator(queries.results_of(batch, user, outcome or None), PAGE_SIZE).get_page(
        request.GET.get("page"))
    counts = queries.outcome_counts(batch, user)
    awaiting = batch.adapter_kind == AdapterKind.FILE and (
        batch.status == BatchStatus.AWAITING_ANSWER)
    if form is None and awaiting and may_answer(user, batch):
        form = AnswerFileForm()
    labels = dict(Outcome.choices)
    percent = (min(100, batch.people_done * 100 // batch.people_total)
               if batch.people_total else (100 if batch.status == BatchStatus.DONE else 0))
    return render(request, "verification/batch.html", {
        "batch": batch, "tone": STATUS_TONES.get(BatchStatus(batch.status), "neutral"),
        "running": batch.status in RUNNING, "refresh": REFRESH_SECONDS, "percent": percent,
        "province_name": current_provinces().get(batch.province_code, batch.province_code),
        "counts": [(o, str(labels[o]), n) for o, n in counts.items()],
        "total": sum(counts.values()), "outcome": outcome,
        "matched_in_bulk": batch.matched_in_bulk if outcome in ("", Outcome.MATCH) else 0,
        "outcome_label": str(labels[outcome]) if outcome else "",
        "page": page, "show_ids": sees_full_citizen_ids(user),
        "has_request": batch.adapter_kind == AdapterKind.FILE
        and run.request_path(batch).is_file(),
        "form": form, "answered": answered,
        "error_message": batch.error_message.split("\n")[get_language() == "en"]
        if "\n" in batch.error_message else batch.error_message,
    }, status=status)


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    return _detail(request, user, _batch(user, pk))


@login_required
@require_GET
def request_file(request: HttpRequest, pk: int) -> FileResponse:
    """The request file of a file batch: BHXH hands it to the police, who may fetch it
    here too."""
    user = request_user(request)
    batch = _batch(user, pk)
    path = run.request_path(batch)
    if batch.adapter_kind != AdapterKind.FILE or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@login_required
@require_POST
def answer_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the police's answer file (:func:`run.record_answer_file`: BHXH staff of the
    province, or the police the batch was sent to): its rows set aside are shown on the
    page, not stored."""
    user = request_user(request)
    batch = _batch(user, pk)
    if not may_answer(user, batch):
        raise PermissionDenied
    form = AnswerFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, user, batch, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        answered = _record(batch, upload, user, finish=form.cleaned_data["finish"])
    except NotInScope:
        raise Http404 from None
    except DomainError as e:
        form.add_error("file", message_of(e))
        return _detail(request, user, batch, form=form,
                       status=403 if e.http_status == 403 else 400)
    batch = _batch(user, pk)
    recorded = answered.recorded
    messages.success(request, _("Đã ghi nhận %(n)s kết quả; %(review)s cần xem xét, "
                                "%(aside)s dòng bị loại.") % {
        "n": recorded.results, "review": recorded.to_review,
        "aside": len(answered.reading.set_aside)})
    return _detail(request, user, batch, form=AnswerFileForm() if (
        batch.status == BatchStatus.AWAITING_ANSWER) else None, answered=answered)


def _record(batch: VerificationBatch, upload: UploadedFile, user: User, *,
            finish: bool) -> run.AnswerFileOutcome:
    """The upload kept in a private temporary file under its own suffix (the reader goes by
    it), read and recorded, then removed; one over the reader's limit is refused before it
    is copied."""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise too_big(MAX_FILE_BYTES)
    suffix = Path(upload.name or "").suffix.lower()[:10]
    with tempfile.TemporaryDirectory(prefix="chitra-answer-") as folder:
        path = Path(folder) / f"tra-loi{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return run.record_answer_file(batch.pk, path, user, finish=finish)


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    """The province's active beneficiaries not verified in the last 12 months."""
    user = request_user(request)
    province = bhxh_province(user)
    if user.is_superuser:
        province = request.GET.get("province", "")
        if province not in current_provinces():
            raise Http404
    if province is None or not user.is_active:
        raise Http404
    page = Paginator(not_verified_since(province, DUE_MONTHS), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "verification/due.html", {
        "page": page, "months": DUE_MONTHS, "province_code": province,
        "province_name": current_provinces().get(province, province),
        "show_ids": sees_full_citizen_ids(user),
        "query": f"province={province}" if user.is_superuser else "",
    })
