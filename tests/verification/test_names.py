"""Vietnamese-aware name matching and the plain result types of a verification (issue 16)."""

import time
import unicodedata
from dataclasses import FrozenInstanceError
from datetime import date, datetime

import pytest

from chitra.core.identifiers import Sex
from chitra.verification.names import (
    DIFFERENT_SCORE_CAP,
    MATCH_THRESHOLD,
    MAX_NAME_LENGTH,
    InvalidName,
    NameMatch,
    NameReason,
    compare_names,
    name_problems,
)
from chitra.verification.outcomes import (
    BirthDateReason,
    Outcome,
    PersonAnswer,
    PersonCheck,
    birth_date_outcome,
)

R = NameReason

# (ours — BHXH, theirs — population database, expected reason, expected to match)
PAIRS = [
    # Same text, or the same after NFC/case/spacing/punctuation/tone placement.
    ("Nguyễn Văn An", "Nguyễn Văn An", R.EXACT, True),
    ("NGUYỄN VĂN AN", "Nguyễn Văn An", R.SAME_AFTER_NORMALIZING, True),
    ("  Nguyễn  Văn   An ", "Nguyễn Văn An", R.SAME_AFTER_NORMALIZING, True),
    ("Nguyễn\tVăn\nAn", "Nguyễn Văn An", R.SAME_AFTER_NORMALIZING, True),
    ("bùi thị nguyệt", "Bùi Thị Nguyệt", R.SAME_AFTER_NORMALIZING, True),
    ("Trần Thị Hoà", "Trần Thị Hòa", R.SAME_AFTER_NORMALIZING, True),
    ("Lê Thị Thuý", "Lê Thị Thúy", R.SAME_AFTER_NORMALIZING, True),
    ("Phạm Văn Khoẻ", "Phạm Văn Khỏe", R.SAME_AFTER_NORMALIZING, True),
    ("Đỗ Thị Thuỷ", "Đỗ Thị Thủy", R.SAME_AFTER_NORMALIZING, True),
    ("Hoàng Văn Qúy", "Hoàng Văn Quý", R.SAME_AFTER_NORMALIZING, True),
    ("Ngô Thị Loà", "Ngô Thị Lòa", R.SAME_AFTER_NORMALIZING, True),
    ("Nguyễn-Văn An.", "Nguyễn Văn An", R.SAME_AFTER_NORMALIZING, True),
    ("Ksor H'Nhí", "Ksor HNhí", R.SAME_AFTER_NORMALIZING, True),
    ("ＮＧＵＹＥＮ ＶＡＮ ＡＮ", "Nguyen Van An", R.SAME_AFTER_NORMALIZING, True),
    # One side entirely without diacritics.
    ("Nguyen Thi Hoa", "Nguyễn Thị Hoa", R.ACCENTS_MISSING, True),
    ("NGUYEN VAN AN", "Nguyễn Văn An", R.ACCENTS_MISSING, True),
    ("Dang Thi Thuy", "Đặng Thị Thủy", R.ACCENTS_MISSING, True),
    ("Đặng Văn Đức", "DANG VAN DUC", R.ACCENTS_MISSING, True),
    ("Giàng A Páo", "GIANG A PAO", R.ACCENTS_MISSING, True),
    ("Lò Văn Piếng", "Lo Van Pieng", R.ACCENTS_MISSING, True),
    ("Ksor H'Nhi", "Ksor HNhí", R.ACCENTS_MISSING, True),
    # Filler middle names Thị/Văn missing or written without their mark.
    ("Nguyễn Thi Hoa", "Nguyễn Thị Hoa", R.MIDDLE_NAME_VARIANT, True),
    ("Nguyễn Hoa", "Nguyễn Thị Hoa", R.MIDDLE_NAME_VARIANT, True),
    ("Trần Văn Bình", "Trần Bình", R.MIDDLE_NAME_VARIANT, True),
    ("Phạm Van Hùng", "Phạm Văn Hùng", R.MIDDLE_NAME_VARIANT, True),
    ("Vũ Thị Minh Châu", "Vũ Minh Châu", R.MIDDLE_NAME_VARIANT, True),
    ("Nguyen Hoa", "Nguyễn Thị Hoa", R.MIDDLE_NAME_VARIANT, True),
    # Family name last, or given name first.
    ("Hoa Nguyễn Thị", "Nguyễn Thị Hoa", R.ORDER_DIFFERS, True),
    ("Thị Hoa Nguyễn", "Nguyễn Thị Hoa", R.ORDER_DIFFERS, True),
    ("HOA NGUYEN THI", "Nguyễn Thị Hoa", R.ORDER_DIFFERS, True),
    ("An Nguyễn", "Nguyễn An", R.ORDER_DIFFERS, True),
    ("A Dê Sùng", "Sùng A Dê", R.ORDER_DIFFERS, True),
    # Different people, however close the names look.
    ("Nguyễn Văn An", "Nguyễn Văn Anh", R.DIFFERENT, False),
    ("Lê Thị Hoa", "Lê Thị Hòa", R.ACCENTS_DIFFER, False),
    ("Nguyễn Văn An", "Nguyễn Văn Ân", R.ACCENTS_DIFFER, False),
    ("Phạm Thị Huệ", "Phạm Thị Huế", R.ACCENTS_DIFFER, False),
    ("Lê Văn Tú", "Lê Văn Tư", R.ACCENTS_DIFFER, False),
    ("Nguyễn Thị Thủy", "Nguyễn Thị Thụy", R.ACCENTS_DIFFER, False),
    ("Nguyen Văn Nam", "Nguyễn Văn Năm", R.ACCENTS_DIFFER, False),  # partly accented
    ("Dao Thị Mai", "Đào Thị Mai", R.ACCENTS_DIFFER, False),
    ("Nguyễn Thí Hoa", "Nguyễn Thị Hoa", R.ACCENTS_DIFFER, False),  # Thí is no filler
    ("Trần Anh Tuấn", "Trần Tuấn Anh", R.DIFFERENT, False),
    ("Long Văn Trần", "Trần Văn Long", R.DIFFERENT, False),  # reversed, not rotated
    ("Nguyễn Thị Hoa", "Nguyễn Văn Hoa", R.DIFFERENT, False),
    ("Nguyễn Thị Hoa", "Trần Thị Hoa", R.DIFFERENT, False),
    ("Hoàng Văn Minh", "Huỳnh Văn Minh", R.DIFFERENT, False),
    ("Nguyễn Minh Anh", "Nguyễn Anh", R.DIFFERENT, False),  # Minh is no filler
    ("Nguyễn Thị Lan", "Nguyễn Thị Lan Anh", R.DIFFERENT, False),
    ("Nguyễn Văn", "Nguyễn Văn An", R.DIFFERENT, False),  # a given name is never dropped
    ("Nguyễn Văn Mỹ", "Nguyễn Văn Mĩ", R.DIFFERENT, False),  # i/y: a person must look
    ("Hoa Nguyễn", "Nguyễn Thị Hoa", R.ORDER_DIFFERS, False),  # two differences at once
]


def _id(pair: tuple[str, str, NameReason, bool]) -> str:
    return f"{pair[0]}|{pair[1]}"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("pair", PAIRS, ids=_id)
def test_pair_table(pair):
    ours, theirs, reason, matches = pair
    result = compare_names(ours, theirs)
    assert (result.reason, result.matches) == (reason, matches)
    assert type(result.score) is int
    assert (result.score >= MATCH_THRESHOLD) == matches


@pytest.mark.parametrize("pair", PAIRS, ids=_id)
def test_comparison_is_symmetric(pair):
    ours, theirs, _, _ = pair
    assert compare_names(ours, theirs) == compare_names(theirs, ours)


@pytest.mark.parametrize("pair", PAIRS, ids=_id)
def test_nfd_input_compares_as_nfc(pair):
    ours, theirs, reason, matches = pair
    result = compare_names(nfd(ours), theirs)
    if reason == R.EXACT and nfd(ours) != ours:
        reason = R.SAME_AFTER_NORMALIZING
    assert (result.reason, result.matches) == (reason, matches)


def test_the_table_is_large_and_covers_every_reason():
    assert len(PAIRS) >= 40
    assert {reason for _, _, reason, _ in PAIRS} == set(NameReason)
    assert sum(1 for *_, matches in PAIRS if not matches) >= 15


def test_identical_nfd_strings_are_exact():
    assert compare_names(nfd("Đặng Thị Thuỷ"), nfd("Đặng Thị Thuỷ")).reason == R.EXACT


def test_scores_fall_with_each_tolerated_difference():
    def score(ours: str, theirs: str) -> int:
        return compare_names(ours, theirs).score

    assert score("Nguyễn Thị Hoa", "Nguyễn Thị Hoa") == 100
    assert score("nguyễn thị hoà", "Nguyễn Thị Hòa") == 95
    assert score("Ksor H'Nhí", "Ksor HNhí") == 90
    assert score("Nguyen Thi Hoa", "Nguyễn Thị Hoa") == 90
    assert score("Nguyễn Hoa", "Nguyễn Thị Hoa") == 85
    assert score("Nguyen Hoa", "Nguyễn Thị Hoa") == 80
    assert score("Hoa Nguyễn Thị", "Nguyễn Thị Hoa") == 80
    assert score("HOA NGUYEN THI", "Nguyễn Thị Hoa") == MATCH_THRESHOLD == 75
    assert score("Hoa Nguyễn", "Nguyễn Thị Hoa") == 70


@pytest.mark.parametrize(("old", "new"), [
    ("Hoà", "Hòa"), ("Thuý", "Thúy"), ("Khoẻ", "Khỏe"), ("Thoả", "Thỏa"), ("Hoè", "Hòe"),
    ("Huỷ", "Hủy"), ("Thuỳ", "Thùy"), ("Toàn", "Toàn"), ("Hoạ", "Họa"), ("Nguỵ", "Ngụy"),
])
def test_old_and_new_tone_placement_are_the_same_name(old, new):
    result = compare_names(f"Lê Thị {old}", f"Lê Thị {new}")
    assert result.matches
    assert not result.needs_correction


def test_tone_placement_holds_in_nfd_and_with_legacy_tone_code_points():
    # U+0340/U+0341 are the deprecated grave/acute tone marks; NFC maps them to U+0300/U+0301.
    assert compare_names("Tha\u0341i Hoa\u0340", "Thái Hòa").reason == R.SAME_AFTER_NORMALIZING
    assert compare_names(nfd("Hoà"), nfd("Hòa")).reason == R.SAME_AFTER_NORMALIZING


@pytest.mark.parametrize(("ours", "theirs"), [
    ("Lê Thị Hoa", "Lê Thị Hòa"), ("Nguyễn Văn An", "Nguyễn Văn Anh"),
    ("Nguyễn Thị Hoa", "Nguyễn Văn Hoa"), ("Trần Anh Tuấn", "Trần Tuấn Anh"),
    ("Nguyễn Thị Mai", "Nguyễn Thị Mại"), ("Võ Văn Kiệt", "Vũ Văn Kiệt"),
    ("Lương Thị Hồng", "Lương Thị Hông"), ("Đinh Văn Tân", "Dinh Văn Tân"),
])
def test_different_names_never_match(ours, theirs):
    result = compare_names(ours, theirs)
    assert not result.matches
    assert result.needs_correction
    assert result.score <= DIFFERENT_SCORE_CAP < MATCH_THRESHOLD


def test_a_name_that_matches_may_still_need_correcting():
    assert compare_names("Nguyen Thi Hoa", "Nguyễn Thị Hoa").needs_correction
    assert not compare_names("NGUYỄN THỊ HOÀ", "Nguyễn Thị Hòa").needs_correction


def test_reason_texts_are_vietnamese_and_english():
    result = compare_names("Nguyen Thi Hoa", "Nguyễn Thị Hoa")
    assert result.reason_vi == "Một bên viết không dấu"
    assert result.reason_en == "One side is written without diacritics"
    assert all(reason.text_vi and reason.text_en for reason in NameReason)


def test_name_match_refuses_a_score_that_is_not_an_integer_0_to_100():
    with pytest.raises(ValueError, match="integer"):
        NameMatch(80.0, R.EXACT)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="integer"):
        NameMatch(101, R.EXACT)


# Hostile input: refused with a clear error, never compared.

@pytest.mark.parametrize(("value", "code"), [
    ("", "name_empty"),
    ("   ", "name_empty"),
    ("-- . '", "name_empty"),
    ("Nguyễn\x00Văn An", "name_control"),
    ("Nguyễn Văn An\x07", "name_control"),
    ("Nguyễn\u200bVăn An", "name_invisible"),
    ("Nguyễn \u202eVăn An", "name_invisible"),
    ("Nguyễn\u00adVăn An", "name_invisible"),
    ("阮文安", "name_script"),
    ("Иван Петров", "name_script"),
    ("Nguyễn Văn Αn", "name_script"),  # Greek capital alpha that looks like A
    ("Nguyễn Văn 2", "name_characters"),
    ("Nguyễn Văn An 😀", "name_characters"),
    ("Nguyễn <b>An</b>", "name_characters"),
    ("\u0301An", "name_characters"),
    ("A" * (MAX_NAME_LENGTH + 1), "name_too_long"),
    (nfd("Ặ") * MAX_NAME_LENGTH + "A", "name_too_long"),
])
def test_hostile_names_are_refused_with_a_clear_error(value, code):
    with pytest.raises(InvalidName) as raised:
        compare_names(value, "Nguyễn Văn An")
    assert raised.value.code == code
    assert raised.value.message_vi
    assert raised.value.message_en
    with pytest.raises(InvalidName):
        compare_names("Nguyễn Văn An", value)
    assert isinstance(raised.value, ValueError)


def test_a_name_of_the_maximum_length_is_compared():
    name = ("Ặ" * 9 + " ") * (MAX_NAME_LENGTH // 10 - 1) + "Ặ" * 9
    assert len(name) == MAX_NAME_LENGTH - 1
    assert compare_names(nfd(name), name).reason == R.SAME_AFTER_NORMALIZING


def test_huge_input_is_refused_before_any_work():
    started = time.perf_counter()
    with pytest.raises(InvalidName, match="name_too_long"):
        compare_names("Nguyễn " * 1_000_000, "Nguyễn Văn An")
    assert time.perf_counter() - started < 8


def test_worst_case_names_within_the_cap_compare_quickly():
    many_fillers = "Lê " + "Thị " * 48 + "Hoa"
    started = time.perf_counter()
    assert compare_names(many_fillers, "Lê Văn Hoa").reason == R.DIFFERENT
    assert compare_names("x" * MAX_NAME_LENGTH, "y" * MAX_NAME_LENGTH).score == 0
    assert time.perf_counter() - started < 8


def test_stacked_marks_do_not_match_a_plain_letter():
    result = compare_names("Lê Thị H" + "o\u0301" + "\u0301" * 100 + "a", "Lê Thị Hóa")
    assert not result.matches


def test_other_latin_names_are_compared_too():
    assert compare_names("José Müller", "Jose Muller").reason == R.ACCENTS_MISSING
    assert compare_names("José Müller", "José Muller").reason == R.ACCENTS_DIFFER


def test_a_name_must_be_text():
    with pytest.raises(TypeError):
        compare_names(None, "Nguyễn Văn An")  # type: ignore[arg-type]


def test_name_problems_reports_data_problems_for_file_readers():
    [problem] = name_problems("Nguyễn\u202eAn", row=7, column="ho_ten")
    assert (problem.row, problem.column, problem.code) == (7, "ho_ten", "name_invisible")
    assert name_problems("Nguyễn Văn An") == []


# Dates of birth.

@pytest.mark.parametrize(("ours", "theirs", "outcome", "reason"), [
    (date(1950, 4, 3), date(1950, 4, 3), Outcome.MATCH, BirthDateReason.SAME),
    (date(1950, 4, 3), date(1950, 3, 4), Outcome.BIRTH_DATE_DIFFERS,
     BirthDateReason.DAY_MONTH_SWAPPED),
    (date(1962, 12, 1), date(1962, 1, 12), Outcome.BIRTH_DATE_DIFFERS,
     BirthDateReason.DAY_MONTH_SWAPPED),
    (date(1950, 4, 3), date(1950, 4, 5), Outcome.BIRTH_DATE_DIFFERS, BirthDateReason.SAME_YEAR),
    (date(1950, 1, 1), date(1950, 7, 15), Outcome.BIRTH_DATE_DIFFERS,
     BirthDateReason.SAME_YEAR),
    (date(1950, 4, 3), date(1951, 3, 4), Outcome.BIRTH_DATE_DIFFERS,
     BirthDateReason.YEAR_DIFFERS),
    (date(1950, 4, 3), date(1905, 4, 3), Outcome.BIRTH_DATE_DIFFERS,
     BirthDateReason.YEAR_DIFFERS),
])
def test_birth_date_outcome(ours, theirs, outcome, reason):
    result = birth_date_outcome(ours, theirs)
    assert (result.outcome, result.reason) == (outcome, reason)


def test_swapped_day_and_month_says_so():
    result = birth_date_outcome(date(1950, 4, 3), date(1950, 3, 4))
    assert result.reason_vi == "Nhầm ngày và tháng"
    assert result.reason_en == "Day and month swapped"


def test_birth_date_refuses_a_datetime_or_text():
    with pytest.raises(TypeError):
        birth_date_outcome(datetime(1950, 4, 3), date(1950, 4, 3))
    with pytest.raises(TypeError):
        birth_date_outcome(date(1950, 4, 3), "03/04/1950")  # type: ignore[arg-type]


# What a verification asks and answers.

def check(**changes):
    values = dict(citizen_id="012150000123", full_name="Nguyễn Thị Hoa",
                  date_of_birth=date(1950, 4, 3), sex=Sex.FEMALE, ward_code="03199")
    return PersonCheck(**(values | changes))


def test_person_check_holds_a_request_row():
    row = check(sex="F", address="Bản Nà Luồng")
    assert row.sex is Sex.FEMALE
    with pytest.raises(FrozenInstanceError):
        row.full_name = "x"  # type: ignore[misc]


@pytest.mark.parametrize("changes", [
    {"citizen_id": "01215000012"}, {"citizen_id": "０12150000123"}, {"citizen_id": 12150000123},
    {"full_name": ""}, {"full_name": "Nguyễn\u202eHoa"}, {"sex": "X"},
    {"ward_code": "03A99"}, {"date_of_birth": "03/04/1950"},
])
def test_person_check_refuses_a_bad_row(changes):
    with pytest.raises((ValueError, TypeError)):
        check(**changes)


def test_outcome_labels_are_vietnamese():
    assert [str(label) for label in Outcome.labels] == [
        "Khớp", "Họ tên khác", "Ngày sinh khác", "Không tìm thấy", "Đã chết",
        "Đã chuyển nơi cư trú"]


def test_answers_carry_the_values_their_outcome_needs():
    name = compare_names("Nguyen Thi Hoa", "Nguyễn Thị Hoa")
    deceased = PersonAnswer("012150000123", Outcome.DECEASED, full_name="Nguyễn Thị Hoa",
                            death_date=date(2025, 2, 1))
    assert deceased.death_date == date(2025, 2, 1)
    assert PersonAnswer("012150000123", "moved", new_ward_code="03202").outcome is Outcome.MOVED
    differs = PersonAnswer("012150000123", Outcome.NAME_DIFFERS, full_name="Nguyễn Thị Hoa",
                           name_match=name)
    assert differs.name_match == name


@pytest.mark.parametrize(("outcome", "changes", "message"), [
    (Outcome.DECEASED, {}, "date of death"),
    (Outcome.MATCH, {"death_date": date(2025, 2, 1)}, "date of death"),
    (Outcome.MOVED, {}, "new ward code"),
    (Outcome.MOVED, {"new_ward_code": "3202a"}, "new_ward_code must be digits"),
    (Outcome.NOT_FOUND, {"full_name": "Nguyễn Thị Hoa"}, "not found"),
    (Outcome.NAME_DIFFERS, {}, "name differs"),
    (Outcome.NAME_DIFFERS, {"name_match": NameMatch(95, R.SAME_AFTER_NORMALIZING)},
     "name differs"),
    (Outcome.BIRTH_DATE_DIFFERS, {}, "birth date differs"),
    (Outcome.BIRTH_DATE_DIFFERS,
     {"birth_date": birth_date_outcome(date(1950, 4, 3), date(1950, 4, 3))},
     "birth date differs"),
    ("unknown", {}, "is not a valid Outcome"),
])
def test_answers_that_contradict_their_outcome_are_refused(outcome, changes, message):
    with pytest.raises(ValueError, match=message):
        PersonAnswer("012150000123", outcome, **changes)


@pytest.mark.parametrize("sep", ["\x1c", "\x1f", "\x85", "\u2028", "\x0b", "\x0c"])
def test_control_and_line_separators_are_refused_not_read_as_spaces(sep):
    with pytest.raises(InvalidName):
        compare_names(f"Nguyễn{sep}Thị Hoa", "Nguyễn Thị Hoa")
