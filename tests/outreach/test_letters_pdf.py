"""Letters as PDF (issue 14): one A4 page a person with the letterhead, the date line, Ông/Bà
from the recorded sex, the amount, the payment day and point (or the transfer date), the
hotline; read back with poppler's pdftotext and drawn with pdftoppm."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from chitra import config
from chitra.access.models import Role
from chitra.core.identifiers import Sex
from chitra.core.models import AuditEntry
from chitra.outreach import services
from chitra.outreach.letter_pdf import Letterhead, date_line, letter_pdf, stream_letters
from chitra.outreach.notices import LetterFacts, next_transfer_date
from chitra.payments import calendar
from chitra.registry.models import Beneficiary, Channel
from tests import factories as f

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                reason="poppler-utils is needed to read the PDFs")
ISSUED = date(2026, 11, 2)
HEAD = Letterhead.of(f.LAI_CHAU, "Số 5 đường Trần Hưng Đạo, phường Đoàn Kết", "1900 9068")


def pdf_text(data: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    return " ".join(text.split())


def facts(name: str = "Lò Văn Pọm", sex: str = "M", *, cash: bool = True,
          **kw: object) -> LetterFacts:
    values: dict[str, object] = dict(
        beneficiary_id=1, full_name=name, sex=sex, phone="", street="Tổ 3",
        ward_code=f.DOAN_KET, monthly_amount=4_567_000, one_time_amount=0, cash=cash,
        point_name="Bưu điện Đoàn Kết" if cash else "",
        point_address="Số 12 đường Điện Biên Phủ" if cash else "",
        payment_day=date(2026, 11, 5) if cash else None,
        opens_at=time(7, 30) if cash else None, closes_at=time(11, 0) if cash else None,
        transfer_date=None if cash else date(2026, 11, 2))
    values.update(kw)
    return LetterFacts(**values)  # type: ignore[arg-type]


def test_letter_shows_the_vietnamese_text_with_diacritics():
    text = flat(pdf_text(letter_pdf(HEAD, facts(), ISSUED)))
    for expected in ("BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU", "Số 5 đường Trần Hưng Đạo",
                     "Đường dây nóng: 1900 9068", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Lai Châu, ngày 02 tháng 11 năm 2026", "THÔNG BÁO",
                     "Kính gửi: Ông Lò Văn Pọm", "Địa chỉ: Tổ 3, Phường Đoàn Kết",
                     "Số tiền hưởng hằng tháng: 4.567.000 ₫",
                     "Ngày chi trả: Thứ Năm, 05/11/2026, từ 07:30 đến 11:00",
                     "Điểm chi trả: Bưu điện Đoàn Kết, Số 12 đường Điện Biên Phủ",
                     "liên hệ đường dây nóng 1900 9068", "(Ký, ghi rõ họ tên, đóng dấu)"):
        assert expected in text, expected


@pytest.mark.parametrize(("sex", "title", "you"), [("M", "Ông", "ông"), ("F", "Bà", "bà"),
                                                   ("", "Ông/Bà", "ông/bà"),
                                                   ("X", "Ông/Bà", "ông/bà")])
def test_title_comes_from_the_recorded_sex(sex, title, you):
    text = flat(pdf_text(letter_pdf(HEAD, facts("Tẩn Thị Mẩy", sex), ISSUED)))
    assert f"Kính gửi: {title} Tẩn Thị Mẩy" in text
    assert f"thông báo tới {you} về kỳ chi trả" in text


def test_cashless_letter_gives_the_transfer_date_not_a_point():
    text = flat(pdf_text(letter_pdf(HEAD, facts(cash=False), ISSUED)))
    assert "Ngày chuyển tiền vào tài khoản: 02/11/2026" in text
    assert "Điểm chi trả:" not in text


def test_one_time_only_letter_names_the_one_time_amount():
    text = flat(pdf_text(letter_pdf(HEAD, facts(monthly_amount=0,
                                                one_time_amount=12_000_000), ISSUED)))
    assert "Số tiền được nhận: 12.000.000 ₫" in text


def test_a_long_name_and_point_wrap_inside_the_page():
    long = "Nguyễn Thị Hoàng Phương Thảo Ngọc Bích Minh Châu Lan Anh Xuân Thu Hà Giang"
    data = letter_pdf(HEAD, facts(long, point_name="Điểm chi trả " * 12), ISSUED)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert "Lan Anh Xuân Thu Hà Giang" in flat(pdf_text(data))


def test_the_page_is_not_blank(tmp_path):
    (tmp_path / "letter.pdf").write_bytes(letter_pdf(HEAD, facts(), ISSUED))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "letter.pdf"),
                    str(tmp_path / "page")], check=True)
    [png] = list(tmp_path.glob("page*.png"))
    with Image.open(png) as img:
        grey = img.convert("L")
        dark = sum(grey.histogram()[:128])
        assert grey.size[1] > grey.size[0]  # portrait A4
    assert dark > 2000  # text and lines, not a white page


def test_stream_joins_batches_into_one_pdf_one_page_a_person():
    people = [facts(f"Người Thứ {i}", "MF"[i % 2], beneficiary_id=i) for i in range(7)]
    data = b"".join(stream_letters(HEAD, iter(people), ISSUED, batch=3))
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 7
    for i in range(7):
        page = flat(pdf_text(data, page=i + 1))
        assert f"Kính gửi: {'Ông' if i % 2 == 0 else 'Bà'} Người Thứ {i}" in page
        assert "4.567.000 ₫" in page


def test_stream_is_written_batch_by_batch():
    """The pieces come as the letters are drawn: the first batch's pages are out before the
    letters of the last batch are even read."""
    read: list[int] = []

    def people():
        for i in range(6):
            read.append(i)
            yield facts(f"Người Thứ {i}", beneficiary_id=i)

    pieces = stream_letters(HEAD, people(), ISSUED, batch=2)
    out = next(pieces) + next(pieces)  # header, then the first page object
    assert out.startswith(b"%PDF-")
    assert max(read) < 5


def test_empty_stream_is_still_a_valid_pdf():
    data = b"".join(stream_letters(HEAD, iter([]), ISSUED))
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    assert "Không có thư nào" in flat(pdf_text(data))


def test_date_line_and_place():
    assert date_line("Lai Châu", date(2026, 1, 9)) == "Lai Châu, ngày 09 tháng 01 năm 2026"
    assert Letterhead.of("01", "", "").place == "Hà Nội"
    assert Letterhead.of("01", "", "").office == "BẢO HIỂM XÃ HỘI THÀNH PHỐ HÀ NỘI"


def test_next_transfer_date_is_this_or_next_months():
    first = calendar.transfer_date(date(2026, 11, 1))
    assert next_transfer_date(f.LAI_CHAU, first) == first
    assert next_transfer_date(f.LAI_CHAU, first + timedelta(days=1)) == \
        calendar.transfer_date(date(2026, 12, 1))


@pytest.mark.parametrize("value", ["call us", "1900 9068; rm -rf", "", "1" * 30, "+-()"])
def test_a_hotline_that_is_not_a_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("CHITRA_HOTLINE", value)
    with pytest.raises(ValueError, match="CHITRA_HOTLINE"):
        config.load()


# --- the downloads -----------------------------------------------------------------------------

@pytest.fixture
def ward_people():
    point = f.payment_point()
    pom = f.beneficiary("Lò Văn Pọm")
    may = f.beneficiary("Tẩn Thị Mẩy", sex=Sex.FEMALE, amount=3_125_000)
    Beneficiary.objects.filter(pk__in=[pom.pk, may.pk]).update(payment_point=point)
    bank = f.beneficiary("Có Tài Khoản", channel=Channel.BANK_ACCOUNT)
    day = timezone.localdate() + timedelta(days=3)
    services.schedule_payment_day(f.user(Role.POST_OFFICE_OPERATOR), point_id=point.pk,
                                  day=day, opens_at=time(7, 30), closes_at=time(11, 0))
    return {"pom": pom, "may": may, "bank": bank, "day": day, "point": point}


def test_ward_pdf_has_a_page_per_cash_recipient(login, ward_people):
    user = f.user(Role.WARD_TEAM)
    response = login(user).get(reverse("outreach_letters_pdf"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    text = flat(pdf_text(data))
    assert "Kính gửi: Ông Lò Văn Pọm" in text
    assert "Kính gửi: Bà Tẩn Thị Mẩy" in text
    assert "Số tiền hưởng hằng tháng: 3.125.000 ₫" in text
    assert f"{ward_people['day']:%d/%m/%Y}, từ 07:30 đến 11:00" in text
    assert ward_people["point"].name in text
    assert "Có Tài Khoản" not in text
    entry = AuditEntry.objects.get(action="download", object_type="notice_letters")
    assert entry.actor == user.username


def test_one_persons_letter_also_for_a_cashless_person(login, ward_people):
    client = login(f.user(Role.WARD_TEAM))
    response = client.get(reverse("outreach_letter_pdf", args=[ward_people["bank"].pk]))
    assert response.status_code == 200
    text = flat(pdf_text(response.content))
    assert "Kính gửi: Ông Có Tài Khoản" in text
    assert "Ngày chuyển tiền vào tài khoản:" in text
    assert AuditEntry.objects.filter(object_type="notice_letter",
                                     object_id=str(ward_people["bank"].pk)).exists()


def test_another_wards_person_is_not_found(login, ward_people):
    other = f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    client = login(f.user(Role.WARD_TEAM))
    assert client.get(reverse("outreach_letter_pdf", args=[other.pk])).status_code == 404
    assert client.get(reverse("outreach_letter_pdf", args=[10**9])).status_code == 404


def test_users_without_a_ward_get_no_letters(login, ward_people):
    for role in (Role.BANK_OPERATOR, Role.BHXH_OFFICER):
        client = login(f.user(role))
        assert client.get(reverse("outreach_letters_pdf")).status_code == 403
        assert client.get(reverse("outreach_letter_pdf",
                                  args=[ward_people["pom"].pk])).status_code == 403
    assert not AuditEntry.objects.filter(object_type__startswith="notice_letter").exists()
