"""ISO 20022 pain.001.001.09 writer: one payment file per provider and cycle (DESIGN §6).

The file is written incrementally with :class:`lxml.etree.xmlfile`, so memory stays flat
whatever the number of transfers: the group header and the payment information header come
from the :class:`FileHeader`, then each ``CdtTrfTxInf`` is written as it is drawn from the
iterable. ``NbOfTxs`` and ``CtrlSum`` are therefore declared up front; if the transfers do
not add up to them the writer raises :class:`Pain001Error` at the end (or as soon as they
overshoot) and the caller must discard what was written.

Amounts are ``int`` đồng and written as integers (``<InstdAmt Ccy="VND">5250000</InstdAmt>``).
Output is deterministic: the same input gives the same bytes; the only time in the file is
``FileHeader.created_at``, fixed by the caller at the first export.

Layout of one transaction (optional parts in brackets)::

    CdtTrfTxInf/PmtId/EndToEndId
               /Amt/InstdAmt[@Ccy="VND"]
               [/CdtrAgt/FinInstnId/[BICFI]/[ClrSysMmbId/MmbId = NAPAS BIN]]
               /Cdtr/Nm
               /CdtrAcct/Id/Othr/Id
               [/RmtInf/Ustrd]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO

from lxml import etree

from chitra.payments.iso20022.errors import Pain001Error
from chitra.payments.iso20022.ids import check_id
from chitra.payments.iso20022.text import clean_text

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CURRENCY = "VND"
MAX_TEXT = 140  # Max140Text: Nm, Ustrd
_MAX_AMOUNT = 10**18 - 1  # DecimalNumber / ActiveOrHistoricCurrencyAndAmount: 18 digits
_MAX_TX_COUNT = 10**15 - 1  # Max15NumericText
_BIC_RE = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_BIN_RE = re.compile(r"[0-9]{6,8}")
_ACCOUNT_RE = re.compile(r"[A-Za-z0-9]{1,34}")
_CATEGORY_RE = re.compile(r"[A-Z0-9]{1,4}")
_INDENT = "  "
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True, kw_only=True, slots=True)
class Debtor:
    """The BHXH office paying: its name, account and bank (by BIC, NAPAS BIN or both)."""

    name: str
    account: str
    agent_bic: str | None
    agent_bin: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class FileHeader:
    """Everything in the file that is not a transaction; counts are declared up front."""

    msg_id: str
    pmt_inf_id: str
    created_at: datetime  # aware; fixed at the first export
    requested_execution_date: date
    debtor: Debtor
    initiating_party: str
    category_purpose: str | None  # "PENS" for pensions; None omits PmtTpInf
    tx_count: int
    control_sum: int  # đồng


@dataclass(frozen=True, kw_only=True, slots=True)
class CreditTransfer:
    """One payment item as it goes to the bank."""

    end_to_end_id: str
    amount: int  # đồng, > 0
    creditor_name: str
    creditor_account: str
    creditor_agent_bin: str | None  # NAPAS BIN → FinInstnId/ClrSysMmbId/MmbId
    creditor_agent_bic: str | None  # BICFI where known
    remittance: str  # Ustrd; cleaned and cut to 140 characters


def write_pain001(
    out: BinaryIO,
    header: FileHeader,
    transfers: Iterable[CreditTransfer],
    *,
    strip_diacritics: bool = False,
) -> None:
    """Write a pain.001.001.09 document to ``out`` (UTF-8), streaming ``transfers``.

    Names and remittance text stay Vietnamese (UTF-8) unless ``strip_diacritics``, which
    folds them to ASCII (đ → d, marks removed) for banks that cannot take them.
    Raises :class:`Pain001Error` for an invalid header or transfer, and when the transfers'
    count or sum differ from ``header.tx_count`` / ``header.control_sum``; the bytes already
    written to ``out`` are then incomplete and must be discarded.
    """
    _check_header(header)
    writer = _TransactionWriter(strip_diacritics)
    out.write(_DECLARATION)
    # Only the root is written with its namespace (declared once, as the default namespace);
    # every element inside is built without one and so inherits it textually. Elements built
    # in the namespace would each repeat ``xmlns="…"`` when written one by one.
    with (
        etree.xmlfile(out, encoding="utf-8") as xf,
        xf.element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE}),
    ):
        xf.write("\n" + _INDENT)
        with xf.element("CstmrCdtTrfInitn"):
            _write_at(xf, _group_header(header, strip_diacritics), level=2)
            xf.write("\n" + _INDENT * 2)
            with xf.element("PmtInf"):
                for element in _payment_info_header(header, strip_diacritics):
                    _write_at(xf, element, level=3)
                count, total = 0, 0
                for transfer in transfers:
                    count += 1
                    total += _check_transfer(transfer, count)
                    if count > header.tx_count or total > header.control_sum:
                        raise _totals_error(header, count, total, finished=False)
                    xf.write("\n" + _INDENT * 3)
                    xf.write(writer.element(transfer))
                if count != header.tx_count or total != header.control_sum:
                    raise _totals_error(header, count, total, finished=True)
                xf.write("\n" + _INDENT * 2)
            xf.write("\n" + _INDENT)
        xf.write("\n")
    out.write(b"\n")


# --- validation -------------------------------------------------------------------------


def _refuse(message_vi: str, message_en: str) -> Pain001Error:
    return Pain001Error(message_vi, message_en)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_account(value: str, what_vi: str, what_en: str) -> None:
    if not isinstance(value, str) or not _ACCOUNT_RE.fullmatch(value):
        raise _refuse(
            f"Số tài khoản {what_vi} không hợp lệ: {value!r} (1–34 chữ và số).",
            f"Invalid {what_en} account {value!r} (1-34 letters and digits).",
        )


def _check_agent(bic: str | None, bin_: str | None, what_vi: str, what_en: str) -> None:
    if bic is not None and not _BIC_RE.fullmatch(bic):
        raise _refuse(f"Mã BIC {what_vi} không hợp lệ: {bic!r}.", f"Invalid {what_en} BIC {bic!r}.")
    if bin_ is not None and not _BIN_RE.fullmatch(bin_):
        raise _refuse(
            f"Mã BIN NAPAS {what_vi} không hợp lệ: {bin_!r}.",
            f"Invalid {what_en} NAPAS BIN {bin_!r}.",
        )


def _check_header(header: FileHeader) -> None:
    check_id(header.msg_id, "MsgId")
    check_id(header.pmt_inf_id, "PmtInfId")
    if header.created_at.tzinfo is None or header.created_at.utcoffset() is None:
        raise _refuse(
            "Thời điểm tạo tệp phải có múi giờ.", "created_at must be a timezone-aware datetime."
        )
    if not _is_int(header.tx_count) or not 1 <= header.tx_count <= _MAX_TX_COUNT:
        raise _refuse(
            f"Số giao dịch không hợp lệ: {header.tx_count!r}.",
            f"Invalid transaction count {header.tx_count!r}.",
        )
    if not _is_int(header.control_sum) or not 1 <= header.control_sum <= _MAX_AMOUNT:
        raise _refuse(
            f"Tổng tiền kiểm soát không hợp lệ: {header.control_sum!r}.",
            f"Invalid control sum {header.control_sum!r}.",
        )
    if header.category_purpose is not None and not _CATEGORY_RE.fullmatch(header.category_purpose):
        raise _refuse(
            f"Mã mục đích không hợp lệ: {header.category_purpose!r}.",
            f"Invalid category purpose {header.category_purpose!r}.",
        )
    debtor = header.debtor
    _check_account(debtor.account, "đơn vị chi", "debtor")
    _check_agent(debtor.agent_bic, debtor.agent_bin, "ngân hàng đơn vị chi", "debtor agent")
    if debtor.agent_bic is None and debtor.agent_bin is None:
        raise _refuse(
            "Cần mã BIC hoặc BIN của ngân hàng đơn vị chi.",
            "The debtor agent needs a BIC or a NAPAS BIN.",
        )
    for value, what_vi, what_en in (
        (debtor.name, "đơn vị chi", "debtor name"),
        (header.initiating_party, "bên khởi tạo", "initiating party"),
    ):
        if not clean_text(value, max_len=MAX_TEXT):
            raise _refuse(f"Thiếu tên {what_vi}.", f"Missing {what_en}.")


def _check_transfer(transfer: CreditTransfer, position: int) -> int:
    """Validate one transfer (the ``position``-th, from 1); return its amount."""
    check_id(transfer.end_to_end_id, "EndToEndId")
    amount = transfer.amount
    if not _is_int(amount) or not 0 < amount <= _MAX_AMOUNT:
        raise _refuse(
            f"Số tiền không hợp lệ ở giao dịch {transfer.end_to_end_id}: {amount!r}.",
            f"Invalid amount {amount!r} in transaction {transfer.end_to_end_id} (#{position}).",
        )
    _check_account(transfer.creditor_account, "người nhận", "creditor")
    _check_agent(
        transfer.creditor_agent_bic, transfer.creditor_agent_bin, "ngân hàng nhận", "creditor agent"
    )
    return amount


def _totals_error(header: FileHeader, count: int, total: int, *, finished: bool) -> Pain001Error:
    seen = "" if finished else " (at least)"
    return _refuse(
        f"Số giao dịch/tổng tiền không khớp đầu tệp: {count}/{total} so với "
        f"{header.tx_count}/{header.control_sum}. Hủy tệp.",
        f"Transfers do not match the header: {count}/{total}{seen} transactions/đồng "
        f"against {header.tx_count}/{header.control_sum}. Discard the file.",
    )


# --- building ---------------------------------------------------------------------------


def _sub(parent: Any, path: str, text: str | None = None, **attrib: str) -> Any:
    """Create the elements of ``path`` ("A/B/C") under ``parent``; set the last one's text."""
    element = parent
    for tag in path.split("/"):
        element = etree.SubElement(element, tag)
    element.attrib.update(attrib)
    if text is not None:
        element.text = text
    return element


def _agent(parent: Any, tag: str, bic: str | None, bin_: str | None) -> None:
    """``<tag><FinInstnId>[BICFI][ClrSysMmbId/MmbId]`` — BICFI first, as the XSD orders them."""
    institution = _sub(parent, f"{tag}/FinInstnId")
    if bic is not None:
        _sub(institution, "BICFI", bic)
    if bin_ is not None:
        _sub(institution, "ClrSysMmbId/MmbId", bin_)


def _write_at(xf: Any, element: Any, *, level: int) -> None:
    etree.indent(element, space=_INDENT, level=level)
    element.tail = None
    xf.write("\n" + _INDENT * level)
    xf.write(element)


def _group_header(header: FileHeader, ascii_only: bool) -> Any:
    group = etree.Element("GrpHdr")
    _sub(group, "MsgId", header.msg_id)
    _sub(group, "CreDtTm", header.created_at.isoformat(timespec="seconds"))
    _sub(group, "NbOfTxs", str(header.tx_count))
    _sub(group, "CtrlSum", str(header.control_sum))
    party = clean_text(header.initiating_party, max_len=MAX_TEXT, ascii_only=ascii_only)
    _sub(group, "InitgPty/Nm", party)
    return group


def _payment_info_header(header: FileHeader, ascii_only: bool) -> list[Any]:
    """The children of ``PmtInf`` that precede the transactions, in XSD order."""
    holder = etree.Element("PmtInf")
    _sub(holder, "PmtInfId", header.pmt_inf_id)
    _sub(holder, "PmtMtd", "TRF")
    _sub(holder, "NbOfTxs", str(header.tx_count))
    _sub(holder, "CtrlSum", str(header.control_sum))
    if header.category_purpose is not None:
        _sub(holder, "PmtTpInf/CtgyPurp/Cd", header.category_purpose)
    _sub(holder, "ReqdExctnDt/Dt", header.requested_execution_date.isoformat())
    debtor = header.debtor
    _sub(holder, "Dbtr/Nm", clean_text(debtor.name, max_len=MAX_TEXT, ascii_only=ascii_only))
    _sub(holder, "DbtrAcct/Id/Othr/Id", debtor.account)
    _agent(holder, "DbtrAgt", debtor.agent_bic, debtor.agent_bin)
    _sub(holder, "ChrgBr", "SLEV")
    return list(holder)


class _TransactionWriter:
    """Builds ``CdtTrfTxInf`` elements from a few reusable templates (one per shape).

    Filling the texts of a prepared, pre-indented tree and serializing it is several times
    faster than creating elements per transfer, and allocates nothing per transfer.
    """

    def __init__(self, ascii_only: bool) -> None:
        self._ascii_only = ascii_only
        self._templates: dict[tuple[bool, bool, bool], dict[str, Any]] = {}

    def _template(self, has_bic: bool, has_bin: bool, has_remittance: bool) -> dict[str, Any]:
        key = (has_bic, has_bin, has_remittance)
        if key not in self._templates:
            root = etree.Element("CdtTrfTxInf")
            slots = {"root": root, "e2e": _sub(root, "PmtId/EndToEndId")}
            slots["amount"] = _sub(root, "Amt/InstdAmt", Ccy=CURRENCY)
            if has_bic or has_bin:
                institution = _sub(root, "CdtrAgt/FinInstnId")
                if has_bic:
                    slots["bic"] = _sub(institution, "BICFI")
                if has_bin:
                    slots["bin"] = _sub(institution, "ClrSysMmbId/MmbId")
            slots["name"] = _sub(root, "Cdtr/Nm")
            slots["account"] = _sub(root, "CdtrAcct/Id/Othr/Id")
            if has_remittance:
                slots["remittance"] = _sub(root, "RmtInf/Ustrd")
            etree.indent(root, space=_INDENT, level=3)
            root.tail = None
            self._templates[key] = slots
        return self._templates[key]

    def element(self, transfer: CreditTransfer) -> Any:
        name = clean_text(transfer.creditor_name, max_len=MAX_TEXT, ascii_only=self._ascii_only)
        if not name:
            raise _refuse(
                f"Thiếu tên người nhận ở giao dịch {transfer.end_to_end_id}.",
                f"Missing creditor name in transaction {transfer.end_to_end_id}.",
            )
        remittance = clean_text(transfer.remittance, max_len=MAX_TEXT, ascii_only=self._ascii_only)
        slots = self._template(
            transfer.creditor_agent_bic is not None,
            transfer.creditor_agent_bin is not None,
            bool(remittance),
        )
        slots["e2e"].text = transfer.end_to_end_id
        slots["amount"].text = str(transfer.amount)
        if transfer.creditor_agent_bic is not None:
            slots["bic"].text = transfer.creditor_agent_bic
        if transfer.creditor_agent_bin is not None:
            slots["bin"].text = transfer.creditor_agent_bin
        slots["name"].text = name
        slots["account"].text = transfer.creditor_account
        if remittance:
            slots["remittance"].text = remittance
        return slots["root"]
