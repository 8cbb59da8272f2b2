"""Inserting many new rows at once (tens of thousands: a country's verification answers and
their audit entries)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from psycopg.types.json import Jsonb

_M = TypeVar("_M", bound=models.Model)


def insert_many(model: type[_M], objs: Sequence[_M]) -> None:
    """Insert ``objs``, new instances of ``model``: by ``COPY`` on PostgreSQL (building an
    ``INSERT`` field by field cost more than the database's writing), by ``bulk_create``
    elsewhere. The table's checks and constraints hold either way; ``auto_now`` and
    ``auto_now_add`` fields get now. The objects' ids are not set."""
    if connection.vendor != "postgresql" or not objs:
        model._default_manager.bulk_create(objs, batch_size=1_000)
        return
    now = timezone.now()
    meta = model._meta
    # Every column but a generated id (a key of its own, e.g. a one-to-one, is written).
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    stamped = [f for f in fields if getattr(f, "auto_now", False)
               or getattr(f, "auto_now_add", False)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Django's own errors (IntegrityError…) as for any statement: COPY bypasses its wrapper.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.copy(
            f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            for f in stamped:
                setattr(obj, f.attname, now)
            copy.write_row([_value(f, getattr(obj, f.attname)) for f in fields])


def _value(field: models.Field[Any, Any], value: Any) -> Any:
    if isinstance(value, DatabaseDefault):  # COPY cannot leave one column to its default
        raise ValueError(f"{field.name}: a value is required, not the database's default")
    if isinstance(field, models.JSONField) and value is not None:
        encoder = field.encoder
        return Jsonb(value, dumps=lambda v: json.dumps(v, cls=encoder))
    return value
