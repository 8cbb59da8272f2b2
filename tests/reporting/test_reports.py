"""The official reports hold the figures the dashboard shows (counted from real status
files), in Vietnamese administrative form, as docx, pdf and xlsx; bad requests write
nothing; each user only their own area."""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pypdfium2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.access.models import OrganizationKind, Role
from chitra.reporting import deadlines, kpi, report_parts
from chitra.reporting.queries import Area, month_kpi
from tests import factories as f

NOV = date(2026, 11, 1)


@pytest.fixture
def counted(reconciled):
    kpi.refresh_cycle(reconciled.pk, "officer")
    return reconciled


def _report(tmp_path: Path, kind: str, area: str, period: str, fmt: str, user=None) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir(exist_ok=True)
    out = folder / f"r.{fmt}"
    user = user or f.user(Role.BHXH_OFFICER)
    call_command("report", kind, "--area", area, "--period", period, "--format", fmt,
                 "--out", str(out), "--as", user.username)
    return out


def _docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    texts = []
    for page in pdf:
        image = page.render(scale=1).to_pil().convert("L")
        assert image.getextrema()[0] < 128  # something is drawn: not a blank page
        texts.append(page.get_textpage().get_text_range())
    return unicodedata.normalize("NFC", "\n".join(texts))


def test_the_province_report_holds_the_dashboards_figures_in_every_format(
        counted, tmp_path, login):
    k = month_kpi(Area("12"), NOV).groups["monthly"]
    page = login(f.user(Role.BHXH_OFFICER)).get("/reporting/p/12/").context["page"]
    assert page.kpi.groups["monthly"] == k
    assert (k.people, k.cashless_people, k.amount, k.cashless_amount) == (
        2, 1, 6_700_000, 4_200_000)
    word = _docx_text(_report(tmp_path, "province-monthly", "12", "2026-11", "docx"))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU", "Phường Đoàn Kết", "50,0 %",
                     "6.700.000", "4.200.000", "62,7 %", "Nơi nhận", "GIÁM ĐỐC"):
        assert expected in word, expected
    # The sentence keeps its commas; only the numbers take thousands dots.
    assert ("Trong tháng 11/2026, Tỉnh Lai Châu đã chi trả cho 2 người hưởng hàng tháng, "
            "trong đó 1 người nhận qua tài khoản (50,0 %)") in word
    text = _pdf_text(_report(tmp_path, "province-monthly", "12", "2026-11", "pdf")
                     .read_bytes())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Phường Đoàn Kết", "50,0 %",
                     "6.700.000", "Đề xuất khen thưởng"):
        assert expected in text, expected
    wb = openpyxl.load_workbook(_report(tmp_path, "province-monthly", "12", "2026-11", "xlsx"))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert 6_700_000 in values
    assert 4_200_000 in values


def test_the_ward_report_from_the_ward_page(counted, login):
    team = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET))
    client = login(team)
    page = client.get(f"/reporting/p/12/w/{f.DOAN_KET}/").text
    link = f"/reporting/p/12/w/{f.DOAN_KET}/report/ward-monthly.docx?period=2026-11"
    assert link.replace("&", "&amp;") in page or link in page
    response = client.get(link)
    assert response.status_code == 200
    word = docx.Document(io.BytesIO(response.content))
    assert any("Phường Đoàn Kết" in p.text for p in word.paragraphs)
    assert client.get(f"/reporting/p/12/w/{f.TAN_PHONG}/report/ward-monthly.pdf"
                      "?period=2026-11").status_code == 404
    assert client.get("/reporting/p/12/report/province-monthly.pdf?period=2026-11"
                      ).status_code == 404


def test_decision_241_splits_urban_and_rural_and_adds_up(counted, tmp_path):
    assert report_parts.urban(f.DOAN_KET)
    assert not report_parts.urban("03610")  # Xã Bình Lư
    text = _docx_text(_report(tmp_path, "decision-241", "12", "2026-11", "docx"))
    assert "Thành thị (phường)" in text
    assert "Nông thôn (xã, đặc khu)" in text
    assert "Tổng cộng" in text
    assert "6.700.000" in text


def test_the_annual_report_lists_every_month(counted, tmp_path):
    wb = openpyxl.load_workbook(_report(tmp_path, "annual-sbv", "12", "2026", "xlsx"))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    months = [v for v in values if isinstance(v, str) and v.endswith("/2026") and len(v) == 7]
    assert months == [f"{m:02d}/2026" for m in range(1, 13)]
    assert 6_700_000 in values


@pytest.mark.parametrize(("kind", "area", "period", "fmt", "code"), [
    ("province-monthly", "12", "2026", "pdf", "bad_period"),  # a month is needed
    ("annual-sbv", "12", "2026-11", "pdf", "bad_period"),  # a year is needed
    ("ward-monthly", "12", "2026-11", "pdf", "bad_area"),  # a ward is needed
    ("province-monthly", "12", "2026-13", "pdf", "bad_period"),
    ("province-monthly", "12", "<script>", "pdf", "bad_period"),
    ("province-monthly", "01", "2026-11", "pdf", "not_in_scope"),  # Hà Nội: not theirs
    ("province-monthly", "1'; --", "2026-11", "pdf", "not_in_scope"),
])
def test_bad_requests_write_nothing(counted, tmp_path, kind, area, period, fmt, code):
    with pytest.raises(CommandError, match=code):
        _report(tmp_path, kind, area, period, fmt)
    assert list((tmp_path / "reports").iterdir()) == []


def test_the_web_refuses_a_bad_period_with_a_page(counted, login):
    response = login(f.user(Role.BHXH_OFFICER)).get(
        "/reporting/p/12/report/province-monthly.pdf?period=2026")
    assert response.status_code == 400
    assert 'id="report-error"' in response.text
    assert login(f.user(Role.BHXH_OFFICER)).get(
        "/reporting/p/12/report/nothing.pdf?period=2026-11").status_code == 400


def test_reminders_before_the_due_dates():
    soon = deadlines.upcoming(date(2026, 10, 20), ward=False)
    assert [(d.label, d.due, d.days_left) for d in soon] == [
        ("Báo cáo năm gửi Ngân hàng Nhà nước", date(2026, 10, 30), 10),
        ("Báo cáo tháng của tỉnh", date(2026, 11, 5), 16)][:1]
    assert [d.due for d in deadlines.upcoming(date(2026, 11, 28), ward=True)] == [
        date(2026, 12, 5)]
    assert deadlines.upcoming(date(2026, 11, 6), ward=True) == []


@pytest.mark.parametrize("period", ["0000", "0001-01", "2026-1", "２０２６-11", "2026-11-01"])
def test_hostile_periods_on_the_web_are_refused_cleanly(counted, login, period):
    response = login(f.user(Role.BHXH_OFFICER)).get(
        f"/reporting/p/12/report/province-monthly.pdf?period={period}")
    assert response.status_code == 400


def test_a_period_with_a_line_break_names_the_file_without_it(counted, login):
    response = login(f.user(Role.BHXH_OFFICER)).get(
        "/reporting/p/12/report/province-monthly.pdf?period=2026-11%0A")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="bao-cao-province-monthly-12-2026-11.pdf"')


def test_a_report_is_fetched_not_posted(counted, login):
    response = login(f.user(Role.BHXH_OFFICER)).post(
        "/reporting/p/12/report/province-monthly.pdf?period=2026-11")
    assert response.status_code == 405


def test_a_ward_organisations_viewer_sees_its_ward_only(counted, login):
    org = f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET)
    client = login(f.user(Role.VIEWER, org))
    assert client.get("/reporting/").url == f"/reporting/p/12/w/{f.DOAN_KET}/"
    assert client.get("/reporting/p/12/").status_code == 404
    assert client.get(f"/reporting/p/12/w/{f.TAN_PHONG}/").status_code == 404
