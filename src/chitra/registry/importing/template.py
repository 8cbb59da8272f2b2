"""The downloadable import template (csv or xlsx): the documented headers and one example."""

from __future__ import annotations

import csv
import io

from chitra.registry.importing.columns import COLUMNS

TEMPLATE_COLUMNS = tuple(c for c in COLUMNS if c.key != "ward_code_2024")


def template_csv() -> bytes:
    """UTF-8 with BOM, so Excel opens the Vietnamese headers correctly."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([c.header_vi for c in TEMPLATE_COLUMNS])
    w.writerow([c.example for c in TEMPLATE_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Người hưởng"
    ws.append([c.header_vi for c in TEMPLATE_COLUMNS])
    # Identifiers and codes as text so Excel keeps their leading zeros.
    ws.append([c.example for c in TEMPLATE_COLUMNS])
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
        notes.append([c.header_vi, c.key, "x" if c.required else "", c.description_vi,
                      c.description_en])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
