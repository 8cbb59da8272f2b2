"""The review queue of discrepancies on screen (issue 16, items 4 and 5): our values beside
the population database's, the maker's proposal and the checker's decision, through
:func:`review.propose` and :func:`review.decide` (which check scope, role and maker–checker).

Only BHXH staff of a province (and a superuser) open it; another province's result answers
404. A refusal is shown at its item with the use case's status (400, or 403 for the
maker–checker and role rules), nothing changed.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chitra.access.models import Role, User
from chitra.access.scoping import sees_full_citizen_ids
from chitra.core.errors import DomainError, NotInScope
from chitra.registry.models import SexChoice
from chitra.verification import queries, review
from chitra.verification.forms import DecideForm, ProposeForm
from chitra.verification.models import Decision, ReviewReason, ReviewStatus, VerificationResult
from chitra.verification.outcomes import BirthDateReason, Outcome
from chitra.verification.views import PAGE_SIZE, may_verify, message_of, request_user

SEX_LABELS = dict(SexChoice.choices)
AWAITING_PROPOSAL = (ReviewStatus.PENDING, ReviewStatus.REJECTED)


def _reviewer(request: HttpRequest) -> User:
    user = request_user(request)
    if not may_verify(user):
        raise Http404
    return user


def _initial(result: VerificationResult) -> dict[str, object]:
    """The correction form filled with the population database's values that differ."""
    initial: dict[str, object] = {"decision": Decision.CORRECT}
    if result.outcome == Outcome.NAME_DIFFERS and result.their_full_name:
        initial["full_name"] = result.their_full_name
    if (result.outcome == Outcome.BIRTH_DATE_DIFFERS and result.their_date_of_birth
            and result.their_date_of_birth != result.date_of_birth):
        initial["date_of_birth"] = result.their_date_of_birth
    if result.outcome == Outcome.MOVED and result.new_ward_code:
        initial["ward_code"] = result.new_ward_code
    if result.outcome == Outcome.NOT_FOUND:
        initial["decision"] = Decision.ACCEPT
    if result.outcome == Outcome.DECEASED:
        # A death held for review: the same person (with their values) or our record stands.
        initial["decision"] = Decision.ACCEPT if result.review_reason in (
            ReviewReason.DEATH_DATE_DIFFERS, ReviewReason.DEATH_DATE_INVALID
        ) else Decision.RECORD_DEATH
        if result.their_date_of_birth and result.their_date_of_birth != result.date_of_birth:
            initial["date_of_birth"] = result.their_date_of_birth
    if result.review_reason == ReviewReason.ALIVE_BUT_DECEASED:
        initial = {"decision": Decision.ACCEPT}
    return initial


def _birth_reason(code: str) -> str:
    try:
        reason = BirthDateReason(code)
    except ValueError:
        return code
    return reason.text_en if get_language() == "en" else reason.text_vi


def _queue(request: HttpRequest, user: User, *, failed: int | None = None,
           failed_form: ProposeForm | DecideForm | None = None, error: str = "",
           status: int = 200) -> HttpResponse:
    page = Paginator(queries.review_queue(user), PAGE_SIZE).get_page(request.GET.get("page"))
    is_approver = user.is_superuser or user.role == Role.BHXH_APPROVER
    items = []
    for result in page.object_list:
        propose_form = decide_form = None
        if result.review_status in AWAITING_PROPOSAL:
            propose_form = (failed_form if failed == result.pk
                            and isinstance(failed_form, ProposeForm)
                            else ProposeForm(initial=_initial(result),
                                             prefix=f"r{result.pk}"))
        elif result.review_status == ReviewStatus.PROPOSED and is_approver:
            decide_form = (failed_form if failed == result.pk
                           and isinstance(failed_form, DecideForm)
                           else DecideForm(prefix=f"r{result.pk}"))
        items.append({
            "r": result, "propose_form": propose_form, "decide_form": decide_form,
            "is_maker": result.proposed_by == user.username,
            "error": error if failed == result.pk else "",
            "their_sex": SEX_LABELS.get(result.their_sex, result.their_sex),
            "birth_reason": _birth_reason(result.birth_date_reason)
            if result.birth_date_reason else "",
        })
    return render(request, "verification/review.html", {
        "page": page, "items": items, "show_ids": sees_full_citizen_ids(user),
        "is_approver": is_approver, "error": error, "failed": failed,
        "page_query": urlencode({"page": page.number}) if page.number > 1 else "",
    }, status=status)


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    return _queue(request, _reviewer(request))


def _back(request: HttpRequest) -> HttpResponse:
    page = request.GET.get("page", "")
    return redirect(reverse("verification_review")
                    + (f"?{urlencode({'page': page})}" if page.isdecimal() else ""))


def _actor(request: HttpRequest, pk: int) -> User:
    """Who posts about result ``pk``: BHXH staff (else 403) who may see its batch (else 404,
    before the form is read: another province's result is not found, whatever is posted)."""
    user = request_user(request)
    if not may_verify(user):
        raise PermissionDenied
    if not VerificationResult.objects.filter(
            pk=pk, batch__in=queries.batches_for(user)).exists():
        raise Http404
    return user


def _refused(request: HttpRequest, user: User, pk: int, form: ProposeForm | DecideForm,
             e: DomainError) -> HttpResponse:
    if isinstance(e, NotInScope):
        raise Http404 from None
    return _queue(request, user, failed=pk, failed_form=form, error=message_of(e),
                  status=403 if e.http_status == 403 else 400)


@login_required
@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request, pk)
    form = ProposeForm(request.POST, prefix=f"r{pk}")
    if not form.is_valid():
        return _queue(request, user, failed=pk, failed_form=form,
                      error=_("Chưa gửi được đề xuất: hãy sửa các mục bị báo lỗi."), status=400)
    data = form.cleaned_data
    correct = data["decision"] in (Decision.CORRECT, Decision.RECORD_DEATH)
    try:
        review.propose(
            pk, user, data["decision"],
            # Keeping the record takes no values: those the form was filled with are dropped.
            full_name=(data["full_name"] or None) if correct else None,
            date_of_birth=data["date_of_birth"] if correct else None,
            ward_code=(data["ward_code"] or None) if correct else None, note=data["note"])
    except DomainError as e:
        return _refused(request, user, pk, form, e)
    messages.success(request, _("Đã gửi đề xuất; chờ lãnh đạo khác duyệt."))
    return _back(request)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _actor(request, pk)
    form = DecideForm(request.POST, prefix=f"r{pk}")
    if not form.is_valid():
        return _queue(request, user, failed=pk, failed_form=form,
                      error=_("Hãy chọn duyệt hoặc không duyệt."), status=400)
    try:
        result = review.decide(pk, user, form.cleaned_data["approve"],
                               note=form.cleaned_data["note"])
    except DomainError as e:
        return _refused(request, user, pk, form, e)
    messages.success(request, _("Đã duyệt đề xuất.") if result.review_status != (
        ReviewStatus.REJECTED) else _("Đã trả lại đề xuất để đề xuất lại."))
    return _back(request)
