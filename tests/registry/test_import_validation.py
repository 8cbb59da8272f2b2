"""Each validation rule of a beneficiary import row, with a good and a bad value."""

from __future__ import annotations

from datetime import date

import pytest

from chitra.core.identifiers import Sex
from chitra.core.text import fold_key
from chitra.registry.importing.columns import resolve_header
from chitra.registry.importing.reading import FileRefused
from chitra.registry.importing.run import load_lookups
from chitra.registry.importing.validate import STAGE_COLUMNS, RowValidator, fold
from tests import factories as f
from tests.registry.fixtures.import_files import KEYS, person

TODAY = date(2026, 11, 20)


@pytest.fixture
def validate():
    layout, problems = resolve_header([*list(KEYS), "ward_code_2024"])
    assert problems == []

    def run(**overrides: str):
        v = RowValidator(layout, load_lookups(f.LAI_CHAU, TODAY))
        row = person(**overrides)
        cells = [row.get(k, "") for k in KEYS] + [row.get("ward_code_2024", "")]
        values, problems = v.validate(2, cells)
        return (dict(zip(STAGE_COLUMNS, values, strict=True)) if values else None,
                [(p.column, p.code) for p in problems])

    return run


def test_a_good_row_is_staged_with_nfc_name_and_keys(validate):
    values, problems = validate(full_name="  Lò  Văn\u0300 Pọm ", account_holder="Lò Văn Pọm")
    assert problems == []
    assert values["full_name"] == "Lò Văǹ Pọm"
    assert values["name_key"] == fold_key("Lò Văǹ Pọm")
    assert values["holder_name_key"] == "lo van pom"
    assert values["amount"] == "5250000"
    assert values["date_of_birth"] == "1958-03-14"
    assert values["benefit_group"] == "monthly"
    assert values["channel"] == "bank_account"


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"citizen_id": "01205800001"}, ("citizen_id", "citizen_id_format")),
    ({"citizen_id": "01205800000a"}, ("citizen_id", "citizen_id_format")),
    ({"citizen_id": "999058000001"}, ("citizen_id", "citizen_id_province")),
    ({"citizen_id": "012158000001"}, ("citizen_id", "citizen_id_sex")),
    ({"citizen_id": "012059000001"}, ("citizen_id", "citizen_id_birth_year")),
    ({"citizen_id": "012258000001"}, ("citizen_id", "citizen_id_century")),
    ({"bhxh_code": "12345"}, ("bhxh_code", "bhxh_code_format")),
    ({"full_name": ""}, ("full_name", "required")),
    ({"full_name": "A" * 121}, ("full_name", "too_long")),
    ({"full_name": "Lò\x00Văn"}, ("full_name", "control_chars")),
    ({"date_of_birth": "31/02/1958"}, ("date_of_birth", "date_format")),
    ({"date_of_birth": "1958"}, ("date_of_birth", "date_format")),
    ({"sex": "X"}, ("sex", "sex_invalid")),
    ({"ward_code": "99999"}, ("ward_code", "ward_unknown")),
    ({"ward_code": "00004"}, ("ward_code", "ward_other_province")),
    ({"ward_code": "", "ward_code_2024": "99999"}, ("ward_code_2024", "ward_2024_unknown")),
    ({"ward_code": ""}, ("ward_code", "required")),
    ({"phone": "12ab"}, ("phone", "phone_invalid")),
    ({"benefit_type": "Tiền thưởng"}, ("benefit_type", "benefit_type_unknown")),
    ({"benefit_amount": "0"}, ("benefit_amount", "amount_not_positive")),
    ({"benefit_amount": "5250000.50"}, ("benefit_amount", "amount_invalid")),
    ({"benefit_amount": "-5000"}, ("benefit_amount", "amount_invalid")),
    ({"benefit_amount": "abc"}, ("benefit_amount", "amount_invalid")),
    ({"benefit_start": "2020-13-01"}, ("benefit_start", "date_format")),
    ({"benefit_start": "01/01/1950"}, ("benefit_start", "start_implausible")),
    ({"benefit_end": "31/12/2019"}, ("benefit_end", "end_before_start")),
    ({"channel": "séc"}, ("channel", "channel_unknown")),
    ({"channel": "Tiền mặt"}, ("provider", "cash_has_account")),
    ({"provider": ""}, ("provider", "provider_missing")),
    ({"provider": "Ngân hàng Mặt Trăng"}, ("provider", "provider_unknown")),
    ({"provider": "MoMo", "account_number": "0912345678"},
     ("provider", "provider_kind_mismatch")),
    ({"account_number": "880020512345"}, ("account_number", "account_length")),
    ({"account_number": "88002051234x5"}, ("account_number", "account_digits")),
    ({"account_number": ""}, ("account_number", "required")),
    ({"account_holder": ""}, ("account_holder", "holder_missing")),
    ({"payment_point": "DCT-KHONG-CO"}, ("payment_point", "payment_point_unknown")),
])
def test_a_bad_value_is_a_problem_on_its_column(validate, overrides, expected):
    values, problems = validate(**overrides)
    assert values is None
    assert expected in problems


def test_date_of_birth_not_in_future_nor_before_1900(validate):
    future = date(2027, 1, 1)
    _, problems = validate(date_of_birth="01/01/2027",
                           citizen_id=f.citizen_id_for(future, Sex.MALE))
    assert ("date_of_birth", "dob_future") in problems
    _, problems = validate(date_of_birth="01/01/1899", citizen_id="012899000001")
    assert ("date_of_birth", "dob_too_old") in problems


@pytest.mark.parametrize(("overrides", "column", "expected"), [
    ({"sex": "Nữ", "citizen_id": f"0121{58}000777"}, "sex", "F"),
    ({"sex": "F", "citizen_id": "012158000778"}, "sex", "F"),
    ({"sex": "m"}, "sex", "M"),
    ({"benefit_type": "pension"}, "benefit_type", "pension"),
    ({"benefit_type": "TRO CAP THAT NGHIEP"}, "benefit_type", "unemployment"),
    ({"channel": "bank_account"}, "channel", "bank_account"),
    ({"channel": "Ví điện tử", "provider": "ViettelMoney", "account_number": "0912345678"},
     "channel", "ewallet"),
    ({"channel": "cash", "provider": "", "account_number": "", "account_holder": ""},
     "channel", "cash"),
    ({"provider": "970405"}, "provider_id", None),  # NAPAS BIN of Agribank
    ({"benefit_amount": "5,250,000 ₫"}, "amount", "5250000"),
    ({"date_of_birth": "1958-03-14"}, "date_of_birth", "1958-03-14"),
    ({"date_of_birth": "14/3/1958"}, "date_of_birth", "1958-03-14"),
    ({"phone": "+84 912 345 678"}, "phone", "0912345678"),
    ({"account_number": "8800 2051 23456"}, "account_number", "8800205123456"),
    ({"bhxh_code": "1201234567"}, "bhxh_code", "1201234567"),
    ({"benefit_end": "31/12/2030"}, "end_date", "2030-12-31"),
])
def test_accepted_spellings(validate, overrides, column, expected):
    values, problems = validate(**overrides)
    assert problems == []
    if expected is not None:
        assert values[column] == expected
    else:
        assert values[column] == str(f.provider("Agribank").pk)


def test_a_2024_ward_code_is_mapped_to_the_current_ward(validate):
    values, problems = validate(ward_code="", ward_code_2024="03386")  # Quyết Thắng → Đoàn Kết
    assert problems == []
    assert values["ward_code"] == f.DOAN_KET


def test_payment_point_of_the_province_is_accepted(validate):
    point = f.payment_point()
    values, problems = validate(payment_point=point.code)
    assert problems == []
    assert values["payment_point_id"] == str(point.pk)


def test_a_legacy_font_name_refuses_the_whole_file(validate):
    with pytest.raises(FileRefused) as e:
        validate(full_name="NguyÔn V¨n §øc")
    assert e.value.code == "legacy_encoding"
    assert "TCVN3" in e.value.message_vi
    assert "TCVN3" in e.value.message_en


@pytest.mark.parametrize("text", [
    "Nguyễn Thị Thuỷ", "NGUYỄN VĂN ĐỨC", "Hoà", "Lò Văn Pọm", "plain ascii", "Ærø Ñandú",
    "Nguyễn\u034fVăn", "Zoë Đặng", "Trần  Văn", "Ǆ ǅ", "İstanbul",
])
def test_fast_fold_equals_core_fold_key(text):
    from chitra.core.text import nfc

    assert fold(nfc(text)) == fold_key(nfc(text))


def test_header_aliases_and_missing_columns():
    layout, problems = resolve_header(["SO DINH DANH", "full_name", "Ngày sinh", "gioi tinh",
                                       "ward_code", "Loại chế độ", "amount", "benefit_start",
                                       "Hình thức nhận"])
    assert problems == []
    assert layout.index["benefit_amount"] == 6
    _, problems = resolve_header(["full_name", "full_name"])
    codes = {p.code for p in problems}
    assert codes == {"column_repeated", "column_missing"}
