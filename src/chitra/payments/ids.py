"""Identifiers in payment files, derived from row ids so regenerating gives the same bytes.

The formats live in :mod:`chitra.payments.iso20022.ids`. No item stores its EndToEndId:
it is derived wherever it is needed, from the cycle's period and the item id.
"""

from __future__ import annotations

from datetime import date

from chitra.payments.iso20022.ids import (
    E2E_ITEM_WIDTH,
    E2E_PREFIX,
    end_to_end_id,
    item_id_part,
    msg_id,
    parse_end_to_end_id,
)


def item_id_of(end_to_end: str) -> int | None:
    """The item id an EndToEndId of ours names, or None if it is not one of ours."""
    parsed = parse_end_to_end_id(end_to_end)
    return parsed[1] if parsed else None


def end_to_end_prefix(period: date) -> str:
    """What every EndToEndId of ``period`` starts with; the item id in
    :data:`E2E_ITEM_WIDTH` digits follows (a writer's shortcut for :func:`end_to_end_id`)."""
    return end_to_end_id(period, 1)[:-E2E_ITEM_WIDTH]


__all__ = ["E2E_ITEM_WIDTH", "E2E_PREFIX", "end_to_end_id", "end_to_end_prefix", "item_id_of",
           "item_id_part", "msg_id", "parse_end_to_end_id"]
