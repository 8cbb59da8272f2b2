"""Verification against a population *extract* (issue 16): the police deliver the population
database's records of our people as one csv, and we verify a province (or several) at once.

Layout: a header row, then one row per person: personal ID, full name, date of birth
(``dd/mm/yyyy`` or ``yyyy-mm-dd``), sex (``Nam``/``Nữ``), ward code (5 digits or empty) and
date of death (empty if alive). A header cell is the Vietnamese heading or the English key
(:data:`EXTRACT_COLUMNS`). UTF-8, names in NFC.

PostgreSQL only: the file is streamed into a temporary table by ``COPY`` and checked and
compared in SQL. The people whose record is identical to ours (the name the same, or ours in
capitals; the same date of birth; the same ward, or one side's unknown; no date of death) —
nearly everyone — are matched set-based: stamped verified by
:func:`chitra.registry.stamps.stamp_in_bulk` (one audit entry per batch) and counted on their
batch (``matched_in_bulk``), with no result row each: a result row is what differs.
Everyone else (a difference,
a death, our people the extract does not hold) goes the way of every other exchange path:
:func:`~chitra.verification.population.answer_for` decides, and
:func:`~chitra.verification.services.record_answers` records the answer and its effects. A
test holds the two paths to the same results.

What cannot be trusted refuses the whole file before anything changes
(:class:`~chitra.registry.importing.reading.FileRefused`): not UTF-8, not the layout, a row
with another number of columns. A row that fails a check is *set aside* with its row number
and reason (the reasons of :mod:`chitra.verification.exchange_layout`), as is a row about
someone we did not ask about (another province, an unknown ID, a death already recorded); the
person of a row set aside is left unanswered (counted as skipped). An ID of ours on two rows
sets both aside as a duplicate; an ID not ours twice, each as not asked about.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.registry import stamps
from chitra.registry.importing.reading import FileRefused
from chitra.registry.models import Beneficiary, VerificationOutcome
from chitra.verification import services
from chitra.verification.exchange import SetAside
from chitra.verification.exchange_layout import SET_ASIDE, Column, resolve_header
from chitra.verification.models import (
    REVIEW_OPEN,
    AdapterKind,
    BatchStatus,
    VerificationBatch,
)
from chitra.verification.outcomes import PersonAnswer, PersonCheck
from chitra.verification.population import PopulationRecord, answer_for

logger = logging.getLogger(__name__)

EXTRACT_COLUMNS = (
    Column("citizen_id", "Số định danh cá nhân"),
    Column("full_name", "Họ và tên"),
    Column("date_of_birth", "Ngày sinh"),
    Column("sex", "Giới tính"),
    Column("ward_code", "Mã phường/xã nơi cư trú"),
    Column("death_date", "Ngày chết"),
)
MAX_LISTED = 1_000
"""Rows set aside listed one by one (all are counted, by reason)."""

_CHUNK = 2_000  # people per record_answers call, as run_batch reads them

# Extra reasons a row of an extract is set aside (the others: exchange_layout.SET_ASIDE).
_REASONS: dict[str, tuple[str, str]] = {
    **SET_ASIDE,
    "not_asked": ("Số định danh này không thuộc những người được đối chiếu (tỉnh khác, không "
                  "có trong hồ sơ, hoặc đã ghi nhận chết).",
                  "This personal ID is not one of the people verified (another province, not "
                  "on file, or a death already recorded)."),
    "name_invalid": ("Họ tên không hợp lệ.", "The name is not valid."),
}


class ExtractRefused(DomainError):
    pass


@dataclass
class ExtractRun:
    """What one extract did: a batch per province, and the rows set aside."""

    batches: dict[str, int] = field(default_factory=dict)  # province → batch id
    rows: int = 0
    matched_in_bulk: int = 0  # recorded set-based
    answered_one_by_one: int = 0  # through answer_for + record_answers (incl. not found)
    not_found: int = 0
    deaths: int = 0
    to_review: int = 0
    skipped: int = 0  # our people left unanswered (their row set aside, or no valid check)
    set_aside: list[SetAside] = field(default_factory=list)  # the first MAX_LISTED
    set_aside_counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase


# --- the file -------------------------------------------------------------------------------

def _header(path: Path) -> int:
    """Check the header row; the number of bytes it takes (BOM included)."""
    with path.open("rb") as raw:
        first = raw.readline(64 * 1024)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_utf8() from None
    cells = next(csv.reader([text.removeprefix("\ufeff").rstrip("\r\n")]), [])
    resolve_header(cells, EXTRACT_COLUMNS, "trích xuất CSDL dân cư", "population extract")
    return len(first)


def _not_utf8() -> FileRefused:
    return FileRefused("extract_encoding",
                       "Tệp trích xuất phải là CSV mã UTF-8. Không có gì được thay đổi.",
                       "The extract must be a UTF-8 CSV file. Nothing was changed.")


def _broken(detail: str) -> FileRefused:
    return FileRefused("extract_structure",
                       f"Tệp trích xuất không đọc được ({detail}). Không có gì được thay đổi.",
                       f"The extract cannot be read ({detail}). Nothing was changed.")


_LOAD = """
DROP TABLE IF EXISTS verif_extract_raw;
CREATE TEMP TABLE verif_extract_raw (
  n bigint GENERATED ALWAYS AS IDENTITY, citizen_id text, full_name text,
  date_of_birth text, sex text, ward_code text, death_date text)
"""

# A date written dd/mm/yyyy or yyyy-mm-dd as (day, month, year), then checked without an
# error (make_date would raise on 31/02) and in integer arithmetic (the length of the month,
# leap years included), cheaper over millions of rows than date arithmetic.
_PARTS = """CASE WHEN {col} ~ '^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$'
             THEN ARRAY[split_part({col}, '/', 1)::int, split_part({col}, '/', 2)::int,
                        split_part({col}, '/', 3)::int]
           WHEN {col} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
             THEN ARRAY[split_part({col}, '-', 3)::int, split_part({col}, '-', 2)::int,
                        split_part({col}, '-', 1)::int] END"""
_DATE = """CASE WHEN {p}[2] BETWEEN 1 AND 12 AND {p}[3] BETWEEN 1800 AND 9999
                AND {p}[1] BETWEEN 1 AND CASE
                  WHEN {p}[2] = 2 THEN CASE WHEN {p}[3] %% 4 = 0 AND ({p}[3] %% 100 <> 0
                                                                OR {p}[3] %% 400 = 0)
                                            THEN 29 ELSE 28 END
                  WHEN {p}[2] IN (4, 6, 9, 11) THEN 30 ELSE 31 END
           THEN make_date({p}[3], {p}[2], {p}[1]) END"""

# Each row typed and checked, beside the beneficiary of its personal ID (if asked about),
# and whether it is identical to ours to the letter (ours NFC; theirs the same, or ours in
# capitals; the same date of birth; the same ward or one unknown; alive, and not recorded
# deceased by us, which record_answers sends to review): a match answer_for would give with
# these very values (test_extract holds them equal). A name answer_for would refuse (digits,
# control characters, letters whose capital folds differently) is not taken here.
#
# Nearly every row is ours written as we would write it (dd/mm/yyyy, Nam/Nữ, no spaces
# around): ``quick`` recognizes it by comparing the text as it came to ours, and its typed
# values are ours; only the other rows are parsed and checked field by field (parsing
# every row cost most of this statement). The reference run (all_one_by_one) parses all.
_COMPARE = """
DROP TABLE IF EXISTS verif_extract;
CREATE TEMP TABLE verif_extract AS
SELECT x.n, x.citizen_id, x.full_name, x.dob, x.sex, x.ward_code, x.died, x.beneficiary_id,
       x.province_code, x.problem,
       (%(fast_ok)s AND (x.quick OR (x.problem IS NULL AND x.died IS NULL AND x.dob = x.b_dob
        AND (x.full_name = x.b_name OR x.full_name = upper(x.b_name))
        AND (x.ward_code = '' OR x.b_ward = '' OR x.ward_code = x.b_ward)
        AND x.b_name !~ '[0-9[:cntrl:]ıſ]' AND char_length(x.b_name) <= 120
        AND x.b_ward ~ '^[0-9]*$'
        AND x.b_status <> 'deceased'))) AS fast  -- alive there, dead here: to review
FROM (
SELECT r.n, r.citizen_id, r.full_name, r.dob, r.sex, r.ward_code, r.died, r.quick,
       r.beneficiary_id, r.province_code, r.b_name, r.b_dob, r.b_ward, r.b_status,
       CASE
         WHEN r.quick THEN NULL
         WHEN r.citizen_id IS NULL OR r.citizen_id !~ '^[0-9]{12}$' THEN 'id_invalid'
         WHEN r.full_name = '' THEN 'name_missing'
         WHEN r.full_name ~ '[[:cntrl:]]' THEN 'name_control'
         WHEN r.dob IS NULL THEN 'dob_invalid'
         WHEN r.dob > %(today)s THEN 'dob_future'
         WHEN r.sex IS NULL THEN 'sex_invalid'
         WHEN r.ward_code <> '' AND r.ward_code !~ '^[0-9]{5}$' THEN 'ward_invalid'
         WHEN r.raw_died <> '' AND r.died IS NULL THEN 'death_date_invalid'
         WHEN r.died < r.dob THEN 'death_before_birth'
         WHEN r.died > %(today)s THEN 'death_future'
         WHEN r.beneficiary_id IS NULL THEN 'not_asked'
       END AS problem
FROM (SELECT s.n, s.citizen_id, s.full_name, s.sex, s.ward_code, s.raw_died, s.quick,
             s.beneficiary_id, s.province_code, s.b_name, s.b_dob, s.b_ward, s.b_status,
             CASE WHEN s.quick THEN s.b_dob ELSE {dob} END AS dob,
             CASE WHEN s.quick THEN NULL ELSE {died} END AS died
      FROM (SELECT j.n, j.citizen_id, j.quick, j.beneficiary_id, j.province_code, j.b_name,
                   j.b_dob, j.b_ward, j.b_status,
                   coalesce(btrim(j.full_name), '') AS full_name,
                   CASE WHEN j.quick THEN j.b_sex ELSE
                   CASE j.sex WHEN 'Nam' THEN 'M' WHEN 'Nữ' THEN 'F' ELSE  -- as written, most
                   CASE upper(translate(normalize(btrim(coalesce(j.sex, '')), NFC), 'ữỮ', 'uU'))
                     WHEN 'NAM' THEN 'M' WHEN 'M' THEN 'M' WHEN 'NU' THEN 'F' WHEN 'F' THEN 'F'
                   END END END AS sex,
                   coalesce(btrim(j.ward_code), '') AS ward_code,
                   CASE WHEN j.quick THEN '' ELSE coalesce(btrim(j.death_date), '') END
                     AS raw_died,
                   CASE WHEN j.quick THEN NULL ELSE {dob_parts} END AS dob_parts,
                   CASE WHEN j.quick THEN NULL ELSE {died_parts} END AS died_parts
            FROM (
SELECT e.n, btrim(e.citizen_id) AS citizen_id, e.full_name, e.date_of_birth, e.sex,
       e.ward_code, e.death_date, b.id AS beneficiary_id, b.province_code,
       b.full_name AS b_name, b.date_of_birth AS b_dob, b.sex AS b_sex, b.ward_code AS b_ward,
       b.status AS b_status,
       coalesce(%(fast_ok)s AND b.id IS NOT NULL AND e.citizen_id = b.citizen_id
         AND octet_length(b.citizen_id) = 12 AND ltrim(b.citizen_id, '0123456789') = ''
         AND (e.full_name = b.full_name OR e.full_name = upper(b.full_name))
         AND b.full_name <> '' AND b.full_name = btrim(b.full_name)
         AND e.date_of_birth = to_char(b.date_of_birth, 'DD/MM/YYYY')
         AND b.date_of_birth BETWEEN DATE '1800-01-01' AND %(today)s
         AND e.sex = CASE b.sex WHEN 'M' THEN 'Nam' WHEN 'F' THEN 'Nữ' END
         AND (coalesce(e.ward_code, '') = ''
              OR (e.ward_code = b.ward_code AND octet_length(b.ward_code) = 5))
         AND ltrim(b.ward_code, '0123456789') = ''
         AND coalesce(e.death_date, '') = ''
         AND b.full_name !~ '[0-9[:cntrl:]ıſ]' AND char_length(b.full_name) <= 120
         AND b.status <> 'deceased', false) AS quick
FROM verif_extract_raw e
LEFT JOIN registry_beneficiary b ON b.citizen_id = btrim(e.citizen_id)
     AND b.province_code = ANY(%(provinces)s) AND b.death_date IS NULL
OFFSET 0) j OFFSET 0) s
      OFFSET 0) r
OFFSET 0) x;
UPDATE verif_extract SET problem = 'duplicate_id', fast = false WHERE beneficiary_id IN (
  SELECT beneficiary_id FROM verif_extract WHERE beneficiary_id IS NOT NULL
  GROUP BY 1 HAVING count(*) > 1);
ANALYZE verif_extract
""".replace("{dob}", _DATE.replace("{p}", "dob_parts")).replace(
    "{died}", _DATE.replace("{p}", "died_parts")).replace(
    "{dob_parts}", _PARTS.replace("{col}", "btrim(j.date_of_birth)")).replace(
    "{died_parts}", _PARTS.replace("{col}", "btrim(j.death_date)"))

# Plain expressions over millions of rows (compiling them costs more than it saves) and
# hash joins of a whole country's people in memory; for this transaction only.
_SESSION = "SET LOCAL jit = off; SET LOCAL work_mem = '512MB'"

# The people matched set-based, each with its batch (province → batch), for
# registry.stamps.stamp_in_bulk.
_MATCHED = """
SELECT e.beneficiary_id, 'batch:' || p.batch_id AS source
FROM verif_extract e
JOIN (SELECT unnest(%(provinces)s::text[]) AS province_code,
             unnest(%(batches)s::bigint[]) AS batch_id) p ON p.province_code = e.province_code
WHERE e.fast
"""


def _copy(path: Path, skip: int) -> int:
    """Stream the file after its header into ``verif_extract_raw``; its data rows."""
    with connection.cursor() as cursor:
        cursor.execute(_LOAD)
        try:
            with cursor.copy(
                    "COPY verif_extract_raw (citizen_id, full_name, date_of_birth, sex, "
                    "ward_code, death_date) FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8')"
            ) as copy, path.open("rb") as data:
                data.seek(skip)
                while block := data.read(1 << 20):
                    copy.write(block)
        except psycopg.Error as error:  # COPY's own errors: told apart by SQLSTATE
            state = error.sqlstate
            if state == "22021":  # character_not_in_repertoire: bad UTF-8
                raise _not_utf8() from error
            if state in ("22P04", "22P02", "22001", "22P05", "54000"):
                raise _broken(str(error).splitlines()[0][:200]) from error
            raise
        cursor.execute("SELECT count(*) FROM verif_extract_raw")
        return int(cursor.fetchone()[0])


# --- the run ---------------------------------------------------------------------------------

def verify_extract(path: Path, provinces: Sequence[str], actor: User, *,
                   all_one_by_one: bool = False) -> ExtractRun:
    """Verify the beneficiaries of ``provinces`` (not yet recorded dead) against the extract
    at ``path``: a batch per province (exchange path *file*), done when this returns.

    ``actor`` must be allowed to verify each province (a BHXH officer of it, or a
    superuser). The file is checked and loaded before any batch is made: a file refused
    changes nothing. The recording runs in one transaction: all of it, or (on an error, the
    batches marked failed) none; a page polling a batch sees it running, then done with its
    counts. ``all_one_by_one`` sends every person through
    :func:`answer_for` (the reference the set-based path is tested against)."""
    if connection.vendor != "postgresql":
        raise ExtractRefused("extract_postgresql_only",
                             "Đối chiếu bằng tệp trích xuất chỉ chạy trên PostgreSQL.",
                             "Verification from an extract runs on PostgreSQL only.")
    provinces = sorted(set(provinces))
    if not provinces:
        raise ExtractRefused("province_required", "Cần ít nhất một tỉnh.",
                             "At least one province is required.")
    for code in provinces:
        services.province_of(actor, code)
    run = ExtractRun()
    clock = _Clock(run)
    skip = _header(path)
    try:
        with transaction.atomic():  # the staging lives in the session; nothing else changes
            run.rows = _copy(path, skip)
            clock("load")
            with connection.cursor() as cursor:
                cursor.execute(_SESSION)
                cursor.execute(_COMPARE, {"today": timezone.localdate(), "provinces": provinces,
                                          "fast_ok": not all_one_by_one})
            clock("compare")
        batches = {code: services.create_batch(code, AdapterKind.FILE, actor)
                   for code in provinces}
        for batch in batches.values():
            services.claim(batch.pk)
        run.batches = {code: batch.pk for code, batch in batches.items()}
        try:
            with transaction.atomic():
                _record(run, batches, provinces, clock)
            clock("commit")  # the results' foreign keys are checked here (deferred)
        except DomainError as error:
            for batch in batches.values():
                services.fail(batch.pk, error)
            raise
        except Exception:
            logger.exception("verification from an extract failed")
            for batch in batches.values():
                services.fail(batch.pk, DomainError("internal_error", "Lỗi hệ thống.",
                                                    "System error."))
            raise
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS verif_extract_raw; "
                           "DROP TABLE IF EXISTS verif_extract")
    return run


class _Clock:
    def __init__(self, run: ExtractRun) -> None:
        self.run = run
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        self.run.seconds[phase] = round(now - self.last, 2)
        self.last = now


def _record(run: ExtractRun, batches: dict[str, VerificationBatch], provinces: list[str],
            clock: _Clock) -> None:
    now = timezone.now()
    asked = dict(Beneficiary.objects.filter(province_code__in=provinces,
                                            death_date__isnull=True)
                 .values("province_code").annotate(n=Count("pk"))
                 .values_list("province_code", "n"))
    for code, batch in batches.items():
        VerificationBatch.objects.filter(pk=batch.pk).update(people_total=asked.get(code, 0))
    _set_aside(run)
    clock("set_aside")
    sources = {f"batch:{batches[code].pk}": code for code in provinces}
    with connection.cursor() as cursor:
        cursor.execute(_SESSION)
        stamped = stamps.stamp_in_bulk(
            _MATCHED, {"provinces": provinces,
                       "batches": [batches[code].pk for code in provinces]},
            sources=list(sources), at=now, outcome=VerificationOutcome.MATCH,
            actor=batches[provinces[0]].requested_by)
        clock("stamp_in_bulk")
        matched = {sources[source]: n for source, n in stamped.items()}
        # People whose row is set aside: left unanswered.
        cursor.execute("SELECT province_code, count(DISTINCT beneficiary_id) FROM verif_extract "
                       "WHERE problem IS NOT NULL AND beneficiary_id IS NOT NULL GROUP BY 1")
        unanswered = {code: int(n) for code, n in cursor.fetchall()}
    _supersede_matched(batches)
    for code, n in matched.items():
        services.advance(batches[code].pk, n)
        VerificationBatch.objects.filter(pk=batches[code].pk).update(matched_in_bulk=n)
    run.matched_in_bulk = sum(matched.values())
    clock("match_in_bulk")
    for code, n in unanswered.items():
        services.advance(batches[code].pk, n, n)
    run.skipped = sum(unanswered.values())
    _one_by_one(run, batches, provinces)
    clock("one_by_one")
    for code, batch in batches.items():
        done = VerificationBatch.objects.get(pk=batch.pk)
        VerificationBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, finished_at=timezone.now())
        services.audit_record(batch.requested_by, "verification.extract", batch, after={
            "rows": run.rows, "matched_in_bulk": matched.get(code, 0),
            "people_done": done.people_done, "people_skipped": done.people_skipped,
            "set_aside": run.set_aside_counts})
    clock("finish")


_ONE_BY_ONE = """
SELECT b.province_code, b.id, b.citizen_id, b.full_name, b.date_of_birth, b.sex, b.ward_code,
       true, e.full_name, e.dob, e.sex, e.ward_code, e.died, e.n
FROM verif_extract e JOIN registry_beneficiary b ON b.id = e.beneficiary_id
WHERE e.problem IS NULL AND NOT e.fast
UNION ALL
SELECT b.province_code, b.id, b.citizen_id, b.full_name, b.date_of_birth, b.sex, b.ward_code,
       false, NULL, NULL, NULL, NULL, NULL, NULL
FROM registry_beneficiary b
WHERE b.province_code = ANY(%(provinces)s) AND b.death_date IS NULL
  AND NOT EXISTS (SELECT 1 FROM verif_extract e WHERE e.beneficiary_id = b.id)
ORDER BY 1, 2
"""


def _one_by_one(run: ExtractRun, batches: dict[str, VerificationBatch],
                provinces: list[str]) -> None:
    """Everyone not matched in bulk: a difference, a death, not in the extract. Decided by
    answer_for, recorded by record_answers, :data:`_CHUNK` people at a time."""
    answers: list[PersonAnswer] = []
    skipped: list[tuple[int, str]] = []
    province = ""

    def flush() -> None:
        if answers:
            done = services.record_answers(batches[province], answers)
            run.answered_one_by_one += done.results
            run.deaths += len(done.deaths)
            run.to_review += done.to_review
        if skipped:
            services.advance(batches[province].pk, len(skipped), len(skipped))
            run.skipped += len(skipped)
            for row, cid in skipped:
                if row:
                    _count_aside(run, row, cid, "name_invalid")
        answers.clear()
        skipped.clear()

    for (code, _pk, cid, name, born, sex, ward, listed, t_name, t_born, t_sex, t_ward,
         t_died, n) in _rows(_ONE_BY_ONE, {"provinces": provinces}):
        if code != province or len(answers) >= _CHUNK:
            flush()
            province = code
        check = _check((cid, name, born, sex, ward))
        if check is None:
            skipped.append((0, cid))
            continue
        if not listed:
            answers.append(answer_for(check, None))
            run.not_found += 1
            continue
        try:
            record = PopulationRecord(cid, t_name, t_born, t_sex, t_ward, t_died)
        except (ValueError, TypeError):  # their name is none (InvalidName) or inconsistent
            skipped.append((int(n) + 1, cid))
            continue
        answers.append(answer_for(check, record))
    flush()


def _supersede_matched(batches: dict[str, VerificationBatch]) -> None:
    """Reviews still open from earlier batches for people now matched in bulk: closed, as
    record_answers closes those of the people it answers (services.supersede_reviews)."""
    # A join, not ``= ANY(ids)``: tens of thousands of open reviews against millions of rows
    # made that a comparison per pair (minutes, found by the benchmark's second run).
    with connection.cursor() as cursor:
        cursor.execute(_OPEN_REVIEWS, {"open": [str(s) for s in REVIEW_OPEN],
                                       "batches": [b.pk for b in batches.values()]})
        by_province: dict[str, list[int]] = {}
        for pk, code in cursor.fetchall():
            by_province.setdefault(code, []).append(int(pk))
    for code, pks in by_province.items():
        services.supersede_reviews(pks, batches[code], batches[code].requested_by)


_OPEN_REVIEWS = """
SELECT DISTINCT e.beneficiary_id, e.province_code
FROM verification_verificationresult r JOIN verif_extract e ON e.beneficiary_id = r.beneficiary_id
WHERE e.fast AND r.review_status = ANY(%(open)s) AND NOT r.batch_id = ANY(%(batches)s)
"""


def _set_aside(run: ExtractRun) -> None:
    """Count the rows set aside by reason; list the first :data:`MAX_LISTED`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT problem, count(*) FROM verif_extract WHERE problem IS NOT NULL "
                       "GROUP BY 1 ORDER BY 1")
        run.set_aside_counts = {code: int(n) for code, n in cursor.fetchall()}
        cursor.execute("SELECT n, coalesce(citizen_id, ''), problem FROM verif_extract "
                       "WHERE problem IS NOT NULL ORDER BY n LIMIT %s", [MAX_LISTED])
        run.set_aside = [_aside(int(n) + 1, cid, code) for n, cid, code in cursor.fetchall()]


def _count_aside(run: ExtractRun, row: int, citizen_id: str, code: str) -> None:
    run.set_aside_counts[code] = run.set_aside_counts.get(code, 0) + 1
    if len(run.set_aside) < MAX_LISTED:
        run.set_aside.append(_aside(row, citizen_id, code))


def _aside(row: int, citizen_id: str, code: str) -> SetAside:
    """Row ``row`` of the file (the header is row 1)."""
    vi, en = _REASONS[code]
    if code == "duplicate_id":
        vi, en = vi.format(rows="…"), en.format(rows="…")
    return SetAside(row, citizen_id[:40], code, vi, en)


def _rows(sql: str, params: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of a query, a chunk at a time (a server-side cursor: the transaction's)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while part := cursor.fetchmany(_CHUNK):
            yield from part


def _check(row: Sequence[Any]) -> PersonCheck | None:
    try:
        return PersonCheck(*row)
    except (ValueError, TypeError):
        return None


__all__ = ["EXTRACT_COLUMNS", "MAX_LISTED", "ExtractRefused", "ExtractRun", "FileRefused",
           "verify_extract"]
