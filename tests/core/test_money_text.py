import pytest
from hypothesis import given
from hypothesis import strategies as st

from chitra.core.money import AmountError, format_vnd, parse_amount
from chitra.core.text import fold_key, has_invisible, legacy_encoding, nfc, to_ascii


@pytest.mark.parametrize(("text", "value"), [("1234567", 1234567), ("1.234.567", 1234567),
                                             ("1,234,567 ₫", 1234567), (" 5000 ", 5000),
                                             ("1 234 567", 1234567), (250000, 250000)])
def test_parse_amount_accepts_whole_dong(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    "text", ["12.5", "1.2345", "abc", "", "-5", "1e6", "12,50", "10000000000000000"])
def test_parse_amount_refuses_fractions_and_junk(text):
    with pytest.raises(AmountError):
        parse_amount(text)


@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_round_trips(n):
    assert parse_amount(format_vnd(n)) == n


def test_format_vnd():
    assert format_vnd(1234567) == "1.234.567 ₫"
    assert format_vnd(0) == "0 ₫"


def test_names_are_stored_nfc_and_compared_without_marks():
    decomposed = "Nguye\u0302\u0303n  Thi\u0323 Thuy\u0309 "
    assert nfc(decomposed) == "Nguyễn Thị Thuỷ"
    assert fold_key("Nguyễn Thị Thuỷ") == fold_key("NGUYEN THI THUY") == "nguyen thi thuy"
    assert fold_key("Hoà") == fold_key("Hòa")
    assert fold_key("Đặng Đức") == "dang duc"


def test_to_ascii_keeps_case_and_spacing_for_text_people_read():
    # The SMS notices and the pain.001 names with diacritics stripped use this one folding.
    assert to_ascii("Đặng Thị Thuỷ") == "Dang Thi Thuy"
    assert to_ascii("Nguye\u0302\u0303n  Ð") == "Nguyen  D"
    assert to_ascii("ﬁ 10²") == "fi 102"  # compatibility characters decomposed
    assert to_ascii("Lò Văn 😀") == "Lo Van "  # what has no ASCII form is dropped


@pytest.mark.parametrize(("text", "kind"), [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "TCVN3"),
    ("§éc lËp - Tù do - H¹nh phóc", "TCVN3"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "VNI"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "VNI"),
    ("Cộng hoà xã hội chủ nghĩa Việt Nam", None),
    ("Lò Văn Pọm, Tẩn Thị Mẩy, Đặng Đức", None),
    ("plain ascii text", None),
])
def test_legacy_font_text_is_detected(text, kind):
    assert legacy_encoding(text) == kind


@pytest.mark.parametrize("text", [
    "Lò Văn \u202ePọm",  # right-to-left override
    "Lò Văn\u2066 Pọm\u2069",  # isolates
    "Lò\u200f Văn Pọm",  # right-to-left mark
    "Lò\u200b Văn",  # zero-width space
    "\ufeffLò Văn Pọm",  # byte-order mark
    "Lò\u061c Văn",  # Arabic letter mark
])
def test_bidi_controls_and_invisible_characters_are_found(text):
    assert has_invisible(text)


@pytest.mark.parametrize("text", ["Lò Văn Pọm", "Nguyễn Thị Thuỷ", "ĐẶNG ĐỨC", "Tổ 3, bản Nà Ít",
                                  ""])
def test_ordinary_vietnamese_has_nothing_invisible(text):
    assert not has_invisible(text)
