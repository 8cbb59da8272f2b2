"""Notices: plain-Vietnamese letters with the payment day and point, an unaccented SMS list
for the ward's cash recipients with a phone number."""

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
    assert page.count('class="card letter"') == 2  # cash recipients only
    assert "Kính gửi ông/bà Lò Văn Pọm" in page
    assert f"ngày {day:%d/%m/%Y}, từ 07:30 đến 11:00, tại {point.name}" in page
    response = client.get(reverse("outreach_sms"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["so_dien_thoai", "ho_ten", "noi_dung"]
    assert len(rows) == 2  # only the one with a phone
    phone, name, text = rows[1]
    assert (phone, name) == ("0912345678", "Lò Văn Pọm")
    assert text.isascii()
    assert f"Lo Van Pom nhan tien ngay {day:%d/%m/%Y}" in text


def test_notices_are_the_wards_own(login):
    f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    client = login(f.user(Role.WARD_TEAM))
    assert "Phường Khác" not in client.get(reverse("outreach_letters")).content.decode()
    assert login(f.user(Role.BANK_OPERATOR)).get(reverse("outreach_sms")).status_code == 403
