"""The form of the targets screen. It only parses (a year, a percent as an office writes it:
"90", "90,5", "90.5"); whether the target may be set :mod:`chitra.reporting.targets` decides,
with the same checks as the command, and :func:`add_problems` puts each at its field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from chitra.registry.models import BenefitGroup
from chitra.reporting import shares, targets

REQUIRED = {"required": _("Cần điền mục này.")}
PROVINCE_LEVEL = ""  # the ward field's value for the province's own target


class PercentField(forms.Field):
    """A share in percent → basis points (int), without float."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                    "size": "6", "maxlength": "20"})
    default_error_messages = {
        **REQUIRED, "invalid": _("Nhập tỷ lệ phần trăm từ 0 đến 100, ví dụ 90 hoặc 90,5.")}

    def to_python(self, value: Any) -> int | None:
        text = "" if value in self.empty_values else str(value).strip()
        if not text:
            return None
        bp = targets.parse_percent(text)
        if bp is None or bp > shares.FULL:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return bp


class TargetForm(forms.Form):
    """One target: the year, the province's own or a ward's, the group, both shares."""

    year = forms.IntegerField(label=_("Năm"), min_value=2020, max_value=2100, error_messages={
        **REQUIRED, "invalid": _("Năm phải là số, ví dụ 2027."),
        "min_value": _("Năm không hợp lệ (2020–2100)."),
        "max_value": _("Năm không hợp lệ (2020–2100).")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "2020", "max": "2100"}))
    group = forms.ChoiceField(label=_("Nhóm chế độ"), choices=[
        (BenefitGroup.MONTHLY.value, _("Hàng tháng")),
        (BenefitGroup.ONE_TIME.value, _("Một lần / ngắn hạn"))], error_messages={
        **REQUIRED, "invalid_choice": _("Chọn một nhóm chế độ trong danh sách.")})
    people = PercentField(label=_("Chỉ tiêu theo số người (%)"))
    amount = PercentField(label=_("Chỉ tiêu theo số tiền (%)"))
    reason = forms.CharField(label=_("Lý do (nếu có)"), required=False, max_length=300,
                             error_messages={"max_length": _("Tối đa 300 ký tự.")},
                             widget=forms.TextInput(attrs={"maxlength": "300"}))

    def __init__(self, *args: Any, areas: Iterable[tuple[str, str]] = (), **kwargs: Any
                 ) -> None:
        """``areas``: what the user may set, as (ward code or "" for the province, label)."""
        super().__init__(*args, **kwargs)
        choices = list(areas)
        self.fields["ward"] = forms.ChoiceField(
            label=_("Địa bàn"), choices=choices, required=False, error_messages={
                "invalid_choice": _("Chọn địa bàn trong danh sách: bạn chỉ đặt được chỉ tiêu "
                                    "của các địa bàn ở đó.")})
        if PROVINCE_LEVEL not in dict(choices):  # "" is a choice, not a missing value
            self.fields["ward"].required = True
            self.fields["ward"].error_messages["required"] = _(
                "Chọn phường/xã: chỉ tiêu của cả tỉnh do BHXH Việt Nam đặt.")
        self.order_fields(["year", "ward", "group", "people", "amount", "reason"])


FIELD_OF_PROBLEM = {"year": "year", "ward": "ward", "group": "group", "people": "people",
                    "amount": "amount", "reason": "reason"}


def add_problems(form: forms.Form, problems: Iterable[tuple[str, str, str]]) -> None:
    """Each problem :func:`targets.problems` found, at its field (the top when none)."""
    english = get_language() == "en"
    for name, vi, en in problems:
        form.add_error(FIELD_OF_PROBLEM.get(name), en if english else vi)


def summary(form: forms.Form) -> list[tuple[str, str, str]]:
    """Every error for the box at the top: (anchor, field label, message)."""
    rows = []
    for name, errors in form.errors.items():
        field = form[name] if name in form.fields else None
        for message in errors:
            rows.append((f"#{field.auto_id}" if field else "#target-form",
                         str(field.label) if field else "", str(message)))
    return rows
