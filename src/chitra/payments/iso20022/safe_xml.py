"""Streaming, hostile-input-safe XML reading for bank files (DESIGN §6).

Files from banks are parsed with :func:`lxml.etree.iterparse` with entity resolution,
DTD loading and network access disabled and libxml2's huge-tree limits kept, and:

* any document carrying a DOCTYPE is refused outright (no DTD, internal or external, has a
  place in an ISO 20022 message; this also shuts out entity-expansion and external-entity
  attacks, which need a DTD to declare their entities);
* the input is read through a counting reader that stops at ``max_bytes``;
* callers clear each record element once read (:func:`release`), so memory stays flat;
* given a schema for the root's namespace, the document is validated against it as it
  streams (the first schema error ends the parse; its line is found by reading again).

Every failure comes out as :class:`Iso20022Error`, never as an lxml exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any, BinaryIO

from lxml import etree

from chitra.payments.iso20022.errors import Iso20022Error

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CURRENCY = "VND"
_READ_CHUNK = 64 * 1024
_LOG_LOOKED_AT = 100
_AMOUNT_RE = re.compile(r"([0-9]{1,18})(?:\.0*)?")


class _LimitedReader:
    """A read-only file wrapper that raises once more than ``max_bytes`` have been read.

    While a document is validated, it also looks at the parser's error log between two
    chunks: the first schema error stops the parse there (lxml only raises it at the end).
    """

    def __init__(self, raw: BinaryIO, max_bytes: int) -> None:
        self._raw = raw
        self._left = max_bytes
        self._max_bytes = max_bytes
        self.read_so_far = 0
        self.head = b""  # the first bytes, where a DOCTYPE would be
        self.validating: Any = None  # the iterparse whose schema errors end the read

    def read(self, size: int = -1) -> bytes:
        if self.validating is not None:
            log = self.validating.error_log  # a copy: stop looking if warnings pile up
            if _schema_error(log):
                raise _SchemaInvalid
            if len(log) > _LOG_LOOKED_AT:
                self.validating = None  # the error, if any, still comes at the end
        if size is None or size < 0:
            size = _READ_CHUNK
        # Ask for one byte more than allowed, so an oversized file is noticed.
        data = self._raw.read(min(size, self._left + 1))
        self._left -= len(data)
        self.read_so_far += len(data)
        if len(self.head) < _HEAD_KEPT:
            self.head += data[:_HEAD_KEPT - len(self.head)]
        if self._left < 0:
            raise Iso20022Error(
                f"Tệp vượt quá giới hạn {self._max_bytes} byte.",
                f"File exceeds the size limit of {self._max_bytes} bytes.",
            )
        return bytes(data)


class _Replay:
    """The bytes already read to find the root element, then the rest of the file."""

    def __init__(self, head: bytes, reader: _LimitedReader) -> None:
        self._head = head
        self._reader = reader

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._reader.read(size)


class _SchemaInvalid(Exception):
    """Raised from inside the parse to stop it at the first schema error."""


_HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
# lxml (6.1) loses the parser's own errors — a truncated file parses "fine" — when a schema
# validates with resolve_entities=False. Validating, the peek has already refused any DOCTYPE,
# so no entity can be declared: "internal" then resolves only the five predefined ones.
_VALIDATING = {**_HARDENED, "resolve_entities": "internal"}
_HEAD_KEPT = 64 * 1024  # a DOCTYPE comes before the root element
_DOCTYPE_MARKS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"),
                  "<!DOCTYPE".encode("utf-16-be"))
_HEAD_LIMIT = 1024 * 1024  # an ISO 20022 file names its root element in its first bytes


def iterparse(
    stream: BinaryIO,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    tags: Sequence[str] | None = None,
    schema_for: Callable[[str], Any] | None = None,
) -> Iterator[tuple[str, Any]]:
    """Yield ``("start" | "end", element)`` for ``stream``, refusing unsafe documents.

    With ``tags`` (names like ``"{*}TxInfAndSts"``), only the ``"end"`` events of those
    elements are yielded — the parser filters the rest in C, the fast path for big files —
    and last the root's ``"end"``, so the caller can check the document's shape. List the
    root's tag too: its start is where the DOCTYPE check runs, before anything else is read.

    With ``schema_for`` (namespace of a ``Document`` root → ``XMLSchema`` or ``None``), it is
    validated against that schema as it streams; a schema error ends the parse with an
    :class:`Iso20022Error` naming the line (found by reading the file again up to it, when
    ``stream`` can seek). Elements already yielded by then must be discarded by the caller.

    Raises :class:`Iso20022Error` for a DOCTYPE, a file over ``max_bytes``, malformed
    or truncated XML (with the line number when the parser gives one) and, when validating,
    a document that does not conform to its schema.
    """
    reader = _LimitedReader(stream, max_bytes)
    schema, events, namespace = None, None, None
    try:
        source: Any = reader
        if schema_for is not None:
            head, namespace = _peek_root_namespace(reader)
            # Only a Document is an ISO 20022 message; any other root is the reader's to refuse.
            schema = None if namespace is None else schema_for(namespace)
            source = _Replay(head, reader)
        events = etree.iterparse(
            source, events=("start", "end"), tag=tags, schema=schema,
            **(_HARDENED if schema is None else _VALIDATING),
        )
        if schema is not None:
            reader.validating = events
        first, element = True, None
        for event, element in events:
            if first:
                first = False
                _refuse_doctype(element)
            if tags is None or event == "end":
                yield event, element
        if tags and element is not events.root:
            if first:  # nothing matched: the DOCTYPE check has not run yet
                _refuse_doctype(events.root)
            yield "end", events.root
    except _SchemaInvalid:
        raise _not_valid(stream, schema, namespace, events, reader.read_so_far) from None
    except etree.XMLSyntaxError as exc:
        # libxml2 may stop on a DTD's entities (amplification) before the root's start,
        # where the DOCTYPE is refused: say why, not "malformed".
        if _declares_doctype(reader.head):
            raise _doctype_refused(1) from exc
        # The exception's own error log may hold a schema error of an earlier file (lxml
        # keeps it on the schema): only this parse's log tells a schema error.
        if schema is not None and events is not None and _schema_error(events.error_log):
            raise _not_valid(stream, schema, namespace, events, reader.read_so_far) from None
        msg = _LXML_LINE_PREFIX.sub(r"\1", exc.msg or "")  # "line 58: b'…'" when validating
        raise Iso20022Error(
            f"Tệp XML hỏng hoặc không đầy đủ: {msg}",
            f"Malformed or truncated XML: {msg}",
            exc.lineno or None,
        ) from exc
    except (etree.LxmlError, ValueError, LookupError) as exc:  # e.g. an unknown encoding
        raise Iso20022Error(f"Không đọc được tệp XML: {exc}", f"Unreadable XML: {exc}") from exc


def _peek_root_namespace(reader: _LimitedReader) -> tuple[bytes, str | None]:
    """Read until the root element starts: (the bytes read, its namespace).

    ``None`` when the root is not a ``Document``, when the head is malformed or the file
    ends first — the parse proper then reports that, with its line.
    """
    parser = etree.XMLPullParser(events=("start",), **_HARDENED)
    head = bytearray()
    while True:
        data = reader.read(_READ_CHUNK)
        if not data:
            return bytes(head), None
        head += data
        try:
            parser.feed(data)
        except etree.XMLSyntaxError as exc:
            if _declares_doctype(bytes(head)):
                raise _doctype_refused(1) from exc
            return bytes(head), None
        for _event, element in parser.read_events():
            _refuse_doctype(element)  # before any parse that could resolve an entity
            return bytes(head), namespace_of(element) if local_name(element) == "Document" else None
        if len(head) >= _HEAD_LIMIT:
            # Never a real file: and a root read past here would escape validation.
            raise Iso20022Error(
                "Không thấy phần tử gốc trong 1 MB đầu của tệp.",
                "No root element in the first 1 MB of the file.",
            )


def _schema_error(log: Any) -> Any | None:
    for error in log:
        if error.domain == etree.ErrorDomains.SCHEMASV and error.level >= etree.ErrorLevels.ERROR:
            return error
    return None


_NAMESPACE_IN_MESSAGE = re.compile(r"\{[^}]*\}")
_LXML_LINE_PREFIX = re.compile(r"^line [0-9]+: b[\"'](.*)[\"']$")


def _not_valid(
    stream: BinaryIO, schema: Any, namespace: str | None, events: Any, failed_at: int
) -> Iso20022Error:
    error = _schema_error(events.error_log)
    text = "?" if error is None else _NAMESPACE_IN_MESSAGE.sub("", error.message).strip()
    text = text if len(text) <= 300 else f"{text[:299]}…"
    message = (namespace or "?").rpartition(":")[2]
    return Iso20022Error(
        f"Tệp không đúng lược đồ XSD {message}: {text}",
        f"The file does not conform to the {message} XSD: {text}",
        _invalid_line(stream, schema, failed_at),
    )


def _invalid_line(stream: BinaryIO, schema: Any, failed_at: int) -> int | None:
    """The line of the first schema error: the file validated again, the last chunks line
    by line (the streaming validator gives no line). ``None`` if ``stream`` cannot seek."""
    try:
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    parser = etree.XMLPullParser(events=("end",), schema=schema, **_VALIDATING)
    line, fed = 1, 0
    # lxml had fed everything read but its last chunk or two when the error showed.
    window = max(0, failed_at - 2 * _READ_CHUNK)
    try:
        while fed <= failed_at:
            if fed < window:
                data = stream.read(min(_READ_CHUNK, window - fed))
            else:
                data = stream.readline(_READ_CHUNK)
            if not data:
                return None
            parser.feed(data)
            if _schema_error(parser.feed_error_log):
                return line
            fed += len(data)
            line += data.count(b"\n")
            for _event, element in parser.read_events():
                release(element)
    except etree.LxmlError:  # the parser's own error, at or after the schema's
        return line
    return None


def _refuse_doctype(root: Any) -> None:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _doctype_refused(root.sourceline)


def _doctype_refused(line: int | None) -> Iso20022Error:
    return Iso20022Error(
        "Tệp có khai báo DOCTYPE/DTD; không chấp nhận (rủi ro bảo mật).",
        "The file has a DOCTYPE/DTD declaration, which is refused (security risk).",
        line,
    )


def _declares_doctype(head: bytes) -> bool:
    """Whether the first bytes hold a DOCTYPE, in UTF-8/ASCII or UTF-16."""
    return any(mark in head for mark in _DOCTYPE_MARKS)


def release(element: Any) -> None:
    """Free a processed element and the siblings before it (constant-memory iterparse)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        before = parent.index(element)
        if before:
            del parent[:before]


def namespace_of(element: Any) -> str:
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def local_name(element: Any) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class Paths:
    """Qualified names for one namespace: ``Paths(ns)("A/B")`` → ``"{ns}A/{ns}B"``."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        qualified = self._cache.get(path)
        if qualified is None:
            qualified = "/".join(f"{{{self.namespace}}}{name}" for name in path.split("/"))
            self._cache[path] = qualified
        return qualified


def text_at(element: Any, path: str) -> str | None:
    """The stripped text at ``path`` (already qualified) under ``element``; ``None`` if empty."""
    value = element.findtext(path)
    if value is None:
        return None
    value = value.strip()
    return value or None


def parse_amount(element: Any) -> int:
    """An amount element (``<… Ccy="VND">5250000</…>``) as ``int`` đồng.

    ``"5250000"`` and ``"5250000.00"`` are accepted; fractions of a đồng, signs, exponents
    and currencies other than VND are refused.
    """
    line = element.sourceline
    currency = element.get("Ccy")
    if currency is not None and currency.strip() != CURRENCY:
        raise Iso20022Error(
            f"Đơn vị tiền tệ không phải VND: {currency!r}.",
            f"Currency is not VND: {currency!r}.",
            line,
        )
    text = (element.text or "").strip()
    match = _AMOUNT_RE.fullmatch(text)
    if match is None:
        raise Iso20022Error(
            f"Số tiền không hợp lệ (phải là số nguyên đồng): {text!r}.",
            f"Invalid amount (must be whole đồng): {text!r}.",
            line,
        )
    return int(match[1])


def parse_date(value: str, line: int | None) -> date:
    """An ``ISODate`` or the date part of an ``ISODateTime``."""
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise Iso20022Error(
            f"Ngày không hợp lệ: {value!r}.", f"Invalid date {value!r}.", line
        ) from None


def missing(what: str, line: int | None) -> Iso20022Error:
    return Iso20022Error(f"Thiếu trường bắt buộc {what}.", f"Missing required field {what}.", line)


def wrong_root(expected: str, element: Any) -> Iso20022Error:
    found = element.tag if isinstance(element.tag, str) else "?"
    return Iso20022Error(
        f"Không phải thông điệp {expected}: phần tử gốc là {found}.",
        f"Not a {expected} message: the root element is {found}.",
        element.sourceline,
    )
