"""Reports as Vietnamese administrative documents (NĐ 30/2020/NĐ-CP form): docx to edit and
sign, pdf to read and print, xlsx to work with the figures.

Build an :class:`AdminDocument` and hand it to :func:`write` (or one writer). The writers
need no database.
"""

from __future__ import annotations

from typing import BinaryIO

from chitra.reporting.documents.model import (
    AdminDocument,
    Section,
    Table,
    cell_text,
    date_line,
)

FORMATS = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_docx(doc: AdminDocument, out: BinaryIO) -> None:
    from chitra.reporting.documents.docx_writer import write_docx as writer

    writer(doc, out)


def write_pdf(doc: AdminDocument, out: BinaryIO) -> None:
    from chitra.reporting.documents.pdf_writer import write_pdf as writer

    writer(doc, out)


def write_xlsx(doc: AdminDocument, out: BinaryIO) -> None:
    from chitra.reporting.documents.xlsx_writer import write_xlsx as writer

    writer(doc, out)


def write(doc: AdminDocument, fmt: str, out: BinaryIO) -> None:
    """``doc`` written to ``out`` as ``fmt``: "docx", "pdf" or "xlsx"."""
    writers = {"docx": write_docx, "pdf": write_pdf, "xlsx": write_xlsx}
    if fmt not in writers:
        raise ValueError(f"unknown document format {fmt!r}; one of {', '.join(FORMATS)}")
    writers[fmt](doc, out)


__all__ = ["CONTENT_TYPES", "FORMATS", "AdminDocument", "Section", "Table", "cell_text",
           "date_line", "write", "write_docx", "write_pdf", "write_xlsx"]
