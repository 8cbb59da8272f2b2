"""Who was verified against the national population database, when, and with what outcome
(issue 16): the :class:`~chitra.registry.models.VerificationStamp` rows, written only here.

Two ways in: :func:`record_verification` for the answers of one chunk (any database), and
:func:`stamp_in_bulk` for a whole extract's identical records (PostgreSQL, set-based). The
stamp table has no foreign key (:class:`~chitra.registry.models.VerificationStamp` says
why): :func:`record_verification` keeps the ids of beneficiaries that exist; the query
given to :func:`stamp_in_bulk` selects them from ``registry_beneficiary`` itself. Both leave
one audit entry per source with the count of each outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.registry.models import Beneficiary, VerificationOutcome, VerificationStamp

_PART = 2_000  # ids per statement: well under SQLite's limit of bound parameters
SOURCE_MAX = 40  # VerificationStamp.source


def _refused(bad: object) -> DomainError:
    return DomainError("verification_outcome_invalid",
                       f"Kết quả đối chiếu không hợp lệ: {bad!r}.",
                       f"Invalid verification outcome: {bad!r}.")


def _source(source: str) -> str:
    source = source.strip()
    if not source or len(source) > SOURCE_MAX:
        raise DomainError("verification_source_invalid",
                          f"Nguồn đối chiếu phải có 1–{SOURCE_MAX} ký tự.",
                          f"The verification source must be 1–{SOURCE_MAX} characters.")
    return source


_UPSERT = """
INSERT INTO registry_verificationstamp (beneficiary_id, verified_at, outcome, source)
SELECT id, %(at)s, outcome, %(source)s
FROM unnest(%(ids)s::bigint[], %(outcomes)s::text[]) AS s(id, outcome)
ON CONFLICT (beneficiary_id) DO UPDATE
SET verified_at = excluded.verified_at, outcome = excluded.outcome, source = excluded.source
"""


@transaction.atomic
def record_verification(outcomes: Mapping[int, str], *, at: datetime, source: str,
                        actor: str) -> int:
    """Stamp each beneficiary (id → :class:`VerificationOutcome` value) as verified against
    the population database ``at`` with that outcome; one audit entry for them all (the
    detail stays with ``source``, e.g. ``batch:12``). An id of nobody is left out. The
    number stamped."""
    source = _source(source)
    if bad := sorted(set(outcomes.values()) - set(VerificationOutcome.values)):
        raise _refused(bad[0])
    ids = sorted(outcomes)
    known = [pk for i in range(0, len(ids), _PART)
             for pk in Beneficiary.objects.filter(pk__any=ids[i:i + _PART])
             .values_list("pk", flat=True)]
    if connection.vendor == "postgresql":  # two arrays, not a row of parameters each
        with connection.cursor() as cursor:
            cursor.execute(_UPSERT, {"ids": known, "outcomes": [outcomes[pk] for pk in known],
                                     "at": at, "source": source})
    else:
        VerificationStamp.objects.bulk_create(
            [VerificationStamp(beneficiary_id=pk, verified_at=at, outcome=outcomes[pk],
                               source=source) for pk in known],
            batch_size=500, update_conflicts=True, unique_fields=["beneficiary"],
            update_fields=["verified_at", "outcome", "source"])
    if known:
        counts: dict[str, int] = {}
        for pk in known:
            counts[outcomes[pk]] = counts.get(outcomes[pk], 0) + 1
        audit.record(actor, "beneficiary.verified", "verification", source,
                     after={"at": at.isoformat(), "outcomes": counts})
    return len(known)


# The rows of the caller's query (beneficiary_id, source) whose beneficiary exists: stamps
# already there are updated in place (the table's one index, its key, unchanged), the others
# inserted — cheaper than INSERT … ON CONFLICT, which probes the key row by row.
_UPDATE = """
UPDATE registry_verificationstamp s
SET verified_at = %(at)s, outcome = %(outcome)s, source = r.source
FROM ({rows}) r WHERE s.beneficiary_id = r.beneficiary_id
"""
_INSERT = """
INSERT INTO registry_verificationstamp (beneficiary_id, verified_at, outcome, source)
SELECT r.beneficiary_id, %(at)s, %(outcome)s, r.source FROM ({rows}) r
WHERE NOT EXISTS (SELECT 1 FROM registry_verificationstamp s
                  WHERE s.beneficiary_id = r.beneficiary_id)
"""
_COUNT = """
SELECT source, count(*) FROM registry_verificationstamp
WHERE verified_at = %(at)s AND outcome = %(outcome)s AND source = ANY(%(sources)s) GROUP BY 1
"""


def stamp_in_bulk(rows_sql: str, params: Mapping[str, Any], *, sources: list[str],
                  at: datetime, outcome: VerificationOutcome, actor: str) -> dict[str, int]:
    """Stamp, set-based, the beneficiaries a query names: ``rows_sql`` selects
    ``(beneficiary_id, source)``, each id once and taken from ``registry_beneficiary`` (a
    join, maybe in an earlier transaction of the caller's run: checking them again here
    cost 3.5 s of 9.5 for 3.3 M people, and without a foreign key would still leave a
    delete racing the run unseen — harmless, as every reader starts from the beneficiary),
    each source one of ``sources``, with ``params``. All of them ``at`` with ``outcome``; an
    audit entry per source. The number stamped per source. PostgreSQL only (``= ANY``), in
    the caller's transaction."""
    sources = [_source(s) for s in sources]
    if outcome not in VerificationOutcome.values:
        raise _refused(outcome)
    values = {**params, "at": at, "outcome": str(outcome), "sources": sources}
    with connection.cursor() as cursor:
        # Hash joins only: before the first run the stamp table looks empty to the planner,
        # which then picks a nested loop that rescans the rows this very statement inserts
        # (quadratic: 55 s for 100,000 people).
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_UPDATE.replace("{rows}", rows_sql), values)
        cursor.execute(_INSERT.replace("{rows}", rows_sql), values)
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
        cursor.execute(_COUNT, values)
        counts = {source: int(n) for source, n in cursor.fetchall()}
    for source, n in counts.items():
        audit.record(actor, "beneficiary.verified", "verification", source,
                     after={"at": at.isoformat(), "outcomes": {str(outcome): n}})
    return counts
