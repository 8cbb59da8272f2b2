"""Reads for reports and dashboards off the primary (``DATABASE_REPLICA_URL``).

The aggregate pages read a whole province; on a read replica they do not slow the primary
that payments write to. Only they ask for it (:func:`reporting_db`), and never on a path
that writes from what it read: a replica lags, and a use case must see its own writes. The
router keeps every write and every migration on the primary.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


def reporting_db() -> str:
    """The alias reports and dashboards read from: the replica when one is configured."""
    return REPLICA if REPLICA in connections.settings else DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    """Writes and migrations on the primary; a read goes where its query says (the
    primary unless :func:`reporting_db` was asked)."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return None

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read there relates to one here.
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
