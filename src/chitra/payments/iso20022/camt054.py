"""ISO 20022 camt.054 reader: debit/credit notifications on the office's account (DESIGN §6).

Any ``urn:iso:std:iso:20022:tech:xsd:camt.054.001.NN`` is accepted (the fixture and the
shipped XSD are .08); the elements read here have kept their names across versions.

How we read them — the notifications are about *our* account, the BHXH office's:

* a payment out is a **DBIT** entry. A **booked** DBIT entry (``Sts/Cd`` = ``BOOK``, or
  ``Sts`` = ``BOOK`` before version .07) carrying our ``EndToEndId`` is taken as "paid":
  the money has left our account for the beneficiary (DESIGN §8, "a camt.054 credit" to
  the beneficiary);
* a **return** is money coming back: normally a **CRDT** entry with ``RtrInf`` (reason in
  ``RtrInf/Rsn/Cd``: AC04 closed account, MD07 deceased…) and/or the bank transaction
  code sub-family ``RRTN``. ``is_return`` is true when either is present;
* pending or information-only entries (``PDNG``, ``INFO``) are reported with their status
  so the caller can ignore them; they are never "paid".

One :class:`Notification` is produced per ``TxDtls`` (a batch-booked entry yields one per
transaction), or one per entry when it has no details (``end_to_end_id`` is then ``None``).
A transaction's amount and direction come from ``TxDtls/Amt`` and ``TxDtls/CdtDbtInd``,
else ``TxDtls/AmtDtls``, else — only for an entry with a single transaction — the entry's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Literal

from chitra.payments.iso20022.errors import Iso20022Error
from chitra.payments.iso20022.safe_xml import (
    DEFAULT_MAX_BYTES,
    Paths,
    iterparse,
    missing,
    namespace_of,
    parse_amount,
    parse_date,
    release,
    text_at,
    wrong_root,
)

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.054.001."
_NAMESPACE_RE = re.compile(re.escape(NAMESPACE_PREFIX) + r"[0-9]{2}")
RETURN_SUB_FAMILY = "RRTN"
BOOKED = "BOOK"

CreditDebit = Literal["CRDT", "DBIT"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Notification:
    """One movement on the office's account, as far as a payment item is concerned."""

    end_to_end_id: str | None  # NtryDtls/TxDtls/Refs/EndToEndId
    amount: int  # đồng
    credit_debit: CreditDebit
    is_return: bool  # RtrInf present or BkTxCd sub-family RRTN
    reason_code: str | None  # RtrInf/Rsn/Cd (or Rsn/Prtry)
    booking_date: date | None
    entry_status: str | None  # BOOK, PDNG, INFO…
    line: int | None

    @property
    def is_booked(self) -> bool:
        return self.entry_status == BOOKED

    @property
    def confirms_payment(self) -> bool:
        """A booked debit of one of our transfers that is not a return: the item is paid."""
        return (
            self.is_booked
            and self.credit_debit == "DBIT"
            and not self.is_return
            and self.end_to_end_id is not None
        )


def read_camt054(stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Notification]:
    """Yield the :class:`Notification` values of a camt.054 document, streaming.

    Raises :class:`Iso20022Error` for unsafe or malformed XML, a file over ``max_bytes``,
    a root that is not a camt.054 ``Document``, entries without amount or direction and
    amounts that are not whole đồng.
    """
    reader: _Reader | None = None
    for event, element in iterparse(stream, max_bytes=max_bytes):
        if reader is None:
            reader = _Reader(element)
        elif event == "start":
            reader.start(element)
        else:
            yield from reader.end(element)
    if reader is None or not reader.seen_body:
        raise missing("BkToCstmrDbtCdtNtfctn", None)


@dataclass(slots=True)
class _Entry:
    line: int | None
    amount: int | None = None
    credit_debit: CreditDebit | None = None
    status: str | None = None
    booking_date: date | None = None
    sub_family: str | None = None
    transactions: int = 0
    pending: dict[str, Any] | None = None  # a TxDtls waiting for the entry's amount


class _Reader:
    def __init__(self, root: Any) -> None:
        namespace = namespace_of(root)
        q = Paths(namespace)
        if root.tag != q("Document") or not _NAMESPACE_RE.fullmatch(namespace):
            raise wrong_root("camt.054", root)
        self.root = root
        self.q = q
        self.body = q("BkToCstmrDbtCdtNtfctn")
        self.entry_tag = q("Ntry")
        self.details_tag = q("TxDtls")
        self.entry: _Entry | None = None
        self.seen_body = False

    def start(self, element: Any) -> None:
        if element.getparent() is self.root:
            if element.tag != self.body:
                raise wrong_root("camt.054 (BkToCstmrDbtCdtNtfctn)", element)
            self.seen_body = True
        elif element.tag == self.entry_tag:
            self.entry = _Entry(line=element.sourceline)

    def end(self, element: Any) -> Iterator[Notification]:
        tag = element.tag
        entry = self.entry
        if entry is None:
            return
        parent = element.getparent()
        if tag == self.details_tag:
            yield from self._transaction(entry, element)
            release(element)
        elif tag == self.entry_tag:
            yield from self._close_entry(entry, element)
            self.entry = None
            release(element)
        elif parent is not None and parent.tag == self.entry_tag:
            self._entry_field(entry, element)

    def _credit_debit(self, value: str | None, line: int | None) -> CreditDebit | None:
        if value is None:
            return None
        if value == "CRDT":
            return "CRDT"
        if value == "DBIT":
            return "DBIT"
        raise Iso20022Error(
            f"Chiều ghi nợ/có không hợp lệ: {value!r}.", f"Invalid CdtDbtInd {value!r}.", line
        )

    def _entry_field(self, entry: _Entry, element: Any) -> None:
        """Record the entry's own fields; they all precede ``NtryDtls``."""
        q, name = self.q, element.tag
        if name == q("Amt"):
            entry.amount = parse_amount(element)
        elif name == q("CdtDbtInd"):
            entry.credit_debit = self._credit_debit(text_at(element, "."), element.sourceline)
        elif name == q("Sts"):
            entry.status = text_at(element, q("Cd")) or text_at(element, q("Prtry"))
            if entry.status is None and len(element) == 0:
                entry.status = text_at(element, ".")  # .02–.06: <Sts>BOOK</Sts>
        elif name == q("BookgDt"):
            value = text_at(element, q("Dt")) or text_at(element, q("DtTm"))
            if value is not None:
                entry.booking_date = parse_date(value, element.sourceline)
        elif name == q("BkTxCd"):
            entry.sub_family = text_at(element, q("Domn/Fmly/SubFmlyCd"))

    def _transaction(self, entry: _Entry, element: Any) -> Iterator[Notification]:
        q, line = self.q, element.sourceline
        entry.transactions += 1
        if entry.pending is not None:
            raise missing("TxDtls/Amt", entry.pending["line"])
        amount_node = element.find(q("Amt"))
        if amount_node is None:
            amount_node = element.find(q("AmtDtls/TxAmt/Amt"))
        if amount_node is None:
            amount_node = element.find(q("AmtDtls/InstdAmt/Amt"))
        sub_family = text_at(element, q("BkTxCd/Domn/Fmly/SubFmlyCd"))
        has_return_info = element.find(q("RtrInf")) is not None
        fields: dict[str, Any] = {
            "end_to_end_id": text_at(element, q("Refs/EndToEndId")),
            "credit_debit": self._credit_debit(text_at(element, q("CdtDbtInd")), line),
            "return_info": has_return_info,
            "sub_family": sub_family,
            "reason_code": (
                text_at(element, q("RtrInf/Rsn/Cd")) or text_at(element, q("RtrInf/Rsn/Prtry"))
            ),
            "line": line,
        }
        if amount_node is None:
            if entry.transactions > 1:
                raise missing("TxDtls/Amt", line)
            entry.pending = fields  # the entry's amount applies if it stays the only one
            return
        fields["amount"] = parse_amount(amount_node)
        yield self._notification(entry, fields)

    def _close_entry(self, entry: _Entry, element: Any) -> Iterator[Notification]:
        if entry.amount is None:
            raise missing("Ntry/Amt", entry.line)
        if entry.credit_debit is None:
            raise missing("Ntry/CdtDbtInd", entry.line)
        if entry.pending is not None:
            yield self._notification(entry, {**entry.pending, "amount": entry.amount})
        elif entry.transactions == 0:
            yield self._notification(
                entry,
                {
                    "end_to_end_id": None,
                    "credit_debit": None,
                    "return_info": False,
                    "sub_family": None,
                    "reason_code": None,
                    "line": entry.line,
                    "amount": entry.amount,
                },
            )

    def _notification(self, entry: _Entry, fields: dict[str, Any]) -> Notification:
        credit_debit = fields["credit_debit"] or entry.credit_debit
        if credit_debit is None:
            raise missing("Ntry/CdtDbtInd", entry.line)
        sub_families = {fields["sub_family"], entry.sub_family}
        return Notification(
            end_to_end_id=fields["end_to_end_id"],
            amount=fields["amount"],
            credit_debit=credit_debit,
            is_return=fields["return_info"] or RETURN_SUB_FAMILY in sub_families,
            reason_code=fields["reason_code"],
            booking_date=entry.booking_date,
            entry_status=entry.status,
            line=fields["line"],
        )
