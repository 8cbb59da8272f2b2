"""Verification against a population extract (csv from the police), set-based on PostgreSQL:
the same results as the person-by-person path, bad rows set aside, a bad file refused
changing nothing, another province untouched."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, transaction

from chitra.access.models import User
from chitra.core.errors import NotInScope
from chitra.core.models import AuditEntry
from chitra.registry.importing.reading import FileRefused
from chitra.registry.models import Beneficiary, BeneficiaryStatus, VerificationStamp
from chitra.verification import extract, services
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.exchange_layout import SEX_TEXT
from chitra.verification.extract import EXTRACT_COLUMNS, ExtractRefused, verify_extract
from chitra.verification.models import (
    AdapterKind,
    BatchStatus,
    ReviewStatus,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.names import NameReason, compare_names
from chitra.verification.outcomes import Outcome, PersonCheck
from chitra.verification.population import PopulationRecord
from chitra.verification.simulator import Planted, population_from
from tests import factories as f

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="the extract path runs on PostgreSQL only")

NAMES = ["Nguyễn Thị Hoa", "Lò Văn Pọm", "Trần Văn Minh", "Lê Thị Mai", "Hoàng Văn Sơn",
         "Tẩn Thị Mẩy", "Phạm Văn Đức", "Vũ Thị Lan", "Đỗ Văn Hùng", "Bùi Thị Thuỷ"]
EVERY_KIND = dict.fromkeys(Planted, 800)  # 8 % of the people each
HEADER = [c.heading for c in EXTRACT_COLUMNS]


def make_people(n: int, province: str = f.LAI_CHAU) -> list[Beneficiary]:
    wards = [f.DOAN_KET, f.TAN_PHONG] if province == f.LAI_CHAU else [f.DIEN_BIEN_PHU]
    return [f.beneficiary(NAMES[i % len(NAMES)], ward_code=wards[i % len(wards)],
                          dob=date(1945 + i % 20, 1 + i % 12, 1 + (i * 5) % 28),
                          province_code=province)
            for i in range(n)]


def checks_of(province: str) -> list[PersonCheck]:
    return [check for _, check in services.people_to_check(province)]


def row_of(record: PopulationRecord, *, iso: bool = False) -> list[str]:
    def day(value: date | None) -> str:
        if value is None:
            return ""
        return value.isoformat() if iso else value.strftime("%d/%m/%Y")
    return [record.citizen_id, record.full_name, day(record.date_of_birth),
            SEX_TEXT[record.sex], record.ward_code, day(record.death_date)]


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        w = csv.writer(out)
        w.writerow(header)
        w.writerows(rows)
    return path


def extract_of(path: Path, population: dict[str, PopulationRecord]) -> Path:
    return write(path, [row_of(r, iso=i % 3 == 0)
                        for i, r in enumerate(population.values())])


def snapshot(batch_ids: list[int]) -> dict[str, tuple[object, ...]]:
    """Per person: what the batches recorded and what it did to the beneficiary. A plain
    match (a result that needs nothing, or no result row: matched in bulk and stamped) is
    the same either way; anything else, every value of its result row."""
    sources = [f"batch:{pk}" for pk in batch_ids]
    results = {r.beneficiary_id: r for r in VerificationResult.objects.filter(
        batch_id__in=batch_ids)}
    stamped = dict(VerificationStamp.objects.filter(source__in=sources)
                   .values_list("beneficiary_id", "outcome"))
    out: dict[str, tuple[object, ...]] = {}
    for b in Beneficiary.objects.filter(pk__in=set(results) | set(stamped)):
        r = results.get(b.pk)
        stamp = stamped.get(b.pk)
        if r is None or (r.outcome, r.review_status) == (Outcome.MATCH,
                                                         ReviewStatus.NOT_NEEDED):
            assert r is not None or stamp == Outcome.MATCH
            out[b.citizen_id] = (Outcome.MATCH, stamp, b.status, b.death_date)
            continue
        out[b.citizen_id] = (r.outcome, r.full_name, r.date_of_birth, r.sex, r.ward_code,
                             r.their_full_name, r.their_date_of_birth, r.their_sex,
                             r.their_ward_code, r.death_date, r.new_ward_code, r.name_score,
                             r.name_reason, r.birth_date_reason, r.review_status,
                             stamp, b.status, b.death_date)
    return out


class _Undo(Exception):
    pass


@pytest.fixture
def people(lai_chau, dien_bien):
    make_people(8, f.DIEN_BIEN)
    return make_people(120)


@postgresql_only
def test_the_set_based_path_records_what_answer_for_decides_person_by_person(
        people, lai_chau, tmp_path):
    population, planted = population_from(checks_of(f.LAI_CHAU), 5, rates_bp=EVERY_KIND)
    assert set(planted.values()) == set(Planted)
    # The reference: every person through the adapter path (answer_for + record_answers).
    try:
        with transaction.atomic():
            batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
            services.run_batch(batch.pk, InMemoryPopulationAdapter(population))
            expected = snapshot([batch.pk])
            raise _Undo
    except _Undo:
        pass
    assert not VerificationStamp.objects.exists()
    path = extract_of(tmp_path / "x.csv", population)
    # The extract, everyone one by one: the same.
    try:
        with transaction.atomic():
            run = verify_extract(path, [f.LAI_CHAU], lai_chau.officer, all_one_by_one=True)
            assert run.matched_in_bulk == 0
            assert snapshot(list(run.batches.values())) == expected
            raise _Undo
    except _Undo:
        pass

    run = verify_extract(path, [f.LAI_CHAU], lai_chau.officer)
    got = snapshot(list(run.batches.values()))
    assert got == expected
    assert len(got) == 120
    # Nearly everyone in bulk; the differences and the missing one by one.
    assert run.answered_one_by_one == len(planted)
    assert run.matched_in_bulk == 120 - len(planted)
    assert run.not_found == sum(k == Planted.UNKNOWN_ID for k in planted.values())


@postgresql_only
def test_every_planted_discrepancy_is_found_and_no_alarm_is_raised(people, lai_chau, tmp_path):
    population, planted = population_from(checks_of(f.LAI_CHAU), 9, rates_bp=EVERY_KIND)
    run = verify_extract(extract_of(tmp_path / "x.csv", population), [f.LAI_CHAU],
                         lai_chau.officer)
    outcomes = dict(VerificationResult.objects.values_list("citizen_id", "outcome"))
    assert outcomes == {cid: kind.outcome for cid, kind in planted.items()}  # no false alarm
    stamped = dict(VerificationStamp.objects.values_list("beneficiary__citizen_id", "outcome"))
    assert {cid: o for cid, o in stamped.items() if cid not in planted} == {
        c.citizen_id: Outcome.MATCH for c in checks_of(f.LAI_CHAU) if c.citizen_id not in planted}
    dead = [cid for cid, kind in planted.items() if kind == Planted.DECEASED]
    assert set(Beneficiary.objects.filter(status=BeneficiaryStatus.DECEASED)
               .values_list("citizen_id", flat=True)) == set(dead)
    assert run.deaths == len(dead)
    reviewed = [cid for cid, kind in planted.items() if kind != Planted.DECEASED]
    assert run.to_review == len(reviewed)
    assert set(VerificationResult.objects.filter(review_status=ReviewStatus.PENDING)
               .values_list("citizen_id", flat=True)) == set(reviewed)
    batch = VerificationBatch.objects.get(pk=run.batches[f.LAI_CHAU])
    assert (batch.status, batch.adapter_kind) == (BatchStatus.DONE, AdapterKind.FILE)
    assert batch.people_total == batch.people_done == 120
    assert batch.people_skipped == 0
    assert batch.matched_in_bulk == run.matched_in_bulk == 120 - len(planted)
    assert not Beneficiary.objects.filter(province_code=f.LAI_CHAU, verification_stamp=None,
                                          death_date__isnull=True).exists()
    # The bulk matches leave one audit entry for the batch, as record_verification does.
    entry = AuditEntry.objects.get(action="beneficiary.verified",
                                   object_id=f"batch:{batch.pk}",
                                   after__outcomes__match=run.matched_in_bulk)
    assert entry.actor == lai_chau.officer.username


@postgresql_only
def test_names_in_capitals_match_in_bulk_with_the_score_of_a_normalized_name(
        people, lai_chau, tmp_path):
    population = {c.citizen_id: PopulationRecord(c.citizen_id, c.full_name.upper(),
                                                 c.date_of_birth, c.sex, c.ward_code)
                  for c in checks_of(f.LAI_CHAU)}
    run = verify_extract(extract_of(tmp_path / "x.csv", population), [f.LAI_CHAU],
                         lai_chau.officer)
    assert run.matched_in_bulk == 120
    # What answer_for says of such a name: a match (the fast path takes no other).
    assert compare_names("Nguyễn Thị Hoa", "NGUYỄN THỊ HOA").reason == (
        NameReason.SAME_AFTER_NORMALIZING)
    assert not VerificationResult.objects.exists()
    assert set(VerificationStamp.objects.values_list("outcome", flat=True)) == {Outcome.MATCH}
    assert VerificationStamp.objects.count() == 120


@postgresql_only
def test_bad_rows_are_set_aside_with_their_reason_and_their_people_left_unanswered(
        people, lai_chau, tmp_path):
    checks = checks_of(f.LAI_CHAU)
    good = [row_of(PopulationRecord(c.citizen_id, c.full_name, c.date_of_birth, c.sex,
                                    c.ward_code)) for c in checks[4:]]
    c0, c1, c2, c3 = checks[:4]
    other = checks_of(f.DIEN_BIEN)[0]
    bad = [
        ["12345", c0.full_name, "01/01/1950", "Nam", "", ""],  # row 2: id_invalid
        [c0.citizen_id, c0.full_name, "31/02/1950", "Nam", "", ""],  # dob_invalid
        [c1.citizen_id, c1.full_name, "01/01/1950", "X", "", ""],  # sex_invalid
        [c2.citizen_id, c2.full_name, "01/01/1950", "Nữ", "12A", ""],  # ward_invalid
        [c3.citizen_id, c3.full_name, "01/01/1950", "Nữ", "", "01/01/1940"],  # before birth
        ["079999999999", "Người Lạ", "01/01/1950", "Nam", "", ""],  # not ours: not_asked
        [other.citizen_id, other.full_name, other.date_of_birth.strftime("%d/%m/%Y"),
         SEX_TEXT[other.sex], other.ward_code, ""],  # another province: not_asked
    ]
    run = verify_extract(write(tmp_path / "x.csv", bad + good), [f.LAI_CHAU],
                         lai_chau.officer)
    assert [(a.row, a.code) for a in run.set_aside] == [
        (2, "id_invalid"), (3, "dob_invalid"), (4, "sex_invalid"), (5, "ward_invalid"),
        (6, "death_before_birth"), (7, "not_asked"), (8, "not_asked")]
    assert all(a.reason_vi and a.reason_en for a in run.set_aside)
    answered = set(VerificationStamp.objects.values_list("beneficiary__citizen_id", flat=True))
    assert answered == {c.citizen_id for c in checks[4:]}
    assert not VerificationResult.objects.exists()  # all the others matched in bulk
    batch = VerificationBatch.objects.get(pk=run.batches[f.LAI_CHAU])
    assert (batch.people_done, batch.people_skipped, batch.people_total) == (120, 4, 120)
    # The second province: untouched.
    assert not VerificationStamp.objects.filter(
        beneficiary__province_code=f.DIEN_BIEN).exists()
    assert not VerificationResult.objects.filter(beneficiary__province_code=f.DIEN_BIEN).exists()


@postgresql_only
def test_an_id_twice_sets_both_rows_aside(people, lai_chau, tmp_path):
    c = checks_of(f.LAI_CHAU)[0]
    row = row_of(PopulationRecord(c.citizen_id, c.full_name, c.date_of_birth, c.sex,
                                  c.ward_code))
    run = verify_extract(write(tmp_path / "x.csv", [row, row]), [f.LAI_CHAU], lai_chau.officer)
    assert [(a.row, a.code) for a in run.set_aside] == [(2, "duplicate_id"),
                                                        (3, "duplicate_id")]
    assert not VerificationResult.objects.filter(citizen_id=c.citizen_id).exists()
    assert run.not_found == 119


def _nothing_changed() -> None:
    assert not VerificationBatch.objects.exists()
    assert not VerificationResult.objects.exists()
    assert not VerificationStamp.objects.exists()
    _no_staging_left()


def _no_staging_left() -> None:
    """The raw rows' table (unlogged, a name of the run's own) lives only in the run."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'verif_extract%%'")
            assert cursor.fetchone()[0] == 0


@postgresql_only
@pytest.mark.parametrize("content", [
    pytest.param("Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Mã phường/xã,Ngày chết\n"
                 .encode(), id="wrong header"),
    pytest.param(",".join(HEADER).encode("utf-16"), id="not utf-8 header"),
    pytest.param(",".join(HEADER).encode() + b"\n079012345678,L\xea Th\xe1,01/01/1950,Nam,,\n",
                 id="not utf-8 row"),
    pytest.param((",".join(HEADER) + "\n079012345678,Lê,01/01/1950,Nam,,,extra\n").encode(),
                 id="a row with too many columns"),
])
def test_a_file_that_cannot_be_trusted_is_refused_changing_nothing(
        people, lai_chau, tmp_path, content):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as refused:
        verify_extract(path, [f.LAI_CHAU], lai_chau.officer)
    assert refused.value.message_vi.endswith("Không có gì được thay đổi.")
    _nothing_changed()


@postgresql_only
def test_an_officer_of_another_province_is_refused(people, lai_chau, dien_bien, tmp_path):
    population = {c.citizen_id: PopulationRecord(c.citizen_id, c.full_name, c.date_of_birth,
                                                 c.sex, c.ward_code)
                  for c in checks_of(f.LAI_CHAU)}
    with pytest.raises(NotInScope):
        verify_extract(extract_of(tmp_path / "x.csv", population), [f.LAI_CHAU],
                       dien_bien.officer)
    _nothing_changed()


@postgresql_only
def test_a_name_written_decomposed_goes_one_by_one_and_still_matches(people, lai_chau,
                                                                   tmp_path):
    import unicodedata
    population = {c.citizen_id: PopulationRecord(
        c.citizen_id, unicodedata.normalize("NFD", c.full_name), c.date_of_birth, c.sex,
        c.ward_code) for c in checks_of(f.LAI_CHAU)}
    run = verify_extract(extract_of(tmp_path / "x.csv", population), [f.LAI_CHAU],
                         lai_chau.officer)
    decomposed = sum(unicodedata.normalize("NFC", r.full_name) != r.full_name
                     for r in population.values())
    assert run.answered_one_by_one == decomposed > 0
    assert set(VerificationResult.objects.values_list("outcome", flat=True)) == {Outcome.MATCH}


@postgresql_only
def test_someone_we_hold_deceased_whom_the_extract_shows_alive_goes_to_review(
        people, lai_chau, tmp_path):
    held = people[0]  # reported dead by a bank (MD07): status deceased, no date of death
    Beneficiary.objects.filter(pk=held.pk).update(status="deceased",
                                                  status_reason="MD07 từ ngân hàng")
    population = {c.citizen_id: PopulationRecord(c.citizen_id, c.full_name, c.date_of_birth,
                                                 c.sex, c.ward_code)
                  for c in checks_of(f.LAI_CHAU)}
    population[held.citizen_id] = PopulationRecord(held.citizen_id, held.full_name,
                                                   held.date_of_birth, held.sex,
                                                   held.ward_code)
    run = verify_extract(extract_of(tmp_path / "x.csv", population), [f.LAI_CHAU],
                         lai_chau.officer)
    assert run.matched_in_bulk == len(population) - 1
    result = VerificationResult.objects.get(beneficiary=held)
    assert result.review_status == "pending"
    held.refresh_from_db()
    assert (held.status, f.stamp_of(held)) == ("deceased", None)


@postgresql_only
def test_the_command_verifies_an_extract(people, lai_chau, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command
    population, planted = population_from(checks_of(f.LAI_CHAU), 7, rates_bp=EVERY_KIND)
    path = extract_of(tmp_path / "x.csv", population)
    out = StringIO()
    call_command("verify_population", "--extract", str(path), "--as",
                 lai_chau.officer.username, stdout=out)
    deaths = sum(kind == Planted.DECEASED for kind in planted.values())
    assert f"chết / deaths {deaths}" in out.getvalue()
    assert "trạng thái / status: done" in out.getvalue()
    _no_staging_left()
    with pytest.raises(CommandError, match="no such file"):
        call_command("verify_population", "--extract", str(tmp_path / "none.csv"), "--as",
                     lai_chau.officer.username)
    write(tmp_path / "bad.csv", [["1"]], header=["x"])
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("verify_population", "--extract", str(tmp_path / "bad.csv"), "--as",
                     lai_chau.officer.username)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_on_sqlite_the_extract_path_is_refused(people, lai_chau, tmp_path):
    c = checks_of(f.LAI_CHAU)[0]
    path = write(tmp_path / "x.csv", [row_of(replace(
        PopulationRecord(c.citizen_id, c.full_name, c.date_of_birth, c.sex, c.ward_code)))])
    with pytest.raises(ExtractRefused) as refused:
        verify_extract(path, [f.LAI_CHAU], lai_chau.officer)
    assert refused.value.code == "extract_postgresql_only"
    _nothing_changed()


@postgresql_only
def test_dates_are_checked_to_the_calendar_leap_years_included(people, lai_chau, tmp_path):
    c = checks_of(f.LAI_CHAU)[:6]
    dates = ["29/02/1900", "29/02/2000", "29/02/1952", "29/02/1951", "31/04/1950",
             "1950-04-30"]
    rows = [[x.citizen_id, x.full_name, d, SEX_TEXT[x.sex], x.ward_code, ""]
            for x, d in zip(c, dates, strict=True)]
    run = verify_extract(write(tmp_path / "x.csv", rows), [f.LAI_CHAU], lai_chau.officer)
    assert [(a.row, a.code) for a in run.set_aside] == [
        (2, "dob_invalid"), (5, "dob_invalid"), (6, "dob_invalid")]
    theirs = dict(VerificationResult.objects.filter(citizen_id__in=[x.citizen_id for x in c])
                  .values_list("citizen_id", "their_date_of_birth"))
    assert theirs == {c[1].citizen_id: date(2000, 2, 29), c[2].citizen_id: date(1952, 2, 29),
                      c[5].citizen_id: date(1950, 4, 30)}


@postgresql_only
def test_a_record_written_otherwise_still_matches_in_bulk(people, lai_chau, tmp_path):
    """Recognized as written (dd/mm/yyyy, Nam/Nữ) or parsed (spaces around, ISO or unpadded
    dates, sex in other words, no ward): the same match either way."""
    rows = []
    for i, c in enumerate(checks_of(f.LAI_CHAU)):
        born, sex = c.date_of_birth, SEX_TEXT[c.sex]
        written = [born.strftime("%d/%m/%Y"), f"{born.day}/{born.month}/{born.year}",
                   born.isoformat(), f" {born:%d/%m/%Y} "][i % 4]
        rows.append([f" {c.citizen_id}" if i % 5 == 0 else c.citizen_id,
                     f"{c.full_name} " if i % 7 == 0 else c.full_name, written,
                     (sex, sex.upper(), "M" if c.sex == "M" else "F")[i % 3],
                     "" if i % 2 else c.ward_code, ""])
    run = verify_extract(write(tmp_path / "x.csv", rows), [f.LAI_CHAU], lai_chau.officer)
    assert (run.matched_in_bulk, run.answered_one_by_one, run.set_aside) == (120, 0, [])
    assert not VerificationResult.objects.exists()
    assert VerificationStamp.objects.filter(outcome=Outcome.MATCH).count() == 120


@postgresql_only
def test_an_id_not_ours_twice_is_set_aside_as_not_asked_about(people, lai_chau, tmp_path):
    stranger = ["079999999999", "Người Lạ", "01/01/1950", "Nam", "", ""]
    run = verify_extract(write(tmp_path / "x.csv", [stranger, stranger]), [f.LAI_CHAU],
                         lai_chau.officer)
    assert [(a.row, a.code) for a in run.set_aside] == [(2, "not_asked"), (3, "not_asked")]
    assert run.not_found == 120


@postgresql_only
def test_a_review_still_open_is_closed_when_the_extract_now_matches(people, lai_chau,
                                                                   tmp_path):
    c = checks_of(f.LAI_CHAU)[0]
    earlier = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    services.run_batch(earlier.pk, InMemoryPopulationAdapter({c.citizen_id: PopulationRecord(
        c.citizen_id, "Nguyen Khac Han", c.date_of_birth, c.sex, c.ward_code)}))
    assert VerificationResult.objects.get(citizen_id=c.citizen_id).review_status == (
        ReviewStatus.PENDING)
    population = {x.citizen_id: PopulationRecord(x.citizen_id, x.full_name, x.date_of_birth,
                                                 x.sex, x.ward_code)
                  for x in checks_of(f.LAI_CHAU)}
    run = verify_extract(extract_of(tmp_path / "x.csv", population), [f.LAI_CHAU],
                         lai_chau.officer)
    assert run.matched_in_bulk > 0
    old = VerificationResult.objects.get(batch=earlier, citizen_id=c.citizen_id)
    assert old.review_status == ReviewStatus.SUPERSEDED
    assert str(run.batches[f.LAI_CHAU]) in old.decision_note
    # The others, not found earlier, are found now: their reviews are closed too.
    assert not VerificationResult.objects.filter(review_status=ReviewStatus.PENDING).exists()


@postgresql_only
def test_in_small_chunks_over_two_provinces_each_batch_records_the_same(
        people, lai_chau, tmp_path, monkeypatch):
    """The one-by-one path decides a chunk while recording the one before: with chunks of
    3 people over two provinces (a province change mid-run), the same results as with one
    chunk a province, each in its province's batch."""
    admin = User.objects.create_superuser("root", "r@x.vn", f.PASSWORD)
    population: dict[str, PopulationRecord] = {}
    for code in (f.LAI_CHAU, f.DIEN_BIEN):
        population.update(population_from(checks_of(code), 5, rates_bp=EVERY_KIND)[0])
    path = extract_of(tmp_path / "x.csv", population)
    both = [f.LAI_CHAU, f.DIEN_BIEN]
    try:
        with transaction.atomic():
            run = verify_extract(path, both, admin, all_one_by_one=True)
            expected = snapshot(list(run.batches.values()))
            raise _Undo
    except _Undo:
        pass
    monkeypatch.setattr(extract, "_CHUNK", 3)
    run = verify_extract(path, both, admin, all_one_by_one=True)
    assert snapshot(list(run.batches.values())) == expected
    assert len(expected) == 128
    for r in VerificationResult.objects.select_related("batch", "beneficiary"):
        assert r.batch.province_code == r.beneficiary.province_code
    for batch in VerificationBatch.objects.filter(pk__in=run.batches.values()):
        assert batch.people_done == batch.people_total
