"""Reports as NĐ 30 administrative documents: docx, pdf and xlsx read back by the libraries
offices' tools are built on, the PDF rendered and its text extracted."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import date

import docx
import openpyxl
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from chitra.core.text import VIETNAMESE_LETTERS
from chitra.reporting.documents import (
    AdminDocument,
    Section,
    Table,
    date_line,
    write,
    write_docx,
    write_pdf,
    write_xlsx,
)
from chitra.reporting.documents import chart as chart_module
from chitra.reporting.documents.model import MOTTO, MOTTO_NATION

CHART = """<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240"
  viewBox="0 0 480 240" role="img" aria-label="Số người hưởng theo phường">
  <rect x="40" y="40" width="120" height="160" fill="#1f77b4"/>
  <rect x="240" y="110" width="120" height="90" fill="#ff7f0e"/>
  <text x="100" y="225" text-anchor="middle" font-family="sans-serif"
        font-size="16">Tân Phong</text>
  <text x="300" y="225" text-anchor="middle" font-weight="bold" font-size="16">Mường Lay</text>
</svg>"""
ADDRESSEE = "Kính gửi: Ủy ban nhân dân phường Đoàn Kết"
SIGNER = "Tẩn Thị Mẩy"
TITLE = "Kết quả chi trả không dùng tiền mặt tháng 11/2026"


def _doc(rows: int = 60) -> AdminDocument:
    lines = tuple((i + 1, f"Phường Đoàn Kết {i + 1}", 1234567 * (i + 1), 10 * i)
                  for i in range(rows))
    return AdminDocument(
        issuer_parent="BẢO HIỂM XÃ HỘI VIỆT NAM", issuer="BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU",
        number="Số: 12/BC-BHXH", place="Lai Châu", issued_on=date(2026, 12, 3),
        kind_title="BÁO CÁO", title=TITLE, addressee=ADDRESSEE,
        sections=(
            Section("I. KẾT QUẢ CHI TRẢ", (
                "Tháng 11/2026, Bảo hiểm xã hội tỉnh đã chi trả lương hưu, trợ cấp bảo hiểm "
                "xã hội qua tài khoản cho 9.000 người hưởng, đạt 90,0 % kế hoạch.",),
                table=Table(("STT", "Phường/xã", "Số tiền (đồng)", "Số người"), lines,
                            (True, False, True, True)),
                chart_svg=CHART, chart_caption="Biểu đồ 1. Người hưởng theo phường"),
            Section("II. GHI CHÚ", (), table=Table(("Nội dung",), (("=1+1",),), (False,))),
        ),
        recipients=("Như trên;", "Giám đốc BHXH Việt Nam (để b/c);", "Lưu: VT, KHTC."),
        signer_on_behalf="KT. GIÁM ĐỐC", signer_title="PHÓ GIÁM ĐỐC", signer_name=SIGNER)


def _bytes(writer, doc: AdminDocument) -> bytes:
    buf = io.BytesIO()
    writer(doc, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def pdf_data() -> bytes:
    return _bytes(write_pdf, _doc())


@pytest.fixture(scope="module")
def docx_data() -> bytes:
    return _bytes(write_docx, _doc())


@pytest.fixture(scope="module")
def xlsx_data() -> bytes:
    return _bytes(write_xlsx, _doc())


# --- the model --------------------------------------------------------------------------

def test_date_line_pads_days_and_only_the_months_a_digit_could_be_put_before():
    assert date_line("Lai Châu", date(2026, 12, 3)) == "Lai Châu, ngày 03 tháng 12 năm 2026"
    assert date_line("Lai Châu", date(2027, 2, 5)) == "Lai Châu, ngày 05 tháng 02 năm 2027"
    assert date_line("Lai Châu", date(2027, 3, 15)) == "Lai Châu, ngày 15 tháng 3 năm 2027"


@pytest.mark.parametrize(("rows", "numeric"), [
    ((("a", 1, 2),), (False, True)),  # a row longer than the headers
    ((("a", True),), (False, True)),  # a bool is not a count
    ((("a", 1.5),), (False, True)),  # nor is a float an amount
    ((("a", 1),), (False,)),  # one flag short
])
def test_table_refuses_cells_that_do_not_fit_its_columns(rows, numeric):
    with pytest.raises(ValueError, match=r"."):
        Table(("Phường/xã", "Số tiền"), rows, numeric)


def test_write_refuses_a_format_it_does_not_have():
    with pytest.raises(ValueError, match="odt"):
        write(_doc(3), "odt", io.BytesIO())


@pytest.mark.parametrize(("fmt", "magic"), [("docx", b"PK"), ("pdf", b"%PDF"),
                                            ("xlsx", b"PK")])
def test_write_dispatches_on_the_format(fmt, magic):
    buf = io.BytesIO()
    write(_doc(3), fmt, buf)
    assert buf.getvalue().startswith(magic)


@pytest.mark.parametrize("writer", [write_docx, write_pdf, write_xlsx])
def test_the_same_document_gives_the_same_bytes(writer):
    assert _bytes(writer, _doc(5)) == _bytes(writer, _doc(5))


# --- docx -------------------------------------------------------------------------------

def _docx_texts(data: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(p.text for cell in row.cells for p in cell.paragraphs)
    return texts


def test_docx_holds_the_form_the_figures_and_the_signature(docx_data):
    texts = _docx_texts(docx_data)
    for expected in (MOTTO_NATION, MOTTO, "Lai Châu, ngày 03 tháng 12 năm 2026",
                     "BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU", "Số: 12/BC-BHXH", "BÁO CÁO", TITLE,
                     ADDRESSEE, "Phường Đoàn Kết 1", "1.234.567", "74.074.020", "Nơi nhận:",
                     "- Như trên;", "- Lưu: VT, KHTC.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC",
                     SIGNER, "=1+1"):
        assert expected in texts, expected


def test_docx_is_a4_in_times_new_roman_13(docx_data):
    document = docx.Document(io.BytesIO(docx_data))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30
    assert round(section.right_margin.mm) == 15
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 13


def test_docx_numbers_its_pages_with_word_fields(docx_data):
    footer = docx.Document(io.BytesIO(docx_data)).sections[0].footer
    xml = footer._element.xml
    instructions = [el.text.strip() for el in footer._element.iter()
                    if el.tag.endswith("}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert xml.count('w:fldCharType="begin"') == 2
    assert footer.paragraphs[0].text.startswith("Trang ")


def test_docx_chart_is_a_picture_with_something_drawn(docx_data):
    document = docx.Document(io.BytesIO(docx_data))
    assert len(document.inline_shapes) == 1
    blip = document.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    image = Image.open(io.BytesIO(document.part.related_parts[blip.embed].blob))
    assert image.format == "PNG"
    assert _has_color(image.convert("RGB"), (0x1F, 0x77, 0xB4))


# --- pdf --------------------------------------------------------------------------------

def _has_color(image: Image.Image, rgb: tuple[int, int, int]) -> bool:
    small = image.resize((image.width // 4, image.height // 4))
    colors = small.getcolors(small.width * small.height) or []
    return any(all(abs(a - b) < 12 for a, b in zip(pixel, rgb, strict=True))
               for _, pixel in colors)


def _pages(data: bytes) -> list[tuple[Image.Image, str]]:
    pdf = pdfium.PdfDocument(data)
    out = []
    for page in pdf:
        image = page.render(scale=2).to_pil().convert("RGB")
        text = unicodedata.normalize("NFC", page.get_textpage().get_text_range())
        out.append((image, text))
    return out


def test_pdf_pages_are_drawn_and_numbered_of_the_total(pdf_data):
    pages = _pages(pdf_data)
    assert len(pages) >= 2
    for number, (image, text) in enumerate(pages, start=1):
        darkest, _ = ImageStat.Stat(image.convert("L")).extrema[0]
        assert darkest < 64  # something printed
        assert f"Trang {number}/{len(pages)}" in text
    assert any(_has_color(image, (0x1F, 0x77, 0xB4)) for image, _ in pages)  # the chart


def test_pdf_text_comes_back_letter_for_letter(pdf_data):
    text = "\n".join(t for _, t in _pages(pdf_data))
    for expected in (MOTTO_NATION, MOTTO, "Lai Châu, ngày 03 tháng 12 năm 2026",
                     "BẢO HIỂM XÃ HỘI VIỆT NAM", "Số: 12/BC-BHXH", TITLE, ADDRESSEE,
                     "Phường Đoàn Kết 60", "1.234.567", "74.074.020", "Nơi nhận:",
                     "- Như trên;", "KT. GIÁM ĐỐC", SIGNER, "Mường Lay", "Tân Phong",
                     "Biểu đồ 1. Người hưởng theo phường"):
        assert unicodedata.normalize("NFC", expected) in text, expected


def _fonts(resources):
    for ref in (resources.get("/Font") or {}).values():
        yield ref.get_object()
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            yield from _fonts(xobject["/Resources"].get_object())


def test_pdf_embeds_every_font_it_uses(pdf_data):
    fonts = []
    for page in PdfReader(io.BytesIO(pdf_data)).pages:
        fonts.extend(_fonts(page["/Resources"].get_object()))
    assert fonts
    for font in fonts:
        if font.get("/Subtype") == "/Type0":
            font = font["/DescendantFonts"][0].get_object()
        descriptor = font.get("/FontDescriptor")
        assert descriptor is not None, font.get("/BaseFont")
        assert "/FontFile2" in descriptor.get_object(), font.get("/BaseFont")


def test_pdf_fonts_have_every_vietnamese_letter():
    from reportlab.pdfbase import pdfmetrics

    from chitra.reporting.documents.fonts import body_family, chart_fonts

    family = body_family()
    letters = VIETNAMESE_LETTERS | {c.upper() for c in VIETNAMESE_LETTERS}
    for name in {family.regular, family.bold, family.italic, family.bold_italic,
                 *chart_fonts()}:
        glyphs = pdfmetrics.getFont(name).face.charToGlyph
        assert {c for c in letters if ord(c) not in glyphs} == set(), name


def test_chart_bitmap_matches_the_chart_in_the_pdf():
    """The Word picture is drawn by our own painter; pdfium draws the PDF one. They agree,
    and a picture upside down would not."""
    drawing = chart_module.drawing(CHART, 360, 360)
    ours = Image.open(io.BytesIO(chart_module.png(drawing, dpi=144))).convert("L")
    page = pdfium.PdfDocument(renderPDF.drawToString(drawing))[0]
    reference = page.render(scale=2).to_pil().convert("L")
    size = (96, 48)
    a, b = ours.resize(size), reference.resize(size)
    assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] < 3
    flipped = b.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    assert ImageStat.Stat(ImageChops.difference(a, flipped)).mean[0] > 10


def test_chart_that_is_not_svg_is_refused():
    doc = _doc(2)
    broken = replace(doc, sections=(Section("I.", chart_svg="<p>không phải SVG</p>"),))
    with pytest.raises(ValueError, match="SVG"):
        _bytes(write_pdf, broken)


# --- xlsx -------------------------------------------------------------------------------

def test_xlsx_keeps_numbers_as_numbers_and_formulas_as_text(xlsx_data):
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_data)).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    for amount in (1234567, 1234567 * 60):
        assert type(cells[amount].value) is int
        assert cells[amount].number_format == "#,##0"
    hostile = next(c for v, c in cells.items() if isinstance(v, str) and "1+1" in v)
    assert hostile.data_type == "s"
    assert hostile.value == "'=1+1"
    assert not any(c.data_type == "f" for c in cells.values())


def test_xlsx_holds_the_form(xlsx_data):
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_data)).active
    values = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    for expected in (MOTTO_NATION, MOTTO, "Lai Châu, ngày 03 tháng 12 năm 2026", TITLE,
                     ADDRESSEE, "Nơi nhận:", "- Như trên;", "PHÓ GIÁM ĐỐC", SIGNER,
                     "Phường Đoàn Kết 60"):
        assert expected in values, expected
    assert MOTTO_NATION in {ws.cell(row=1, column=c).value for c in range(1, 8)}
    dash_lines = [c for row in ws.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("- ")]
    assert len(dash_lines) == 3
    assert all(c.quotePrefix for c in dash_lines)  # text, should anyone edit the cell
    assert len(ws._images) == 1
    assert ws.oddFooter.center.text == "Trang &P/&N"
