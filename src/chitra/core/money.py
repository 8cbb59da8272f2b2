"""Money is an integer number of đồng (DESIGN §3.1). One parser, one formatter."""

from __future__ import annotations

import re

MAX_AMOUNT = 10**15  # far above any benefit; guards against runaway values in files

_GROUPED = re.compile(r"^\d{1,3}([.,  ]\d{3})+$")


class AmountError(ValueError):
    pass


def parse_amount(text: str | int) -> int:
    """Parse an amount in đồng from a file or form: ``1234567``, ``1.234.567``, ``1,234,567 ₫``.

    Decimals are refused: VND has no minor unit in payment files.
    """
    if isinstance(text, bool):
        raise AmountError("not an amount")
    if isinstance(text, int):
        value = text
    else:
        s = text.strip().removesuffix("₫").removesuffix("đ").removesuffix("VND").strip()
        if s.isdigit():
            value = int(s)
        elif _GROUPED.match(s):
            value = int(re.sub(r"\D", "", s))
        else:
            raise AmountError(f"not a whole number of đồng: {text!r}")
    if value < 0 or value > MAX_AMOUNT:
        raise AmountError(f"amount out of range: {value}")
    return value


def format_vnd(amount: int) -> str:
    """``1234567`` → ``1.234.567 ₫``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} ₫".replace(",", ".")
