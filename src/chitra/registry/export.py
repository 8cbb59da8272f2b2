"""The beneficiary list as people work from it: an xlsx of a search's results, with the same
scope and filters as the list page (:func:`chitra.registry.queries.search_beneficiaries`).

Rows are read in chunks and written to a write-only workbook (openpyxl keeps them in a temp
file, not in memory), then saved through :func:`chitra.core.tabular.save_workbook` (cells
that cannot become formulas, bytes that do not depend on the clock). A search of more than
:data:`EXPORT_MAX_ROWS` people is refused: a file that size is no list to work from, and
its request would run for minutes; filter by ward instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from chitra.core import tabular
from chitra.core.admin_units import ward_name
from chitra.core.errors import DomainError
from chitra.core.identifiers import mask
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    BenefitType,
    Channel,
    PaymentAccount,
    SexChoice,
)

EXPORT_MAX_ROWS = 100_000
CHUNK = 2_000
DATE_FORMAT = "DD/MM/YYYY"
AMOUNT_FORMAT = "#,##0"


class ExportTooBig(DomainError):
    def __init__(self, rows: int) -> None:
        n_vi = f"{rows:,}".replace(",", ".")
        limit_vi = f"{EXPORT_MAX_ROWS:,}".replace(",", ".")
        super().__init__(
            "export_too_big",
            f"Danh sách có {n_vi} người, quá {limit_vi} người để xuất một tệp: "
            "hãy lọc theo phường/xã, hình thức nhận hoặc loại chế độ.",
            f"The list has {rows:,} people, more than {EXPORT_MAX_ROWS:,} for one file: "
            "filter by ward, channel or benefit type.")


def header() -> list[str]:
    return [_("Họ tên"), _("Số định danh"), _("Mã số BHXH"), _("Ngày sinh"), _("Giới tính"),
            _("Phường/xã"), _("Địa chỉ"), _("Điện thoại"), _("Điểm chi trả"), _("Trạng thái"),
            _("Chế độ"), _("Số tiền hưởng (đang hưởng)"), _("Hình thức nhận"),
            _("Ngân hàng/Ví điện tử"), _("Số tài khoản")]


def _with_export_fields(qs: QuerySet[Beneficiary]) -> QuerySet[Beneficiary]:
    current = PaymentAccount.objects.filter(beneficiary=OuterRef("pk"), valid_to__isnull=True)
    active = Benefit.objects.filter(beneficiary=OuterRef("pk"), status=BenefitStatus.ACTIVE)
    return qs.annotate(
        x_account=Subquery(current.values("account_number")[:1]),
        x_benefit=Subquery(Benefit.objects.filter(beneficiary=OuterRef("pk"))
                           .order_by("-start_date", "-id").values("benefit_type")[:1]),
        x_amount=Subquery(active.order_by().values("beneficiary")
                          .annotate(total=Sum("amount")).values("total")[:1]),
    )


_FIELDS = ("full_name", "citizen_id", "bhxh_code", "date_of_birth", "sex", "ward_code",
           "street", "phone", "payment_point__name", "status", "x_benefit", "x_amount",
           "current_channel", "current_provider", "x_account")


def rows(qs: QuerySet[Beneficiary], *, show_ids: bool, show_accounts: bool
         ) -> Iterator[list[Any]]:
    """One row per person of ``qs`` (a :func:`search_beneficiaries` queryset), read in
    chunks; identifiers masked unless the role needs them whole."""
    labels = {**dict(SexChoice.choices), **dict(BeneficiaryStatus.choices),
              **dict(BenefitType.choices), **dict(Channel.choices)}

    def label(value: str | None) -> str:
        return _(labels[value]) if value in labels else (value or "")

    def shown(value: str | None, whole: bool) -> str:
        return "" if not value else value if whole else mask(value)

    for (name, cid, bhxh, dob, sex, ward, street, phone, point, status, benefit, amount,
         channel, provider, account) in (_with_export_fields(qs).values_list(*_FIELDS)
                                         .iterator(chunk_size=CHUNK)):
        yield [name, shown(cid, show_ids), shown(bhxh, show_ids), dob, label(sex),
               ward_name(ward), street, phone, point or "", label(status), label(benefit),
               amount, label(channel), provider or "", shown(account, show_accounts)]


def write_xlsx(qs: QuerySet[Beneficiary], *, show_ids: bool, show_accounts: bool
               ) -> tuple[int, IO[bytes]]:
    """The number of people and a temporary file (at its start; the caller closes it)
    holding them; :class:`ExportTooBig` past :data:`EXPORT_MAX_ROWS`."""
    from openpyxl import Workbook

    total = qs.count()
    if total > EXPORT_MAX_ROWS:
        raise ExportTooBig(total)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Người hưởng")[:31])
    ws.append(tabular.xlsx_row(header()))
    for row in rows(qs, show_ids=show_ids, show_accounts=show_accounts):
        row[3] = tabular.styled_cell(ws, row[3], number_format=DATE_FORMAT)
        row[11] = tabular.styled_cell(ws, row[11], number_format=AMOUNT_FORMAT)
        ws.append(tabular.xlsx_row(row))
    return total, tabular.workbook_file(wb)
