"""The exceptions queue on screen: a province's held status lines, one line's detail, and
the maker–checker forms. Thin: parse, call :mod:`chitra.payments.services`, render. The CLI
(``chitra status_exceptions``) calls the same use cases.

Another province's exception answers 404 (the services raise :class:`NotInScope` before
anything else); a refused use case is a message on the detail page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from chitra.access.models import User
from chitra.access.scoping import sees_full_account_numbers, sees_full_citizen_ids
from chitra.core.errors import DomainError
from chitra.payments import services
from chitra.payments.models import ExceptionKind, ExceptionResolution, ExceptionState
from chitra.payments.services.exceptions import LIST_LIMIT

# Choice labels of the exception models, for the English catalog (models stay free of i18n).
CHOICE_LABELS = (
    gettext_noop("Mâu thuẫn với trạng thái cuối"), gettext_noop("Hoàn trả khi chưa chi"),
    gettext_noop("Số tiền khác lệnh chi"), gettext_noop("Không thuộc tệp chi được nêu"),
    gettext_noop("Giao dịch chưa được gửi"), gettext_noop("Mã trạng thái lạ"),
    gettext_noop("Ngân hàng giữ lại, cần xem xét"),
    gettext_noop("Chờ xử lý"), gettext_noop("Chờ duyệt"), gettext_noop("Đã xử lý"),
    gettext_noop("Ghi nhận theo tệp của ngân hàng"), gettext_noop("Giữ nguyên trạng thái hiện có"),
)


_TRAIL = {"status_exception.propose": _("đề xuất"),
          "status_exception.reject": _("trả lại"),
          "status_exception.approve": _("duyệt")}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def _message(e: DomainError) -> str:
    return e.message_en if get_language() == "en" else e.message_vi


def _labels(choices: list[tuple[str, str]]) -> list[tuple[str, Any]]:
    return [(value, _(label)) for value, label in choices]  # translated when shown


class QueueFilter(forms.Form):
    state = forms.ChoiceField(label=_("Trạng thái"), required=False,
                              choices=[("", _("Tất cả")), *_labels(ExceptionState.choices)])
    kind = forms.ChoiceField(label=_("Loại"), required=False,
                             choices=[("", _("Tất cả")), *_labels(ExceptionKind.choices)])
    cycle = forms.RegexField(label=_("Kỳ (YYYY-MM)"), required=False, regex=r"^\d{4}-\d{2}$",
                             widget=forms.TextInput(attrs={"type": "month"}))


class ProposeForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Cách xử lý"), choices=ExceptionResolution.choices,
                                   widget=forms.RadioSelect)
    note = forms.CharField(label=_("Lý do"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def offer(self, allowed: list[ExceptionResolution]) -> ProposeForm:
        """Offer only the resolutions the exception allows now (the service checks again)."""
        field = self.fields["resolution"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(r.value, gettext(r.label)) for r in allowed]
        self.initial["resolution"] = allowed[0].value
        return self


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("Lý do trả lại"), max_length=1000)


@login_required
@require_GET
def exception_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not services.works_exceptions(user):
        raise PermissionDenied
    form = QueueFilter(request.GET or None)
    chosen: dict[str, Any] = {"state": "", "kind": "", "period": None}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        chosen["state"], chosen["kind"] = data["state"], data["kind"]
        if data["cycle"]:
            try:
                chosen["period"] = services.parse_period(data["cycle"])
            except DomainError as e:
                form.add_error("cycle", _message(e))
    counts = services.state_counts(user, kind=chosen["kind"], period=chosen["period"])
    rows = services.exception_queue(user, **chosen)[:LIST_LIMIT]
    return render(request, "payments/exceptions.html", {
        "form": form, "rows": rows, "chosen": chosen,
        "counts": [(s, s.label, counts[s.value]) for s in ExceptionState],
        "periods": services.exception_periods(user),
        "limit": LIST_LIMIT,
    })


@login_required
@require_GET
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    exc = services.get_exception_for(user, pk)
    item = exc.item
    form = ProposeForm().offer(services.allowed_for(exc))
    return render(request, "payments/exceptions_detail.html", {
        "exc": exc, "item": item, "events": services.item_events(item),
        "trail": [(a, _TRAIL.get(a.action, a.action)) for a in services.exception_trail(exc)],
        "propose_form": form if exc.state == ExceptionState.OPEN else None,
        "send_back_form": SendBackForm(),
        "is_maker": exc.proposed_by == user.username,
        "stale": services.is_stale(exc),
        "amount_differs": exc.amount is not None and exc.amount != item.amount,
        "show_ids": sees_full_citizen_ids(user),
        "show_accounts": sees_full_account_numbers(user),
    })


def _decide(request: HttpRequest, pk: int) -> tuple[User, int]:
    """The user and the exception's id, once it is in the user's scope (404 otherwise)."""
    user = _user(request)
    return user, services.get_exception_for(user, pk).pk


@login_required
@require_POST
def exception_propose(request: HttpRequest, pk: int) -> HttpResponse:
    user, pk = _decide(request, pk)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn cách xử lý và ghi lý do (tối đa 1000 ký tự)."))
        return redirect("payment_exception", pk=pk)
    try:
        services.propose_resolution(user, pk, form.cleaned_data["resolution"],
                                    form.cleaned_data["note"])
    except DomainError as e:
        messages.error(request, _message(e))
    else:
        messages.success(request, _("Đã đề xuất; chờ một cán bộ khác duyệt."))
    return redirect("payment_exception", pk=pk)


@login_required
@require_POST
def exception_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user, pk = _decide(request, pk)
    try:
        services.approve_resolution(user, pk)
    except DomainError as e:
        messages.error(request, _message(e))
    else:
        messages.success(request, _("Đã duyệt cách xử lý."))
    return redirect("payment_exception", pk=pk)


@login_required
@require_POST
def exception_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    user, pk = _decide(request, pk)
    try:
        services.reject_proposal(user, pk, request.POST.get("reason", ""))
    except DomainError as e:
        messages.error(request, _message(e))
    else:
        messages.success(request, _("Đã trả lại đề xuất để xử lý lại."))
    return redirect("payment_exception", pk=pk)
