"""The monthly ward report (wards report to the city through BHXH) as a PDF: targets and the
funnel per ward, as computed when asked. The xlsx twin is in :mod:`chitra.outreach.views`."""

from __future__ import annotations

from datetime import date
from typing import IO, Any
from xml.sax.saxutils import escape

from chitra.core.admin_units import ward_name
from chitra.outreach.funnel import FUNNEL_LABELS, Funnel, GroupShare
from chitra.outreach.models import Campaign
from chitra.payments.export.cashlists import FONT, FONT_BOLD, register_fonts


def _share(share: GroupShare) -> str:
    return f"{share.cashless}/{share.total} ({share.pct:.1f}%)".replace(".", ",")


def write_ward_report_pdf(out: IO[bytes], campaign: Campaign, as_of: date,
                          rows: list[tuple[str, Funnel, dict[str, GroupShare]]]) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
    head = ParagraphStyle("head", parent=body, fontName=FONT_BOLD)
    title = ParagraphStyle("title", parent=head, fontSize=13, leading=17)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    table: list[list[Any]] = [[p(t, head) for t in (
        "Phường/xã", "Hàng tháng không tiền mặt", "Một lần không tiền mặt",
        *[label for _k, label in FUNNEL_LABELS])]]
    for ward, counts, progress in rows:
        table.append([p(ward_name(ward)), p(_share(progress["monthly"])),
                      p(_share(progress["one_time"])),
                      *[str(n) for _k, _l, n in counts.as_rows()]])
    story: list[Any] = [
        p(f"BÁO CÁO THÁNG — {campaign.name}", title),
        p(f"Số liệu tính đến ngày {as_of:%d/%m/%Y}. Chỉ tiêu: hàng tháng trên "
          f"{campaign.target_monthly_pct}%, một lần {campaign.target_one_time_pct}%. Chỉ lần "
          "nhận đầu tiên qua tài khoản (từ đối soát) tính là đã chuyển đổi."),
        Spacer(0, 4 * mm),
        LongTable(table, repeatRows=1, colWidths=[40 * mm, 30 * mm, 30 * mm] + [24 * mm] * 7,
                  style=TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                                    ("FONT", (0, 0), (-1, -1), FONT, 8),
                                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDDDDD")),
                                    ("ALIGN", (3, 1), (-1, -1), "RIGHT")])),
    ]
    SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                      topMargin=10 * mm, bottomMargin=10 * mm, title=campaign.name,
                      author="BHXH").build(story)
