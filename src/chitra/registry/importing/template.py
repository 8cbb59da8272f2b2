"""The downloadable import template (csv or xlsx): the documented headers and one example."""

from __future__ import annotations

import io

from chitra.core.tabular import csv_bytes, safe_row, save_workbook
from chitra.registry.importing.columns import COLUMNS

TEMPLATE_COLUMNS = tuple(c for c in COLUMNS if c.key != "ward_code_2024")


def template_csv() -> bytes:
    """UTF-8 with BOM, so Excel opens the Vietnamese headers correctly."""
    return csv_bytes([[c.header_vi for c in TEMPLATE_COLUMNS],
                      [c.example for c in TEMPLATE_COLUMNS]])


def template_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Người hưởng"
    ws.append(safe_row(c.header_vi for c in TEMPLATE_COLUMNS))
    # Identifiers and codes as text so Excel keeps their leading zeros.
    ws.append(safe_row(c.example for c in TEMPLATE_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, len(c.header_vi) + 2)
        for row in range(2, 1001):
            ws.cell(row=row, column=i).number_format = "@"
    notes = wb.create_sheet("Hướng dẫn")
    notes.append(["Cột / Column", "Tên tiếng Anh", "Bắt buộc / Required", "Mô tả", "Description"])
    for c in COLUMNS:
        notes.append(safe_row([c.header_vi, c.key, "x" if c.required else "",
                               c.description_vi, c.description_en]))
    buf = io.BytesIO()
    save_workbook(wb, buf)
    return buf.getvalue()
