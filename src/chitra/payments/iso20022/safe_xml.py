"""Streaming, hostile-input-safe XML reading for bank files (DESIGN §6).

Files from banks are parsed with :func:`lxml.etree.iterparse` with entity resolution,
DTD loading and network access disabled and libxml2's huge-tree limits kept, and:

* any document carrying a DOCTYPE is refused outright (no DTD, internal or external, has a
  place in an ISO 20022 message; this also shuts out entity-expansion and external-entity
  attacks, which need a DTD to declare their entities);
* the input is read through a counting reader that stops at ``max_bytes``;
* callers clear each record element once read (:func:`release`), so memory stays flat.

Every failure comes out as :class:`Iso20022Error`, never as an lxml exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, BinaryIO

from lxml import etree

from chitra.payments.iso20022.errors import Iso20022Error

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CURRENCY = "VND"
_READ_CHUNK = 64 * 1024
_AMOUNT_RE = re.compile(r"([0-9]{1,18})(?:\.0*)?")


class _LimitedReader:
    """A read-only file wrapper that raises once more than ``max_bytes`` have been read."""

    def __init__(self, raw: BinaryIO, max_bytes: int) -> None:
        self._raw = raw
        self._left = max_bytes
        self._max_bytes = max_bytes

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = _READ_CHUNK
        # Ask for one byte more than allowed, so an oversized file is noticed.
        data = self._raw.read(min(size, self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise Iso20022Error(
                f"Tệp vượt quá giới hạn {self._max_bytes} byte.",
                f"File exceeds the size limit of {self._max_bytes} bytes.",
            )
        return bytes(data)


def iterparse(
    stream: BinaryIO, *, max_bytes: int = DEFAULT_MAX_BYTES, tags: Sequence[str] | None = None
) -> Iterator[tuple[str, Any]]:
    """Yield ``("start" | "end", element)`` for ``stream``, refusing unsafe documents.

    With ``tags`` (names like ``"{*}TxInfAndSts"``), only the ``"end"`` events of those
    elements are yielded — the parser filters the rest in C, the fast path for big files —
    and last the root's ``"end"``, so the caller can check the document's shape. List the
    root's tag too: its start is where the DOCTYPE check runs, before anything else is read.

    Raises :class:`Iso20022Error` for a DOCTYPE, a file over ``max_bytes`` and malformed
    or truncated XML (with the line number when the parser gives one).
    """
    reader = _LimitedReader(stream, max_bytes)
    events = etree.iterparse(
        reader,
        events=("start", "end"),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    first, element = True, None
    try:
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
    except etree.XMLSyntaxError as exc:
        raise Iso20022Error(
            f"Tệp XML hỏng hoặc không đầy đủ: {exc.msg}",
            f"Malformed or truncated XML: {exc.msg}",
            exc.lineno or None,
        ) from exc
    except (etree.LxmlError, ValueError, LookupError) as exc:  # e.g. an unknown encoding
        raise Iso20022Error(f"Không đọc được tệp XML: {exc}", f"Unreadable XML: {exc}") from exc


def _refuse_doctype(root: Any) -> None:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise Iso20022Error(
            "Tệp có khai báo DOCTYPE/DTD; không chấp nhận (rủi ro bảo mật).",
            "The file has a DOCTYPE/DTD declaration, which is refused (security risk).",
            root.sourceline,
        )


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
