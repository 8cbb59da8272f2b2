from datetime import UTC, date, datetime

from chitra.web.templatetags.chitra import channel_label, ddmmyyyy, masked, vnd, ward_name


def test_vnd_formats_integer_dong():
    assert vnd(1234567) == "1.234.567 ₫"
    assert vnd(None) == ""


def test_ddmmyyyy_for_dates_and_local_datetimes():
    assert ddmmyyyy(date(2025, 7, 1)) == "01/07/2025"
    # 17:30 UTC is 00:30 the next day in Hà Nội time.
    assert ddmmyyyy(datetime(2025, 6, 30, 17, 30, tzinfo=UTC)) == "01/07/2025 00:30"
    assert ddmmyyyy(None) == ""


def test_masked_keeps_only_the_last_four_unless_shown():
    assert masked("012058000123") == "********0123"
    assert masked("012058000123", True) == "012058000123"
    assert masked("") == ""


def test_ward_name_and_channel_label():
    assert ward_name("03388") == "Phường Đoàn Kết"
    assert ward_name("99999") == "99999"
    assert channel_label("cash") == "Tiền mặt"


def test_count_groups_thousands_with_dots():
    from chitra.web.templatetags.chitra import count

    assert count(0) == "0"
    assert count(999) == "999"
    assert count(1000) == "1.000"
    assert count(3400000) == "3.400.000"
    assert count(None) == ""
