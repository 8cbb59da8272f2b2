"""The exceptions queue on screen: a province's held status lines, one line's detail, and
the maker–checker forms. Thin: parse, call :mod:`chitra.payments.services`, render. The CLI
(``chitra status_exceptions``) calls the same use cases.

Another province's exception answers 404 (the services raise :class:`NotInScope` before
anything else); a refused use case is a message on the detail page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from chitra.access.models import User
from chitra.access.scoping import sees_full_account_numbers, sees_full_citizen_ids
from chitra.core.errors import DomainError
from chitra.payments import services
from chitra.payments.models import ExceptionKind, ExceptionResolution, ExceptionState
from chitra.payments.services.exceptions import LIST_LIMIT
from chitra.payments.views_common import error_message, request_user

if TYPE_CHECKING:  # a typing-only package
    from django_stubs_ext import StrOrPromise

# Choice labels of the exception models, for the English catalog (models stay free of i18n).
CHOICE_LABELS = (
    gettext_noop("Mâu thuẫn với trạng thái cuối"), gettext_noop("Hoàn trả khi chưa chi"),
    gettext_noop("Số tiền khác lệnh chi"), gettext_noop("Không thuộc tệp chi được nêu"),
    gettext_noop("Giao dịch chưa được gửi"), gettext_noop("Mã trạng thái lạ"),
    gettext_noop("Ngân hàng giữ lại, cần xem xét"),
    gettext_noop("Bưu điện báo người hưởng đã chết — cần xác nhận"),
    gettext_noop("Ngân hàng báo lệnh trùng — kiểm tra đã chi chưa"),
    gettext_noop("Chờ xử lý"), gettext_noop("Chờ duyệt"), gettext_noop("Đã xử lý"),
    gettext_noop("Ghi nhận theo tệp của ngân hàng"), gettext_noop("Giữ nguyên trạng thái hiện có"),
)


_TRAIL = {"status_exception.propose": _("đề xuất"),
          "status_exception.reject": _("trả lại"),
          "status_exception.approve": _("duyệt")}


class QueueFilter(forms.Form):
    """The filters of the queue's links (``?state=&kind=&cycle=``): no form on the page, so
    nothing typed lands in the URL; only these values are read."""

    state = forms.ChoiceField(required=False, choices=[("", ""), *ExceptionState.choices])
    kind = forms.ChoiceField(required=False, choices=[("", ""), *ExceptionKind.choices])
    cycle = forms.RegexField(required=False, regex=r"^\d{4}-\d{2}$")


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
    user = request_user(request)
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
                form.add_error("cycle", error_message(e))
    counts = services.state_counts(user, kind=chosen["kind"], period=chosen["period"])
    rows = services.exception_queue(user, **chosen)[:LIST_LIMIT]
    return render(request, "payments/exceptions.html", {
        "bad_filter": bool(form.is_bound and form.errors),
        "rows": rows, "chosen": chosen, "limit": LIST_LIMIT,
        "states": [(s.value, s.label, counts[s.value], _href(chosen, state=s.value))
                   for s in ExceptionState],
        "all_states": _href(chosen, state=""),
        "kinds": [(k.value, k.label, _href(chosen, kind=k.value)) for k in ExceptionKind],
        "all_kinds": _href(chosen, kind=""),
        "periods": [(p, _href(chosen, cycle=f"{p:%Y-%m}"))
                    for p in services.exception_periods(user)],
        "all_periods": _href(chosen, cycle=""),
    })


def _href(chosen: dict[str, Any], **change: str) -> str:
    """The queue's link with the filters ``chosen``, ``change`` applied (empty: dropped)."""
    period = chosen["period"]
    query = {"state": chosen["state"], "kind": chosen["kind"],
             "cycle": f"{period:%Y-%m}" if period else "", **change}
    kept = {k: v for k, v in query.items() if v}
    return reverse("payment_exceptions") + (f"?{urlencode(kept)}" if kept else "")


@login_required
@require_GET
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    exc = services.get_exception_for(user, pk)
    item = exc.item
    form = ProposeForm().offer(services.allowed_for(exc))
    trail = list(services.exception_trail(exc))
    return render(request, "payments/exceptions_detail.html", {
        "exc": exc, "item": item, "events": services.item_events(item),
        "trail": [(a, _TRAIL.get(a.action, a.action), _resolution_label(a.after))
                  for a in trail],
        "to_recover": _to_recover(trail),
        "propose_form": form if exc.state == ExceptionState.OPEN else None,
        "send_back_form": SendBackForm(),
        "is_maker": exc.proposed_by == user.username,
        "may_approve": services.may_approve(user, exc),
        "stale": services.is_stale(exc),
        "amount_differs": exc.amount is not None and exc.amount != item.amount,
        "show_ids": sees_full_citizen_ids(user),
        "show_accounts": sees_full_account_numbers(user),
    })


def _to_recover(trail: list[Any]) -> list[tuple[str, int]]:
    """(citizen id, đồng) paid after a death this exception confirmed, as its approval
    recorded them (the registry's follow-up lists them once, when it stops the payments)."""
    for entry in trail:
        after = entry.after if isinstance(entry.after, dict) else {}
        if entry.action == "status_exception.approve" and after.get("to_recover"):
            return [(str(citizen), int(amount)) for citizen, amount in after["to_recover"]]
    return []


def _resolution_label(after: object) -> str:
    """The label of the resolution an audit entry records (its stored value is a code)."""
    value = after.get("resolution") if isinstance(after, dict) else None
    if value not in ExceptionResolution.values:
        return str(value or "")
    return gettext(ExceptionResolution(value).label)


def _decide(request: HttpRequest, pk: int) -> tuple[User, int]:
    """The user and the exception's id, once it is in the user's scope (404 otherwise)."""
    user = request_user(request)
    return user, services.get_exception_for(user, pk).pk


@login_required
@require_POST
def exception_propose(request: HttpRequest, pk: int) -> HttpResponse:
    user, pk = _decide(request, pk)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy chọn cách xử lý và ghi lý do (tối đa 1000 ký tự)."))
        return redirect("payment_exception", pk=pk)
    return _decided(request, pk, lambda: services.propose_resolution(
        user, pk, form.cleaned_data["resolution"], form.cleaned_data["note"]),
        _("Đã đề xuất; chờ một cán bộ khác duyệt."))


@login_required
@require_POST
def exception_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user, pk = _decide(request, pk)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Chưa xác nhận: không có gì thay đổi. Hãy bấm nút xác nhận."))
        return redirect("payment_exception", pk=pk)
    return _decided(request, pk, lambda: services.approve_resolution(user, pk),
                    _("Đã duyệt cách xử lý."))


@login_required
@require_POST
def exception_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    user, pk = _decide(request, pk)
    return _decided(request, pk,
                    lambda: services.reject_proposal(user, pk, request.POST.get("reason", "")),
                    _("Đã trả lại đề xuất để xử lý lại."))


def _decided(request: HttpRequest, pk: int, use_case: Callable[[], object],
             done: StrOrPromise) -> HttpResponse:
    """Run one decision on the exception; its refusal or ``done`` as the page's message."""
    try:
        use_case()
    except DomainError as e:
        messages.error(request, error_message(e))
    else:
        messages.success(request, done)
    return redirect("payment_exception", pk=pk)
