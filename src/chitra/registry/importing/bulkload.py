# ruff: noqa: S608 - SQL text is built from module constants and catalog names only.
"""Large registry loads on PostgreSQL: the "Populating a Database" recipe (manual §14.4).

Two pieces, both used by :mod:`chitra.registry.importing.run` inside its one transaction:

- :func:`indexes_dropped` drops the indexes, unique constraints and foreign keys of the three
  registry tables and rebuilds them at the end (one sort each instead of a million random
  B-tree inserts; one join per foreign key instead of one trigger per row).
- :class:`DirectLoad` is a first load of a province: the valid rows go by ``COPY`` straight
  into the registry tables while the file is still being validated, with ids given by the
  validation workers (``base + row number - 1``), instead of into a staging table applied
  afterwards. Only when the province has nobody yet, so every row is new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from django.db import IntegrityError, connection, transaction

from chitra.registry.importing.pipeline import DIRECT_COLUMNS, DirectRows

BULK_TABLES = ("registry_beneficiary", "registry_benefit", "registry_paymentaccount")
BULK_MIN_ROWS = 100_000
Phase = Callable[[str], None]


def worth_bulk_loading(new_rows: int) -> bool:
    """Whether ``new_rows`` new beneficiaries at least double a table of ≥ BULK_MIN_ROWS
    (a first load, a migration): only then is dropping the indexes cheaper than keeping them,
    and only then is locking the tables for the whole load acceptable."""
    if connection.vendor != "postgresql" or new_rows < BULK_MIN_ROWS:
        return False
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(SUM(GREATEST(reltuples, 0)), 0) FROM pg_class "
                  "WHERE relname = %s", [BULK_TABLES[0]])
        existing = float(c.fetchone()[0])
    return new_rows >= existing


class Dropped:
    """The indexes and constraints :func:`indexes_dropped` took off, to be rebuilt."""

    def __init__(self, indexes: list[tuple[str, str]],
                 constraints: list[tuple[str, str, str, str]]) -> None:
        self.indexes = indexes  # (name, CREATE INDEX …)
        self.constraints = constraints  # (table, name, definition, contype)

    def restore_unique(self, table: str, column: str) -> bool:
        """Rebuild now the unique constraint on ``table`` (``column``) alone; False (and
        still dropped) if the rows hold a duplicate. One sort, where a GROUP BY looking for
        duplicates would cost as much and the rebuild would follow anyway."""
        for k, (t, name, definition, contype) in enumerate(self.constraints):
            if t == table and contype == "u" and definition == f"UNIQUE ({column})":
                try:
                    with transaction.atomic(), connection.cursor() as c:
                        c.execute(f'ALTER TABLE "{t}" ADD CONSTRAINT "{name}" {definition}')
                except IntegrityError:
                    return False
                del self.constraints[k]
                return True
        return False


@contextmanager
def indexes_dropped(phase: Phase) -> Iterator[Dropped]:
    """Drop, yield, rebuild — inside the caller's transaction (the DDL is transactional, so a
    failure restores everything; a rolled-back block skips the rebuild).

    Definitions are read from the catalog (``pg_get_indexdef`` / ``pg_get_constraintdef``),
    so they come back exactly as migrations made them. Uniqueness is still enforced before
    commit: rebuilding a unique index or constraint fails on any duplicate, which rolls the
    whole import back. Takes an ACCESS EXCLUSIVE lock on the tables until commit.

    Primary keys stay: other tables' foreign keys point at them. Even the indexes whose keys
    a direct load appends in order go: the cores are busy validating the file, and upkeep
    row by row costs them more than one sort at the end (≈ 3 s against 1 s at 1M rows).
    """
    with connection.cursor() as c:
        # Indexes that back no constraint (unique-constraint indexes go with the constraint).
        c.execute("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisprimary
              AND t.relnamespace = 'public'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                              AND k.contype IN ('p', 'u', 'x'))
            ORDER BY i.indisunique DESC
        """, [list(BULK_TABLES)])
        indexes = c.fetchall()
        c.execute("""
            SELECT t.relname, con.conname, pg_get_constraintdef(con.oid), con.contype
            FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid
            WHERE t.relname = ANY(%s) AND con.contype IN ('f', 'u')
              AND t.relnamespace = 'public'::regnamespace
            ORDER BY con.contype DESC
        """, [list(BULK_TABLES)])
        # unique ones first (re-added first), then foreign keys
        dropped = Dropped(indexes, c.fetchall())
        for table, name, _, _ in reversed(dropped.constraints):
            c.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            c.execute(f"DROP INDEX {name}")
    phase("bulk: drop indexes+FKs")
    yield dropped
    if transaction.get_rollback():
        return
    with connection.cursor() as c:
        c.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in dropped.indexes:
            c.execute(definition)
            phase(f"bulk: index {name[-30:]}")
        for table, name, definition, _ in dropped.constraints:
            c.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            phase(f"bulk: constraint {name[-30:]}")
        for table in BULK_TABLES:
            c.execute(f'ANALYZE "{table}"')
        phase("bulk: analyze")


def repeated_rows(table: str, row_expr: str, where: str = "1 = 1",
                  params: tuple[int, ...] = ()) -> list[tuple[str, list[int]]]:
    """Personal IDs on more than one row of ``table`` (filtered by ``where``), each with its
    row numbers (``row_expr``) in order: one GROUP BY in the database, no set in memory."""
    with transaction.atomic(), connection.cursor() as c:
        if connection.vendor == "postgresql":  # the GROUP BY of a million IDs in memory
            c.execute("SET LOCAL work_mem = '128MB'")
        c.execute(f"""
            SELECT citizen_id, {row_expr} FROM {table}
            WHERE {where} AND citizen_id IN (
                SELECT citizen_id FROM {table} WHERE {where}
                GROUP BY citizen_id HAVING COUNT(*) > 1)
            ORDER BY 1, 2
        """, params + params)
        groups: dict[str, list[int]] = {}
        for cid, row_no in c.fetchall():
            groups.setdefault(str(cid), []).append(int(row_no))
    return list(groups.items())


def province_is_empty(province: str) -> bool:
    with connection.cursor() as c:
        c.execute("SELECT NOT EXISTS (SELECT 1 FROM registry_beneficiary "
                  "WHERE province_code = %s)", [province])
        return bool(c.fetchone()[0])


class DirectLoad:
    """The rows of a first load, written by ``COPY`` into the registry tables.

    Call :meth:`begin` inside the transaction (after :func:`indexes_dropped`, which holds
    the ACCESS EXCLUSIVE locks). Rows are identified by their row number in the file, so
    a row found invalid after loading (a personal ID repeated in the file, one registered in
    another province) can be taken out again.
    """

    def __init__(self, *, province: str, actor: str, today: date, now: datetime,
                 max_row_no: int, dropped: Dropped) -> None:
        self.province, self.actor, self.today, self.now = province, actor, today, now
        self.dropped = dropped
        self.max_row_no = max_row_no  # an upper bound of the file's row numbers
        self.bases: dict[str, int] = {}
        self._saved_defaults: dict[str, dict[str, str | None]] = {}  # table: column: expr

    def begin(self) -> DirectRows:
        """Reserve an id range per table past every id in use or handed out. Every insert
        into these tables waits for our lock before it draws an id, so nobody else gets one
        of ours; :meth:`finish` moves the sequences back down to the ids really used."""
        with connection.cursor() as c:
            c.execute("LOCK TABLE " + ", ".join(BULK_TABLES) + " IN ACCESS EXCLUSIVE MODE")
            for table in BULK_TABLES:
                c.execute(f"""
                    SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}),
                                    nextval(pg_get_serial_sequence(%s, 'id')))
                """, [table])
                base = int(c.fetchone()[0])
                c.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                          [table, base + self.max_row_no])
                self.bases[table] = base
        self._set_defaults(self.constants())
        return DirectRows(
            beneficiary_base=self.bases["registry_beneficiary"],
            benefit_base=self.bases["registry_benefit"],
            account_base=self.bases["registry_paymentaccount"],
            now=self.now.isoformat())

    def constants(self) -> dict[str, dict[str, str]]:
        """The columns every row of the load has the same value in, by table: the COPY
        lines leave them out (:class:`DirectRows`) and take them as column defaults."""
        now = self.now.isoformat()
        return {
            "registry_beneficiary": {"province_code": self.province, "status": "active",
                                     "status_reason": "", "created_at": now,
                                     "updated_at": now},
            "registry_benefit": {"sub_kind": "", "status": "active"},
            "registry_paymentaccount": {"valid_from": self.today.isoformat(),
                                        "closed_reason": "", "created_by": self.actor,
                                        "approved_by": "", "created_at": now},
        }

    def _set_defaults(self, defaults: dict[str, dict[str, str]]) -> None:
        """Make ``defaults`` the columns' defaults until :meth:`finish` puts back what the
        catalog had (a rollback undoes them with the rest: the DDL is transactional)."""
        with connection.cursor() as c:
            for table, values in defaults.items():
                c.execute("""
                    SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a
                    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE a.attrelid = %s::regclass AND a.attname = ANY(%s)
                """, [table, list(values)])
                self._saved_defaults[table] = dict(c.fetchall())
                c.execute(f'ALTER TABLE "{table}" ' + ", ".join(
                    f'ALTER COLUMN "{column}" SET DEFAULT %s' for column in values),
                    list(values.values()))

    def _restore_defaults(self) -> None:
        with connection.cursor() as c:
            for table, saved in self._saved_defaults.items():
                c.execute(f'ALTER TABLE "{table}" ' + ", ".join(
                    f'ALTER COLUMN "{column}" DROP DEFAULT' if expr is None
                    else f'ALTER COLUMN "{column}" SET DEFAULT {expr}'
                    for column, expr in saved.items()))
            self._saved_defaults.clear()

    def add(self, rows: tuple[bytes, bytes, bytes, bytes], count: int) -> None:
        with connection.cursor() as c:
            for (table, columns), text in zip(DIRECT_COLUMNS.items(), rows, strict=True):
                if text:  # (anomaly lines are few)
                    with c.cursor.copy(
                            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(text)

    def _ids(self, table: str, row_numbers: Iterable[int]) -> list[int]:
        base = self.bases[table]
        return [base + r - 1 for r in sorted(set(row_numbers))]

    def delete_rows(self, row_numbers: Iterable[int]) -> None:
        numbers = list(row_numbers)
        with connection.cursor() as c:
            c.execute("DELETE FROM registry_anomaly WHERE beneficiary_id = ANY(%s)",
                      [self._ids(BULK_TABLES[0], numbers)])
            for table in reversed(BULK_TABLES):  # accounts and benefits before people
                c.execute(f"DELETE FROM {table} WHERE id = ANY(%s)",
                          [self._ids(table, numbers)])
            # The deletes queued the deferred foreign-key checks of the tables that point
            # here; run them now, as the index rebuild refuses tables with pending events.
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            c.execute("SET CONSTRAINTS ALL DEFERRED")

    def repeated_rows(self) -> list[tuple[str, list[int]]]:
        # The unique index builds: no personal ID is on two rows, here or anywhere.
        if self.dropped.restore_unique("registry_beneficiary", "citizen_id"):
            return []
        base = self.bases["registry_beneficiary"]
        return repeated_rows("registry_beneficiary", f"id - {base:d} + 1", "id > %s", (base,))

    def other_province_rows(self) -> list[tuple[int, str]]:
        """(row, personal ID) of loaded rows whose person is registered elsewhere."""
        base = self.bases["registry_beneficiary"]
        with connection.cursor() as c:
            c.execute("""
                SELECT n.id - %s + 1, n.citizen_id FROM registry_beneficiary n
                JOIN registry_beneficiary o ON o.citizen_id = n.citizen_id AND o.id <= %s
                WHERE n.id > %s ORDER BY n.id
            """, [base, base, base])
            return [(int(r), str(cid)) for r, cid in c.fetchall()]

    def created(self) -> int:
        with connection.cursor() as c:
            c.execute("SELECT COUNT(*) FROM registry_beneficiary WHERE id > %s",
                      [self.bases["registry_beneficiary"]])
            return int(c.fetchone()[0])

    def release(self) -> None:
        """Give the reserved ids back before a rollback (sequences are not transactional)."""
        with connection.cursor() as c:
            for table in BULK_TABLES:
                c.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                          [table, self.bases[table]])

    def finish(self) -> None:
        """The columns' own defaults back; sequences to the highest id now in each table
        (ours are the highest)."""
        self._restore_defaults()
        with connection.cursor() as c:
            for table in BULK_TABLES:
                c.execute(f"""
                    SELECT setval(pg_get_serial_sequence(%s, 'id'),
                                  GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), %s))
                """, [table, self.bases[table]])
