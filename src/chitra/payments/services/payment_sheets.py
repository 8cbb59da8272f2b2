"""Excel sheets people work from (issue 14): the cycle's exclusions, the payment-day list of
one point and day, and the reconciliation as people read it (titled columns, statuses and
reasons in words). All through :mod:`chitra.core.tabular` (no cell becomes a formula, the
same rows give the same bytes), rows streamed into a temporary file the caller closes.

The texts are in the language active when the sheet is written (the reader's). Who may
have which sheet is the caller's check, as for the page the sheet belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_noop as _n

from chitra.core import tabular
from chitra.core.admin_units import current_wards
from chitra.core.identifiers import mask
from chitra.payments import labels, queries
from chitra.payments.models import ExclusionReason, ItemStatus, PaymentCycle
from chitra.payments.services.payment_day import PaymentDay
from chitra.registry.models import BenefitType, Channel

Row = Iterable[Any]


def _bold(ws: Any, values: Row) -> list[Any]:
    from openpyxl.styles import Font

    return [tabular.styled_cell(ws, v, font=Font(bold=True)) for v in values]


Sheet = tuple[str, Sequence[Row], Row, Iterable[Row]]  # name, title lines, header, rows


def _write(sheets: list[Sheet]) -> IO[bytes]:
    """A workbook of (sheet name, title lines, header, rows) sheets in a temporary file, at
    its start."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, titles, header, rows in sheets:
        ws = wb.create_sheet(name[:31])
        for line in titles:
            ws.append(_bold(ws, line))
        ws.append(_bold(ws, header))
        for row in rows:
            ws.append(tabular.xlsx_row(row))
    return tabular.workbook_file(wb)


def _label(choices: Any, value: str) -> str:
    try:
        return gettext(choices(value).label)
    except ValueError:
        return value


# --- the cycle's exclusions -------------------------------------------------------------------

EXCLUSION_TITLES = (_n("STT"), _n("Họ tên"), _n("Số định danh"), _n("Mã số BHXH"),
                    _n("Phường/xã"), _n("Loại chế độ"), _n("Số tiền (đồng)"), _n("Lý do"))


def exclusions_xlsx(cycle: PaymentCycle, show_ids: bool) -> tuple[str, IO[bytes]]:
    """Everyone due in the cycle who gets no item, and why (personal IDs masked unless
    ``show_ids``), with a total line."""
    wards = current_wards()
    total = [0, 0]

    def rows() -> Iterable[Row]:
        for n, (name, cid, bhxh, ward, btype, amount, reason) in enumerate(
                queries.exclusion_rows(cycle), 1):
            total[0], total[1] = n, total[1] + (amount or 0)
            yield (n, name, cid if show_ids else mask(cid), bhxh,
                   wards[ward].name if ward in wards else ward, _label(BenefitType, btype),
                   amount, _label(ExclusionReason, reason))
        yield ("", f"{gettext('Tổng cộng')} ({total[0]})", "", "", "", "", total[1], "")

    title = [[gettext("Không được chi trong kỳ") + f" {cycle.period:%m/%Y}"]]
    header = [gettext(t) for t in EXCLUSION_TITLES]
    name = f"loai-tru-{cycle.province_code}-{cycle.period:%Y-%m}.xlsx"
    return name, _write([(gettext("Loại trừ"), title, header, rows())])


# --- the payment day of one point ------------------------------------------------------------

DAY_TITLES = (_n("STT"), _n("Mã giao dịch"), _n("Họ tên"), _n("Số định danh (4 số cuối)"),
              _n("Số tiền (đồng)"), _n("Người nhận thay"), _n("Kết quả"), _n("Lý do"),
              _n("Ký nhận"))


def payment_day_xlsx(day: PaymentDay) -> tuple[str, IO[bytes]]:
    """The people to pay at a point on a day, with what is recorded of each, for the post
    office's and the ward's paper work; a total line."""
    lang = get_language()
    where = gettext(day.point_name) if day.is_home else day.point_name

    def rows() -> Iterable[Row]:
        for n, p in enumerate(day.people, 1):
            result = {"paid": gettext("Đã chi"), "not_collected": gettext("Không nhận")}.get(
                p.result.value if p.result else "", "")
            yield (n, p.end_to_end_id, p.full_name, f"…{p.id_tail}", p.amount, p.proxy_name,
                   result, labels.reason_label(p.reason_code, lang) if p.reason_code else "",
                   "")
        yield ("", "", f"{gettext('Tổng cộng')} ({len(day.people)})", "",
               sum(p.amount for p in day.people), "", "", "", "")

    titles = [[where + (f" — {day.point_address}" if day.point_address else "")],
              [gettext("Ngày chi") + f" {day.day:%d/%m/%Y} · " + gettext("Kỳ")
               + f" {day.cycle.period:%m/%Y}"]]
    place = "tai-nha" if day.is_home else f"DCT{day.point_id}"
    name = f"ngay-chi-{day.cycle.period:%Y-%m}-{place}-{day.day:%Y%m%d}.xlsx"
    return name, _write([(gettext("Danh sách chi"), titles, [gettext(t) for t in DAY_TITLES],
                          rows())])


# --- reconciliation, as people read it -------------------------------------------------------

def reconciliation_xlsx(cycle: PaymentCycle) -> tuple[str, IO[bytes]]:
    """Both parts of the reconciliation (summary, every item) with titled columns, statuses,
    channels, wards and reasons in words; the csv keeps the codes for scripts."""
    lang = get_language()
    wards = current_wards()
    cash = gettext("Tiền mặt (bưu điện)")

    def summary() -> Iterable[Row]:
        for provider, status, reason, n, amount in queries.summary_rows(cycle):
            if provider == queries.TOTAL:
                yield (gettext("Tổng cộng"), "", "", n, amount)
                continue
            yield (cash if provider == queries.CASH_PROVIDER else provider,
                   _label(ItemStatus, status), labels.reason_label(reason, lang), n, amount)

    def items() -> Iterable[Row]:
        for (e2e, name, cid, ward, channel, provider, amount, day, status, reason,
             file_name) in queries.item_rows(cycle):
            yield (e2e, name, cid, wards[ward].name if ward in wards else ward,
                   _label(Channel, channel), provider or cash, amount, day,
                   _label(ItemStatus, status), labels.reason_label(reason, lang), file_name)

    title = [[gettext("Đối soát kỳ") + f" {cycle.period:%m/%Y}"]]
    return f"doi-soat-{cycle.province_code}-{cycle.period:%Y-%m}.xlsx", _write([
        (gettext("Tổng hợp"), title, [gettext(t) for t in queries.SUMMARY_TITLES], summary()),
        (gettext("Chi tiết"), [], [gettext(t) for t in queries.ITEM_TITLES], items())])
