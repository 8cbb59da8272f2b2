"""Builders for pain.001 inputs and paths of the fixture files (tests only)."""

from __future__ import annotations

import io
import types
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

from lxml import etree

from chitra.payments.iso20022 import (
    CreditTransfer,
    Debtor,
    FileHeader,
    end_to_end_id,
    msg_id,
    write_pain001,
)
from chitra.payments.iso20022.schemas import load_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "iso20022"
ICT = timezone(timedelta(hours=7))
PERIOD = date(2025, 7, 1)

OFFICE = Debtor(
    name="Bảo hiểm xã hội thành phố Hà Nội",
    account="0011000123456",
    agent_bic="BFTVVNVX",
    agent_bin="970436",
)

# The golden files' three transfers: a bank known by BIC and BIN, a bank without BIC (BIN
# only) whose account holder is not the person paid, and an e-wallet (BIN only, paid by
# phone number, no remittance text).
GOLDEN_TRANSFERS = (
    CreditTransfer(
        end_to_end_id=end_to_end_id(PERIOD, 1001),
        amount=5_250_000,
        creditor_name="Nguyễn Thị Thuỷ",
        creditor_account="0123456789",
        creditor_agent_bin="970436",
        creditor_agent_bic="BFTVVNVX",
        remittance="Lương hưu tháng 07/2025",
    ),
    CreditTransfer(
        end_to_end_id=end_to_end_id(PERIOD, 1002),
        amount=3_100_000,
        creditor_name="Đặng Văn Đức",
        creditor_account="19033456789012",
        creditor_agent_bin="970407",
        creditor_agent_bic=None,
        remittance="Trợ cấp tuất hằng tháng 07/2025 — Hoà Bình",
        beneficiary_name="Đặng Thị Lành",
    ),
    CreditTransfer(
        end_to_end_id=end_to_end_id(PERIOD, 1003),
        amount=1_800_000,
        creditor_name="Phạm Thị Hoà",
        creditor_account="0912345678",
        creditor_agent_bin="971005",
        creditor_agent_bic=None,
        remittance="",
        creditor_proxy="+84912345678",
    ),
)


def header_for(transfers: Iterable[CreditTransfer], **changes: Any) -> FileHeader:
    """A valid header whose counts match ``transfers``."""
    items = list(transfers)
    header = FileHeader(
        msg_id=msg_id("01", PERIOD, "VCB", 1),
        pmt_inf_id=msg_id("01", PERIOD, "VCB", 1),
        created_at=datetime(2025, 6, 25, 9, 30, tzinfo=ICT),
        requested_execution_date=date(2025, 7, 1),
        debtor=OFFICE,
        initiating_party="BHXH thành phố Hà Nội",
        category_purpose="PENS",
        tx_count=len(items),
        control_sum=sum(t.amount for t in items),
    )
    return replace(header, **changes)


def transfer(item_id: int, amount: int = 2_500_000, **changes: Any) -> CreditTransfer:
    base = CreditTransfer(
        end_to_end_id=end_to_end_id(PERIOD, item_id),
        amount=amount,
        creditor_name="Lê Văn Hùng",
        creditor_account=f"{item_id:012d}",
        creditor_agent_bin="970415",
        creditor_agent_bic="ICBVVNVX",
        remittance="Lương hưu tháng 07/2025",
    )
    return replace(base, **changes)


def render(
    transfers: Iterable[CreditTransfer], header: FileHeader | None = None, **options: Any
) -> bytes:
    items = list(transfers)
    out = io.BytesIO()
    write_pain001(out, header or header_for(items), items, **options)
    return out.getvalue()


def schema_errors(document: bytes, message: str) -> list[str]:
    """XSD validation errors of ``document`` against the shipped ``message`` schema."""
    schema = load_schema(message)
    ok = schema.validate(etree.fromstring(document).getroottree())
    return [] if ok else [str(error) for error in schema.error_log]


def tree_size(reader: Iterator[Any]) -> int:
    """Elements currently held by a reader's parse tree (white-box: the generator's frame).

    The tree lives in libxml2 memory, which tracemalloc does not see.
    """
    frame = cast(types.GeneratorType, reader).gi_frame
    return sum(1 for _ in frame.f_locals["reader"].root.iter())
