"""ISO 20022 pain.001.001.09 writer: one payment file per provider and cycle (DESIGN §6).

The file is written incrementally, so memory stays flat whatever the number of transfers:
the group header and the payment information header come from the :class:`FileHeader` (built
with lxml), then each ``CdtTrfTxInf`` is validated and formatted as text as it is drawn from
the iterable, and written out in chunks of a few dozen transactions. ``NbOfTxs`` and
``CtrlSum`` are therefore declared up front; if the transfers do not add up to them the
writer raises :class:`Pain001Error` at the end (or as soon as they overshoot) and the caller
must discard what was written.

Amounts are ``int`` đồng and written as integers (``<InstdAmt Ccy="VND">5250000</InstdAmt>``).
Output is deterministic: the same input gives the same bytes; the only time in the file is
``FileHeader.created_at``, fixed by the caller at the first export. Names and remittance text
are written in the provider's :class:`~chitra.payments.iso20022.text.Charset`.

Layout of one transaction (optional parts in brackets)::

    CdtTrfTxInf/PmtId/InstrId            = EndToEndId (a report naming only OrgnlInstrId matches)
               /PmtId/EndToEndId
               /Amt/InstdAmt[@Ccy="VND"]
               [/CdtrAgt/FinInstnId/[BICFI]
                                   /[ClrSysMmbId/ClrSysId/Prtry = "NAPAS", /MmbId = NAPAS BIN]]
               /Cdtr/Nm
               /CdtrAcct/Id/Othr/Id
                        [/Prxy/Tp/Cd = "MBNO", /Id = the mobile number, E.164 "+84…"]
               /RmtInf/Ustrd        = text [" CHO " beneficiary] " " EndToEndId, ≤ 140

ISO has no clearing-system code for NAPAS (ExternalClearingSystemIdentification1Code), hence
the proprietary ``NAPAS``. A wallet paid by phone number carries it as a proxy of type
``MBNO`` (ExternalProxyAccountType1Code "mobile number", ITU-T E.164 — there is no ``MOBL``)
in international form, beside ``Id/Othr/Id``, which pain.001.001.09 requires.
The EndToEndId closes the remittance text too, so a report that carries only
``OrgnlTxRef/RmtInf`` still matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO, Protocol

from lxml import etree

from chitra.payments.iso20022.errors import Pain001Error
from chitra.payments.iso20022.ids import MAX_ID_LENGTH, check_id
from chitra.payments.iso20022.text import (
    FOLD_TABLES,
    Charset,
    clean_text,
    clean_text_slowly,
    cut,
    is_swift_text,
)

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CURRENCY = "VND"
MAX_TEXT = 140  # Max140Text: Nm, Ustrd
_MAX_AMOUNT = 10**18 - 1  # DecimalNumber / ActiveOrHistoricCurrencyAndAmount: 18 digits
_MAX_TX_COUNT = 10**15 - 1  # Max15NumericText
BIC_RE = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_BIN_RE = re.compile(r"[0-9]{6,8}")
_ACCOUNT_RE = re.compile(r"[A-Za-z0-9]{1,34}")
_CATEGORY_RE = re.compile(r"[A-Z0-9]{1,4}")
_PHONE_RE = re.compile(r"\+[1-9][0-9]{6,14}")  # ITU-T E.164, international form
CLEARING_SYSTEM = "NAPAS"  # ClrSysId/Prtry: ISO has no code for it
PROXY_TYPE = "MBNO"  # ExternalProxyAccountType1Code: mobile number (E.164)
BENEFICIARY_WORD = "CHO"  # "for": "… CHO <beneficiary>" when the holder is someone else
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
    remittance: str  # Ustrd text; cleaned, cut, followed by the EndToEndId (140 in all)
    creditor_proxy: str | None = None  # a wallet's mobile number, E.164 ("+84912345678")
    beneficiary_name: str | None = None  # the person paid, when not the account holder


class Transfer(Protocol):
    """What the writer reads of a transfer: :class:`CreditTransfer`, or any object with the
    same read-only fields (a bulk caller may pass named tuples, ~4x cheaper to make than the
    frozen dataclass, which adds up over millions of rows)."""

    @property
    def end_to_end_id(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def creditor_name(self) -> str: ...
    @property
    def creditor_account(self) -> str: ...
    @property
    def creditor_agent_bin(self) -> str | None: ...
    @property
    def creditor_agent_bic(self) -> str | None: ...
    @property
    def remittance(self) -> str: ...
    @property
    def creditor_proxy(self) -> str | None: ...
    @property
    def beneficiary_name(self) -> str | None: ...


def write_pain001(
    out: BinaryIO,
    header: FileHeader,
    transfers: Iterable[Transfer],
    *,
    charset: Charset = Charset.UPPER_ASCII,
) -> None:
    """Write a pain.001.001.09 document to ``out`` (UTF-8), streaming ``transfers``.

    Names and remittance text are written in ``charset``: upper-case ASCII by default
    (đ → D, marks removed, the SWIFT Latin set), mixed-case ASCII, or Vietnamese (UTF-8).
    Raises :class:`Pain001Error` for an invalid header or transfer, and when the transfers'
    count or sum differ from ``header.tx_count`` / ``header.control_sum``; the bytes already
    written to ``out`` are then incomplete and must be discarded.
    """
    charset = Charset(charset)
    _check_header(header)
    out.write(_document_head(header, charset))
    _write_transactions(out, header, transfers, charset)


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
    if bic is not None and not BIC_RE.fullmatch(bic):
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


def _check_amount(transfer: Transfer, position: int) -> None:
    """Refuse the amount of the ``position``-th transfer (from 1) unless whole đồng > 0."""
    amount = transfer.amount
    if not _is_int(amount) or not 0 < amount <= _MAX_AMOUNT:
        raise _refuse(
            f"Số tiền không hợp lệ ở giao dịch {transfer.end_to_end_id}: {amount!r}.",
            f"Invalid amount {amount!r} in transaction {transfer.end_to_end_id} (#{position}).",
        )


def _missing_name(transfer: Transfer) -> Pain001Error:
    return _refuse(
        f"Thiếu tên người nhận ở giao dịch {transfer.end_to_end_id}.",
        f"Missing creditor name in transaction {transfer.end_to_end_id}.",
    )


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
        member = _sub(institution, "ClrSysMmbId")
        _sub(member, "ClrSysId/Prtry", CLEARING_SYSTEM)
        _sub(member, "MmbId", bin_)


def _at(element: Any, level: int) -> str:
    """``element`` serialized on its own line, indented as if ``level`` deep in the tree."""
    etree.indent(element, space=_INDENT, level=level)
    element.tail = None
    return "\n" + _INDENT * level + etree.tostring(element, encoding="unicode")


def _group_header(header: FileHeader, charset: Charset) -> Any:
    group = etree.Element("GrpHdr")
    _sub(group, "MsgId", header.msg_id)
    _sub(group, "CreDtTm", header.created_at.isoformat(timespec="seconds"))
    _sub(group, "NbOfTxs", str(header.tx_count))
    _sub(group, "CtrlSum", str(header.control_sum))
    party = clean_text(header.initiating_party, max_len=MAX_TEXT, charset=charset)
    _sub(group, "InitgPty/Nm", party)
    return group


def _payment_info_header(header: FileHeader, charset: Charset) -> list[Any]:
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
    _sub(holder, "Dbtr/Nm", clean_text(debtor.name, max_len=MAX_TEXT, charset=charset))
    _sub(holder, "DbtrAcct/Id/Othr/Id", debtor.account)
    _agent(holder, "DbtrAgt", debtor.agent_bic, debtor.agent_bin)
    _sub(holder, "ChrgBr", "SLEV")
    return list(holder)


# --- the document -----------------------------------------------------------------------
#
# The header is small and built with lxml (above). The transactions — millions in a national
# file — are formatted directly as text: each field is either validated to a character set
# that needs no escaping (ids, accounts, BIC, BIN, amount) or cleaned and escaped here (names,
# remittance). The output is byte for byte what lxml would serialize for the same tree
# (indented with ``etree.indent``); the golden file and a property test comparing with an
# lxml-built tree hold it so.
#
# Speed trick: a str holding Vietnamese is stored two bytes per character, and encoding a
# long, mostly ASCII chunk of it to UTF-8 costs more than formatting it. So names and
# remittances are turned into their UTF-8 bytes *seen as Latin-1 code points* (one per byte)
# before formatting; a chunk then contains only code points < 256 and its ``encode("latin-1")``
# is a plain copy that yields exactly the UTF-8 bytes.

_DOCUMENT_TAIL = "\n    </PmtInf>\n  </CstmrCdtTrfInitn>\n</Document>\n"
# Transactions per ``out.write``: ~50 kB, which keeps memory flat and the chunk below the
# allocator's mmap threshold (larger blocks are mapped and faulted in afresh at every chunk).
_CHUNK = 64
_CACHE_SIZE = 1024  # distinct agents / remittance texts remembered per file
_MAX_ACCOUNT = 34
# ids.check_id's test in one step: 1-35 characters from its set. Only a shortcut: a value it
# does not accept goes through check_id, which raises (or accepts it after all).
_E2E_OK = re.compile(rf"[A-Za-z0-9/\-?:().,'+ ]{{1,{MAX_ID_LENGTH}}}").fullmatch


def _xml_text(value: str) -> str:
    """``value`` escaped for element content (control characters are already removed)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(value: str) -> str:
    """``value`` escaped for a double-quoted attribute, as libxml2 does it."""
    escaped = _xml_text(value).replace('"', "&quot;")
    return escaped.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


_CURRENCY_ATTR = f'"{_xml_attr(CURRENCY)}"'


def _utf8_as_latin1(text: str) -> str:
    """The UTF-8 bytes of ``text`` as a str of code points < 256 (see the note above)."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _document_head(header: FileHeader, charset: Charset) -> bytes:
    """Everything before the first ``CdtTrfTxInf``, as UTF-8.

    Only the root carries the namespace (declared once, as the default namespace); every
    element inside is built without one and so inherits it textually.
    """
    head = [
        f'<Document xmlns="{_xml_attr(NAMESPACE)}">',
        f"\n{_INDENT}<CstmrCdtTrfInitn>",
        _at(_group_header(header, charset), 2),
        f"\n{_INDENT * 2}<PmtInf>",
        *(_at(element, 3) for element in _payment_info_header(header, charset)),
    ]
    return _DECLARATION + "".join(head).encode("utf-8")


def _agent_xml(bic: str | None, bin_: str | None) -> str:
    """``CdtrAgt/FinInstnId/[BICFI][ClrSysMmbId]`` at transaction depth, or ``""``."""
    if bic is None and bin_ is None:
        return ""
    parts = ["\n        <CdtrAgt>", "\n          <FinInstnId>"]
    if bic is not None:
        parts.append(f"\n            <BICFI>{_xml_text(bic)}</BICFI>")
    if bin_ is not None:
        parts.append("\n            <ClrSysMmbId>")
        parts.append("\n              <ClrSysId>")
        parts.append(f"\n                <Prtry>{CLEARING_SYSTEM}</Prtry>")
        parts.append("\n              </ClrSysId>")
        parts.append(f"\n              <MmbId>{_xml_text(bin_)}</MmbId>")
        parts.append("\n            </ClrSysMmbId>")
    parts.append("\n          </FinInstnId>")
    parts.append("\n        </CdtrAgt>")
    return "".join(parts)


def _check_proxy(transfer: Transfer) -> str:
    """``CdtrAcct/Prxy`` at transaction depth for the transfer's mobile number."""
    phone = transfer.creditor_proxy
    if type(phone) is not str or not _PHONE_RE.fullmatch(phone):
        raise _refuse(
            f"Số điện thoại ví không hợp lệ ở giao dịch {transfer.end_to_end_id}: {phone!r} "
            "(dạng quốc tế +84…).",
            f"Invalid wallet phone number in transaction {transfer.end_to_end_id}: {phone!r} "
            "(international form +84…).",
        )
    return (
        "\n          <Prxy>"
        "\n            <Tp>"
        f"\n              <Cd>{PROXY_TYPE}</Cd>"
        "\n            </Tp>"
        f"\n            <Id>{phone}</Id>"
        "\n          </Prxy>"
    )


def _ustrd_text(
    remittance: str, beneficiary: str | None, id_length: int, charset: Charset
) -> str:
    """The text of ``Ustrd`` before the EndToEndId, cut to leave room for it and a space."""
    text = remittance if beneficiary is None else f"{remittance} {BENEFICIARY_WORD} {beneficiary}"
    return cut(clean_text(text, max_len=MAX_TEXT, charset=charset), MAX_TEXT - 1 - id_length)


def remittance_text(
    remittance: str, beneficiary: str | None, end_to_end_id: str, charset: Charset
) -> str:
    """The ``Ustrd`` of a transfer: the text, ``CHO <beneficiary>`` when one is named, and
    the EndToEndId last — the text is cut so the id always fits within 140 characters."""
    text = _ustrd_text(remittance, beneficiary, len(end_to_end_id), charset)
    return f"{text} {end_to_end_id}" if text else end_to_end_id


def _remittance_head(
    remittance: str, beneficiary: str | None, id_length: int, charset: Charset
) -> str:
    """``RmtInf/Ustrd`` up to where the EndToEndId goes (Latin-1-coded UTF-8)."""
    text = _ustrd_text(remittance, beneficiary, id_length, charset)
    space = " " if text else ""
    return _utf8_as_latin1(f"\n        <RmtInf>\n          <Ustrd>{_xml_text(text)}{space}")


_REMITTANCE_TAIL = "</Ustrd>\n        </RmtInf>"


def _write_transactions(
    out: BinaryIO, header: FileHeader, transfers: Iterable[Transfer], charset: Charset
) -> None:
    """Validate and write every ``CdtTrfTxInf``, check the totals, close the document.

    The hot path of the export. Checks are ordered and worded as in the validation section
    (which they fall back to for anything unusual); agents and remittance texts repeat across
    a file, so their validated, escaped XML is remembered (a bounded cache per call). The
    character set's choices are taken once, before the loop.
    """
    tx_count, control_sum = header.tx_count, header.control_sum
    agents: dict[tuple[str | None, str | None], str] = {}
    remittances: dict[tuple[str, str | None, int], str] = {}
    e2e_ok, is_normalized = _E2E_OK, unicodedata.is_normalized
    unicode = charset is Charset.UNICODE
    upper = charset is Charset.UPPER_ASCII
    fold = None if unicode else FOLD_TABLES[charset]
    swift_ok = is_swift_text
    parts: list[str] = []
    append = parts.append
    count = total = 0
    for transfer in transfers:
        e2e = transfer.end_to_end_id
        if type(e2e) is not str or not e2e_ok(e2e):
            check_id(e2e, "EndToEndId")
        amount = transfer.amount
        if type(amount) is not int or not 0 < amount <= _MAX_AMOUNT:
            _check_amount(transfer, count + 1)
        account = transfer.creditor_account
        if not (
            type(account) is str
            and account.isascii()
            and account.isalnum()  # with isascii: [A-Za-z0-9]+
            and len(account) <= _MAX_ACCOUNT
        ):
            _check_account(account, "người nhận", "creditor")
        agent_key = (transfer.creditor_agent_bic, transfer.creditor_agent_bin)
        agent = agents.get(agent_key)
        if agent is None:
            _check_agent(*agent_key, "ngân hàng nhận", "creditor agent")
            agent = _agent_xml(*agent_key)
            if len(agents) >= _CACHE_SIZE:
                agents.clear()
            agents[agent_key] = agent
        proxy = "" if transfer.creditor_proxy is None else _check_proxy(transfer)

        count += 1
        total += amount
        if count > tx_count or total > control_sum:
            raise _totals_error(header, count, total, finished=False)

        name = transfer.creditor_name
        if unicode:
            if not (  # clean_text's own shortcut for text that needs no cleaning
                len(name) <= MAX_TEXT
                and name.isprintable()
                and "  " not in name
                and name == name.strip()
                and is_normalized("NFC", name)
            ):
                name = clean_text(name, max_len=MAX_TEXT, charset=charset)
            if "&" in name or "<" in name or ">" in name:
                name = _xml_text(name)
            if not name.isascii():
                name = name.encode("utf-8").decode("latin-1")
        else:  # clean_text's shortcut again; the SWIFT set needs no escaping
            folded = name.translate(fold)  # type: ignore[arg-type]
            if upper:
                folded = folded.upper()
            if len(folded) <= MAX_TEXT and swift_ok(folded):
                name = folded
            else:
                name = clean_text_slowly(name, max_len=MAX_TEXT, charset=charset)
        if not name:
            raise _missing_name(transfer)
        remittance_key = (transfer.remittance, transfer.beneficiary_name, len(e2e))
        remittance = remittances.get(remittance_key)
        if remittance is None:
            remittance = _remittance_head(*remittance_key, charset)
            if len(remittances) >= _CACHE_SIZE:
                remittances.clear()
            remittances[remittance_key] = remittance

        append(
            "\n      <CdtTrfTxInf>"
            "\n        <PmtId>"
            f"\n          <InstrId>{e2e}</InstrId>"
            f"\n          <EndToEndId>{e2e}</EndToEndId>"
            "\n        </PmtId>"
            "\n        <Amt>"
            f"\n          <InstdAmt Ccy={_CURRENCY_ATTR}>{amount}</InstdAmt>"
            f"\n        </Amt>{agent}"
            "\n        <Cdtr>"
            f"\n          <Nm>{name}</Nm>"
            "\n        </Cdtr>"
            "\n        <CdtrAcct>"
            "\n          <Id>"
            "\n            <Othr>"
            f"\n              <Id>{account}</Id>"
            "\n            </Othr>"
            f"\n          </Id>{proxy}"
            f"\n        </CdtrAcct>{remittance}{e2e}{_REMITTANCE_TAIL}"
            "\n      </CdtTrfTxInf>"
        )
        if count % _CHUNK == 0:
            out.write("".join(parts).encode("latin-1"))
            parts.clear()

    if count != tx_count or total != control_sum:
        raise _totals_error(header, count, total, finished=True)
    append(_DOCUMENT_TAIL)
    out.write("".join(parts).encode("latin-1"))
