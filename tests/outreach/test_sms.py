"""The SMS to a beneficiary (issue 14): at most 160 unaccented characters, title, name, amount,
day, point and hotline; parts dropped in the documented order when too long; hostile names
and points neither break the text nor the csv (the shared safe writer)."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from chitra.access.models import Role
from chitra.outreach.notices import SMS_MAX, LetterFacts, short_name, sms_plain, sms_text
from chitra.registry.models import Beneficiary
from tests import factories as f

HOTLINE = "1900 9068"
GSM_ASCII = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                " !\"#$%&'()*+,-./:;<=>?@_")
LONG_NAME = "Nguyễn Thị Hoàng Phương Thảo Ngọc Bích Minh Châu Lan Anh Xuân"
LONG_POINT = "Nhà văn hóa tổ dân phố số 12, phường Đoàn Kết, tỉnh Lai Châu (gần chợ trung tâm)"


def facts(name: str = "Lò Văn Pọm", sex: str = "M", *, cash: bool = True,
          point: str = "Bưu điện Đoàn Kết", address: str = "Số 12 Điện Biên Phủ",
          amount: int = 4_567_000, day: date | None = date(2026, 11, 5)) -> LetterFacts:
    return LetterFacts(
        beneficiary_id=1, full_name=name, sex=sex, phone="0912345678", street="",
        ward_code=f.DOAN_KET, monthly_amount=amount, one_time_amount=0, cash=cash,
        point_name=point if cash else "", point_address=address if cash else "",
        payment_day=day if cash else None, opens_at=time(7, 30), closes_at=time(11, 0),
        transfer_date=None if cash else date(2026, 11, 2))


def test_a_short_sms_carries_everything():
    assert sms_text(facts(), HOTLINE) == (
        "BHXH: Ong Lo Van Pom nhan 4.567.000d ngay 05/11/2026 07:30-11:00 tai Buu dien "
        "Doan Ket (So 12 Dien Bien Phu). LH 1900 9068")


@pytest.mark.parametrize(("sex", "title"), [("M", "Ong"), ("F", "Ba"), ("", "Ong/Ba")])
def test_title_is_unaccented(sex, title):
    assert sms_text(facts(sex=sex), HOTLINE).startswith(f"BHXH: {title} Lo Van Pom ")


def test_cashless_sms_gives_the_transfer_date():
    assert sms_text(facts(cash=False), HOTLINE) == (
        "BHXH: Ong Lo Van Pom nhan 4.567.000d qua tai khoan ngay 02/11/2026. LH 1900 9068")


def test_no_payment_day_yet():
    text = sms_text(facts(day=None), HOTLINE)
    assert "theo lich cua phuong/xa" in text
    assert "LH 1900 9068" in text


# What each length of input keeps (the module docstring's order): the address goes first,
# then the hours, then the name is shortened, then the point is cut, then dropped …
@pytest.mark.parametrize(("name", "point", "address", "kept", "dropped"), [
    ("Lò Văn Pọm", "Bưu điện Đoàn Kết", LONG_POINT,
     ["Lo Van Pom", "07:30-11:00", "tai Buu dien Doan Ket"], ["(Nha van hoa"]),
    (LONG_NAME, "Bưu điện Đoàn Kết", LONG_POINT,
     ["Nguyen Thi Hoang", "07:30-11:00", "tai Buu dien Doan Ket", "4.567.000d"], ["(Nha"]),
    (LONG_NAME, LONG_POINT, "",
     ["N.T.H.P.T.N.B.M.C.L.A. Xuan", "4.567.000d", "tai Nha van hoa"], ["07:30"]),
    (LONG_NAME * 2, LONG_POINT * 2, LONG_POINT,
     ["4.567.000d", "05/11/2026", "LH 1900 9068"], ["07:30", "(Nha"]),
    ("A" * 200, "Điểm", "", ["BHXH: Ong AAAA", "4.567.000d", "05/11/2026", "LH 1900 9068"],
     ["07:30"]),
])
def test_long_names_and_points_are_cut_in_order(name, point, address, kept, dropped):
    text = sms_text(facts(name, point=point, address=address), HOTLINE)
    assert len(text) <= SMS_MAX
    assert set(text) <= GSM_ASCII
    for part in kept:
        assert part in text, (part, text)
    for part in dropped:
        assert part not in text, (part, text)


def test_the_day_and_hotline_survive_the_longest_names():
    text = sms_text(facts(LONG_NAME * 3, point=LONG_POINT * 3, address=LONG_POINT), HOTLINE)
    assert len(text) <= SMS_MAX
    assert text.startswith("BHXH: Ong ")
    assert text.endswith("LH 1900 9068")
    assert "05/11/2026" in text


def test_a_cut_point_name_ends_with_dots():
    point = "Điểm chi trả nhà văn hóa tổ dân phố số mười hai phường Đoàn Kết tỉnh Lai Châu"
    text = sms_text(facts(LONG_NAME, point=point, address=""), HOTLINE)
    assert len(text) <= SMS_MAX
    assert "..." in text or "tai Diem chi tra nha van hoa to dan pho" in text


def test_hostile_names_stay_on_one_line_of_gsm_characters():
    name = "=HYPERLINK(\"http://x\")\r\nĐặng\tThị\x00Thuỷ `{[|]}~^\\ 😀"
    text = sms_text(facts(name, point="Bưu điện\nĐoàn Kết", address="Tổ 3;\r\n=1+1"), HOTLINE)
    assert "\n" not in text
    assert "\r" not in text
    assert "\t" not in text
    assert set(text) <= GSM_ASCII
    assert "Dang Thi Thuy" in text
    assert len(text) <= SMS_MAX


def test_short_name_and_plain():
    assert short_name("Lo Van Pom") == "L.V. Pom"
    assert short_name("Pom") == "Pom"
    assert sms_plain("  Đặng  Thị\nThuỷ  ") == "Dang Thi Thuy"


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=300), point=st.text(max_size=300), address=st.text(max_size=300),
       sex=st.sampled_from(["M", "F", "", "?"]), cash=st.booleans(),
       amount=st.integers(min_value=0, max_value=10**12))
def test_never_more_than_160_gsm_characters(name, point, address, sex, cash, amount):
    text = sms_text(facts(name, sex, cash=cash, point=point, address=address, amount=amount),
                    HOTLINE)
    assert len(text) <= SMS_MAX
    assert set(text) <= GSM_ASCII
    assert text.startswith("BHXH: ")


# --- the csv ------------------------------------------------------------------------------------

def test_csv_guards_formulas_and_keeps_each_person_on_one_row(login):
    names = ["=cmd|' /C calc'!A0", "Lò Văn\nPọm, Hai", "@SUM(A1)"]
    for i, name in enumerate(names):
        person = f.beneficiary("Tạm Tên")
        Beneficiary.objects.filter(pk=person.pk).update(full_name=name, phone=f"09123456{i:02d}")
    response = login(f.user(Role.WARD_TEAM)).get(reverse("outreach_sms"))
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline="")))
    assert len(rows) == 1 + len(names)
    by_phone = {r[0]: r for r in rows[1:]}
    assert by_phone["0912345600"][1] == "'=cmd|' /C calc'!A0"
    assert by_phone["0912345601"][1] == "Lò Văn\nPọm, Hai"  # quoted by the csv writer
    assert by_phone["0912345602"][1] == "'@SUM(A1)"
    for _phone, _name, text in rows[1:]:
        assert len(text) <= SMS_MAX
        assert "\n" not in text
        assert text.startswith("BHXH: ")
    assert "Lo Van Pom, Hai nhan" in by_phone["0912345601"][2]
