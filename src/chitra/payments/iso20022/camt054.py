"""ISO 20022 camt.054 reader: debit/credit notifications on the office's account (DESIGN §6).

Any ``urn:iso:std:iso:20022:tech:xsd:camt.054.001.NN`` is accepted; the elements read here
have kept their names across versions. A file is validated against the XSD of its version
as it streams (we ship .01 to .14, ``schemas.py``); other versions are checked structurally.

How we read them — the notifications are about *our* account, the BHXH office's (the caller
may name the accounts it takes: a file notifying another account is refused whole):

* a payment out is a **DBIT** entry. A **booked** DBIT entry (``Sts/Cd`` = ``BOOK``, or
  ``Sts`` = ``BOOK`` before version .07) carrying our ``EndToEndId`` is taken as "paid":
  the money has left our account for the beneficiary (DESIGN §8, "a camt.054 credit" to
  the beneficiary);
* a **return** is money coming back: normally a **CRDT** entry with ``RtrInf`` (reason in
  ``RtrInf/Rsn/Cd``: AC04 closed account, MD07 deceased…) and/or the bank transaction
  code sub-family ``RRTN``. ``is_return`` is true when either is present;
* everything else on the account — bank charges, other payments in and out, pending or
  information-only entries (``PDNG``, ``INFO``) — is reported too, as it is, so the caller
  can set it aside with what the bank said about it (``bank_code``, ``reference``, ``info``).

One :class:`Notification` is produced per ``TxDtls`` (a batch-booked entry yields one per
transaction), or one per entry when it has no details (``end_to_end_id`` is then ``None``).
A transaction's amount and direction come from ``TxDtls/Amt`` and ``TxDtls/CdtDbtInd``,
else ``TxDtls/AmtDtls``, else — for an entry with a single transaction — the entry's. The
transactions of a batch entry that carry no amount of their own get ``amount=None``, the
entry's number in the file (``entry_no``) and the amount they share (``entry_total``: the
entry's amount less that of the entry's transactions given before them with an amount).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Literal

from chitra.payments.iso20022.errors import Iso20022Error
from chitra.payments.iso20022.ids import item_id_part
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
from chitra.payments.iso20022.schemas import schema_for_namespace
from chitra.payments.iso20022.text import clean_text

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.054.001."
_NAMESPACE_RE = re.compile(re.escape(NAMESPACE_PREFIX) + r"[0-9]{2}")
RETURN_SUB_FAMILY = "RRTN"
BOOKED = "BOOK"
_SHORT_TEXT = 140

CreditDebit = Literal["CRDT", "DBIT"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Notification:
    """One movement on the office's account, as far as a payment item is concerned."""

    end_to_end_id: str | None  # NtryDtls/TxDtls/Refs/EndToEndId, as written
    amount: int | None  # đồng; None for a batch transaction without its own (see entry_total)
    credit_debit: CreditDebit
    is_return: bool  # RtrInf present or BkTxCd sub-family RRTN
    reason_code: str | None  # RtrInf/Rsn/Cd (or Rsn/Prtry)
    booking_date: date | None
    entry_status: str | None  # BOOK, PDNG, INFO…
    line: int | None
    entry_no: int | None = None  # the entry's number in the file, batch transactions only
    entry_total: int | None = None  # what the entry's amountless transactions add up to
    # What the bank says about a line whose EndToEndId is not of our shape (None for ours:
    # not read), and for a return of ours, its RtrInf/AddtlInf (info).
    bank_code: str | None = None  # BkTxCd: "PMNT/ICDT/DMCT", or the proprietary code
    reference: str | None = None  # the bank's reference: Refs (other than EndToEndId), NtryRef
    info: str | None = None  # AddtlTxInf, RmtInf/Ustrd or AddtlNtryInf

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


def _schema(namespace: str) -> Any | None:
    """The XSD of a camt.054 version we ship (not of another message: refused by its root)."""
    return schema_for_namespace(namespace) if namespace.startswith(NAMESPACE_PREFIX) else None


def read_camt054(
    stream: BinaryIO,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    validate: bool = True,
    accounts: frozenset[str] | None = None,
) -> Iterator[Notification]:
    """Yield the :class:`Notification` values of a camt.054 document, streaming.

    With ``accounts``, every notified account (``Ntfctn/Acct/Id/IBAN`` or ``Othr/Id``,
    compared without spaces, upper-case) must be one of them.

    Raises :class:`Iso20022Error` for unsafe or malformed XML, a file over ``max_bytes``,
    a root that is not a camt.054 ``Document``, a file that does not conform to the XSD of
    its version (``validate``), a notified account not in ``accounts``, entries without
    amount or direction and amounts that are not whole đồng. The error comes once the parse
    has read past the problem, after some lines: a caller that applies all or nothing
    collects the lines first.
    """
    reader: _Reader | None = None
    schemas = _schema if validate else None
    for event, element in iterparse(stream, max_bytes=max_bytes, schema_for=schemas):
        if reader is None:
            reader = _Reader(element, accounts)
        elif event == "start":
            reader.start(element)
        else:
            yield from reader.end(element)
    if reader is None or not reader.seen_body:
        raise missing("BkToCstmrDbtCdtNtfctn", None)


def normalize_account(value: str) -> str:
    """An account number as compared: no spaces, upper-case (IBANs are written both ways)."""
    return "".join(value.split()).upper()


@dataclass(slots=True)
class _Entry:
    line: int | None
    number: int
    amount: int | None = None
    credit_debit: CreditDebit | None = None
    status: str | None = None
    booking_date: date | None = None
    sub_family: str | None = None
    bank_code: str | None = None
    reference: str | None = None
    transactions: int = 0
    given: int = 0  # the amounts of the transactions given before the batch part
    batch_total: int | None = None  # set once the entry is known for a batch without amounts
    pending: dict[str, Any] | None = None  # a first TxDtls without amount, held


class _Reader:
    def __init__(self, root: Any, accounts: frozenset[str] | None) -> None:
        namespace = namespace_of(root)
        q = Paths(namespace)
        if root.tag != q("Document") or not _NAMESPACE_RE.fullmatch(namespace):
            raise wrong_root("camt.054", root)
        self.root = root
        self.q = q
        self.body = q("BkToCstmrDbtCdtNtfctn")
        self.notification_tag = q("Ntfctn")
        self.account_tag = q("Acct")
        self.entry_tag = q("Ntry")
        self.details_tag = q("TxDtls")
        self.accounts = None if accounts is None else frozenset(map(normalize_account, accounts))
        self.account: str | None = None  # of the notification being read
        self.entry: _Entry | None = None
        self.entries = 0
        self.seen_body = False

    def start(self, element: Any) -> None:
        tag = element.tag
        if element.getparent() is self.root:
            if tag != self.body:
                raise wrong_root("camt.054 (BkToCstmrDbtCdtNtfctn)", element)
            self.seen_body = True
        elif tag == self.entry_tag:
            if self.accounts is not None and self.account is None:
                raise missing("Ntfctn/Acct/Id", element.sourceline)
            self.entries += 1
            self.entry = _Entry(line=element.sourceline, number=self.entries)
        elif tag == self.notification_tag:
            self.account = None

    def end(self, element: Any) -> Iterator[Notification]:
        tag = element.tag
        entry = self.entry
        if entry is None:
            if tag == self.account_tag and element.getparent().tag == self.notification_tag:
                self._check_account(element)
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

    def _check_account(self, element: Any) -> None:
        q = self.q
        account = text_at(element, q("Id/IBAN")) or text_at(element, q("Id/Othr/Id"))
        if account is None:
            raise missing("Ntfctn/Acct/Id", element.sourceline)
        self.account = normalize_account(account)
        if self.accounts is not None and self.account not in self.accounts:
            shown = clean_text(account, max_len=40)
            raise Iso20022Error(
                f"Tài khoản được thông báo ({shown}) không phải là tài khoản của cơ quan; "
                "không nhận tệp.",
                f"The notified account ({shown}) is not one of the office's accounts; "
                "the file is refused.",
                element.sourceline,
            )

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
        """Record the entry's own fields; all but ``AddtlNtryInf`` precede ``NtryDtls``."""
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
            entry.bank_code = self._bank_code(element)
        elif name in (q("NtryRef"), q("AcctSvcrRef")):
            entry.reference = entry.reference or text_at(element, ".")

    def _bank_code(self, element: Any) -> str | None:
        q = self.q
        codes = [text_at(element, q(path)) for path in ("Domn/Cd", "Domn/Fmly/Cd",
                                                         "Domn/Fmly/SubFmlyCd")]
        if all(codes):
            return "/".join(code for code in codes if code)
        return text_at(element, q("Prtry/Cd"))

    def _transaction(self, entry: _Entry, element: Any) -> Iterator[Notification]:
        q, line = self.q, element.sourceline
        entry.transactions += 1
        amount_node = element.find(q("Amt"))
        if amount_node is None:
            amount_node = element.find(q("AmtDtls/TxAmt/Amt"))
        if amount_node is None:
            amount_node = element.find(q("AmtDtls/InstdAmt/Amt"))
        end_to_end_id = text_at(element, q("Refs/EndToEndId"))
        fields: dict[str, Any] = {
            "end_to_end_id": end_to_end_id,
            "credit_debit": self._credit_debit(text_at(element, q("CdtDbtInd")), line),
            "return_info": element.find(q("RtrInf")) is not None,
            "sub_family": text_at(element, q("BkTxCd/Domn/Fmly/SubFmlyCd")),
            "reason_code": (
                text_at(element, q("RtrInf/Rsn/Cd")) or text_at(element, q("RtrInf/Rsn/Prtry"))
            ),
            "line": line,
            "amount": None if amount_node is None else parse_amount(amount_node),
        }
        if end_to_end_id is None or item_id_part(end_to_end_id) is None:
            fields.update(self._description(element))  # not ours: say what it is
        elif fields["return_info"]:
            fields["info"] = text_at(element, q("RtrInf/AddtlInf"))
        if entry.batch_total is None:
            if entry.pending is not None:  # a second transaction: the entry is a batch
                self._start_batch(entry)
                yield self._notification(entry, entry.pending)
                entry.pending = None
            elif fields["amount"] is None:
                if entry.transactions == 1:
                    entry.pending = fields  # the entry's amount, if it stays the only one
                    return
                self._start_batch(entry)
            else:
                entry.given += fields["amount"]
        yield self._notification(entry, fields)

    def _start_batch(self, entry: _Entry) -> None:
        if entry.amount is None:
            raise missing("Ntry/Amt", entry.line)
        entry.batch_total = entry.amount - entry.given

    def _description(self, element: Any) -> dict[str, Any]:
        q = self.q
        reference = None
        refs = element.find(q("Refs"))
        if refs is not None:
            for child in refs:
                if child.tag != q("EndToEndId") and (child.text or "").strip():
                    reference = child.text.strip()
                    break
        codes = element.find(q("BkTxCd"))
        return {
            "bank_code": None if codes is None else self._bank_code(codes),
            "reference": reference,
            "info": text_at(element, q("AddtlTxInf")) or text_at(element, q("RmtInf/Ustrd")),
        }

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
                    "bank_code": None,
                    "reference": None,
                    "info": text_at(element, self.q("AddtlNtryInf")),
                },
            )

    def _notification(self, entry: _Entry, fields: dict[str, Any]) -> Notification:
        credit_debit = fields["credit_debit"] or entry.credit_debit
        if credit_debit is None:
            raise missing("Ntry/CdtDbtInd", entry.line)
        sub_families = {fields["sub_family"], entry.sub_family}
        batch = entry.batch_total is not None
        info = fields.get("info")
        described = "bank_code" in fields  # a line not ours: the entry's codes tell what it is
        return Notification(
            end_to_end_id=fields["end_to_end_id"],
            amount=fields["amount"],
            credit_debit=credit_debit,
            is_return=fields["return_info"] or RETURN_SUB_FAMILY in sub_families,
            reason_code=fields["reason_code"],
            booking_date=entry.booking_date,
            entry_status=entry.status,
            line=fields["line"],
            entry_no=entry.number if batch else None,
            entry_total=entry.batch_total if batch else None,
            bank_code=(fields["bank_code"] or entry.bank_code) if described else None,
            reference=(fields["reference"] or entry.reference) if described else None,
            info=None if info is None else clean_text(info, max_len=_SHORT_TEXT),
        )
