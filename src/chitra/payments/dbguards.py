# ruff: noqa: S608 - SQL built from this module's own table and column names only.
"""The reference checks the database runs in place of per-row foreign keys (DESIGN §8).

A compute inserts a million obligations and a million items, a status file a million events:
as foreign keys, each row queued a trigger that looked up (and locked) the row it names. The
guards below keep the same rules once per statement on PostgreSQL (a statement trigger reads
the statement's rows from a transition table) and per row on SQLite (the embedded scale):

- ``INSERT``: the new rows name rows that exist (one anti-join of the new rows);
- ``UPDATE``: a reference column never changes — run *after* the row update on PostgreSQL,
  which locks (and logs the lock of) every row an UPDATE touches as soon as the table has a
  BEFORE ROW UPDATE trigger, whatever its columns;
- ``DELETE`` (PostgreSQL only: SQLite, the embedded demo database, empties its tables by
  DELETE in any order when flushed): rows that other rows name cannot be deleted.

Unlike a foreign key, a check takes no row lock on the named row unless its guard says so:
cycles are locked ``FOR KEY SHARE``; benefits and obligations are serialized by an advisory
lock per referenced table, shared by inserts and exclusive for deletes (deleting them is
rare: a refused first load, a recompute). Events are only written for items of exported
cycles, and items only deleted by recomputing a cycle not yet approved: the two never meet.

:data:`GUARDS` is the one list; migrations install it by name (:func:`install`), and step
the SQLite triggers aside while SQLite rebuilds a table they are on or name
(:func:`aside_on_sqlite`). Installing is idempotent (drop if present, create): a changed
guard reaches existing databases by a new migration that puts it in place (:func:`replace`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

CYCLES, OBLIGATIONS, ITEMS = "payments_paymentcycle", "payments_obligation", "payments_paymentitem"
EVENTS, FILES, BENEFITS = "payments_statusevent", "payments_statusfile", "registry_benefit"


class Event(StrEnum):
    INSERT = "INSERT"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class Vendor(StrEnum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


@dataclass(frozen=True)
class Ref:
    """A new row's ``column`` names a row of ``target`` (``what`` in messages)."""

    column: str
    target: str
    what: str
    optional: bool = False  # NULL names nothing
    distinct: bool = False  # check each named row once (a statement's rows name a few)


@dataclass(frozen=True)
class NamedBy:
    """Rows of ``table`` name the guarded table's rows by ``column``; ``parts``: conditions
    on ``r`` whose union is every row, one per partial index that finds them."""

    table: str
    column: str
    parts: tuple[str, ...] = ("",)


@dataclass(frozen=True)
class Guard:
    name: str  # the trigger's name; its PostgreSQL function is chitra_<name>
    table: str  # the table it fires on
    event: Event
    checks: str  # what it refuses, in words
    refs: tuple[Ref, ...] = ()  # INSERT
    column: str = ""  # UPDATE: the column that never changes
    named_by: tuple[NamedBy, ...] = ()  # DELETE
    lock_rows: bool = False  # INSERT: lock the named rows FOR KEY SHARE, as a foreign key
    advisory: int | None = None  # advisory lock key: shared on INSERT, exclusive on DELETE
    on_sqlite: bool = True

    @property
    def function(self) -> str:
        return f"chitra_{self.name}"

    def on(self, vendor: str) -> bool:
        return vendor == Vendor.POSTGRESQL or (vendor == Vendor.SQLITE and self.on_sqlite)


def _refers(name: str, table: str, ref: Ref, **lock: Any) -> Guard:
    return Guard(name, table, Event.INSERT, f"a new {table} row names an existing {ref.what}",
                 refs=(ref,), **lock)


def _stays(name: str, table: str, column: str, what: str, on_sqlite: bool = True) -> Guard:
    return Guard(name, table, Event.UPDATE, f"the {what} of a {table} row never changes",
                 column=column, on_sqlite=on_sqlite)


def _in_use(name: str, table: str, *named_by: NamedBy, advisory: int | None = None) -> Guard:
    by = ", ".join(n.table for n in named_by)
    return Guard(name, table, Event.DELETE, f"a {table} row that {by} rows name stays",
                 named_by=named_by, advisory=advisory, on_sqlite=False)


_BENEFIT_LOCK, _OBLIGATION_LOCK = 7_401_001, 7_401_002

GUARDS: tuple[Guard, ...] = (
    # Status events (payments.0008): their item and status file.
    Guard("status_events_refer", EVENTS, Event.INSERT,
          "a new status event names an existing payment item and status file",
          refs=(Ref("item_id", ITEMS, "payment item"),
                Ref("source_file_id", FILES, "status file", optional=True, distinct=True))),
    _in_use("items_with_events_stay", ITEMS, NamedBy(EVENTS, "item_id")),
    _in_use("files_with_events_stay", FILES, NamedBy(EVENTS, "source_file_id")),
    # Obligations' and items' cycle (payments.0009). A statement's rows name one cycle:
    # checked once, not once per row (payments.0024) — each probe of the cycles' index read
    # the heap too (their rows change), 103 ms for 170 k rows after a year, 26 ms before.
    _refers("obligations_refer_to_cycles", OBLIGATIONS, Ref("cycle_id", CYCLES, "payment cycle",
                                                             distinct=True), lock_rows=True),
    _refers("items_refer_to_cycles", ITEMS, Ref("cycle_id", CYCLES, "payment cycle",
                                                 distinct=True), lock_rows=True),
    _stays("obligations_cycle_stays", OBLIGATIONS, "cycle_id", "payment cycle"),
    _stays("items_cycle_stays", ITEMS, "cycle_id", "payment cycle"),
    _in_use("cycles_in_use_stay", CYCLES, NamedBy(OBLIGATIONS, "cycle_id"),
            NamedBy(ITEMS, "cycle_id")),
    # An obligation's benefit (payments.0010). The benefit's guards are on a registry table
    # (named on registry.models.Benefit): registry never imports payments.
    _refers("obligations_refer_to_benefits", OBLIGATIONS, Ref("benefit_id", BENEFITS, "benefit"),
            advisory=_BENEFIT_LOCK),
    _stays("obligations_benefit_stays", OBLIGATIONS, "benefit_id", "benefit"),
    _in_use("benefits_in_use_stay", BENEFITS, NamedBy(OBLIGATIONS, "benefit_id"),
            advisory=_BENEFIT_LOCK),
    _stays("benefit_id_stays", BENEFITS, "id", "id", on_sqlite=False),
    # An item's obligation (payments.0010); items are found by obligation through two
    # partial indexes, live and closed (payments.0011).
    _refers("items_refer_to_obligations", ITEMS,
            Ref("obligation_id", OBLIGATIONS, "obligation"), advisory=_OBLIGATION_LOCK),
    _stays("items_obligation_stays", ITEMS, "obligation_id", "obligation"),
    _in_use("obligations_in_use_stay", OBLIGATIONS,
            NamedBy(ITEMS, "obligation_id", ("NOT r.closed", "r.closed")),
            advisory=_OBLIGATION_LOCK),
    _stays("obligation_id_stays", OBLIGATIONS, "id", "id", on_sqlite=False),
)
BY_NAME = {g.name: g for g in GUARDS}


# --- PostgreSQL ------------------------------------------------------------------------------

# A check looks up each row the statement names by its index: its cost grows with the
# statement, not with the history. Left to the planner — or under a compute in parts, which
# turns nested loops off for its own joins — it hashed the whole referenced table: December's
# items were checked against 41 M obligations (19 s), January's against 340 k.
PLAN = (("enable_nestloop", "on"), ("enable_hashjoin", "off"), ("enable_mergejoin", "off"))
PLAN_SETTINGS = " ".join(f"SET {name} = {value}" for name, value in PLAN)


def _raise_pg(message: str) -> str:
    return f"RAISE EXCEPTION '{message}' USING ERRCODE = 'foreign_key_violation';"


def _pg_body(g: Guard) -> str:
    lines: list[str] = []
    if g.event == Event.INSERT:
        if g.lock_rows:
            lines += [f"PERFORM 1 FROM {r.target} t WHERE t.id IN (SELECT DISTINCT {r.column} "
                      "FROM new_rows) FOR KEY SHARE;" for r in g.refs]
        if g.advisory is not None:
            lines.append(f"PERFORM pg_advisory_xact_lock_shared({g.advisory});")
        for r in g.refs:
            rows = (f"(SELECT DISTINCT {r.column} FROM new_rows WHERE {r.column} IS NOT NULL) n"
                    if r.distinct else "new_rows n")
            optional = f"n.{r.column} IS NOT NULL AND " if r.optional and not r.distinct else ""
            lines += [f"IF EXISTS (SELECT 1 FROM {rows} WHERE {optional}NOT EXISTS "
                      f"(SELECT 1 FROM {r.target} t WHERE t.id = n.{r.column})) THEN",
                      f"  {_raise_pg(f'{g.table} names an unknown {r.what}')}", "END IF;"]
        lines.append("RETURN NULL;")
    elif g.event == Event.UPDATE:
        lines.append(_raise_pg(f"the {g.column} of a {g.table} row never changes"))
    else:
        if g.advisory is not None:
            lines.append(f"PERFORM pg_advisory_xact_lock({g.advisory});")
        named = " OR ".join(f"EXISTS (SELECT 1 FROM gone g JOIN {n.table} r "
                            f"ON r.{n.column} = g.id{f' AND {part}' if part else ''})"
                            for n in g.named_by for part in n.parts)
        lines += [f"IF {named} THEN",
                  f"  {_raise_pg(f'{g.table} rows that other rows name cannot be deleted')}",
                  "END IF;", "RETURN NULL;"]
    body = "\n  ".join(lines)
    return (f"CREATE OR REPLACE FUNCTION {g.function}() RETURNS trigger LANGUAGE plpgsql "
            f"{PLAN_SETTINGS} AS $$\nBEGIN\n  {body}\nEND $$")


def _pg_trigger(g: Guard) -> str:
    if g.event == Event.INSERT:
        how = f"AFTER INSERT ON {g.table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    elif g.event == Event.UPDATE:
        how = (f"AFTER UPDATE OF {g.column} ON {g.table} FOR EACH ROW "
               f"WHEN (OLD.{g.column} IS DISTINCT FROM NEW.{g.column})")
    else:
        how = f"AFTER DELETE ON {g.table} REFERENCING OLD TABLE AS gone FOR EACH STATEMENT"
    return f"CREATE TRIGGER {g.name} {how} EXECUTE FUNCTION {g.function}()"


# --- SQLite ----------------------------------------------------------------------------------

def _sqlite_trigger(g: Guard) -> str:
    if g.event == Event.INSERT:
        missing = []
        for r in g.refs:
            test = f"NOT EXISTS (SELECT 1 FROM {r.target} WHERE id = NEW.{r.column})"
            missing.append(f"(NEW.{r.column} IS NOT NULL AND {test})" if r.optional else test)
        what = " or ".join(r.what for r in g.refs)
        return (f"CREATE TRIGGER {g.name} BEFORE INSERT ON {g.table} "
                f"WHEN {' OR '.join(missing)} "
                f"BEGIN SELECT RAISE(ABORT, '{g.table} names an unknown {what}'); END")
    if g.event == Event.UPDATE:
        return (f"CREATE TRIGGER {g.name} BEFORE UPDATE OF {g.column} ON {g.table} "
                f"WHEN OLD.{g.column} IS NOT NEW.{g.column} BEGIN SELECT RAISE(ABORT, "
                f"'the {g.column} of a {g.table} row never changes'); END")
    raise ValueError(f"{g.name}: no SQLite form for {g.event}")  # on_sqlite=False


# --- install and uninstall -------------------------------------------------------------------

def _chosen(vendor: str, names: Iterable[str] | None) -> list[Guard]:
    guards = GUARDS if names is None else [BY_NAME[n] for n in names]
    return [g for g in guards if g.on(vendor)]


def install_sql(vendor: str, names: Iterable[str] | None = None) -> list[str]:
    """Statements that (re)create the guards ``names`` (all by default) on ``vendor``."""
    guards = _chosen(vendor, names)
    out = uninstall_sql(vendor, [g.name for g in guards], functions=False)
    if vendor == Vendor.POSTGRESQL:
        return [*out, *(_pg_body(g) for g in guards), *(_pg_trigger(g) for g in guards)]
    return [*out, *(_sqlite_trigger(g) for g in guards)]


def uninstall_sql(vendor: str, names: Iterable[str] | None = None,
                  functions: bool = True) -> list[str]:
    """Statements that drop the guards ``names`` (all by default) where present."""
    guards = _chosen(vendor, names)
    if vendor == Vendor.POSTGRESQL:
        return [*(f"DROP TRIGGER IF EXISTS {g.name} ON {g.table}" for g in guards),
                *(f"DROP FUNCTION IF EXISTS {g.function}()" for g in guards if functions)]
    return [f"DROP TRIGGER IF EXISTS {g.name}" for g in guards]


Run = Callable[[Any, Any], None]


def _run(make: Callable[[str], list[str]], vendors: Iterable[str] = tuple(Vendor)) -> Run:
    """A ``RunPython`` function executing ``make(vendor)`` on the listed vendors."""
    only = set(vendors)

    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor in only:
            for sql in make(vendor):
                schema_editor.execute(sql)
    return run


def install(*names: str, vendors: Iterable[str] = tuple(Vendor)) -> tuple[Run, Run]:
    """(forward, backward) for ``RunPython``: install ``names``, and drop them going back."""
    vendors = tuple(vendors)
    return (_run(lambda v: install_sql(v, names), vendors),
            _run(lambda v: uninstall_sql(v, names), vendors))


def replace(*names: str, vendors: Iterable[str] = tuple(Vendor)) -> tuple[Run, Run]:
    """(forward, backward) for ``RunPython``: put the table's form of ``names`` in place of
    an older one; going back keeps it (the rules are the same)."""
    vendors = tuple(vendors)
    return _run(lambda v: install_sql(v, names), vendors), _run(lambda v: [], vendors)


def aside_on_sqlite(*names: str) -> tuple[tuple[Run, Run], tuple[Run, Run]]:
    """(before, after) ``RunPython`` pairs around operations that make SQLite rebuild a table:
    a rebuild drops the triggers on the table, and a trigger naming it refuses the rename."""
    drop = _run(lambda v: uninstall_sql(v, names), [Vendor.SQLITE])
    create = _run(lambda v: install_sql(v, names), [Vendor.SQLITE])
    return (drop, create), (create, drop)
