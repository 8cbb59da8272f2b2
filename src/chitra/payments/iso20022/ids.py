"""Deterministic identifiers for payment files (DESIGN §6, §8).

Ids derive from row ids and the period only, so regenerating a file gives the same bytes.
All ids fit ISO 20022 ``Max35Text`` and use only characters every bank system accepts.
"""

from __future__ import annotations

import re
from datetime import date

from chitra.payments.iso20022.errors import Pain001Error

MAX_ID_LENGTH = 35
# The character set of the SWIFT/EPC "Latin" subset, as banks expect it in ids.
_ID_CHARS = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]+")

E2E_PREFIX = "CT"
E2E_ITEM_WIDTH = 12  # decimal digits, so the database can derive the same id in SQL
_E2E_RE = re.compile(rf"{E2E_PREFIX}(\d{{4}})(\d{{2}})(\d{{{E2E_ITEM_WIDTH}}})")
_E2E_SHAPE = re.compile(rf"{E2E_PREFIX}[0-9]{{6}}([0-9]{{{E2E_ITEM_WIDTH}}})")
_MAX_ITEM_ID = 10**E2E_ITEM_WIDTH - 1

_CODE_RE = re.compile(r"[A-Z0-9]+")
_MAX_SEQUENCE = 9999


def check_id(value: str, field: str) -> str:
    """Return ``value`` if it is a valid ``Max35Text`` identifier, else raise ``Pain001Error``."""
    if not value or len(value) > MAX_ID_LENGTH or not _ID_CHARS.fullmatch(value):
        raise Pain001Error(
            f"Mã {field} không hợp lệ: {value!r} "
            "(tối đa 35 ký tự A–Z, 0–9, /-?:().,'+ và dấu cách).",
            f"Invalid {field} {value!r}: "
            "at most 35 characters from A-Z, 0-9, /-?:().,'+ and space.",
        )
    return value


def end_to_end_id(period: date, item_id: int) -> str:
    """``EndToEndId`` of a payment item: ``"CT" + YYYYMM + item id in 12 decimal digits``.

    >>> end_to_end_id(date(2025, 7, 1), 123456)
    'CT202507000000123456'

    Fixed width, so distinct (period, item) pairs give distinct ids (20 characters).
    """
    if isinstance(item_id, bool) or not isinstance(item_id, int) or not 0 < item_id <= _MAX_ITEM_ID:
        raise Pain001Error(
            f"Mã khoản chi không hợp lệ: {item_id!r}.", f"Invalid payment item id: {item_id!r}."
        )
    if not 1 <= period.year <= 9999:
        raise Pain001Error(f"Kỳ chi không hợp lệ: {period}.", f"Invalid period: {period}.")
    return f"{E2E_PREFIX}{period.year:04d}{period.month:02d}{item_id:0{E2E_ITEM_WIDTH}d}"


def parse_end_to_end_id(value: str) -> tuple[date, int] | None:
    """Inverse of :func:`end_to_end_id`: ``(first day of the period, item id)``.

    Returns ``None`` for an id this system did not issue (a bank may echo other ids).
    """
    match = _E2E_RE.fullmatch(value.strip().upper())
    if match is None:
        return None
    year, month, item = int(match[1]), int(match[2]), int(match[3])
    if not 1 <= month <= 12 or year == 0 or item == 0:
        return None
    return date(year, month, 1), item


def item_id_part(value: str) -> int | None:
    """The item id digits of a value shaped like our EndToEndIds, else ``None``.

    A quick look for bulk paths: whether the whole id is that item's (its period, its export)
    is for the caller to check against the item.
    """
    match = _E2E_SHAPE.fullmatch(value)
    return int(match[1]) if match else None


def msg_id(province_code: str, period: date, provider_code: str, sequence: int) -> str:
    """``MsgId`` of a payment file: ``BHXH-<province>-<YYYYMM>-<provider>-<sequence:04>``.

    ``province_code`` is the statistics-office code (1–3 characters), ``provider_code`` the
    bank or post office code (1–12 upper-case letters/digits), ``sequence`` the file number
    within the cycle (1–9999; a provider's payments may be split into several files).
    At most 34 characters. Also fit to use as ``PmtInfId`` (one ``PmtInf`` per file).
    """
    if not (_CODE_RE.fullmatch(province_code) and len(province_code) <= 3):
        raise Pain001Error(
            f"Mã tỉnh không hợp lệ: {province_code!r}.", f"Invalid province code {province_code!r}."
        )
    if not (_CODE_RE.fullmatch(provider_code) and len(provider_code) <= 12):
        raise Pain001Error(
            f"Mã đơn vị chi trả không hợp lệ: {provider_code!r}.",
            f"Invalid provider code {provider_code!r}.",
        )
    if isinstance(sequence, bool) or not 1 <= sequence <= _MAX_SEQUENCE:
        raise Pain001Error(
            f"Số thứ tự tệp không hợp lệ: {sequence!r}.", f"Invalid file sequence {sequence!r}."
        )
    month = f"{period.year:04d}{period.month:02d}"
    value = f"BHXH-{province_code}-{month}-{provider_code}-{sequence:04d}"
    return check_id(value, "MsgId")
