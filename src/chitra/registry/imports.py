# ruff: noqa: S608 - SQL text is built from module constants only; values are parameters.
"""Beneficiary import: validate a whole file, stage it in the database, apply it set-based.

One use case, three doors: ``chitra import_beneficiaries`` (CLI), the upload page (a
background task, :mod:`chitra.registry.tasks`) and tests all call :func:`run_import`.

How it works (DESIGN §3.5 "bad input never half-lands", §5 "bulk paths are set-based"):

1. The file is read streaming (:mod:`chitra.registry.importing.reading`) and every row is
   validated in Python (:mod:`chitra.registry.importing.validate`), in worker processes for
   big files (:mod:`chitra.registry.importing.pipeline`); problems stream into the xlsx error
   report, valid rows stream in chunks into a TEMP staging table — ``COPY`` on PostgreSQL,
   ``executemany`` on SQLite. Nothing in the registry changes during this pass.
2. Checks that need every row run in SQL on the staging table: personal IDs repeated in the
   file, and people already registered in another province.
3. If there is any problem and "accept valid rows" was not asked for, or on a dry run, the
   stage is dropped and nothing changes. Otherwise a handful of ``UPDATE … FROM`` /
   ``INSERT … SELECT`` statements apply the stage in one transaction, keyed on the personal
   ID (beneficiaries), (beneficiary, benefit type, start date) (benefits) and the current
   account (a changed account closes the current version and adds a new one).

A big first load of a province on PostgreSQL skips the stage: the rows go straight into the
registry inside one transaction, checked the same way (:mod:`chitra.registry.bulkload`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role, User
from chitra.core import audit
from chitra.core.errors import DomainError, Problem
from chitra.core.models import PaymentProvider
from chitra.registry import bulkload
from chitra.registry.anomalies import refresh_anomalies
from chitra.registry.bulkload import DirectLoad, repeated_rows
from chitra.registry.importing import csvranges, pipeline
from chitra.registry.importing.columns import resolve_header
from chitra.registry.importing.pipeline import End, Plan
from chitra.registry.importing.reading import FileRefused, open_table
from chitra.registry.importing.report import ErrorReport
from chitra.registry.importing.validate import (
    STAGE_COLUMNS,
    Lookups,
    ProviderRef,
    benefit_type_names,
    channel_names,
)
from chitra.registry.models import (
    BenefitType,
    ImportStatus,
    PaymentPoint,
)

logger = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
CHUNK_BYTES = 4 << 20  # a CSV file's share per worker turn (≈ 20,000 rows)
# Files of at least this many rows are read and validated in worker processes (one per core,
# at most two; xlsx one), overlapping with the COPY (importing.pipeline); smaller ones
# in-process.
PARALLEL_MIN_ROWS = 50_000
MAX_WORKERS = 2
DEFAULT_PROVINCE = "12"  # Lai Châu, for superusers who do not say
STAGE = "chitra_import_stage"
STAGE_TEMP_BUFFERS = "256MB"  # PostgreSQL session memory for the stage (see _Stage)
APPLY_WORK_MEM = "128MB"  # PostgreSQL: hash joins of a million-row stage stay in memory
CLOSED_REASON = "thay đổi khi nhập tệp / changed by import"

Progress = Callable[[int, int], None]


class _Phases:
    """Cheap per-phase wall-clock timing, logged at DEBUG (``chitra.registry.imports``)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("import phase %-28s %7.2f s", phase, now - self.last)
        self.last = now


class ImportForbidden(DomainError):
    http_status = 403

    def __init__(self) -> None:
        super().__init__("import_forbidden",
                         "Chỉ cán bộ BHXH tỉnh được nhập danh sách người hưởng.",
                         "Only provincial BHXH officers may import beneficiaries.")


# --- who may import, and for which province ------------------------------------------------

def can_import(user: User) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    org = user.organization
    return (org is not None and org.kind == OrganizationKind.BHXH_PROVINCE
            and user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER))


def province_for(user: User, requested: str | None = None) -> str:
    """The province an import by ``user`` is for (a superuser may choose; default "12")."""
    if not can_import(user):
        raise ImportForbidden()
    if user.is_superuser:
        return requested or DEFAULT_PROVINCE
    assert user.organization is not None
    if requested and requested != user.organization.province_code:
        raise ImportForbidden()
    return user.organization.province_code


# --- the outcome -----------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    status: ImportStatus
    rows_total: int = 0
    rows_invalid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems_count: int = 0
    first_problems: list[Problem] = field(default_factory=list)
    error_report: Path | None = None
    sha256: str = ""

    @property
    def rows_valid(self) -> int:
        return self.rows_total - self.rows_invalid

    def summary(self) -> dict[str, Any]:
        return {"status": str(self.status), "rows_total": self.rows_total,
                "rows_invalid": self.rows_invalid, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged,
                "problems": self.problems_count, "sha256": self.sha256}


def load_lookups(province_code: str, today: date) -> Lookups:
    providers: dict[str, ProviderRef] = {}
    for p in PaymentProvider.objects.all():
        ref = ProviderRef(p.pk, p.short_name, p.kind, p.account_min_length, p.account_max_length)
        providers[p.short_name.lower()] = ref
        if p.napas_bin:
            providers[p.napas_bin] = ref
    points = dict(PaymentPoint.objects.filter(province_code=province_code)
                  .values_list("code", "id"))
    return Lookups(province_code=province_code, today=today, providers=providers,
                   payment_points=points, benefit_types=benefit_type_names(BenefitType.choices),
                   channels=channel_names())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# --- the staging table -------------------------------------------------------------------------

class _Stage:
    """A TEMP table on this connection holding the valid rows of the file."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def create(self) -> None:
        date_type = "date" if self.pg else "text"
        cols = {
            "row_no": "integer", "citizen_id": "varchar(12)", "bhxh_code": "varchar(10)",
            "full_name": "text", "name_key": "text", "date_of_birth": date_type,
            "sex": "varchar(1)", "ward_code": "varchar(5)", "street": "text",
            "phone": "varchar(15)", "payment_point_id": "bigint", "benefit_type": "varchar(20)",
            "benefit_group": "varchar(10)", "amount": "bigint", "start_date": date_type,
            "end_date": date_type, "channel": "varchar(15)", "provider_id": "bigint",
            "account_number": "varchar(34)", "holder_name": "text", "holder_name_key": "text",
        }
        assert tuple(cols) == STAGE_COLUMNS
        if self.pg:
            self._session_settings()
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS {STAGE}")
            c.execute(f"CREATE TEMP TABLE {STAGE} ("
                      + ", ".join(f"{k} {t}" for k, t in cols.items()) + ")")

    @staticmethod
    def _session_settings() -> None:
        """Memory for the stage: a big TEMP table lives in ``temp_buffers`` (default 8 MB;
        it can only be raised before the session's first use of a temp table, so a failure
        is ignored — it is a speed-up only)."""
        try:
            with transaction.atomic(), connection.cursor() as c:
                c.execute(f"SET temp_buffers = '{STAGE_TEMP_BUFFERS}'")
        except DatabaseError:
            logger.debug("temp_buffers not raised (temp tables already used)")

    def add(self, rows: bytes | list[tuple[str | None, ...]], count: int) -> None:
        """Stage a chunk: ``COPY`` text (PostgreSQL) or a list of tuples (SQLite)."""
        if not count:
            return
        with connection.cursor() as c:
            if isinstance(rows, bytes):  # PostgreSQL: COPY text
                with c.cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
                    copy.write(rows)
            else:
                c.executemany(f"INSERT INTO {STAGE} VALUES ("
                              + ", ".join(["%s"] * len(STAGE_COLUMNS)) + ")", rows)

    def delete_rows(self, row_numbers: Iterable[int]) -> None:
        numbers = sorted(set(row_numbers))
        with connection.cursor() as c:
            if self.pg:  # one hashed = ANY over the stage
                c.execute(f"DELETE FROM {STAGE} WHERE row_no = ANY(%s)", [numbers])
                return
            for i in range(0, len(numbers), 500):
                part = numbers[i:i + 500]
                c.execute(f"DELETE FROM {STAGE} WHERE row_no IN ("
                          + ", ".join(["%s"] * len(part)) + ")", part)

    def repeated_rows(self) -> list[tuple[str, list[int]]]:
        return repeated_rows(STAGE, "row_no")

    def finish(self) -> None:
        """Index and analyze: TEMP tables are never analyzed by autovacuum."""
        with connection.cursor() as c:
            if not self.pg:  # PostgreSQL hash-joins a large stage; SQLite needs the index
                c.execute(f"CREATE INDEX {STAGE}_cid ON {STAGE} (citizen_id)")
                c.execute(f"ANALYZE {STAGE}")
            else:  # the row count and the join keys are what the plans need
                c.execute(f"ANALYZE {STAGE} (citizen_id, benefit_type, start_date)")

    def drop(self) -> None:
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS {STAGE}")


# --- set-based SQL ------------------------------------------------------------------------------

def _sql_parts() -> dict[str, str]:
    pg = connection.vendor == "postgresql"

    def differs(a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if pg else f"{a} IS NOT {b}"

    ben = " OR ".join(differs(f"b.{c}", f"s.{c}") for c in (
        "bhxh_code", "full_name", "name_key", "date_of_birth", "sex", "ward_code", "street",
        "phone", "payment_point_id"))
    ben += " OR " + differs("b.province_code", "%(province)s")
    bf = " OR ".join([differs("bf.amount", "s.amount"), differs("bf.end_date", "s.end_date"),
                      differs('bf."group"', "s.benefit_group")])
    acc = (differs("a.channel", "s.channel") + " OR (s.channel <> 'cash' AND ("
           + " OR ".join(differs(f"a.{c}", f"s.{c}")
                         for c in ("provider_id", "account_number", "holder_name")) + "))")
    return {
        "ben_differs": ben, "benefit_differs": bf, "account_differs": acc,
        "plus_day": "a.valid_from + 1" if pg else "date(a.valid_from, '+1 day')",
        "minus_day": "n.valid_from - 1" if pg else "date(n.valid_from, '-1 day')",
    }


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.rowcount


def _classify(province: str) -> tuple[int, int, int]:
    """(created, updated, unchanged) the staged rows would give, computed before applying."""
    q = _sql_parts()
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(f"SET LOCAL work_mem = '{APPLY_WORK_MEM}'")
        c.execute(f"""
            SELECT COUNT(*),
                   COALESCE(SUM(CASE WHEN b.id IS NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN b.id IS NOT NULL AND (
                       {q['ben_differs']} OR bf.id IS NULL OR {q['benefit_differs']}
                       OR a.id IS NULL OR {q['account_differs']}) THEN 1 ELSE 0 END), 0)
            FROM {STAGE} s
            LEFT JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
            LEFT JOIN registry_benefit bf ON bf.beneficiary_id = b.id
                 AND bf.benefit_type = s.benefit_type AND bf.start_date = s.start_date
            LEFT JOIN registry_paymentaccount a ON a.beneficiary_id = b.id
                 AND a.valid_to IS NULL
        """, {"province": province})
        total, created, updated = c.fetchone()
    return int(created), int(updated), int(total) - int(created) - int(updated)


def _apply(province: str, actor: str, today: date, phase: _Phases | None = None) -> None:
    """Apply the stage: a fixed number of set-based statements, whatever the row count.

    The caller holds the transaction.
    """
    phase = phase or _Phases()
    q = _sql_parts()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    p = {"province": province, "now": now, "actor": actor, "reason": CLOSED_REASON,
         "today": connection.ops.adapt_datefield_value(today)}
    cols = ("bhxh_code", "full_name", "name_key", "date_of_birth", "sex", "ward_code",
            "street", "phone", "payment_point_id")
    # 1. Beneficiaries: update the ones whose fields changed, then add the new ones.
    _execute(f"""
        UPDATE registry_beneficiary AS b SET
            {", ".join(f"{c} = s.{c}" for c in cols)},
            province_code = %(province)s, updated_at = %(now)s
        FROM {STAGE} s
        WHERE b.citizen_id = s.citizen_id AND ({q['ben_differs']})
    """, p)
    phase("apply: update beneficiary")
    _execute(f"""
        INSERT INTO registry_beneficiary (citizen_id, {", ".join(cols)}, province_code,
            status, status_reason, created_at, updated_at)
        SELECT s.citizen_id, {", ".join(f"s.{c}" for c in cols)}, %(province)s,
            'active', '', %(now)s, %(now)s
        FROM {STAGE} s
        WHERE NOT EXISTS (SELECT 1 FROM registry_beneficiary b
                          WHERE b.citizen_id = s.citizen_id)
    """, p)
    phase("apply: insert beneficiary")
    # 2. Benefits, keyed (beneficiary, type, start date).
    _execute(f"""
        UPDATE registry_benefit AS bf SET amount = s.amount, end_date = s.end_date,
            "group" = s.benefit_group
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        WHERE bf.beneficiary_id = b.id AND bf.benefit_type = s.benefit_type
          AND bf.start_date = s.start_date AND ({q['benefit_differs']})
    """, p)
    phase("apply: update benefit")
    _execute(f"""
        INSERT INTO registry_benefit (beneficiary_id, benefit_type, "group", sub_kind, amount,
            start_date, end_date, status)
        SELECT b.id, s.benefit_type, s.benefit_group, '', s.amount, s.start_date, s.end_date,
            'active'
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM registry_benefit bf WHERE bf.beneficiary_id = b.id
                          AND bf.benefit_type = s.benefit_type
                          AND bf.start_date = s.start_date)
    """, p)
    phase("apply: insert benefit")
    # 3. Payment accounts are versioned, never overwritten. A changed account: the current
    #    version is closed the day before the new one starts (today, or the day after the
    #    current one started if that is today or later), then the new version is added.
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS chitra_import_acc")
    _execute(f"""
        CREATE TEMP TABLE chitra_import_acc AS
        SELECT a.id AS old_id, b.id AS beneficiary_id, s.channel, s.provider_id,
            s.account_number, s.holder_name, s.holder_name_key,
            CASE WHEN a.valid_from < %(today)s THEN %(today)s ELSE {q['plus_day']} END
                AS valid_from
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        JOIN registry_paymentaccount a ON a.beneficiary_id = b.id AND a.valid_to IS NULL
        WHERE {q['account_differs']}
    """, p)
    phase("apply: changed accounts")
    _execute(f"""
        UPDATE registry_paymentaccount SET valid_to = {q['minus_day']},
            closed_reason = %(reason)s
        FROM chitra_import_acc n WHERE registry_paymentaccount.id = n.old_id
    """, p)
    account_cols = ("beneficiary_id, channel, provider_id, account_number, holder_name, "
                    "holder_name_key, valid_from, valid_to, closed_reason, created_by, "
                    "approved_by, created_at")
    _execute(f"""
        INSERT INTO registry_paymentaccount ({account_cols})
        SELECT beneficiary_id, channel, provider_id, account_number, holder_name,
            holder_name_key, valid_from, NULL, '', %(actor)s, '', %(now)s
        FROM chitra_import_acc
    """, p)
    phase("apply: close+add versions")
    # 4. Beneficiaries with no current account (the new ones) get their first version.
    _execute(f"""
        INSERT INTO registry_paymentaccount ({account_cols})
        SELECT b.id, s.channel, s.provider_id, s.account_number, s.holder_name,
            s.holder_name_key, %(today)s, NULL, '', %(actor)s, '', %(now)s
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM registry_paymentaccount a
                          WHERE a.beneficiary_id = b.id AND a.valid_to IS NULL)
    """, p)
    phase("apply: insert first accounts")
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS chitra_import_acc")


def _other_province_rows(province: str) -> list[tuple[int, str]]:
    with connection.cursor() as c:
        c.execute(f"""
            SELECT s.row_no, s.citizen_id FROM {STAGE} s
            JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
            WHERE b.province_code <> %s ORDER BY s.row_no
        """, [province])
        return [(int(r), str(cid)) for r, cid in c.fetchall()]


# --- the use case ---------------------------------------------------------------------------

def run_import(path: Path, *, province_code: str, actor: str, dry_run: bool = False,
               accept_valid: bool = False, report_path: Path | None = None,
               progress: Progress | None = None, today: date | None = None,
               job_id: int | None = None) -> ImportOutcome:
    """Validate ``path`` whole and apply it (or, with problems, report them and apply nothing;
    with ``accept_valid``, apply the valid rows). Raises :class:`FileRefused` when the file as
    a whole cannot be read (encoding, legacy font, missing columns, not a workbook).

    Owns its transactions. Normally the stage is written outside of one (so progress can be
    seen by other connections) and the apply runs in one ``transaction.atomic`` block. A big
    first load of a province (PostgreSQL) runs whole in one block instead, loading the rows
    straight into the registry while the file is validated (:mod:`chitra.registry.bulkload`).
    """
    today = today or timezone.localdate()
    report_path = report_path or (Path(settings.MEDIA_ROOT) / "imports" / "reports"
                                  / f"{uuid.uuid4().hex}-loi.xlsx")
    phase = _Phases()
    outcome = ImportOutcome(status=ImportStatus.RUNNING, sha256=_sha256(path))
    phase("sha256")
    table = open_table(path)
    try:
        layout, header_problems = resolve_header(table.header)
        if header_problems:
            raise FileRefused(
                "header_invalid",
                "Dòng tiêu đề không đúng mẫu: " + "; ".join(p.message_vi for p in header_problems),
                "The header row does not match the template: "
                + "; ".join(p.message_en for p in header_problems))
        for key, width in (("citizen_id", 12), ("bhxh_code", 10), ("phone", 10),
                           ("ward_code", 5), ("ward_code_2024", 5)):
            if layout.has(key):
                table.zero_pad[layout.index[key]] = width
        total_hint = table.total_hint
        workers = 0
        if total_hint >= PARALLEL_MIN_ROWS:
            workers = 1 if path.suffix.lower() == ".xlsx" else max(
                1, min(MAX_WORKERS, os.cpu_count() or 1))
        csv_ranges = None
        if workers > 1 and path.suffix.lower() == ".csv":  # each worker reads its share only
            csv_ranges = csvranges.with_data_start(
                path, csvranges.CsvFormat(table.encoding, table.delimiter))
        plan = Plan(path=path, layout=layout, lookups=load_lookups(province_code, today),
                    zero_pad=dict(table.zero_pad), accept_valid=accept_valid,
                    copy_text=connection.vendor == "postgresql", chunk_rows=CHUNK_ROWS,
                    csv=csv_ranges, chunk_bytes=CHUNK_BYTES)
    finally:
        table.close()  # the pass (maybe in worker processes) opens the file again
    run = _Run(path, plan, workers, total_hint, province_code, actor, today, dry_run,
               report_path, progress, job_id, phase, outcome)
    if (not dry_run and bulkload.worth_bulk_loading(total_hint)
            and bulkload.province_is_empty(province_code)):
        return _direct(run)
    return _staged(run)


@dataclass
class _Run:
    """One import under way: what both paths need."""

    path: Path
    plan: Plan
    workers: int
    total_hint: int
    province_code: str
    actor: str
    today: date
    dry_run: bool
    report_path: Path
    progress: Progress | None
    job_id: int | None
    phase: _Phases
    outcome: ImportOutcome

    @property
    def refused(self) -> bool:
        return bool(self.outcome.problems_count) and not self.plan.accept_valid


def _direct(run: _Run) -> ImportOutcome:
    """A big first load of a province: straight into the registry, in one transaction."""
    with transaction.atomic():
        _fast_session()
        with bulkload.indexes_dropped(run.phase) as dropped:
            load = DirectLoad(province=run.province_code, actor=run.actor, today=run.today,
                              now=timezone.now(), max_row_no=_max_row_no(run.path),
                              dropped=dropped)
            run.plan = dataclasses.replace(run.plan, direct=load.begin())
            _load_and_check(run, load, load.other_province_rows)
            if run.refused:
                load.release()
                transaction.set_rollback(True)  # nothing of the file stays
                run.outcome.status = ImportStatus.REJECTED
                return run.outcome
            run.outcome.created = load.created()
            load.finish()
            run.phase("created+sequences")
        _record(run)
    run.phase("commit")
    run.outcome.status = ImportStatus.APPLIED
    return run.outcome


def _max_row_no(path: Path) -> int:
    """A bound on the row numbers of ``path``: a CSV row takes at least one byte; a sheet
    has at most 1,048,576 rows (however well empty rows compress)."""
    return path.stat().st_size + 2 if path.suffix.lower() == ".csv" else 1_048_577


def _staged(run: _Run) -> ImportOutcome:
    """The general path: stage the valid rows, then apply them set-based."""
    outcome, phase = run.outcome, run.phase
    stage = _Stage()
    try:
        stage.create()

        def others() -> list[tuple[int, str]]:
            stage.finish()
            phase("stage finish (analyze)")
            return _other_province_rows(run.province_code)

        _load_and_check(run, stage, others)
        if run.refused:
            outcome.status = ImportStatus.REJECTED
            return outcome
        outcome.created, outcome.updated, outcome.unchanged = _classify(run.province_code)
        phase("classify")
        if run.dry_run:
            outcome.status = ImportStatus.CHECKED
            return outcome
        with transaction.atomic():
            _fast_session()
            if not (outcome.created or outcome.updated):
                pass  # the file says what the registry says: re-importing it changes nothing
            elif bulkload.worth_bulk_loading(outcome.created):
                with bulkload.indexes_dropped(phase):
                    _apply(run.province_code, run.actor, run.today, phase)
            else:
                _apply(run.province_code, run.actor, run.today, phase)
            _record(run)
        phase("commit")
        outcome.status = ImportStatus.APPLIED
        return outcome
    finally:
        stage.drop()


class _Sink(Protocol):
    def add(self, rows: Any, count: int) -> None: ...
    def delete_rows(self, row_numbers: Iterable[int]) -> None: ...
    def repeated_rows(self) -> list[tuple[str, list[int]]]: ...


def _load_and_check(run: _Run, sink: _Sink,
                    other_province_rows: Callable[[], list[tuple[int, str]]]) -> None:
    """The pass into ``sink``, then the checks that need every row; every problem goes into
    the error report. With ``accept_valid`` the rows found bad by the checks are taken out
    of ``sink`` again; :attr:`_Run.refused` tells whether anything may be applied."""
    with ErrorReport(run.report_path) as report:
        _pass(run, sink, report)
        if not run.refused:
            _other_province(run, other_province_rows(), sink, report)
            run.phase("other-province check")
        run.outcome.problems_count = report.count
        run.outcome.first_problems = list(report.first)
        run.outcome.error_report = report.close()


def _pass(run: _Run, sink: _Sink, report: ErrorReport) -> None:
    """Read and validate the file, load the valid rows into ``sink`` and every problem into
    ``report``. Every row of a personal ID repeated in the file is a problem; with
    ``accept_valid`` those rows are taken out again."""
    outcome, progress, accept_valid = run.outcome, run.progress, run.plan.accept_valid
    invalid_rows = 0
    for item in pipeline.run(run.plan, workers=run.workers):
        if isinstance(item, End):
            outcome.rows_total = item.rows_total
            break
        for p in item.problems:
            report.add(p)
        invalid_rows += item.invalid
        if item.rows is not None:  # loaded even after a problem: repeats are found in them
            sink.add(item.rows, item.count)
        outcome.rows_total += item.read
        if progress and item.read:
            progress(outcome.rows_total, max(run.total_hint, outcome.rows_total))
    run.phase(f"read+validate+load ({run.workers} workers)")
    repeated = 0
    for cid, rows in sink.repeated_rows():
        for row_no in rows:
            others = ", ".join(str(r) for r in rows if r != row_no)
            report.add(Problem(row_no, "citizen_id", cid, "citizen_id_repeated",
                               f"Số định danh lặp lại trong tệp (cũng ở dòng {others}).",
                               f"Personal ID repeated in the file (also at row {others})."))
        repeated += len(rows)
        if accept_valid:
            sink.delete_rows(rows)
    outcome.rows_invalid = invalid_rows + repeated
    outcome.problems_count = report.count
    run.phase("repeated personal IDs")
    if progress:
        progress(outcome.rows_total, outcome.rows_total)


def _other_province(run: _Run, others: list[tuple[int, str]], sink: _Sink,
                    report: ErrorReport) -> None:
    """Report rows of people registered in another province; with ``accept_valid`` take
    them out."""
    for row_no, cid in others:
        report.add(Problem(row_no, "citizen_id", cid, "citizen_id_other_province",
                           "Người này đã có trong danh sách của tỉnh khác.",
                           "This person is registered in another province."))
    run.outcome.rows_invalid += len(others)
    if others and run.plan.accept_valid:
        sink.delete_rows(r for r, _ in others)


def _fast_session() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            # The import is idempotent and re-runnable, so a crash losing the last commit is
            # harmless: no need to wait for the WAL flush at commit.
            c.execute("SET LOCAL synchronous_commit = off")
            c.execute(f"SET LOCAL work_mem = '{APPLY_WORK_MEM}'")


def _record(run: _Run) -> None:
    # Bulk path: one summarizing audit entry per import (counts and the file's SHA-256),
    # not one per row; the rows themselves carry created_by.
    outcome = run.outcome
    audit.record(run.actor, "beneficiary.import", "import_job",
                 run.job_id if run.job_id is not None else outcome.sha256[:16],
                 after={"file": run.path.name, **outcome.summary(),
                        "province": run.province_code, "accept_valid": run.plan.accept_valid})
    run.phase("audit")
    refresh_anomalies(run.province_code, holder_names_done=run.plan.direct is not None)
    run.phase("refresh_anomalies")
