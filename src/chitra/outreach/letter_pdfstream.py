"""Join the pages of several small PDFs into one PDF written out as it goes.

reportlab keeps a whole document in memory until it is saved; a ward's letters are therefore
drawn a batch at a time (:func:`chitra.outreach.letter_pdf.stream_letters`) and each batch's
pages are copied here, object by object, renumbered, with their ``/Parent`` pointed at the one
page tree written at the end (PDF objects may come in any order; the cross-reference table
at the end says where each is). Only one batch is in memory at a time. The objects a batch's
pages share (its fonts) are copied once per batch.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from typing import Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    PdfObject,
    TextStringObject,
)

HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
CATALOG, PAGES, INFO = 1, 2, 3  # numbers kept for the objects written last


def _remap(value: Any, ref: Callable[[IndirectObject], IndirectObject]) -> Any:
    """``value`` with every reference in it replaced by ``ref(reference)`` (in place)."""
    if isinstance(value, IndirectObject):
        return ref(value)
    if isinstance(value, DictionaryObject):  # stream objects are dictionaries too
        for key in list(dict.keys(value)):
            dict.__setitem__(value, key, _remap(dict.__getitem__(value, key), ref))
    elif isinstance(value, ArrayObject):
        for i, item in enumerate(list(list.__iter__(value))):
            list.__setitem__(value, i, _remap(item, ref))
    return value


class PdfJoiner:
    """``start()``, then ``add(pdf)`` for each part, then ``finish()``: the pieces of one
    PDF holding every part's pages in order."""

    def __init__(self, *, title: str = "", author: str = "") -> None:
        self._offset = 0
        self._offsets: dict[int, int] = {}
        self._next = INFO + 1
        self._kids: list[int] = []
        self._title, self._author = title, author
        self._digest = hashlib.sha256()

    def _emit(self, data: bytes) -> bytes:
        self._offset += len(data)
        self._digest.update(data)
        return data

    def _object(self, number: int, body: bytes) -> bytes:
        self._offsets[number] = self._offset
        return self._emit(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def start(self) -> bytes:
        return self._emit(HEADER)

    def add(self, pdf: bytes) -> Iterator[bytes]:
        """Copy the pages of ``pdf`` (a whole, small PDF) to the output."""
        reader = PdfReader(io.BytesIO(pdf))
        numbers: dict[int, int] = {}
        pending: list[int] = []

        def ref(old: IndirectObject) -> IndirectObject:
            if old.idnum not in numbers:
                numbers[old.idnum] = self._next
                self._next += 1
                pending.append(old.idnum)
            return IndirectObject(numbers[old.idnum], 0, reader)

        for page in reader.pages:
            page_ref = page.indirect_reference
            assert page_ref is not None  # a page of a parsed file is an indirect object
            self._kids.append(ref(page_ref).idnum)
            page[NameObject("/Parent")] = IndirectObject(PAGES, 0, reader)
            while pending:
                old = pending.pop()
                obj = page if old == page_ref.idnum else reader.get_object(old)
                if obj is None:  # a reference to nothing: PDF reads it as null
                    obj = NullObject()
                yield self._object(numbers[old], self._bytes(_remap(obj, ref)))

    @staticmethod
    def _bytes(obj: PdfObject) -> bytes:
        buf = io.BytesIO()
        obj.write_to_stream(buf)
        return buf.getvalue()

    def finish(self) -> bytes:
        """The page tree, catalogue, document information, cross-references and trailer."""
        kids = b" ".join(b"%d 0 R" % k for k in self._kids)
        tail = [
            self._object(PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>"
                         % (len(self._kids), kids)),
            self._object(CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % PAGES),
            self._object(INFO, b"<< /Title %s /Author %s /Producer (chitra) >>" % (
                self._bytes(TextStringObject(self._title)),
                self._bytes(TextStringObject(self._author)))),
        ]
        xref_at = self._offset
        size = self._next
        entries = [b"0000000000 65535 f \n"] + [
            b"%010d 00000 n \n" % self._offsets[n] for n in range(1, size)]
        file_id = self._digest.hexdigest()[:32].encode()
        tail.append(b"xref\n0 %d\n" % size + b"".join(entries)
                    + b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\n"
                    % (size, CATALOG, INFO, file_id, file_id)
                    + b"startxref\n%d\n%%%%EOF\n" % xref_at)
        return b"".join(tail)
