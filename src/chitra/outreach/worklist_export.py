"""The ward team's worklist as an Excel file (issue 14): the people the team works from, with
phone, address and where each stands, through the shared safe writer
(:mod:`chitra.core.tabular`: no cell can become a formula, same rows give the same bytes).
Headers and statuses in the user's language, never code names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from chitra.core.admin_units import ward_name
from chitra.core.identifiers import mask
from chitra.core.tabular import save_workbook, styled_cell, xlsx_row
from chitra.outreach.models import ContactOutcome, ReferralStatus
from chitra.registry.models import Beneficiary

DATE_FORMAT = "DD/MM/YYYY"


class _Annotated:
    """The annotations :func:`~chitra.outreach.worklist.worklist` adds to a row, typed."""

    def __init__(self, person: Beneficiary) -> None:
        self.last_contact_at: datetime | None = getattr(person, "last_contact_at", None)
        self.last_outcome: str = getattr(person, "last_outcome", "")
        self.referral_status: str | None = getattr(person, "referral_status", None)
        self.referral_deadline: date | None = getattr(person, "referral_deadline", None)


def _label(choices: type[ContactOutcome] | type[ReferralStatus], value: str | None) -> str:
    try:
        return str(choices(value).label) if value else ""
    except ValueError:
        return ""


def _priorities(person: Beneficiary) -> str:
    found = [(getattr(person, "failed_recently", False), _("chuyển khoản bị trả lại")),
             (getattr(person, "one_time", False), _("hưởng một lần")),
             (getattr(person, "young", False), _("dưới 70 tuổi"))]
    return ", ".join(text for on, text in found if on)


def headers() -> list[str]:
    return [_("Họ tên"), _("Ngày sinh"), _("Số định danh"), _("Điện thoại"), _("Địa chỉ"),
            _("Điểm chi trả"), _("Ưu tiên"), _("Giới thiệu"), _("Hạn giới thiệu"),
            _("Lần gặp gần nhất"), _("Kết quả")]


def write_worklist_xlsx(out: IO[bytes], ward_code: str, people: Iterable[Beneficiary], *,
                        show_ids: bool, today: date) -> int:
    """Write the rows of :func:`chitra.outreach.worklist.worklist` (with ``payment_point``
    selected) to ``out``; the number of people written."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("Danh sách vận động")[:31])
    sheet.append(xlsx_row([f"{_('Danh sách vận động')} · {ward_name(ward_code)} · "
                           f"{today:%d/%m/%Y}"]))
    sheet.append(xlsx_row(headers()))
    n = 0
    for p in people:
        row = _Annotated(p)
        last = timezone.localtime(row.last_contact_at).date() if row.last_contact_at else None
        sheet.append(xlsx_row([
            p.full_name, styled_cell(sheet, p.date_of_birth, number_format=DATE_FORMAT),
            p.citizen_id if show_ids else mask(p.citizen_id), p.phone,
            ", ".join(filter(None, [p.street, ward_name(p.ward_code)])),
            p.payment_point.name if p.payment_point else "", _priorities(p),
            _label(ReferralStatus, row.referral_status),
            styled_cell(sheet, row.referral_deadline, number_format=DATE_FORMAT),
            styled_cell(sheet, last, number_format=DATE_FORMAT),
            _label(ContactOutcome, row.last_outcome)]))
        n += 1
    save_workbook(wb, out)
    return n
