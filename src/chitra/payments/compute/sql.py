# ruff: noqa: S608 - table names come from model metadata; values are parameters.
"""The statements of a cycle's compute (DESIGN §3), set-based.

A province's benefits can be computed in *parts* (ranges of beneficiary ids), each by its
own connection at the same time: the obligations and items of one part name nothing of
another's. :func:`chitra.payments.compute.run.compute_cycle` decides how many and holds the
transactions; nothing here commits.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection

from chitra.payments.dbguards import PLAN
from chitra.payments.models import (
    CycleExclusion,
    CyclePaymentDay,
    ExclusionReason,
    ItemStatus,
    Obligation,
    PaymentCycle,
    PaymentItem,
)
from chitra.registry.models import Beneficiary, Benefit, PaymentAccount

ITEM_COLUMNS = """(cycle_id, obligation_id, beneficiary_id, replaces_id, full_name, citizen_id,
    ward_code, channel, provider_id, account_number, holder_name, payment_point_id, amount,
    payment_date, status, reason_code)"""


def _t(model: type) -> str:
    return model._meta.db_table  # type: ignore[attr-defined]


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


@contextmanager
def index_lookups() -> Iterator[None]:
    """Inside a transaction, on PostgreSQL: the statements in the block look each row up by
    index (:data:`chitra.payments.dbguards.PLAN`), and the transaction's own settings come
    back after it."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
                    [[name for name, _ in PLAN]])
        saved = cur.fetchall()
        for name, value in PLAN:
            cur.execute("SELECT set_config(%s, %s, true)", [name, value])
    try:
        yield
    finally:
        with connection.cursor() as cur:
            for name, value in saved:
                cur.execute("SELECT set_config(%s, %s, true)", [name, value])


def _month_end(period: date) -> date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


@dataclass(frozen=True)
class Part:
    """The people of a part: a range of beneficiary ids (None: everyone)."""

    first: int | None = None
    last: int | None = None

    def of(self, *columns: str) -> str:
        """The condition on each beneficiary-id column: in a range, the parts write to
        different places of the indexes that follow the person (not the same pages)."""
        if self.first is None:
            return ""
        return "".join(f" AND {c} BETWEEN {self.first:d} AND {self.last:d}" for c in columns)


WHOLE = Part()
# A cycle's obligations are analyzed while they are more than a quarter of the table.
ANALYZE_BELOW = 4


@dataclass(frozen=True)
class Made:
    obligations: int = 0
    items: int = 0  # one per obligation of the cycle that has an account
    reissues: int = 0  # new attempts for earlier obligations

    def __add__(self, other: Made) -> Made:
        return Made(self.obligations + other.obligations, self.items + other.items,
                    self.reissues + other.reissues)


class Compute:
    """The statements for one cycle."""

    def __init__(self, cycle: PaymentCycle) -> None:
        self.p: dict[str, Any] = {
            "cycle": cycle.pk, "province": cycle.province_code, "start": cycle.period,
            "end": _month_end(cycle.period), "transfer": cycle.transfer_date,
            "active": "active", "monthly": "monthly", "one_time": "one_time",
            "no_account": ExclusionReason.NO_ACCOUNT.value,
            "pending": ItemStatus.PENDING.value, "cash": "cash"}
        self.due = f"""
            FROM {_t(Benefit)} bf JOIN {_t(Beneficiary)} b ON b.id = bf.beneficiary_id
            WHERE b.province_code = %(province)s AND bf.start_date <= %(end)s
              AND ((bf."group" = %(monthly)s AND (bf.end_date IS NULL OR bf.end_date >= %(start)s))
                OR (bf."group" = %(one_time)s AND NOT EXISTS (
                      SELECT 1 FROM {_t(Obligation)} x WHERE x.benefit_id = bf.id)))"""
        self.frozen = f"""b.full_name, b.citizen_id, b.ward_code, a.channel, a.provider_id,
            a.account_number, a.holder_name,
            CASE WHEN a.channel = %(cash)s THEN b.payment_point_id END, o.amount,
            CASE WHEN a.channel = %(cash)s THEN COALESCE(d.payment_date, %(transfer)s)
                 ELSE %(transfer)s END, %(pending)s, ''
            FROM {_t(Obligation)} o
            JOIN {_t(Beneficiary)} b ON b.id = o.beneficiary_id
            JOIN {_t(PaymentAccount)} a ON a.beneficiary_id = b.id AND a.valid_to IS NULL
            LEFT JOIN {_t(CyclePaymentDay)} d ON d.cycle_id = %(cycle)s
                                              AND d.ward_code = b.ward_code"""

    def clear(self) -> int:
        """Drop what an earlier compute of this (unapproved) cycle made; the number of items
        that was. By SQL, not by the ORM, which would load every row (millions) to look for
        what protects it: the database refuses the deletes if anything still names these
        rows (migrations 0008–0010)."""
        deleted = [_execute(f"DELETE FROM {_t(model)} WHERE cycle_id = %(cycle)s", self.p)
                   for model in (PaymentItem, Obligation, CycleExclusion)]
        return deleted[0]

    def exclusions(self) -> int:
        """Benefits due whose person or benefit is not active, with the reason. Two parts,
        each found through a partial index of the few not active."""
        return _execute(f"""
            INSERT INTO {_t(CycleExclusion)} (cycle_id, benefit_id, beneficiary_id, reason)
            SELECT %(cycle)s, bf.id, b.id, b.status {self.due} AND b.status <> %(active)s
            UNION ALL
            SELECT %(cycle)s, bf.id, b.id, 'suspended'
            {self.due} AND b.status = %(active)s AND bf.status <> %(active)s""", self.p)

    def parts(self, count: int) -> list[Part]:
        """``count`` ranges of the province's beneficiary ids, of about equal width."""
        with connection.cursor() as cur:
            # Through the province's index (OFFSET 0 keeps it so): MAX(id) by the primary
            # key would walk back over the ids of every province loaded after this one.
            cur.execute(f"SELECT MIN(id), MAX(id) FROM (SELECT id FROM {_t(Beneficiary)} "
                        "WHERE province_code = %s OFFSET 0) p", [self.p["province"]])
            low, high = cur.fetchone()
        if low is None:
            return [WHOLE]
        width = (high - low) // count + 1
        return [Part(low + k * width, low + (k + 1) * width - 1) for k in range(count)]

    def obligations(self, part: Part = WHOLE) -> int:
        return _execute(f"""
            INSERT INTO {_t(Obligation)} (cycle_id, benefit_id, beneficiary_id, period, amount)
            SELECT %(cycle)s, bf.id, b.id, %(start)s, bf.amount
            {self.due} AND b.status = %(active)s AND bf.status = %(active)s
            {part.of("b.id", "bf.beneficiary_id")}""", self.p)

    def items(self, part: Part = WHOLE) -> int:
        """One frozen item per obligation of the cycle (of the part)."""
        return _execute(f"""INSERT INTO {_t(PaymentItem)} {ITEM_COLUMNS}
            SELECT %(cycle)s, o.id, b.id, NULL, {self.frozen}
            WHERE o.cycle_id = %(cycle)s
            {part.of("o.beneficiary_id", "b.id", "a.beneficiary_id")}""", self.p)

    def reissues(self, part: Part = WHOLE) -> int:
        """The new attempts of a part's people (:meth:`reissue_sql`), each earlier attempt
        looked up by index. Planned freely, PostgreSQL merged the attempts of the province's
        month with every reissue of the nation: a year of history read for a few thousand
        rows (a fifth of the statement at 3.4 M people, and growing every month)."""
        with index_lookups():
            return _execute(self.reissue_sql(part), self.p)

    def reissue_sql(self, part: Part = WHOLE) -> str:
        """Obligations of earlier cycles with no live or paid attempt get a new attempt
        here, with the account the registry holds now. They are those whose attempts were all
        rejected (but not as a duplicate, DUPL: ``closed`` leaves those out) or returned, and
        those that got none (no account then): found through the closed items' partial index
        and the no-account exclusions, both small, not by looking at every obligation of
        every earlier month."""
        # The closed items are read once, grouped by obligation, through their partial
        # index: a correlated MAX(id) per obligation lets PostgreSQL walk the primary key
        # backwards over every item for each one (minutes at 3.4 M items a month). Only
        # this province's earlier cycles are read (a reissue stays in its obligation's
        # province): every province's closed items made December 84 times January's compute.
        # A closed attempt already reissued is passed over (a small partial index): the
        # obligation's newer attempt stands for it, so December reads November's rejections,
        # not those of every month of the year (and the obligation of each). A part reads
        # its own people's attempts only (the index is keyed by person after the cycle).
        earlier = f"""(SELECT id FROM {_t(PaymentCycle)}
                       WHERE province_code = %(province)s AND period < %(start)s)"""
        return f"""INSERT INTO {_t(PaymentItem)} {ITEM_COLUMNS}
            SELECT %(cycle)s, o.id, b.id, t.last_id, {self.frozen}
            JOIN (SELECT obligation_id, MAX(last_id) AS last_id FROM (
                      SELECT r.obligation_id, r.id AS last_id FROM {_t(PaymentItem)} r
                      WHERE r.closed AND r.cycle_id IN {earlier}
                        {part.of("r.beneficiary_id")}
                        AND NOT EXISTS (SELECT 1 FROM {_t(PaymentItem)} n
                                        WHERE n.replaces_id = r.id)
                      UNION ALL
                      SELECT x.id, NULL FROM {_t(CycleExclusion)} e
                      JOIN {_t(Obligation)} x ON x.cycle_id = e.cycle_id
                                             AND x.benefit_id = e.benefit_id
                      WHERE e.reason = %(no_account)s
                        AND e.cycle_id IN {earlier} {part.of("e.beneficiary_id")}) u
                  GROUP BY obligation_id) t ON t.obligation_id = o.id
            JOIN {_t(PaymentCycle)} oc ON oc.id = o.cycle_id
            WHERE oc.province_code = %(province)s AND o.period < %(start)s
              AND b.status = %(active)s
              AND NOT EXISTS (SELECT 1 FROM {_t(PaymentItem)} i WHERE i.obligation_id = o.id
                              AND NOT i.closed)
              {part.of("o.beneficiary_id", "b.id", "a.beneficiary_id")}"""

    def without_account(self) -> int:
        """List the cycle's obligations that got no item (this cycle's obligations have no
        closed item)."""
        return _execute(f"""
            INSERT INTO {_t(CycleExclusion)} (cycle_id, benefit_id, beneficiary_id, reason)
            SELECT %(cycle)s, o.benefit_id, o.beneficiary_id, %(no_account)s
            FROM {_t(Obligation)} o WHERE o.cycle_id = %(cycle)s AND NOT EXISTS (
                SELECT 1 FROM {_t(PaymentItem)} i WHERE i.obligation_id = o.id
                AND NOT i.closed)""", self.p)

    def part(self, part: Part = WHOLE) -> Made:
        """The obligations of a part, their items and the reissues of its people: each part
        reissues for its own range, so the parts do the reissues' lookups at the same time."""
        obligations = self.obligations(part)
        if part is WHOLE:
            # The planner must know this cycle's obligations are a million, not a handful:
            # else it joins the registry to them by a million index lookups. (Parts cannot:
            # ANALYZE of one table waits for another's; they are told to hash-join instead.)
            self.analyze(obligations)
        return Made(obligations, self.items(part), self.reissues(part))

    def analyze(self, made: int) -> None:
        """ANALYZE the obligations when this cycle's ``made`` are a large part of the table
        (the first months): else the statistics already say a cycle is about this big, and
        sampling a table of tens of millions of rows would cost seconds for nothing."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                            [_t(Obligation)])
                row = cur.fetchone()
            if row is not None and row[0] > ANALYZE_BELOW * made:
                return
        _execute(f"ANALYZE {_t(Obligation)}", {})


def session_settings(parallel: bool = False) -> None:
    """For the transaction of a compute (or of one of its parts)."""
    if connection.vendor != "postgresql":
        return
    _execute("SET LOCAL work_mem = '256MB'", {})  # hash joins of a province stay in memory
    if parallel:  # no ANALYZE of the new obligations in a part: hash joins, as it would
        _execute("SET LOCAL enable_nestloop = off", {})
        _execute("SET LOCAL enable_mergejoin = off", {})
