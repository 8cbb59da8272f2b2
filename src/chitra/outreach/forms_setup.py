"""Forms of the set-up screens (campaigns, ward targets, work teams, payment days).

They only parse: a date as a Vietnamese office writes it, a whole number, a time. Whether the
values make sense the services decide (:mod:`chitra.outreach.services`, the same checks as the
commands); :func:`add_problems` puts every problem they report at its field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from chitra.core.dates import parse_date_vn
from chitra.core.errors import Problem
from chitra.outreach.models import MemberKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise as Label

REQUIRED = {"required": _("Cần điền mục này.")}


class VnDateField(forms.DateField):
    """``dd/mm/yyyy`` (and the other spellings :func:`parse_date_vn` reads), shown back as
    ``dd/mm/yyyy``."""

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


def _percent(label: Label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, error_messages={**REQUIRED, "invalid": _("Nhập một số nguyên từ 0 đến 100.")},
        widget=forms.NumberInput(attrs={"min": "0", "max": "100", "inputmode": "numeric"}))


def _time(label: Label) -> forms.TimeField:
    return forms.TimeField(
        label=label, input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={**REQUIRED, "invalid": _("Giờ phải dạng HH:MM (ví dụ 07:30).")},
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))


def _choices(label: Label, choices: Iterable[tuple[str, Label]], *, blank: bool = True
             ) -> forms.CharField:
    """A select whose value still goes to the service as typed: a value not offered (another
    province's ward, a made-up code) gets the service's own message, not a generic one."""
    options = [("", "–")] if blank else []
    return forms.CharField(label=label, max_length=20, error_messages=REQUIRED,
                           widget=forms.Select(choices=[*options, *choices]))


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Tên chiến dịch"), max_length=200, error_messages={
        **REQUIRED, "max_length": _("Tối đa 200 ký tự.")})
    starts_on = VnDateField(label=_("Từ ngày"))
    ends_on = VnDateField(label=_("Đến ngày"))
    peak_starts_on = VnDateField(label=_("Cao điểm từ ngày"), required=False)
    peak_ends_on = VnDateField(label=_("Cao điểm đến ngày"), required=False)
    target_monthly_pct = _percent(_("Chỉ tiêu hàng tháng (%)"))
    target_one_time_pct = _percent(_("Chỉ tiêu một lần (%)"))


class WardTargetForm(forms.Form):
    def __init__(self, *args: Any, wards: Iterable[tuple[str, str]] = (), **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward_code"] = _choices(_("Phường/xã"), wards)
        self.fields["monthly_pct"] = _percent(_("Chỉ tiêu hàng tháng (%)"))
        self.fields["one_time_pct"] = _percent(_("Chỉ tiêu một lần (%)"))
        self.order_fields(["ward_code", "monthly_pct", "one_time_pct"])


class TeamMemberForm(forms.Form):
    leader = forms.BooleanField(label=_("Tổ trưởng"), required=False)

    def __init__(self, *args: Any, people: Iterable[tuple[str, str]] = (), **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"] = _choices(_("Thành viên"), people)
        self.fields["kind"] = _choices(_("Vai trò trong tổ"), MemberKind.choices)
        self.order_fields(["member", "kind", "leader"])


class PaymentDayForm(forms.Form):
    """A new payment day (``with_point``) or an existing one moved or re-timed."""

    day = VnDateField(label=_("Ngày chi trả"))
    opens_at = _time(_("Giờ mở"))
    closes_at = _time(_("Giờ đóng"))

    def __init__(self, *args: Any, points: Iterable[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if points is not None:
            self.fields["point"] = _choices(_("Điểm chi trả"), points)
            self.order_fields(["point", "day", "opens_at", "closes_at"])


def add_problems(form: forms.Form, problems: Iterable[Problem]) -> None:
    """Each problem a service found, at its field (the form's top when it has none)."""
    english = get_language() == "en"
    for p in problems:
        form.add_error(p.column if p.column in form.fields else None,
                       p.message_en if english else p.message_vi)
