"""Bank files are untrusted input: unsafe or broken XML is refused with Iso20022Error only."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chitra.payments.iso20022 import Iso20022Error, read_camt054, read_pain002

from .samples import FIXTURES

Reader = Callable[..., Iterator[Any]]
READERS = [
    pytest.param(read_pain002, "pain002_v12_partial.xml", id="pain002"),
    pytest.param(read_camt054, "camt054_v08_paid_and_returned.xml", id="camt054"),
]
PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"
CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Document [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
        for i in range(1, 10)
    )
    + f']>\n<Document xmlns="{PAIN002_NS}"><CstmrPmtStsRpt><OrgnlGrpInfAndSts>'
    "<OrgnlMsgId>&lol9;</OrgnlMsgId></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"
)


def _read_all(reader: Reader, data: bytes, **options: Any) -> list[Any]:
    return list(reader(io.BytesIO(data), **options))


@pytest.mark.parametrize(("reader", "fixture"), READERS)
def test_billion_laughs_is_refused(reader: Reader, fixture: str) -> None:
    with pytest.raises(Iso20022Error, match="DOCTYPE") as caught:
        _read_all(reader, BILLION_LAUGHS.encode())

    assert "DOCTYPE" in caught.value.message_vi


@pytest.mark.parametrize(
    ("reader", "namespace"), [(read_pain002, PAIN002_NS), (read_camt054, CAMT054_NS)]
)
def test_external_entity_is_refused_and_never_read(
    reader: Reader, namespace: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        '<!ENTITY etc SYSTEM "file:///etc/passwd">]>'
        f'<Document xmlns="{namespace}"><CstmrPmtStsRpt><OrgnlGrpInfAndSts>'
        "<OrgnlMsgId>&xxe;&etc;</OrgnlMsgId></OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"
    ).encode()

    with pytest.raises(Iso20022Error) as caught:
        _read_all(reader, document)

    assert "TOP-SECRET" not in str(caught.value) + caught.value.message_vi
    assert "root:" not in str(caught.value)


def test_external_dtd_is_refused_without_network_access() -> None:
    document = (
        '<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">'
        f'<Document xmlns="{PAIN002_NS}"/>'
    ).encode()

    with pytest.raises(Iso20022Error, match="DOCTYPE"):
        _read_all(read_pain002, document)


@pytest.mark.parametrize(("reader", "fixture"), READERS)
def test_any_doctype_is_refused(reader: Reader, fixture: str) -> None:
    document = (
        (FIXTURES / fixture)
        .read_bytes()
        .replace(b"<Document ", b"<!DOCTYPE Document>\n<Document ", 1)
    )

    with pytest.raises(Iso20022Error, match="DOCTYPE"):
        _read_all(reader, document)


@pytest.mark.parametrize(("reader", "fixture"), READERS)
def test_file_over_the_size_limit_is_refused(reader: Reader, fixture: str) -> None:
    document = (FIXTURES / fixture).read_bytes()

    assert _read_all(reader, document, max_bytes=len(document))
    with pytest.raises(Iso20022Error, match="size limit"):
        _read_all(reader, document, max_bytes=len(document) - 1)


def test_size_limit_stops_reading_early() -> None:
    class Endless(io.RawIOBase):
        read_so_far = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = (
                f'<Document xmlns="{PAIN002_NS}"><CstmrPmtStsRpt>'.encode()
                if self.read_so_far == 0
                else b" " * len(buffer)
            )
            buffer[: len(chunk)] = chunk
            self.read_so_far += len(chunk)
            return len(chunk)

    stream = Endless()
    with pytest.raises(Iso20022Error, match="size limit"):
        list(read_pain002(stream, max_bytes=100_000))  # type: ignore[arg-type]
    assert stream.read_so_far <= 100_001 + 64 * 1024


@pytest.mark.parametrize(("reader", "fixture"), READERS)
def test_truncated_file_is_refused(reader: Reader, fixture: str) -> None:
    document = (FIXTURES / fixture).read_bytes()

    with pytest.raises(Iso20022Error, match="Malformed or truncated") as caught:
        _read_all(reader, document[: len(document) * 2 // 3])
    assert caught.value.line is not None


@pytest.mark.parametrize(("reader", "fixture"), READERS)
def test_empty_file_is_refused(reader: Reader, fixture: str) -> None:
    with pytest.raises(Iso20022Error):
        _read_all(reader, b"")


@pytest.mark.parametrize(("reader", "fixture"), READERS)
def test_html_is_refused_as_wrong_root(reader: Reader, fixture: str) -> None:
    with pytest.raises(Iso20022Error, match="Not a"):
        _read_all(reader, b"<html><body>Service unavailable</body></html>")


@pytest.mark.parametrize("reader", [read_pain002, read_camt054])
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400))
def test_random_bytes_raise_iso20022_error_and_nothing_else(reader: Reader, data: bytes) -> None:
    with pytest.raises(Iso20022Error):
        _read_all(reader, data)


@pytest.mark.parametrize(("reader", "fixture"), READERS)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_mangled_fixtures_parse_or_raise_iso20022_error(
    reader: Reader, fixture: str, data: st.DataObject
) -> None:
    document = bytearray((FIXTURES / fixture).read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        position = data.draw(st.integers(0, len(document) - 1))
        document[position] = data.draw(st.integers(0, 255))
    with contextlib.suppress(Iso20022Error):
        _read_all(reader, bytes(document))
