# ruff: noqa: S608 - table names come from model metadata; values are parameters.
"""Status lines in the database: staged, checked and applied set-based (DESIGN §5, §8).

A file's lines go into a temporary table (``COPY`` on PostgreSQL). One join with the items,
their cycles and files then gives each line its item, its first problem and what it does —
:func:`~chitra.payments.status.transitions.next_status`, evaluated in Python for every (status,
code) pair of the file and written into the query — into a second table, the *steps*.
Applying is one statement per table, from the steps. An item named twice in one file needs
its lines in file order, each from the state the one before left: those few are decided in
Python.

Every line ends in one of three places: it *applies* (moves its item, or is recorded as
changing nothing: one status event each); it is *set aside* as not ours (an id no item of the
user's scope has, a status this kind of file may not carry, a line without the amount it
must state — :data:`SET_ASIDE`); or it is *held* for a person, about one of our items but
unable to apply by itself (a contradiction, a return of what was never paid, an amount that
differs… — one :class:`~chitra.payments.models.StatusException` each). Set-aside and held
lines change nothing; the rest of the file applies. A few rejections apply *and* are held
(a duplicate, a post office's report of a death: ``APPLIED_AND_HELD``).

Everything runs inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection

from chitra.payments import ids
from chitra.payments.errors import PaymentError
from chitra.payments.iso20022.text import DETAIL_MAX
from chitra.payments.models import (
    ExceptionState,
    ItemStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    StatusEvent,
    StatusException,
    current_status_sql,
)
from chitra.payments.status.read import CAMT054, INFO_ONLY, Line, Parsed, Staged, rows
from chitra.payments.status.transitions import (
    APPLIED_AND_HELD,
    RECORDED,
    Outcome,
    comes_from,
    needs_amount,
    next_status,
)

LINES, STEPS = "chitra_status_line", "chitra_status_step"
_COLUMNS = ("n, line_no, e2e, item_id, code, reason, amount, msg_id, grp, detail, entry_no, "
            "entry_total")
_CHUNK = 10_000
# Problems of a line that is not about one of our items (in the user's scope): set aside.
UNKNOWN_ID, NOT_FROM_SOURCE, AMOUNT_MISSING, INFORMATION_ONLY = (
    "unknown_end_to_end_id", "status_not_from_source", "amount_missing", "information_only")
SET_ASIDE = (UNKNOWN_ID, NOT_FROM_SOURCE, AMOUNT_MISSING, INFORMATION_ONLY)
# Problems of a line about one of our items that hold it (as do the outcomes not RECORDED).
WRONG_FILE, AMOUNT_DIFFERS = "msg_id_mismatch", "amount_mismatch"
MAX_SET_ASIDE_KEPT = 1000


def _t(model: Any) -> str:
    return str(model._meta.db_table)


# A file names a small part of the items, each by primary key: probing the
# index per line beats reading the whole table, which PostgreSQL's default costs prefer once
# a file has a few thousand lines (and which grows with every month of history). Compiling
# the statements (JIT) costs more than the few comparisons per line it would speed up.
_PROBE_BY_KEY = ("enable_hashjoin", "enable_mergejoin", "jit")


@contextmanager
def staging() -> Iterator[None]:
    """The staging tables (and planner settings) for one file, inside a transaction.

    An exception leaves the cleanup to the rollback, which undoes both."""
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {LINES}")
        cur.execute(f"DROP TABLE IF EXISTS {STEPS}")
        cur.execute(f"CREATE TEMP TABLE {LINES} (n integer, line_no integer, e2e text, "
                    "item_id bigint, code text, reason text, amount bigint, msg_id text, "
                    "grp boolean, detail text, entry_no integer, entry_total bigint)")
        saved: list[str] = []
        if connection.vendor == "postgresql":
            cur.execute(f"SELECT {', '.join('current_setting(%s)' for _ in _PROBE_BY_KEY)}",
                        _PROBE_BY_KEY)
            saved = list(cur.fetchone())
            for name in _PROBE_BY_KEY:
                cur.execute("SELECT set_config(%s, 'off', true)", [name])
    yield
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE {LINES}")
        cur.execute(f"DROP TABLE IF EXISTS {STEPS}")
        for name, value in zip(_PROBE_BY_KEY, saved, strict=False):
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])


def load(lines: Iterable[Line]) -> Staged:
    """Stage the lines of a file, streaming.

    A group line (a group/payment status with no transaction lines) is kept aside: it names
    every item of its file, which :func:`expand_groups` adds once its msg id is known good.
    """
    staged = Staged()
    staging_rows = rows(lines, staged)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {LINES} ({_COLUMNS}) FROM STDIN") as copy:
                for row in staging_rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {LINES} ({_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"
            while chunk := list(islice(staging_rows, _CHUNK)):
                cur.executemany(sql, chunk)
    return staged


def load_copy(parsed: Parsed) -> Staged:
    """Stage a file read ahead (:func:`~chitra.payments.status.read.read_for_copy`)."""
    with connection.cursor() as cur, cur.cursor.copy(
            f"COPY {LINES} ({_COLUMNS}) FROM STDIN") as copy:
        copy.write(parsed.copy)
    return parsed.staged


def lines_naming(msg_ids: Iterable[str]) -> list[tuple[int | None, str]]:
    """(line, msg id) of the staged lines that name one of ``msg_ids``, in file order."""
    wanted = list(msg_ids)
    with connection.cursor() as cur:
        cur.execute(f"SELECT line_no, msg_id FROM {LINES} WHERE msg_id IN "
                    f"({', '.join(['%s'] * len(wanted))}) ORDER BY n", wanted)
        return list(cur.fetchall())


def expand_groups(staged: Staged, files: dict[str, PaymentFile]) -> None:
    """Add one line per item of the file of each group line that no transaction line of
    the file names, after the file's own lines; each carries the group's detail."""
    n = staged.lines
    with connection.cursor() as cur:
        for msg_id, code, reason, detail in staged.groups:
            pf = files[msg_id]
            # An anti-join: the staging table has no index, NOT IN would rescan it per item.
            named = (f"AND NOT EXISTS (SELECT 1 FROM {LINES} s WHERE s.msg_id = %s "
                     "AND s.item_id = p.id)") if staged.msg_ids.get(msg_id) else ""
            cur.execute(
                f"INSERT INTO {LINES} ({_COLUMNS}) "
                "SELECT %s + ROW_NUMBER() OVER (ORDER BY p.id), NULL, %s, p.id, %s, %s, NULL, "
                f"%s, TRUE, %s, NULL, NULL FROM {_t(PaymentItem)} p WHERE p.cycle_id = %s "
                "AND p.provider_id = %s "
                f"AND p.id BETWEEN %s AND %s {named}",
                [n, f"*{msg_id}", code, reason, msg_id, detail[:DETAIL_MAX], pf.cycle_id,
                 pf.provider_id, pf.first_item_id, pf.last_item_id,
                 *([msg_id] if named else [])])
            n += cur.rowcount
            staged.codes.add(code)
    # Files do not overlap, and a group line skips the items its file's transaction lines
    # name (a line about one of them naming another msg id is held): no item gets two
    # valid lines here.


def _end_to_end_sql() -> str:
    """The SQL twin of :func:`chitra.payments.ids.end_to_end_id` for item ``i`` of cycle ``c``."""
    prefix, width = ids.E2E_PREFIX, ids.E2E_ITEM_WIDTH
    if connection.vendor == "postgresql":
        return f"'{prefix}' || to_char(c.period, 'YYYYMM') || lpad(i.id::text, {width}, '0')"
    return f"'{prefix}' || strftime('%%Y%%m', c.period) || printf('%%0{width}d', i.id)"


def _case(table: dict[str, list[tuple[str, str]]]) -> tuple[str, list[str]]:
    """``CASE x.code WHEN … THEN CASE x.from_status WHEN … THEN …`` for {code: [(status,
    value)]}; NULL where the table has nothing."""
    if not table:
        return "NULL", []
    sql, params = ["CASE x.code"], []
    for code, pairs in table.items():
        sql.append(f"WHEN %s THEN CASE x.from_status {' '.join(['WHEN %s THEN %s'] * len(pairs))}"
                   " END")
        params += [code, *(v for pair in pairs for v in pair)]
    return " ".join([*sql, "END"]), params


def in_files_of_provider_sql() -> str:
    """Item ``i`` is a provider's (the parameter) and went out in one of its files (a part
    of :meth:`chitra.payments.status.scope.StatusScope.items_sql`)."""
    return (f"i.provider_id = %s AND EXISTS (SELECT 1 FROM {_t(PaymentFile)} f "
            "WHERE f.cycle_id = i.cycle_id AND f.provider_id = i.provider_id "
            "AND i.id BETWEEN f.first_item_id AND f.last_item_id)")


def _row_of(alias: str) -> str:
    """Where a row is: PostgreSQL's ctid, so an update finds it again without an index
    probe (a row changed meanwhile has moved, and is not found); else the id."""
    return f"{alias}.ctid" if connection.vendor == "postgresql" else f"{alias}.id"


@dataclass(frozen=True)
class Decided:
    """The steps, counted in one pass: what the later statements need to know."""

    steps: int
    moved: int  # lines that move their item
    last: int  # items moved (an item's last move in the file)
    held: int  # lines held for a person (exceptions)
    set_aside: int  # lines not about our items
    rejecting: int  # lines that reject or return their item
    cycles: list[int]  # of the lines applied or held
    flagged: int = 0  # lines that apply and are held too (APPLIED_AND_HELD: among moved)

    @property
    def unchanged(self) -> int:
        return self.steps - self.moved - self.held - self.set_aside


def decide(scope_sql: str, scope_params: list[Any], staged: Staged,
           files: dict[str, PaymentFile], source: str) -> Decided:
    """Give every staged line its item, first problem and decision (the steps table).

    ``scope_sql`` is a condition on the item ``i`` and its cycle ``c`` that holds when the
    user may report on the item (:mod:`chitra.payments.status.scope`); a line about an item
    outside it is set aside exactly as one about an item that does not exist. ``files``: the
    payment files the lines' msg ids name, those in the user's scope only. ``source``: the
    kind of file (a :class:`~chitra.payments.models.StatusSource` value).
    """
    current = current_status_sql("i.status", "c.sent_at")  # inline: one CASE per line
    # next_status for every (status, code) pair of the file, as CASEs on the code, then on
    # the status: a few comparisons per line, cheaper than a join.
    outcomes: dict[str, list[tuple[str, str]]] = {}
    moves: dict[str, list[tuple[str, str]]] = {}
    for code in sorted(staged.codes):
        for status in ItemStatus:
            d = next_status(status, code)
            outcomes.setdefault(code, []).append((status.value, d.outcome.value))
            if d.to is not None:
                moves.setdefault(code, []).append((status.value, d.to.value))
    outcome_sql, outcome_params = _case(outcomes)
    to_sql, to_params = _case(moves)
    named_sql, named_params = _named_files(files)
    rules_sql, rules_params = _rules(source, staged.codes)
    with connection.cursor() as cur:
        # A line with a problem neither moves nor counts as a move: its to_status, outcome
        # and last stay empty.
        cur.execute(f"""
            CREATE TEMP TABLE {STEPS} AS
            SELECT x.*, CASE WHEN x.problem IS NULL THEN {to_sql} END AS to_status,
                   CASE WHEN x.problem IS NULL THEN {outcome_sql} END AS outcome,
                   x.problem IS NULL AND {to_sql} IS NOT NULL AS last
            FROM (SELECT s.n, s.line_no, s.e2e, s.code, s.reason, s.amount, s.msg_id,
                   s.detail, s.entry_no, s.entry_total,
                   i.id AS item_id, {_row_of("i")} AS item_row, i.cycle_id,
                   i.amount AS item_amount, i.status AS stored, {current} AS from_status,
                   CASE {rules_sql}
                        WHEN i.id IS NULL OR (NOT s.grp AND (c.sent_at IS NULL
                                                   OR {_end_to_end_sql()} <> s.e2e))
                             OR NOT COALESCE({scope_sql}, FALSE)
                          THEN '{UNKNOWN_ID}'
                        WHEN s.msg_id IS NOT NULL AND NOT COALESCE(
                               f.cycle_id = i.cycle_id AND f.provider_id = i.provider_id
                               AND i.id BETWEEN f.first_item_id AND f.last_item_id, FALSE)
                          THEN '{WRONG_FILE}'
                        WHEN s.amount IS NOT NULL AND s.amount <> i.amount
                          THEN '{AMOUNT_DIFFERS}'
                   END AS problem
            FROM {LINES} s
            LEFT JOIN {_t(PaymentItem)} i ON i.id = s.item_id
            LEFT JOIN {_t(PaymentCycle)} c ON c.id = i.cycle_id
            LEFT JOIN {named_sql} f ON f.msg_id = s.msg_id) x""",
                    [*to_params, *outcome_params, *to_params, *rules_params, *scope_params,
                     *named_params])
        if source == CAMT054:
            _check_entries(cur)
        if not staged.ordered:
            _decide_repeated(cur)
        return _count(cur)


def _check_entries(cur: Any) -> None:
    """A batch entry of a camt.054 whose transactions state no amount of their own: its
    lines about our items take the entry's amount when it is the sum of those items', else
    each is held (the amount differs)."""
    cur.execute(f"""UPDATE {STEPS} SET problem = %s, to_status = NULL, outcome = NULL,
                           last = FALSE
                    WHERE problem IS NULL AND entry_no IN (
                        SELECT entry_no FROM {STEPS} WHERE entry_no IS NOT NULL
                        AND problem IS NULL GROUP BY entry_no
                        HAVING SUM(item_amount) <> MAX(entry_total))""", [AMOUNT_DIFFERS])


def _rules(source: str, codes: Iterable[str]) -> tuple[str, list[Any]]:
    """``WHEN …`` branches (or nothing) for the lines the kind of file may not carry: a
    status from the wrong kind of file (a return in a pain.002), a line without the amount
    it must state (a line of a batch entry has the entry's). Found before the item is looked
    up: they say nothing about it."""
    sql: list[str] = []
    params: list[Any] = []
    if source == CAMT054 and INFO_ONLY in codes:  # says nothing about a payment's status
        sql.append(f"WHEN s.code = %s THEN '{INFORMATION_ONLY}'")
        params.append(INFO_ONLY)
    foreign = sorted(c for c in codes if not comes_from(source, c))
    if foreign:
        sql.append(f"WHEN s.code IN ({', '.join(['%s'] * len(foreign))}) "
                   f"THEN '{NOT_FROM_SOURCE}'")
        params += foreign
    priced = sorted(c for c in codes if needs_amount(source, c))
    if priced:
        sql.append("WHEN s.amount IS NULL AND s.entry_no IS NULL AND s.code IN "
                   f"({', '.join(['%s'] * len(priced))}) THEN '{AMOUNT_MISSING}'")
        params += priced
    return " ".join(sql), params


def _held_sql() -> tuple[str, list[str]]:
    """The condition on a step that holds its line for a person."""
    return (f"(problem IN (%s, %s) OR outcome NOT IN ({', '.join(['%s'] * len(RECORDED))}))",
            [WRONG_FILE, AMOUNT_DIFFERS, *(o.value for o in RECORDED)])


def _flagged_sql() -> tuple[str, list[str]]:
    """The condition on a step that applies and is held too: a rejection whose reason a
    person must look at (APPLIED_AND_HELD), once it moves its item."""
    reasons = sorted(APPLIED_AND_HELD)
    return (f"(problem IS NULL AND outcome = %s AND to_status = %s AND reason IN "
            f"({', '.join(['%s'] * len(reasons))}))",
            [Outcome.APPLY.value, ItemStatus.REJECTED.value, *reasons])


def _aside_sql() -> tuple[str, list[str]]:
    return f"problem IN ({', '.join(['%s'] * len(SET_ASIDE))})", list(SET_ASIDE)


def _count(cur: Any) -> Decided:
    held, held_params = _held_sql()
    aside, aside_params = _aside_sql()
    flagged, flagged_params = _flagged_sql()
    # A set-aside line's item is none of the user's business: its cycle does not count.
    cur.execute(f"""SELECT CASE WHEN {aside} THEN NULL ELSE cycle_id END, COUNT(*),
                           COUNT(to_status), COUNT(CASE WHEN last THEN 1 END),
                           COUNT(CASE WHEN {held} THEN 1 END),
                           COUNT(CASE WHEN {aside} THEN 1 END),
                           COUNT(CASE WHEN to_status IN (%s, %s) THEN 1 END),
                           COUNT(CASE WHEN {flagged} THEN 1 END)
                    FROM {STEPS} GROUP BY 1""",
                [*aside_params, *held_params, *aside_params, ItemStatus.REJECTED.value,
                 ItemStatus.RETURNED.value, *flagged_params])
    per_cycle = cur.fetchall()
    steps, moved, last, held_n, aside_n, rejecting, flagged_n = (
        sum(r[k] for r in per_cycle) for k in range(1, 8))
    return Decided(steps, moved, last, held_n, aside_n, rejecting,
                   cycles=[r[0] for r in per_cycle if r[0] is not None], flagged=flagged_n)


def _named_files(files: dict[str, PaymentFile]) -> tuple[str, list[Any]]:
    """The few files the lines name, as a table ``(msg_id, cycle_id, provider_id,
    first_item_id, last_item_id)``: a line's own file found without a lookup per line."""
    columns = ("msg_id", "cycle_id", "provider_id", "first_item_id", "last_item_id")
    casts = ("CAST(%s AS text)", *["CAST(%s AS bigint)"] * 4)
    first = "SELECT " + ", ".join(f"{v} AS {c}" for v, c in zip(casts, columns, strict=True))
    if not files:
        return f"({first} WHERE 1 = 0)", [None] * len(columns)
    rest = f" UNION ALL SELECT {', '.join(casts)}" * (len(files) - 1)
    params = [v for pf in files.values()
              for v in (pf.msg_id, pf.cycle_id, pf.provider_id, pf.first_item_id,
                        pf.last_item_id)]
    return f"({first}{rest})", params


def _decide_repeated(cur: Any) -> None:
    """Lines of an item named more than once: in file order, each from the state the
    previous valid line left (a line set aside or held changes nothing)."""
    cur.execute(f"""SELECT n, item_id, code, from_status, problem FROM (
                        SELECT *, COUNT(*) OVER (PARTITION BY item_id) AS times FROM {STEPS}
                    ) x WHERE item_id IS NOT NULL AND times > 1 ORDER BY n""")
    state: dict[int, str] = {}
    decided: dict[int, list[Any]] = {}
    last: dict[int, int] = {}
    for n, item_id, code, start, problem in cur.fetchall():
        if problem is not None:
            continue
        current = state.get(item_id, start)
        d = next_status(current, code)
        decided[n] = [n, current, d.to.value if d.to else None, d.outcome.value, False]
        if d.to is not None:
            state[item_id] = d.to.value
            last[item_id] = n
    for n in last.values():
        decided[n][4] = True
    rows = list(decided.values())
    if rows:  # each update below finds its line by n
        cur.execute(f"CREATE INDEX {STEPS}_n ON {STEPS} (n)")
    for k in range(0, len(rows), 1000):
        chunk = rows[k:k + 1000]
        cur.execute(
            f"WITH v (n, from_status, to_status, outcome, last) AS (VALUES "
            f"{', '.join(['(%s, %s, %s, %s, %s)'] * len(chunk))}) "
            f"UPDATE {STEPS} SET from_status = v.from_status, to_status = v.to_status, "
            f"outcome = v.outcome, last = v.last FROM v WHERE {STEPS}.n = v.n",
            [x for row in chunk for x in row])


def set_aside(decided: Decided) -> list[tuple[Any, ...]]:
    """The first lines set aside, in file order: (line, EndToEndId, code, detail, problem).
    Nothing of the item: a line set aside never shows whether it exists."""
    if not decided.set_aside:
        return []
    aside, params = _aside_sql()
    with connection.cursor() as cur:
        cur.execute(f"""SELECT line_no, e2e, code, detail, problem FROM {STEPS}
                        WHERE {aside} ORDER BY n LIMIT {MAX_SET_ASIDE_KEPT:d}""", params)
        return list(cur.fetchall())


def apply(source_file_id: int, now: datetime, follow_up_reasons: Iterable[str],
          staged: Staged, decided: Decided) -> list[tuple[int, str]]:
    """Move the items, record one event per line applied and one exception per line held;
    (item id, reason) of the items rejected or returned for one of ``follow_up_reasons``, in
    file order."""
    items, events = _t(PaymentItem), _t(StatusEvent)
    with connection.cursor() as cur:
        # ``stored`` guards against a change since the lines were checked.
        cur.execute(f"""UPDATE {items} AS i SET status = s.to_status, reason_code = s.reason,
                               status_changed_at = %s
                        FROM {STEPS} s WHERE {_row_of("i")} = s.item_row AND s.last
                        AND i.status = s.stored""", [now])
        if cur.rowcount != decided.last:  # another upload moved some since the check
            raise PaymentError(
                "items_changed",
                "Trạng thái một số giao dịch vừa thay đổi trong lúc nhận tệp; không có gì được "
                "ghi nhận. Hãy nhận lại tệp.",
                "Some items changed while the file was being applied; nothing was recorded. "
                "Ingest the file again.")
        recorded = [o.value for o in RECORDED]
        cur.execute(f"""INSERT INTO {events} (item_id, source_file_id, iso_status, reason_code,
                               from_status, to_status, is_exception, resolved_by, detail, at)
                        SELECT item_id, %s, code, reason, from_status,
                               COALESCE(to_status, from_status), FALSE, '',
                               SUBSTR(COALESCE(detail, ''), 1, {DETAIL_MAX:d}), %s
                        FROM {STEPS} WHERE problem IS NULL AND outcome IN (%s, %s)
                        {"" if staged.ordered else "ORDER BY n"}""",
                    [source_file_id, now, *recorded])  # in file order (unless redecided)
        # (An obligation's status follows from its items: nothing to write there.)
        if decided.held or decided.flagged:
            _hold(cur, source_file_id, now)
        reasons = sorted(set(follow_up_reasons))
        if not decided.rejecting or not reasons:
            return []
        cur.execute(f"""SELECT item_id, reason FROM {STEPS}
                        WHERE to_status IN (%s, %s) AND reason IN
                        ({', '.join(['%s'] * len(reasons))}) ORDER BY n""",
                    [ItemStatus.REJECTED.value, ItemStatus.RETURNED.value, *reasons])
        return list(cur.fetchall())


def _hold(cur: Any, source_file_id: int, now: datetime) -> None:
    """One open exception per line held, its kind the problem or the outcome (their values
    are the kinds'), and per line applied and held too, its kind by its reason. A line of a
    batch entry states the entry's amount, in its detail. ``item_status``: the item's
    status from which the line can be resolved — before a held line, after an applied one."""
    held, params = _held_sql()
    flagged, flagged_params = _flagged_sql()
    kinds = sorted(APPLIED_AND_HELD.items())
    kind_sql = " ".join(["WHEN %s THEN %s"] * len(kinds))
    cur.execute(f"""INSERT INTO {_t(StatusException)} (status_file_id, item_id, line_no,
                           iso_status, reason_code, detail, amount, item_status, kind, state,
                           resolution, note, proposed_by, resolved_by, received_at)
                    SELECT %s, item_id, line_no, SUBSTR(code, 1, 20), SUBSTR(reason, 1, 8),
                           SUBSTR(CASE WHEN entry_no IS NULL THEN COALESCE(detail, '')
                                       ELSE 'Ntry ' || entry_no || ' Amt ' || entry_total
                                            || ' ' || COALESCE(detail, '') END,
                                  1, {DETAIL_MAX:d}),
                           amount, CASE WHEN {flagged} THEN to_status ELSE from_status END,
                           CASE WHEN {flagged} THEN CASE reason {kind_sql} END
                                ELSE COALESCE(problem, outcome) END, %s,
                           '', '', '', '', %s
                    FROM {STEPS} WHERE {held} OR {flagged} ORDER BY n""",
                [source_file_id, *flagged_params, *flagged_params,
                 *(v for pair in kinds for v in pair), ExceptionState.OPEN.value, now,
                 *params, *flagged_params])
