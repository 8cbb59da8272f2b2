"""Forms of the method-change and referral-desk pages (issue 14): every problem is found at
once and shown at its field, and every entered value comes back on an error.

The forms check what can be checked without writing anything (the same checks the services
make, so the person sees them all together); the service checks again inside its
transaction, and a refusal only it can see (a change already waiting, …) is put on the field
it concerns by :func:`add_domain_error`.

The scanned authorization letter is not kept when the form has an error: a browser cannot
put a file back into a file input, and keeping an unchecked upload between two requests
would need a private temporary store of its own. The form says so next to the file input,
and the letter must be chosen again (``letter_needs_choosing``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from chitra.core.accounts import check_account_number
from chitra.core.dates import parse_date_vn
from chitra.core.errors import DomainError
from chitra.core.identifiers import check_citizen_id
from chitra.core.models import PaymentProvider, ProviderKind
from chitra.core.text import fold_key
from chitra.outreach import letters
from chitra.outreach.models import Referral
from chitra.registry.models import Beneficiary, Channel
from chitra.registry.services import MAX_AUTHORIZATION_DAYS

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REQUIRED = {"required": gettext_lazy("Cần điền mục này.")}
TOO_LONG = gettext_lazy("Quá dài.")
PROXY_FIELDS = ("proxy_name", "proxy_id", "proxy_relation", "proxy_from", "proxy_to")

# Which field a service refusal is about (the rest go to the summary at the top).
DOMAIN_FIELDS = {
    "invalid_channel": "channel",
    "account_incomplete": "provider",
    "invalid_provider": "provider",
    "account_digits": "account_number",
    "account_length": "account_number",
    "proxy_name_mismatch": "holder_name",
    "letter_missing": "proxy_letter",
    "letter_size": "proxy_letter",
    "letter_type": "proxy_letter",
    "authorization_period": "proxy_to",
    "citizen_id_format": "proxy_id",
    "citizen_id_province": "proxy_id",
    "approval_reason": "note",
    "rejection_reason": "note",
}


def in_language(vi: str, en: str) -> str:
    """A service's message in the page's language (services carry both)."""
    return en if get_language() == "en" else vi


def add_domain_error(form: forms.Form, e: DomainError) -> None:
    field = DOMAIN_FIELDS.get(e.code)
    form.add_error(field if field in form.fields else None,
                   in_language(e.message_vi, e.message_en))


def _text(label: StrOrPromise, max_length: int, **attrs: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=False, strip=True,
                           error_messages={**REQUIRED, "max_length": TOO_LONG},
                           widget=forms.TextInput(attrs={"maxlength": str(max_length),
                                                         **attrs}))


class MethodChangeForm(forms.Form):
    """The ward's request to pay ``person`` another way, with an optional proxy."""

    channel = forms.ChoiceField(label=gettext_lazy("Hình thức nhận"), choices=Channel.choices,
                                error_messages={
        **REQUIRED, "invalid_choice": gettext_lazy("Hình thức nhận không hợp lệ.")})
    provider = forms.ModelChoiceField(
        label=gettext_lazy("Ngân hàng/Ví điện tử"), required=False,
        queryset=PaymentProvider.objects.order_by("kind", "short_name"),
        empty_label="–",
        error_messages={"invalid_choice": gettext_lazy("Tổ chức không hợp lệ.")})
    account_number = _text(gettext_lazy("Số tài khoản"), 40, inputmode="numeric",
                           autocomplete="off")
    holder_name = _text(gettext_lazy("Chủ tài khoản"), 120, autocomplete="off")
    proxy_name = _text(gettext_lazy("Họ tên người được ủy quyền"), 120, autocomplete="off")
    proxy_id = _text(gettext_lazy("Số định danh người được ủy quyền"), 12,
                     inputmode="numeric", autocomplete="off")
    proxy_relation = _text(gettext_lazy("Quan hệ"), 60)
    proxy_from = _text(gettext_lazy("Hiệu lực từ (dd/mm/yyyy)"), 10, placeholder="dd/mm/yyyy",
                       inputmode="numeric")
    proxy_to = _text(gettext_lazy("Đến (tối đa 12 tháng)"), 10, placeholder="dd/mm/yyyy",
                     inputmode="numeric")
    proxy_letter = forms.FileField(label=gettext_lazy(
        "Ảnh hoặc bản quét giấy ủy quyền (PDF, JPG, PNG, dưới 5 MB)"), required=False,
        widget=forms.FileInput(attrs={
        "accept": "application/pdf,image/jpeg,image/png", "capture": "environment"}))

    def __init__(self, *args: Any, person: Beneficiary, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.proxy_from_date: date | None = None
        self.proxy_to_date: date | None = None
        self.letter_bytes = b""
        for name in self.fields:  # the widget ids the template's labels point at
            self.fields[name].widget.attrs.setdefault("class", "field-input")

    @property
    def has_proxy(self) -> bool:
        data = self.data if self.is_bound else {}
        return any(str(data.get(name, "")).strip() for name in PROXY_FIELDS) or bool(
            self.files.get("proxy_letter"))

    @property
    def letter_needs_choosing(self) -> bool:
        """A bound form with errors whose proxy part is used: the file must be chosen again."""
        return self.is_bound and bool(self.errors) and self.has_proxy

    def clean_account_number(self) -> str:
        return str(self.cleaned_data.get("account_number", "")).replace(" ", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") and data["channel"] != Channel.CASH:
            self._check_account(data)
        if self.has_proxy:
            self._check_proxy(data)
        return data

    def _check_account(self, data: dict[str, Any]) -> None:
        provider: PaymentProvider | None = data.get("provider")
        if provider is None and "provider" not in self.errors:
            self.add_error("provider", _("Chọn ngân hàng hoặc ví điện tử."))
        if not data.get("holder_name") and "holder_name" not in self.errors:
            self.add_error("holder_name", REQUIRED["required"])
        number = data.get("account_number", "")
        if not number and "account_number" not in self.errors:
            self.add_error("account_number", REQUIRED["required"])
        if provider is None:
            return
        if (provider.kind == ProviderKind.EWALLET) != (data["channel"] == Channel.EWALLET):
            self.add_error("provider", in_language(
                "Loại tổ chức không khớp hình thức nhận.",
                "The provider does not match the channel."))
        if number and "account_number" not in self.errors:
            for p in check_account_number(number, provider.account_min_length,
                                          provider.account_max_length)[:1]:
                self.add_error("account_number", in_language(p.message_vi, p.message_en))

    def _check_proxy(self, data: dict[str, Any]) -> None:
        name = data.get("proxy_name", "")
        if not name and "proxy_name" not in self.errors:
            self.add_error("proxy_name", REQUIRED["required"])
        proxy_id = data.get("proxy_id", "")
        if "proxy_id" not in self.errors:
            for p in check_citizen_id(proxy_id)[:1]:
                self.add_error("proxy_id", in_language(p.message_vi, p.message_en))
        self.proxy_from_date = self._date("proxy_from", data)
        self.proxy_to_date = self._date("proxy_to", data)
        start, end = self.proxy_from_date, self.proxy_to_date
        if start and end and (end < start or (end - start).days > MAX_AUTHORIZATION_DAYS):
            self.add_error("proxy_to", in_language(
                "Giấy ủy quyền có hiệu lực tối đa 12 tháng.",
                "An authorization lasts at most 12 months."))
        self._check_letter(data.get("proxy_letter"))
        holder, provider = data.get("holder_name", ""), data.get("provider")
        if (provider is not None and name and holder and "holder_name" not in self.errors
                and fold_key(holder) not in (self.person.name_key, fold_key(name))):
            self.add_error("holder_name", in_language(
                f"Tên chủ tài khoản ({holder}) không trùng tên người được ủy quyền ({name}) "
                "hay tên người hưởng.",
                f"The account holder ({holder}) is neither the proxy named in the "
                f"authorization ({name}) nor the beneficiary."))

    def _date(self, field: str, data: dict[str, Any]) -> date | None:
        text = data.get(field, "")
        if field in self.errors:
            return None
        if not text:
            self.add_error(field, REQUIRED["required"])
            return None
        value = parse_date_vn(text)
        if value is None:
            self.add_error(field, _("Ngày không hợp lệ: viết theo dạng dd/mm/yyyy."))
        return value

    def _check_letter(self, upload: UploadedFile | None) -> None:
        if upload is None:
            self.add_error("proxy_letter", in_language(
                "Cần tệp giấy ủy quyền.", "The authorization letter is required."))
            return
        if upload.size is None or upload.size > letters.MAX_LETTER_BYTES:  # not read
            self.add_error("proxy_letter", in_language(
                "Giấy ủy quyền phải là tệp dưới 5 MB.",
                "The authorization letter must be a file under 5 MB."))
            return
        data = upload.read()
        try:
            letters.clean_letter(data)
        except DomainError as e:
            self.add_error("proxy_letter", in_language(e.message_vi, e.message_en))
            return
        self.letter_bytes = data


class DecisionForm(forms.Form):
    """BHXH's decision on a change: approve or refuse, with a note (the reason). A refusal
    always needs its reason; so does an approval of money to someone else's account."""

    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")],
                                 error_messages={
                                     **REQUIRED,
                                     "invalid_choice": gettext_lazy("Quyết định không hợp lệ.")})
    note = forms.CharField(label=gettext_lazy("Lý do"), max_length=300, required=False,
                           strip=True,
                           error_messages={"max_length": TOO_LONG},
                           widget=forms.Textarea(attrs={"rows": "3", "maxlength": "300",
                                                        "class": "field-input"}))
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, reason_to_approve: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason_to_approve = reason_to_approve

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "note" in self.errors or data.get("note"):
            return data
        if data.get("decision") == "reject":
            self.add_error("note", _("Cần ghi lý do không duyệt."))
        elif data.get("decision") == "approve" and self.reason_to_approve:
            self.add_error("note", in_language(
                "Tiền chuyển vào tài khoản không đứng tên người hưởng: cần ghi lý do duyệt.",
                "The money goes to an account not in the beneficiary's name: give the "
                "reason for approving."))
        return data


class ReferralStepForm(forms.Form):
    """A step of a referral on the provider's desk: the account opened (its number, the
    fees waived) or the card delivered."""

    step = forms.ChoiceField(choices=[("opened", "opened"), ("delivered", "delivered")],
                             error_messages={**REQUIRED, "invalid_choice": gettext_lazy(
                                 "Bước không hợp lệ.")})
    account_number = forms.CharField(label=gettext_lazy("Số tài khoản"), max_length=40,
                                     required=False, strip=True,
                                     error_messages={"max_length": TOO_LONG})
    waives_card_fee = forms.BooleanField(required=False)
    waives_account_fee = forms.BooleanField(required=False)
    waives_transfer_fee = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.referral = referral

    def clean_account_number(self) -> str:
        return str(self.cleaned_data.get("account_number", "")).replace(" ", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("step") != "opened" or "account_number" in self.errors:
            return data
        number = data.get("account_number", "")
        if not number:
            self.add_error("account_number", REQUIRED["required"])
            return data
        provider = self.referral.provider
        for p in check_account_number(number, provider.account_min_length,
                                      provider.account_max_length)[:1]:
            self.add_error("account_number", in_language(p.message_vi, p.message_en))
        return data
