"""Account-number checks per payment provider (digits and length)."""

from __future__ import annotations

from chitra.core.identifiers import IdProblem


def check_account_number(number: str, min_length: int, max_length: int) -> list[IdProblem]:
    if not number.isascii() or not number.isdigit():
        return [IdProblem("account_digits", "Số tài khoản chỉ được gồm chữ số.",
                          "Account number must contain digits only.")]
    if not min_length <= len(number) <= max_length:
        span = str(min_length) if min_length == max_length else f"{min_length}–{max_length}"
        return [IdProblem("account_length",
                          f"Số tài khoản của tổ chức này phải có {span} chữ số.",
                          f"This provider's account numbers have {span} digits.")]
    return []
