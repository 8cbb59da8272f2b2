"""Verification against a population *extract* (issue 16): the police deliver the population
database's records of our people as one csv, and we verify a province (or several) at once.

Layout: a header row, then one row per person: personal ID, full name, date of birth
(``dd/mm/yyyy`` or ``yyyy-mm-dd``), sex (``Nam``/``Nữ``), ward code (5 digits or empty) and
date of death (empty if alive). A header cell is the Vietnamese heading or the English key
(:data:`EXTRACT_COLUMNS`). UTF-8, names in NFC.

PostgreSQL only: the file is streamed into a table by ``COPY`` and checked and compared in
SQL (:mod:`~chitra.verification.extract_sql`). The people whose record is identical to ours
(the name the same, or ours in capitals; the same date of birth; the same ward, or one
side's unknown; no date of death) — nearly everyone — are matched set-based: stamped
verified by :func:`chitra.registry.stamps.stamp_in_bulk` (one audit entry per batch) and
counted on their batch (``matched_in_bulk``), with no result row each: a result row is what
differs. Everyone else (a difference, a death, our people the extract does not hold) goes
the way of every other exchange path: :func:`~chitra.verification.population.answer_for`
decides, and :func:`~chitra.verification.services.record_answers` records the answer and its
effects. A test holds the two paths to the same results.

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
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
from chitra.verification import extract_sql as sql
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


def _copy(path: Path, skip: int, raw: str) -> int:
    """Stream the file after its header into the table ``raw``; its data rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql.RAW.replace("{raw}", raw))
        try:
            with cursor.copy(sql.COPY_RAW.replace("{raw}", raw)) as copy, \
                    path.open("rb") as data:
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
        cursor.execute(sql.RAW_ROWS.replace("{raw}", raw))
        return int(cursor.fetchone()[0])


def _compare(raw: str, provinces: list[str], fast_ok: bool) -> None:
    """Build ``verif_extract`` from the raw rows (:mod:`~chitra.verification.extract_sql`)."""
    params: dict[str, Any] = {"today": timezone.localdate(), "provinces": provinces,
                              "fast_ok": fast_ok}
    with connection.cursor() as cursor:
        cursor.execute(sql.SESSION)
        cursor.execute(sql.PARALLEL)
        cursor.execute(sql.MATCH.replace("{raw}", raw), params)
        cursor.execute("SET LOCAL parallel_setup_cost TO DEFAULT; "
                       "SET LOCAL parallel_tuple_cost TO DEFAULT")
        cursor.execute("ANALYZE verif_extract")  # how few rows PARSE has: a plan of probes
        cursor.execute(sql.PROBES)
        cursor.execute(sql.PARSE.replace("{raw}", raw), params)
        cursor.execute("SET LOCAL random_page_cost TO DEFAULT")
        cursor.execute(sql.DUPLICATED)
        if cursor.fetchone()[0]:
            cursor.execute(sql.DUPLICATES.replace("{raw}", raw))
        cursor.execute(sql.DROP_RAW.replace("{raw}", raw))
        cursor.execute("ANALYZE verif_extract")


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
        # The raw rows' table lives and dies in this transaction (a unique name, as others
        # can see it); what it leaves, verif_extract, lives in the session.
        raw = f"verif_extract_raw_{uuid.uuid4().hex}"
        with transaction.atomic():
            run.rows = _copy(path, skip, raw)
            clock("load")
            _compare(raw, provinces, not all_one_by_one)
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
            cursor.execute("DROP TABLE IF EXISTS verif_extract")
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
        cursor.execute(sql.SESSION)
        stamped = stamps.stamp_in_bulk(
            sql.MATCHED, {"provinces": provinces,
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


def _one_by_one(run: ExtractRun, batches: dict[str, VerificationBatch],
                provinces: list[str]) -> None:
    """Everyone not matched in bulk: a difference, a death, not in the extract. Decided by
    answer_for, recorded by record_answers, :data:`_CHUNK` people at a time.

    A chunk is decided in a thread while the one before is recorded: deciding is Python
    alone, recording is mostly waiting for the database, so the two overlap. The thread
    touches no database; the recording stays in this thread's transaction."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer_for") as decider:
        pending: Future[_Decided] | None = None
        for province, rows in _chunks(provinces):
            following = decider.submit(_decide, province, rows)
            if pending is not None:
                _record_chunk(run, batches, pending.result())
            pending = following
        if pending is not None:
            _record_chunk(run, batches, pending.result())


@dataclass
class _Decided:
    province: str
    answers: list[PersonAnswer] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row of the file or 0, ID)
    not_found: int = 0


def _chunks(provinces: list[str]) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """The rows of ONE_BY_ONE by province, :data:`_CHUNK` at most at a time."""
    province = ""
    chunk: list[tuple[Any, ...]] = []
    for row in _rows(sql.ONE_BY_ONE, {"provinces": provinces}):
        if row[0] != province or len(chunk) >= _CHUNK:
            if chunk:
                yield province, chunk
            province, chunk = row[0], []
        chunk.append(row)
    if chunk:
        yield province, chunk


def _decide(province: str, rows: list[tuple[Any, ...]]) -> _Decided:
    """answer_for for each person of a chunk (no database)."""
    decided = _Decided(province)
    for (_code, _pk, cid, name, born, sex, ward, listed, t_name, t_born, t_sex, t_ward,
         t_died, n) in rows:
        check = _check((cid, name, born, sex, ward))
        if check is None:
            decided.skipped.append((0, cid))
        elif not listed:
            decided.answers.append(answer_for(check, None))
            decided.not_found += 1
        else:
            try:
                record = PopulationRecord(cid, t_name, t_born, t_sex, t_ward, t_died)
            except (ValueError, TypeError):  # their name is none (InvalidName) or inconsistent
                decided.skipped.append((int(n) + 1, cid))
                continue
            decided.answers.append(answer_for(check, record))
    return decided


def _record_chunk(run: ExtractRun, batches: dict[str, VerificationBatch],
                  decided: _Decided) -> None:
    batch = batches[decided.province]
    if decided.answers:
        done = services.record_answers(batch, decided.answers)
        run.answered_one_by_one += done.results
        run.deaths += len(done.deaths)
        run.to_review += done.to_review
        run.not_found += decided.not_found
    if decided.skipped:
        services.advance(batch.pk, len(decided.skipped), len(decided.skipped))
        run.skipped += len(decided.skipped)
        for row, cid in decided.skipped:
            if row:
                _count_aside(run, row, cid, "name_invalid")


def _supersede_matched(batches: dict[str, VerificationBatch]) -> None:
    """Reviews still open from earlier batches for people now matched in bulk: closed, as
    record_answers closes those of the people it answers (services.supersede_reviews)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.OPEN_REVIEWS, {"open": [str(s) for s in REVIEW_OPEN],
                                       "batches": [b.pk for b in batches.values()]})
        by_province: dict[str, list[int]] = {}
        for pk, code in cursor.fetchall():
            by_province.setdefault(code, []).append(int(pk))
    for code, pks in by_province.items():
        services.supersede_reviews(pks, batches[code], batches[code].requested_by)


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
