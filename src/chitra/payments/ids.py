"""Identifiers in payment files, derived from row ids so regenerating gives the same bytes.

The formats live in :mod:`chitra.payments.iso20022.ids`; this adds the SQL form of the
EndToEndId so export assigns ids set-based.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

from chitra.payments.iso20022.ids import (
    E2E_ITEM_WIDTH,
    E2E_PREFIX,
    end_to_end_id,
    msg_id,
    parse_end_to_end_id,
)


def item_id_of(end_to_end: str) -> int | None:
    """The item id an EndToEndId of ours names, or None if it is not one of ours."""
    parsed = parse_end_to_end_id(end_to_end)
    return parsed[1] if parsed else None


def end_to_end_sql(period: date) -> str:
    """SQL expression of :func:`end_to_end_id` over the item's ``id`` column."""
    prefix = f"'{E2E_PREFIX}{period:%Y%m}'"
    if connection.vendor == "postgresql":
        return f"{prefix} || lpad(id::text, {E2E_ITEM_WIDTH}, '0')"
    return f"{prefix} || printf('%0{E2E_ITEM_WIDTH}d', id)"


__all__ = ["end_to_end_id", "end_to_end_sql", "item_id_of", "msg_id"]
