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
registry inside one transaction, checked the same way (:mod:`chitra.registry.importing.bulkload`).
"""

from __future__ import annotations

import dataclasses
import functools
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
from chitra.registry.anomalies import refresh_anomalies
from chitra.registry.importing import bulkload, csvranges, pipeline
from chitra.registry.importing.bulkload import DirectLoad, repeated_rows
from chitra.registry.importing.columns import resolve_header
from chitra.registry.importing.pipeline import End, Plan
from chitra.registry.importing.reading import FileRefused, open_table
from chitra.registry.importing.report import ErrorReport
from chitra.registry.importing.validate import (
    CLEARED_DATE,
    CLEARED_POINT,
    STAGE_COLUMNS,
    Lookups,
    ProviderRef,
    benefit_type_names,
    channel_names,
)
from chitra.registry.models import (
    ACCOUNT_CHANGE_AWAITING,
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

Progress = Callable[[int, int], None]


class _Phases:
    """Cheap per-phase wall-clock timing, logged at DEBUG (``chitra.registry.importing.run``)."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("import phase %-28s %7.2f s", phase, now - self.last)
        self.last = now


class TimeLimitExceeded(DomainError):
    """The import ran past its time limit (``CHITRA_JOB_TIME_LIMIT``); nothing was changed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            "job_time_limit",
            f"Quá thời gian cho phép ({seconds:.0f} giây): đã dừng, không có gì được thay "
            "đổi. Hãy chia tệp nhỏ hơn hoặc liên hệ quản trị.",
            f"The import ran past its time limit ({seconds:.0f} s) and was stopped; nothing "
            "was changed. Split the file or contact the administrator.")


@dataclass(frozen=True)
class Deadline:
    """When an import must have finished (``time.monotonic()``); checked between chunks of
    the pass and given to PostgreSQL as the apply's ``statement_timeout``."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def check(self) -> None:
        if time.monotonic() >= self.at:
            raise TimeLimitExceeded(self.seconds)

    def remaining_ms(self) -> int:
        return max(1, int((self.at - time.monotonic()) * 1000))


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
    accounts_pending: int = 0  # account changes proposed for approval
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
                "accounts_pending": self.accounts_pending,
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

# Beneficiary columns the file always gives (required) and those it may leave empty, which
# then keep the stored value (a NULL in the stage; "" is the explicit clear marker).
BEN_REQUIRED = ("full_name", "name_key", "date_of_birth", "sex", "ward_code")
BEN_KEPT_IF_EMPTY = ("bhxh_code", "street", "phone")


def _sql_parts() -> dict[str, str]:
    pg = connection.vendor == "postgresql"

    def differs(a: str, b: str) -> str:
        return f"{a} IS DISTINCT FROM {b}" if pg else f"{a} IS NOT {b}"

    def same(a: str, b: str) -> str:
        return f"{a} IS NOT DISTINCT FROM {b}" if pg else f"{a} IS {b}"

    ben = " OR ".join([*(differs(f"b.{c}", f"s.{c}") for c in BEN_REQUIRED),
                       *(f"(s.{c} IS NOT NULL AND {differs(f'b.{c}', f's.{c}')})"
                         for c in BEN_KEPT_IF_EMPTY),
                       f"(s.payment_point_id IS NOT NULL AND "
                       f"{differs('b.payment_point_id', _NEW_POINT)})",
                       differs("b.province_code", "%(province)s")])
    bf = " OR ".join([differs("bf.amount", "s.amount"),
                      f"(s.end_date IS NOT NULL AND {differs('bf.end_date', _NEW_END)})",
                      differs('bf."group"', "s.benefit_group")])
    acc = (differs("a.channel", "s.channel") + " OR (s.channel <> 'cash' AND ("
           + " OR ".join(differs(f"a.{c}", f"s.{c}")
                         for c in ("provider_id", "account_number", "holder_name")) + "))")
    # a pending change ``pc`` that proposes what the stage row ``s`` says
    same_pending = " AND ".join(same(f"pc.{c}", f"s.{c}") for c in (
        "channel", "provider_id", "account_number", "holder_name"))
    return {
        "ben_differs": ben, "benefit_differs": bf, "account_differs": acc,
        "same_pending": same_pending,
        "same_proposal": same_pending.replace("s.", "n."),
        "text": "text" if pg else "TEXT",
        "distinct": "IS DISTINCT FROM" if pg else "IS NOT",
    }


# The value the stage gives a nullable column: NULL keeps, the clear marker empties.
_NEW_POINT = f"NULLIF(s.payment_point_id, {CLEARED_POINT})"
_NEW_END = f"NULLIF(s.end_date, '{CLEARED_DATE}')"


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as c:
        c.execute(sql, params)
        return c.rowcount


@dataclass(frozen=True)
class _Counts:
    created: int
    updated: int  # registered people whose fields or benefits change
    accounts_pending: int  # registered people for whom an account change is proposed
    unchanged: int
    # rows keeping the current account of someone with a change awaiting a decision: the
    # apply supersedes it (the file withdraws it)
    accounts_withdrawn: int = 0


def _classify(province: str) -> _Counts:
    """What the staged rows would do, computed before applying."""
    q = _sql_parts()
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(f"SET LOCAL work_mem = '{APPLY_WORK_MEM}'")
        updates = f"({q['ben_differs']} OR bf.id IS NULL OR {q['benefit_differs']})"
        proposes = f"((a.id IS NULL OR {q['account_differs']}) AND pc.id IS NULL)"
        withdraws = f"(pw.id IS NOT NULL AND a.id IS NOT NULL AND NOT ({q['account_differs']}))"
        c.execute(f"""
            SELECT COUNT(*),
                   COALESCE(SUM(CASE WHEN b.id IS NULL THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN b.id IS NOT NULL AND {updates}
                                THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN b.id IS NOT NULL AND {proposes}
                                THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN b.id IS NOT NULL AND ({updates} OR {proposes})
                                THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN {withdraws} THEN 1 ELSE 0 END), 0)
            FROM {STAGE} s
            LEFT JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
            LEFT JOIN registry_benefit bf ON bf.beneficiary_id = b.id
                 AND bf.benefit_type = s.benefit_type AND bf.start_date = s.start_date
            LEFT JOIN registry_paymentaccount a ON a.beneficiary_id = b.id
                 AND a.valid_to IS NULL
            LEFT JOIN registry_pendingaccountchange pc ON pc.beneficiary_id = b.id
                 AND pc.status IN ({_AWAITING}) AND {q['same_pending']}
            LEFT JOIN registry_pendingaccountchange pw ON pw.beneficiary_id = b.id
                 AND pw.status IN ({_AWAITING})
        """, {"province": province})
        total, created, updated, pending, changed, withdrawn = (int(v) for v in c.fetchone())
    return _Counts(created, updated, pending, total - created - changed, withdrawn)


def _apply(province: str, actor: str, today: date, *, entry_id: int,
           job_id: int | None = None, record_changes: bool = True,
           phase: _Phases | None = None) -> None:
    """Apply the stage: a fixed number of set-based statements, whatever the row count.

    ``entry_id``: the import's audit entry, which the field changes (``ImportFieldChange``)
    and the proposed account changes (``PendingAccountChange``) point to. The caller holds
    the transaction.
    """
    phase = phase or _Phases()
    q = _sql_parts()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    p = {"province": province, "now": now, "actor": actor, "entry": entry_id, "job": job_id,
         "today": connection.ops.adapt_datefield_value(today)}
    # 0. Before anything is written: the old and new value of every field that changes, and
    #    the account changes of registered people (they are proposed, not applied).
    if record_changes:
        _record_field_changes(q, p)
        phase("apply: field changes")
    _propose_account_changes(q, p)
    phase("apply: account changes proposed")
    cols = (*BEN_REQUIRED, *BEN_KEPT_IF_EMPTY, "payment_point_id")
    kept = {c: f"COALESCE(s.{c}, b.{c})" for c in BEN_KEPT_IF_EMPTY}
    kept["payment_point_id"] = (f"CASE WHEN s.payment_point_id IS NULL THEN b.payment_point_id"
                                f" ELSE {_NEW_POINT} END")
    # 1. Beneficiaries: update the ones whose fields changed, then add the new ones.
    _execute(f"""
        UPDATE registry_beneficiary AS b SET
            {", ".join(f"{c} = {kept.get(c, f's.{c}')}" for c in cols)},
            province_code = %(province)s, updated_at = %(now)s
        FROM {STAGE} s
        WHERE b.citizen_id = s.citizen_id AND ({q['ben_differs']})
    """, p)
    phase("apply: update beneficiary")
    new_values = {c: f"COALESCE(s.{c}, '')" for c in BEN_KEPT_IF_EMPTY}
    new_values["payment_point_id"] = _NEW_POINT
    _execute(f"""
        INSERT INTO registry_beneficiary (citizen_id, {", ".join(cols)}, province_code,
            status, status_reason, created_at, updated_at)
        SELECT s.citizen_id, {", ".join(new_values.get(c, f"s.{c}") for c in cols)},
            %(province)s, 'active', '', %(now)s, %(now)s
        FROM {STAGE} s
        WHERE NOT EXISTS (SELECT 1 FROM registry_beneficiary b
                          WHERE b.citizen_id = s.citizen_id)
    """, p)
    phase("apply: insert beneficiary")
    # 2. Benefits, keyed (beneficiary, type, start date).
    _execute(f"""
        UPDATE registry_benefit AS bf SET amount = s.amount,
            end_date = CASE WHEN s.end_date IS NULL THEN bf.end_date ELSE {_NEW_END} END,
            "group" = s.benefit_group
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        WHERE bf.beneficiary_id = b.id AND bf.benefit_type = s.benefit_type
          AND bf.start_date = s.start_date AND ({q['benefit_differs']})
    """, p)
    phase("apply: update benefit")
    _execute(f"""
        INSERT INTO registry_benefit (beneficiary_id, benefit_type, "group", sub_kind, amount,
            start_date, end_date, status)
        SELECT b.id, s.benefit_type, s.benefit_group, '', s.amount, s.start_date, {_NEW_END},
            'active'
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM registry_benefit bf WHERE bf.beneficiary_id = b.id
                          AND bf.benefit_type = s.benefit_type
                          AND bf.start_date = s.start_date)
    """, p)
    phase("apply: insert benefit")
    # 3. The people this import created get their first account directly (there is no
    #    account to change); everybody else's account changes wait for approval (step 0).
    account_cols = ("beneficiary_id, channel, provider_id, account_number, holder_name, "
                    "holder_name_key, valid_from, valid_to, closed_reason, created_by, "
                    "approved_by, created_at")
    _execute(f"""
        INSERT INTO registry_paymentaccount ({account_cols})
        SELECT b.id, s.channel, s.provider_id, s.account_number, s.holder_name,
            s.holder_name_key, %(today)s, NULL, '', %(actor)s, '', %(now)s
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        WHERE NOT EXISTS (SELECT 1 FROM registry_paymentaccount a
                          WHERE a.beneficiary_id = b.id AND a.valid_to IS NULL)
          AND NOT EXISTS (SELECT 1 FROM {REGISTERED} r WHERE r.beneficiary_id = b.id)
    """, p)
    phase("apply: insert first accounts")
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {REGISTERED}")


REGISTERED = "chitra_import_acc"  # registered people whose account the file changes
# PendingAccountChange statuses awaiting a decision, as SQL.
_AWAITING = ", ".join(f"'{status.value}'" for status in ACCOUNT_CHANGE_AWAITING)


def _propose_account_changes(q: dict[str, str], p: dict[str, Any]) -> None:
    """An account in the file that differs from a registered person's current one (or a
    registered person with none) becomes a pending change for a BHXH approver: set-based,
    one ``INSERT … SELECT``. A change awaiting a decision (pending or first approved) is
    superseded when the file proposes something else, or keeps the current account; one
    that proposes the same stays as it is (a re-import adds nothing)."""
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {REGISTERED}")
    _execute(f"""
        CREATE TEMP TABLE {REGISTERED} AS
        SELECT a.id AS replaces_id, b.id AS beneficiary_id, s.channel, s.provider_id,
            s.account_number, s.holder_name, s.holder_name_key
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        LEFT JOIN registry_paymentaccount a ON a.beneficiary_id = b.id AND a.valid_to IS NULL
        WHERE a.id IS NULL OR {q['account_differs']}
    """, p)
    if connection.vendor != "postgresql":
        _execute(f"CREATE INDEX {REGISTERED}_b ON {REGISTERED} (beneficiary_id)", p)
    # Superseded: a change awaiting a decision for someone in the file, unless the file
    # proposes the same again; also when the file keeps the current account (the person
    # is in the stage but not in REGISTERED).
    _execute(f"""
        UPDATE registry_pendingaccountchange AS pc SET status = 'superseded'
        WHERE pc.status IN ({_AWAITING}) AND (
            EXISTS (SELECT 1 FROM {REGISTERED} n
                    WHERE n.beneficiary_id = pc.beneficiary_id
                      AND NOT ({q['same_proposal']}))
            OR (NOT EXISTS (SELECT 1 FROM {REGISTERED} n
                            WHERE n.beneficiary_id = pc.beneficiary_id)
                AND EXISTS (SELECT 1 FROM registry_beneficiary b
                            JOIN {STAGE} s ON s.citizen_id = b.citizen_id
                            WHERE b.id = pc.beneficiary_id)))
    """, p)
    _execute(f"""
        INSERT INTO registry_pendingaccountchange (beneficiary_id, replaces_id, channel,
            provider_id, account_number, holder_name, holder_name_key, source, import_job_id,
            audit_entry_id, made_by, made_at, status, first_approved_by,
            first_approval_reason, decided_by, decision_note)
        SELECT n.beneficiary_id, n.replaces_id, n.channel, n.provider_id, n.account_number,
            n.holder_name, n.holder_name_key, 'import', %(job)s, %(entry)s, %(actor)s,
            %(now)s, 'pending', '', '', '', ''
        FROM {REGISTERED} n
        WHERE NOT EXISTS (SELECT 1 FROM registry_pendingaccountchange pc
                          WHERE pc.beneficiary_id = n.beneficiary_id
                            AND pc.status IN ({_AWAITING}))
    """, p)


# (field name, old value, new value — NULL when the file keeps the stored one, whether it is
# a benefit's field) as SQL over the stage ``s``, the person ``b`` and the benefit ``bf``,
# all as text.
def _field_pairs(q: dict[str, str]) -> list[tuple[str, str, str, bool]]:
    def t(expr: str) -> str:
        return f"CAST({expr} AS {q['text']})"

    pairs = [(c, t(f"b.{c}"), t(f"s.{c}"), False)
             for c in (*BEN_REQUIRED, *BEN_KEPT_IF_EMPTY) if c != "name_key"]
    pairs.append(("payment_point", t("b.payment_point_id"),
                  f"CASE WHEN s.payment_point_id IS NULL THEN NULL "
                  f"ELSE COALESCE({t(_NEW_POINT)}, '') END", False))
    pairs.append(("benefit_amount", t("bf.amount"), t("s.amount"), True))
    pairs.append(("benefit_end", t("bf.end_date"),
                  f"CASE WHEN s.end_date IS NULL THEN NULL "
                  f"ELSE COALESCE({t(_NEW_END)}, '') END", True))
    # a benefit the person did not have: "type start amount [end]"
    pairs.append(("benefit_added", "NULL",
                  f"CASE WHEN bf.id IS NULL THEN s.benefit_type || ' ' || {t('s.start_date')}"
                  f" || ' ' || {t('s.amount')} || COALESCE(' ' || {t(_NEW_END)}, '') END",
                  False))
    return pairs


def _record_field_changes(q: dict[str, str], p: dict[str, Any]) -> None:
    """Before/after of every field the apply will change, one ``ImportFieldChange`` row
    each: one join of the stage with the registry into a TEMP table of the rows that change
    (few, usually), then one ``INSERT … SELECT`` of its fields. A field the file leaves
    empty (kept) is no change; a cleared one is recorded with "" as its new value."""
    pairs = _field_pairs(q)
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS chitra_import_diff")
    _execute(f"""
        CREATE TEMP TABLE chitra_import_diff AS
        SELECT b.id AS beneficiary_id, bf.id AS benefit_id,
            {", ".join(f"{old} AS o_{name}, {new} AS n_{name}" for name, old, new, _ in pairs)}
        FROM {STAGE} s JOIN registry_beneficiary b ON b.citizen_id = s.citizen_id
        LEFT JOIN registry_benefit bf ON bf.beneficiary_id = b.id
             AND bf.benefit_type = s.benefit_type AND bf.start_date = s.start_date
        WHERE {q['ben_differs']} OR bf.id IS NULL OR {q['benefit_differs']}
    """, p)
    op, no_benefit = q["distinct"], "CAST(NULL AS bigint)"
    selects = [
        f"SELECT %(entry)s, beneficiary_id, {'benefit_id' if of_benefit else no_benefit}, "
        f"'{name}', o_{name}, n_{name} FROM chitra_import_diff "
        f"WHERE n_{name} IS NOT NULL AND o_{name} {op} n_{name}"
        + (" AND benefit_id IS NOT NULL" if of_benefit else "")
        for name, _, _, of_benefit in pairs]
    _execute(f"""
        INSERT INTO registry_importfieldchange (audit_entry_id, beneficiary_id, benefit_id,
            field, old_value, new_value)
        {" UNION ALL ".join(selects)}
    """, p)
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS chitra_import_diff")


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
               job_id: int | None = None, deadline: Deadline | None = None) -> ImportOutcome:
    """Validate ``path`` whole and apply it (or, with problems, report them and apply nothing;
    with ``accept_valid``, apply the valid rows). Raises :class:`FileRefused` when the file as
    a whole cannot be read (encoding, legacy font, missing columns, not a workbook, a hostile
    archive), :class:`TimeLimitExceeded` past ``deadline`` (nothing changed then either).

    An empty optional cell keeps the stored value; the account of somebody already
    registered is not changed but proposed (``PendingAccountChange``) for a BHXH approver;
    every changed field's before/after is kept (``ImportFieldChange``) under the import's
    audit entry.

    Owns its transactions. Normally the stage is written outside of one (so progress can be
    seen by other connections) and the apply runs in one ``transaction.atomic`` block. A big
    first load of a province (PostgreSQL) runs whole in one block instead, loading the rows
    straight into the registry while the file is validated
    (:mod:`chitra.registry.importing.bulkload`).
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
               report_path, progress, job_id, phase, outcome, deadline)
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
    deadline: Deadline | None = None

    @property
    def refused(self) -> bool:
        return bool(self.outcome.problems_count) and not self.plan.accept_valid


def _direct(run: _Run) -> ImportOutcome:
    """A big first load of a province: straight into the registry, in one transaction."""
    with transaction.atomic():
        _fast_session(run.deadline)
        with bulkload.indexes_dropped(run.phase) as dropped:
            load = DirectLoad(province=run.province_code, actor=run.actor, today=run.today,
                              now=timezone.now(), max_row_no=_max_row_no(run.path),
                              dropped=dropped)
            run.plan = dataclasses.replace(run.plan, direct=load.begin())
            try:
                _load_and_check(run, load, load.other_province_rows)
            except DatabaseError:
                raise  # the transaction is aborted: the reserved ids stay a gap
            except BaseException:
                load.release()  # the rollback cannot give the reserved ids back
                raise
            if run.refused:
                load.release()
                transaction.set_rollback(True)  # nothing of the file stays
                run.outcome.status = ImportStatus.REJECTED
                return run.outcome
            run.outcome.created = load.created()
            load.finish()
            run.phase("created+sequences")
        _audit_entry(run)  # everybody is new: no field changes, no account changes
        _after_apply(run)
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
        counts = _classify(run.province_code)
        outcome.created, outcome.updated = counts.created, counts.updated
        outcome.accounts_pending, outcome.unchanged = counts.accounts_pending, counts.unchanged
        phase("classify")
        if run.dry_run:
            outcome.status = ImportStatus.CHECKED
            return outcome
        if run.deadline:
            run.deadline.check()
        with transaction.atomic():
            _fast_session(run.deadline)
            entry_id = _audit_entry(run)
            apply = functools.partial(
                _apply, run.province_code, run.actor, run.today, entry_id=entry_id,
                job_id=run.job_id, record_changes=bool(outcome.updated), phase=phase)
            if not (outcome.created or outcome.updated or outcome.accounts_pending
                    or counts.accounts_withdrawn):
                pass  # the file says what the registry says: re-importing it changes nothing
            elif bulkload.worth_bulk_loading(outcome.created):
                with bulkload.indexes_dropped(phase):
                    apply()
            else:
                apply()
            _after_apply(run)
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
    deadline = run.deadline
    for item in pipeline.run(run.plan, workers=run.workers):
        if deadline is not None:
            deadline.check()
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


def _fast_session(deadline: Deadline | None = None) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            if deadline is not None:  # no statement of the transaction outlives the limit
                c.execute(f"SET LOCAL statement_timeout = {deadline.remaining_ms():d}")
            # The import is idempotent and re-runnable, so a crash losing the last commit is
            # harmless: no need to wait for the WAL flush at commit.
            c.execute("SET LOCAL synchronous_commit = off")
            c.execute(f"SET LOCAL work_mem = '{APPLY_WORK_MEM}'")


def _audit_entry(run: _Run) -> int:
    """Bulk path: one audit entry per import (counts and the file's SHA-256), not one per
    row; the rows it changes hang off it: ``ImportFieldChange`` (before/after of each
    changed field) and ``PendingAccountChange`` (proposed accounts)."""
    outcome = run.outcome
    entry = audit.record(
        run.actor, "beneficiary.import", "import_job",
        run.job_id if run.job_id is not None else outcome.sha256[:16],
        after={"file": run.path.name, **outcome.summary(), "province": run.province_code,
               "accept_valid": run.plan.accept_valid,
               "field_changes": "registry.ImportFieldChange",
               "account_changes": "registry.PendingAccountChange"})
    run.phase("audit")
    return int(entry.pk)


def _after_apply(run: _Run) -> None:
    refresh_anomalies(run.province_code, holder_names_done=run.plan.direct is not None)
    run.phase("refresh_anomalies")
