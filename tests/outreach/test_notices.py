"""Notices: the letters page with its counts and downloads, an unaccented SMS list for the
ward's cash recipients with a phone number."""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta

from django.urls import reverse
from django.utils import timezone

from chitra.access.models import Role
from chitra.outreach import services
from chitra.registry.models import Beneficiary, Channel
from tests import factories as f


def test_letters_and_sms_name_the_day_and_point(login):
    point = f.payment_point()
    pom = f.beneficiary("Lò Văn Pọm")
    Beneficiary.objects.filter(pk=pom.pk).update(payment_point=point, phone="0912345678")
    f.beneficiary("Không Điện Thoại")
    f.beneficiary("Có Tài Khoản", channel=Channel.BANK_ACCOUNT)
    day = timezone.localdate() + timedelta(days=3)
    services.schedule_payment_day(f.user(Role.POST_OFFICE_OPERATOR), point_id=point.pk,
                                  day=day, opens_at=time(7, 30), closes_at=time(11, 0))
    client = login(f.user(Role.WARD_TEAM))
    page = client.get(reverse("outreach_letters")).content.decode()
    assert page.count("<tr data-beneficiary=") == 2  # cash recipients only
    assert "Ông Lò Văn Pọm" in page
    assert f"{day:%d/%m/%Y} 07:30–11:00" in page
    assert "5.250.000 ₫" in page
    assert reverse("outreach_letters_pdf") in page
    assert reverse("outreach_letter_pdf", args=[pom.pk]) in page
    response = client.get(reverse("outreach_sms"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["so_dien_thoai", "ho_ten", "noi_dung"]
    assert len(rows) == 2  # only the one with a phone
    phone, name, text = rows[1]
    assert (phone, name) == ("0912345678", "Lò Văn Pọm")
    assert text.isascii()
    assert len(text) <= 160
    assert f"Ong Lo Van Pom nhan 5.250.000d ngay {day:%d/%m/%Y} 07:30-11:00" in text


def test_letters_page_counts_use_thousand_separators(login):
    people = [f.beneficiary(f"Người Số {i}") for i in range(3)]
    Beneficiary.objects.filter(pk=people[0].pk).update(phone="0912345678")
    page = login(f.user(Role.WARD_TEAM)).get(reverse("outreach_letters")).content.decode()
    assert "3 thư cho người nhận tiền mặt" in page
    assert "1 người có số điện thoại nhận tin nhắn" in page


def test_letters_page_without_cash_recipients_says_so(login):
    f.beneficiary("Có Tài Khoản", channel=Channel.BANK_ACCOUNT)
    page = login(f.user(Role.WARD_TEAM)).get(reverse("outreach_letters")).content.decode()
    assert 'id="letters-empty"' in page
    assert reverse("outreach_letters_pdf") not in page


def test_letters_page_has_no_internal_names(login):
    f.beneficiary("Lò Văn Pọm")
    page = login(f.user(Role.WARD_TEAM)).get(reverse("outreach_letters")).content.decode()
    for internal in ("full_name", "beneficiary_id", "citizen_id", "point_name", "payment_day"):
        assert f">{internal}<" not in page
        assert f" {internal} " not in page


def test_letters_page_in_english_shows_english_labels(login):
    f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("outreach_letters")).content.decode()
    assert '<html lang="en"' in page
    for label in ("Notice letters", "Full name", "Payment day", "Payment point"):
        assert label in page
    assert "Họ tên" not in page


def test_notices_are_the_wards_own(login):
    f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    client = login(f.user(Role.WARD_TEAM))
    assert "Phường Khác" not in client.get(reverse("outreach_letters")).content.decode()
    assert login(f.user(Role.BANK_OPERATOR)).get(reverse("outreach_sms")).status_code == 403
