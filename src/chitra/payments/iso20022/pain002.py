"""ISO 20022 pain.002 reader: payment status reports from the banks (DESIGN §6, §8).

Any ``urn:iso:std:iso:20022:tech:xsd:pain.002.001.NN`` from 03 to 15 is accepted: the
elements read here (``OrgnlGrpInfAndSts/GrpSts``, ``OrgnlPmtInfAndSts/PmtInfSts``,
``TxInfAndSts/TxSts``, ``StsRsnInf/Rsn/Cd``, ``StsRsnInf/AddtlInf``,
``OrgnlTxRef/Amt/InstdAmt``) have kept their names and places across those versions. A
file is validated against the XSD of its version as it streams, where we ship that XSD
(``schemas.py``); the other versions are checked structurally, by what is read here.

A transaction names its payment by ``OrgnlEndToEndId``; banks that leave it out (or send
``NOTPROVIDED``) may give ``OrgnlInstrId`` or quote our id in ``OrgnlTxRef`` (the remittance
text): the reader gives all three and the caller chooses.

The report is flattened to :class:`StatusLine` values in document order: one for the group
status (if given), one per payment information status (if given), one per transaction.
Interpreting them (PART means "apply each transaction's own status", RJCT at group level
rejects every item of the file…) is the caller's job (``payments.transitions``).

The reader is a generator: it raises :class:`Iso20022Error` when it reaches a problem, so a
caller that must apply all or nothing collects the lines first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO, Literal, NamedTuple

from chitra.payments.iso20022.errors import Iso20022Error
from chitra.payments.iso20022.ids import E2E_ITEM_WIDTH, E2E_PREFIX
from chitra.payments.iso20022.safe_xml import (
    DEFAULT_MAX_BYTES,
    Paths,
    iterparse,
    missing,
    namespace_of,
    parse_amount,
    release,
    text_at,
    wrong_root,
)
from chitra.payments.iso20022.schemas import schema_for_namespace
from chitra.payments.iso20022.text import DETAIL_MAX, clean_text

NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:pain.002.001."
SUPPORTED_VERSIONS = range(3, 16)
NOT_PROVIDED = "NOTPROVIDED"  # what banks write where an id was not given to them
ACCEPTED_WITH_CHANGE = "ACWC"
# One of our EndToEndIds inside free text (OrgnlTxRef/RmtInf/Ustrd…).
_OUR_ID_IN_TEXT = re.compile(rf"(?<![0-9A-Za-z]){E2E_PREFIX}[0-9]{{{6 + E2E_ITEM_WIDTH}}}(?![0-9])")
_NAMESPACE_RE = re.compile(re.escape(NAMESPACE_PREFIX) + r"([0-9]{2})")
_STATUS_RE = re.compile(r"[A-Z0-9]{1,4}")

StatusLevel = Literal["group", "payment", "transaction"]


class StatusLine(NamedTuple):
    """One status given by the bank, for the whole file, one ``PmtInf`` or one transaction.

    Immutable; a named tuple rather than a frozen dataclass, which takes three times as long
    to make (one per transaction: a million per big report)."""

    level: StatusLevel
    original_msg_id: str
    original_pmt_inf_id: str | None
    original_end_to_end_id: str | None
    status: str  # ACCP, ACSP, ACSC, ACCC, ACWC, ACWP, RCVD, PDNG, ACTC, PART, RJCT…
    reason_code: str | None  # StsRsnInf/Rsn/Cd (or Rsn/Prtry when no code is given)
    amount: int | None  # OrgnlTxRef/Amt/InstdAmt in đồng, transactions only
    line: int | None  # source line, for error reports
    original_instr_id: str | None = None  # OrgnlInstrId, transactions only
    # One of our EndToEndIds quoted in OrgnlTxRef, looked for only when the transaction has
    # neither OrgnlEndToEndId nor OrgnlInstrId (or NOTPROVIDED).
    referenced_id: str | None = None
    # StsRsnInf/AddtlInf joined (ACWC: and the dates the bank moved it to), ≤ 210 characters
    detail: str = ""


def pain002_version(namespace: str) -> int | None:
    """The message version (3 … 15) of a pain.002 namespace, ``None`` if not one we take."""
    match = _NAMESPACE_RE.fullmatch(namespace)
    if match is None or int(match[1]) not in SUPPORTED_VERSIONS:
        return None
    return int(match[1])


def _schema(namespace: str) -> Any | None:
    """The XSD of a pain.002 version we ship (not of another message: refused by its root)."""
    return schema_for_namespace(namespace) if namespace.startswith(NAMESPACE_PREFIX) else None


def read_pain002(
    stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES, validate: bool = True
) -> Iterator[StatusLine]:
    """Yield the :class:`StatusLine` values of a pain.002 document, streaming.

    Raises :class:`Iso20022Error` for unsafe or malformed XML, a file over ``max_bytes``,
    a root that is not a pain.002 ``Document``, a file that does not conform to the XSD of
    its version (``validate``; the error comes once the parse has read past it, after some
    lines: a caller that applies all or nothing collects the lines first), a missing
    original message id, a missing transaction status and amounts that are not whole đồng.
    A transaction that names no payment is given with ``original_end_to_end_id=None``.
    """
    reader: _Reader | None = None
    transaction = None
    # Only the three status elements (and the root, last) come out of the parser: a report of
    # a million transactions is a million events, not twelve million.
    schemas = _schema if validate else None
    for _event, element in iterparse(stream, max_bytes=max_bytes, tags=_TAGS, schema_for=schemas):
        if reader is None:
            reader = _Reader(element.getroottree().getroot())
            transaction = reader.transaction
        if element.tag == transaction and reader.payment_read:  # the hot path
            yield reader._transaction_status(element)
            reader.release_transaction(element)
        else:
            yield from reader.end(element)
    if reader is None or reader.original_msg_id is None:
        raise missing("OrgnlGrpInfAndSts/OrgnlMsgId", None)


_RELEASE_EVERY = 256
_STATUSES_KEPT = 64
_TAGS = ("{*}Document", "{*}OrgnlGrpInfAndSts", "{*}OrgnlPmtInfAndSts", "{*}TxInfAndSts")


class _Reader:
    def __init__(self, root: Any) -> None:
        namespace = namespace_of(root)
        q = Paths(namespace)
        if root.tag != q("Document") or pain002_version(namespace) is None:
            raise wrong_root("pain.002.001.03–15", root)
        self.root = root
        self.q = q
        self.report = q("CstmrPmtStsRpt")
        self.group = q("OrgnlGrpInfAndSts")
        self.payment = q("OrgnlPmtInfAndSts")
        self.transaction = q("TxInfAndSts")
        self.tx_children = (q("OrgnlEndToEndId"), q("TxSts"), q("StsRsnInf"), q("OrgnlTxRef"),
                            q("OrgnlInstrId"))
        self.original_msg_id: str | None = None
        self.pmt_inf_id: str | None = None
        self.payment_read = False
        self.cleared = 0
        self.statuses: dict[str, str] = {}  # status text as written → its code, once checked
        self._check_report()

    def release_transaction(self, element: Any) -> None:
        """Free a transaction read; drop the cleared ones from the tree now and then."""
        element.clear(keep_tail=False)
        self.cleared += 1
        if self.cleared == _RELEASE_EVERY:
            self.cleared = 0
            release(element)

    def _check_report(self) -> None:
        """The root holds the report and nothing else (checked as far as parsed)."""
        for child in self.root:
            if child.tag != self.report:
                raise wrong_root("pain.002 (CstmrPmtStsRpt)", child)

    def end(self, element: Any) -> Iterator[StatusLine]:
        tag = element.tag
        if tag == self.transaction:
            if not self.payment_read:
                # The payment's own fields precede its transactions and are complete by now.
                yield from self._payment_status(element.getparent())
            yield self._transaction_status(element)
            self.release_transaction(element)
        elif tag == self.group:
            self._check_report()
            yield from self._group_status(element)
            release(element)
        elif tag == self.payment:
            if not self.payment_read:
                yield from self._payment_status(element)
            self.pmt_inf_id, self.payment_read = None, False
            release(element)
        elif element is self.root:
            self._check_report()

    def _reason(self, element: Any) -> str | None:
        q = self.q
        for info in element.iterfind(q("StsRsnInf")):
            code = text_at(info, q("Rsn/Cd")) or text_at(info, q("Rsn/Prtry"))
            if code is not None:
                return code
        return None

    def _status(self, element: Any, path: str) -> tuple[str, int | None] | None:
        return self._status_of(element.find(self.q(path)))

    def _status_of(self, node: Any) -> tuple[str, int | None] | None:
        if node is None:
            return None
        text = node.text
        value = self.statuses.get(text)  # a report repeats a few codes a million times
        if value is None:
            if not (text or "").strip():
                return None
            value = text.strip().upper()
            if not _STATUS_RE.fullmatch(value):
                raise Iso20022Error(
                    f"Mã trạng thái không hợp lệ: {value!r}.",
                    f"Invalid status code {value!r}.",
                    node.sourceline,
                )
            if len(self.statuses) < _STATUSES_KEPT:
                self.statuses[text] = value
        return value, node.sourceline

    def _group_status(self, element: Any) -> Iterator[StatusLine]:
        self.original_msg_id = text_at(element, self.q("OrgnlMsgId"))
        if self.original_msg_id is None:
            raise missing("OrgnlGrpInfAndSts/OrgnlMsgId", element.sourceline)
        status = self._status(element, "GrpSts")
        if status is not None:
            yield StatusLine(
                level="group",
                original_msg_id=self.original_msg_id,
                original_pmt_inf_id=None,
                original_end_to_end_id=None,
                status=status[0],
                reason_code=self._reason(element),
                amount=None,
                line=status[1],
                detail=self._detail(element, status[0], None),
            )

    def _require_msg_id(self, element: Any) -> str:
        if self.original_msg_id is None:
            raise missing("OrgnlGrpInfAndSts/OrgnlMsgId", element.sourceline)
        return self.original_msg_id

    def _payment_status(self, element: Any) -> Iterator[StatusLine]:
        msg_id = self._require_msg_id(element)
        self.payment_read = True
        self.pmt_inf_id = text_at(element, self.q("OrgnlPmtInfId"))
        if self.pmt_inf_id is None:
            raise missing("OrgnlPmtInfAndSts/OrgnlPmtInfId", element.sourceline)
        status = self._status(element, "PmtInfSts")
        if status is not None:
            yield StatusLine(
                level="payment",
                original_msg_id=msg_id,
                original_pmt_inf_id=self.pmt_inf_id,
                original_end_to_end_id=None,
                status=status[0],
                reason_code=self._reason(element),
                amount=None,
                line=status[1],
                detail=self._detail(element, status[0], None),
            )

    def _detail(self, element: Any, status: str, reference: Any) -> str:
        """``StsRsnInf/AddtlInf`` joined; for ACWC also what the bank changed."""
        q = self.q
        parts = [text for info in element.iterfind(q("StsRsnInf"))
                 for node in info.iterfind(q("AddtlInf")) if (text := (node.text or "").strip())]
        if status == ACCEPTED_WITH_CHANGE and reference is not None:
            # The dates the bank moved the payment to (a changed amount is in `amount`).
            for name in ("ReqdExctnDt", "IntrBkSttlmDt"):
                node = reference.find(q(name))
                value = None if node is None else " ".join("".join(node.itertext()).split())
                if value:
                    parts.append(f"{name} {value}")
        return clean_text("; ".join(parts), max_len=DETAIL_MAX) if parts else ""

    def _transaction_status(self, element: Any) -> StatusLine:
        msg_id = self._require_msg_id(element)
        line = element.sourceline
        # One pass over the children instead of a path search per field (the hot loop);
        # the first of each counts, as with find().
        e2e_tag, status_tag, reason_tag, ref_tag, instr_tag = self.tx_children
        end_to_end = status_node = instruction = reference = None
        has_reason = False
        for child in element:
            tag = child.tag
            if tag == e2e_tag:
                if end_to_end is None:
                    end_to_end = child
            elif tag == status_tag:
                if status_node is None:
                    status_node = child
            elif tag == reason_tag:
                has_reason = True
            elif tag == ref_tag:
                if reference is None:
                    reference = child
            elif tag == instr_tag and instruction is None:
                instruction = child
        end_to_end_id = None if end_to_end is None else (end_to_end.text or "").strip() or None
        instr_id = None if instruction is None else (instruction.text or "").strip() or None
        status = self._status_of(status_node)
        if status is None:
            raise missing("TxInfAndSts/TxSts", line)
        referenced = None
        if (end_to_end_id in (None, NOT_PROVIDED) and instr_id in (None, NOT_PROVIDED)
                and reference is not None):
            referenced = _our_id_in(reference)
        amount_node = None if reference is None else reference.find(self.q("Amt/InstdAmt"))
        code = status[0]
        detail = (self._detail(element, code, reference)
                  if has_reason or code == ACCEPTED_WITH_CHANGE else "")
        # Positional: a third quicker than by keyword, once per transaction.
        return StatusLine("transaction", msg_id, self.pmt_inf_id, end_to_end_id, code,
                          self._reason(element) if has_reason else None,
                          None if amount_node is None else parse_amount(amount_node), line,
                          instr_id, referenced, detail)


def _our_id_in(reference: Any) -> str | None:
    """The first of our EndToEndIds quoted anywhere in ``OrgnlTxRef`` (RmtInf/Ustrd, a
    creditor reference…), else ``None``."""
    for text in reference.itertext():
        match = _OUR_ID_IN_TEXT.search(text)
        if match:
            return match[0]
    return None
