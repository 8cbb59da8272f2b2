"""The forms of the verification screens: start a batch, bring the police's answer file,
propose and decide a discrepancy. They only parse; the use cases check again."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chitra.core.dates import parse_date_vn
from chitra.verification import services
from chitra.verification.models import AdapterKind, Decision

REQUIRED = {"required": _("Cần điền mục này.")}


class VnDateField(forms.DateField):
    """``dd/mm/yyyy`` (and the other spellings :func:`parse_date_vn` reads)."""

    widget = forms.DateInput(format="%d/%m/%Y", attrs={
        "inputmode": "numeric", "placeholder": "dd/mm/yyyy", "maxlength": "10",
        "autocomplete": "off"})
    default_error_messages = {**REQUIRED,
                              "invalid": _("Ngày phải dạng dd/mm/yyyy (ví dụ 01/06/2026).")}

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value
        day = parse_date_vn(str(value)[:20])
        if day is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return day


class StartForm(forms.Form):
    """A new batch of the user's own province (a superuser picks the province)."""

    adapter = forms.ChoiceField(label=_("Cách trao đổi"), choices=AdapterKind.choices,
                                widget=forms.RadioSelect, error_messages={
                                    **REQUIRED,
                                    "invalid_choice": _("Cách trao đổi không hợp lệ.")})

    def __init__(self, *args: Any, provinces: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The simulator only where the settings allow it (it invents deaths).
        kinds = services.adapter_kinds()
        adapter = self.fields["adapter"]
        assert isinstance(adapter, forms.ChoiceField)
        adapter.choices = [(k.value, k.label) for k in kinds]
        adapter.initial = AdapterKind.SIM if AdapterKind.SIM in kinds else AdapterKind.FILE
        if provinces:
            self.fields["province"] = forms.ChoiceField(
                label=_("Tỉnh"), choices=provinces, error_messages=REQUIRED)


class AnswerFileForm(forms.Form):
    file = forms.FileField(label=_("Tệp trả lời của công an (.xlsx hoặc .csv)"),
                           error_messages={"required": _("Hãy chọn tệp trả lời."),
                                           "empty": _("Tệp rỗng.")})
    finish = forms.BooleanField(label=_("Kết thúc đợt sau khi ghi nhận"), required=False,
                                initial=True)


class ProposeForm(forms.Form):
    decision = forms.ChoiceField(label=_("Đề xuất"), choices=Decision.choices,
                                 widget=forms.RadioSelect, error_messages=REQUIRED)
    full_name = forms.CharField(label=_("Họ tên mới"), max_length=120, required=False)
    date_of_birth = VnDateField(label=_("Ngày sinh mới"), required=False)
    ward_code = forms.RegexField(label=_("Mã phường/xã mới"), regex=r"^\d{5}$",
                                 required=False, max_length=5,
                                 error_messages={"invalid": _("Mã phường/xã gồm 5 chữ số.")},
                                 widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Duyệt")), ("0", _("Không duyệt"))], coerce=lambda v: v == "1",
        error_messages=REQUIRED)
    note = forms.CharField(label=_("Ghi chú"), max_length=300, required=False)
