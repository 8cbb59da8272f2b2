"""Status files as banks send them: every version we take, foreign lines, XSD validation."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import pytest

from chitra.payments.iso20022 import Iso20022Error, read_camt054, read_pain002
from chitra.payments.iso20022.schemas import (
    PAIN_002_WITHOUT_XSD,
    XSD_DIR,
    schema_for_namespace,
)

from .samples import FIXTURES, schema_errors

NS = "urn:iso:std:iso:20022:tech:xsd:"
FIXTURE_SCHEMAS = {
    "pain002_v03_instr_id_only.xml": "pain.002.001.03",
    "pain002_v03_transactions_only.xml": "pain.002.001.03",
    "pain002_v12_partial.xml": "pain.002.001.12",
    "pain002_v15_tx_ref_only.xml": "pain.002.001.15",
    "camt054_v02_batch_and_foreign.xml": "camt.054.001.02",
    "camt054_v04_returns_and_pending.xml": "camt.054.001.04",
    "camt054_v08_foreign_and_batch.xml": "camt.054.001.08",
    "camt054_v08_paid_and_returned.xml": "camt.054.001.08",
}


def _pain002(name: str, **options: Any) -> list[Any]:
    with (FIXTURES / name).open("rb") as stream:
        return [s for s in read_pain002(stream, **options) if s.level == "transaction"]


def _camt054(name: str, **options: Any) -> list[Any]:
    with (FIXTURES / name).open("rb") as stream:
        return list(read_camt054(stream, **options))


@pytest.mark.parametrize(("name", "message"), FIXTURE_SCHEMAS.items())
def test_fixtures_are_valid_against_the_xsd_of_their_version(name: str, message: str) -> None:
    assert schema_errors((FIXTURES / name).read_bytes(), message) == []


def test_every_shipped_xsd_is_recorded_with_its_checksum() -> None:
    readme = (XSD_DIR / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"\| `([a-z0-9.]+\.xsd)` \|[^\n]*\| `([0-9a-f]{64})` \|", readme))
    shipped = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
               for path in XSD_DIR.glob("*.xsd")}
    assert recorded == shipped


@pytest.mark.parametrize("version", range(3, 16))
def test_pain002_versions_without_an_xsd_are_the_listed_ones(version: int) -> None:
    schema = schema_for_namespace(f"{NS}pain.002.001.{version:02d}")
    assert (schema is None) == (version in PAIN_002_WITHOUT_XSD)


@pytest.mark.parametrize("version", range(1, 15))
def test_every_camt054_version_up_to_14_has_its_xsd(version: int) -> None:
    assert schema_for_namespace(f"{NS}camt.054.001.{version:02d}") is not None


@pytest.mark.parametrize("namespace", [f"{NS}../schemas", f"{NS}pain.002.001.12/../x", "pain",
                                       f"{NS}pain.002.001.99", "urn:other:pain.002.001.12"])
def test_odd_namespaces_have_no_schema(namespace: str) -> None:
    assert schema_for_namespace(namespace) is None


# pain.002 ------------------------------------------------------------------------------------


def test_pain002_v03_naming_transactions_by_instruction_id() -> None:
    lines = _pain002("pain002_v03_instr_id_only.xml")

    assert [(s.original_end_to_end_id, s.original_instr_id, s.status) for s in lines] == [
        (None, "CT202511000000002001", "ACSP"),
        ("NOTPROVIDED", "CT202511000000002002", "ACSP"),
        ("NOTPROVIDED", "CT202511000000002003", "RJCT"),
    ]
    assert lines[2].detail == "Số tài khoản không tồn tại"
    assert [s.referenced_id for s in lines] == [None, None, None]  # not looked for: InstrId


def test_pain002_v15_naming_transactions_only_through_the_original_reference() -> None:
    lines = _pain002("pain002_v15_tx_ref_only.xml")

    assert [(s.original_end_to_end_id, s.referenced_id) for s in lines] == [
        ("NOTPROVIDED", "CT202511000000003001"),  # quoted in RmtInf/Ustrd
        (None, "CT202511000000003002"),  # a creditor reference
        ("CT202511000000003003", None),
        ("NOTPROVIDED", None),  # names nothing: given all the same
    ]
    assert [s.amount for s in lines] == [5_250_000, 3_100_000, 1_800_000, None]


def test_pain002_accepted_with_change_gives_the_banks_words_and_the_new_date() -> None:
    acwc = _pain002("pain002_v15_tx_ref_only.xml")[2]

    assert (acwc.status, acwc.reason_code) == ("ACWC", "DTCH")
    assert acwc.detail == ("Ngay chi doi sang ngay lam viec ke tiep; ReqdExctnDt 2025-11-20")


def test_pain002_v10_without_xsd_is_read_structurally() -> None:
    lines = _pain002("pain002_v10_accepted_with_change.xml")

    assert [(s.original_end_to_end_id, s.status) for s in lines] == [
        ("CT202511000000004001", "ACSC"),
        ("CT202511000000004002", "ACSC"),
        ("CT202511000000004003", "ACWC"),
        ("CT202511000000004004", "PDNG"),
    ]
    assert lines[2].detail == ("Ngày chi đổi sang 20/11/2026; theo lịch chi của chi nhánh; "
                               "ReqdExctnDt 2026-11-20")


def test_pain002_detail_is_cut_to_210_characters_and_cleaned() -> None:
    document = (FIXTURES / "pain002_v12_partial.xml").read_bytes().replace(
        "<AddtlInf>Tài khoản đã đóng</AddtlInf>".encode(),
        ("<AddtlInf>Dòng\tmột\r\nhai</AddtlInf>" + "<AddtlInf>" + "x" * 105 + "</AddtlInf>"
         + "<AddtlInf>" + "y" * 105 + "</AddtlInf>").encode())

    rejected = [s for s in read_pain002(io.BytesIO(document)) if s.level == "transaction"][1]

    assert len(rejected.detail) == 210
    assert rejected.detail.startswith("Dòng một hai; xxx")


# camt.054 ------------------------------------------------------------------------------------


def test_camt054_v02_batch_without_amounts_gives_the_entry_number_and_amount() -> None:
    lines = _camt054("camt054_v02_batch_and_foreign.xml")

    assert [(n.end_to_end_id, n.amount, n.entry_no, n.entry_total) for n in lines] == [
        ("CT202511000000005001", None, 1, 8_350_000),
        ("CT202511000000005002", None, 1, 8_350_000),
        ("NOTPROVIDED", 1_700_000, None, None),  # the amount in AmtDtls/TxAmt
        ("NOTPROVIDED", 500_000, None, None),  # a single transaction takes the entry's
        (None, 15_000, None, None),  # the bank's charge: no details
    ]
    assert all(n.is_booked for n in lines)


def test_camt054_lines_not_ours_say_what_they_are() -> None:
    order, credit, charge = _camt054("camt054_v02_batch_and_foreign.xml")[2:]

    assert (order.bank_code, order.reference, order.info) == (
        "NTRF+117+00900", "xzQRTwxjAscBLUlZAxc", "CHUYEN KHOAN DINH KY TIEN DIEN")
    assert (credit.credit_debit, credit.bank_code, credit.info) == (
        "CRDT", "PMNT/RCDT/DMCT", "NOP TIEN VAO TAI KHOAN")
    assert (charge.bank_code, charge.reference, charge.info) == (
        "NCHG+808", "2025110500533052002", "PHI DICH VU CHUYEN TIEN")


def test_camt054_lines_of_ours_carry_no_description_but_a_returns_words() -> None:
    paid, returned, pending, foreign = _camt054("camt054_v04_returns_and_pending.xml")

    assert (paid.bank_code, paid.reference, paid.info) == (None, None, None)
    assert (returned.is_return, returned.reason_code, returned.info) == (
        True, "AC04", "Tài khoản người nhận đã đóng")
    assert (pending.entry_status, pending.is_booked) == ("PDNG", False)
    assert (foreign.end_to_end_id, foreign.reference, foreign.info) == (
        "HD-2025-11-0042", "FT2531099999", "THANH TOAN HOA DON VAN PHONG PHAM")


def test_camt054_v08_foreign_entries_and_a_batch() -> None:
    lines = _camt054("camt054_v08_foreign_and_batch.xml")

    assert [(n.end_to_end_id, n.credit_debit, n.entry_status, n.amount, n.entry_no)
            for n in lines] == [
        ("CT202511000000007001", "DBIT", "BOOK", None, 1),
        ("CT202511000000007002", "DBIT", "BOOK", None, 1),
        ("CT202511000000007003", "DBIT", "BOOK", None, 1),
        (None, "DBIT", "BOOK", 22_000, None),
        ("NOTPROVIDED", "DBIT", "BOOK", 4_500_000, None),
        ("NOTPROVIDED", "CRDT", "BOOK", 2_000_000, None),
        (None, "DBIT", "INFO", 10_150_000, None),
    ]
    assert lines[0].entry_total == 10_150_000
    assert lines[3].bank_code == "ACMT/MDOP/CHRG"


def test_camt054_mixed_batch_shares_what_the_given_amounts_leave() -> None:
    document = (FIXTURES / "camt054_v08_foreign_and_batch.xml").read_bytes().replace(
        b"<EndToEndId>CT202511000000007001</EndToEndId>\n            </Refs>",
        b'<EndToEndId>CT202511000000007001</EndToEndId>\n            </Refs>'
        b'<Amt Ccy="VND">5250000</Amt>', 1)

    lines = list(read_camt054(io.BytesIO(document)))[:3]

    assert [(n.amount, n.entry_no, n.entry_total) for n in lines] == [
        (5_250_000, None, None), (None, 1, 4_900_000), (None, 1, 4_900_000)]


def test_camt054_notified_account_is_checked_without_spaces() -> None:
    lines = _camt054("camt054_v02_batch_and_foreign.xml", accounts=frozenset({"0011000123456"}))

    assert len(lines) == 5


def test_camt054_about_another_account_is_refused_whole() -> None:
    with pytest.raises(Iso20022Error) as caught:
        _camt054("camt054_v08_foreign_and_batch.xml",
                 accounts=frozenset({"0011000123456", "LC-AGRI"}))

    error = caught.value
    assert error.message_en == ("The notified account (8800201001234) is not one of the "
                                "office's accounts; the file is refused.")
    assert error.message_vi.startswith("Tài khoản được thông báo (8800201001234)")
    assert error.line == 16  # the notification's <Acct>


def test_camt054_no_accounts_means_no_check() -> None:
    assert len(_camt054("camt054_v08_foreign_and_batch.xml", accounts=None)) == 7


# XSD validation -----------------------------------------------------------------------------


def _unexpected_element(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"</TxSts>", b"</TxSts><Bogus>1</Bogus>", 1)


def test_a_file_not_valid_against_its_xsd_is_refused_with_its_line() -> None:
    document = _unexpected_element("pain002_v12_partial.xml")

    with pytest.raises(Iso20022Error) as caught:
        list(read_pain002(io.BytesIO(document)))

    error = caught.value
    assert error.message_en.startswith(
        "The file does not conform to the pain.002.001.12 XSD: Element 'Bogus': "
        "This element is not expected.")
    assert error.message_vi.startswith("Tệp không đúng lược đồ XSD pain.002.001.12:")
    assert error.line == 33
    assert b"<Bogus>" in document.splitlines()[32]


@pytest.mark.parametrize(("old", "new", "line", "what"), [
    (b"T18:30:00+07:00", b"T25:30:00+07:00", 8, "ISODateTime"),
    (b"<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>", b"", 13, "OrgnlNbOfTxs"),
    (b"<OrgnlNbOfTxs>4</OrgnlNbOfTxs>", b"<OrgnlNbOfTxs>4x</OrgnlNbOfTxs>", 13, "pattern"),
    (b"<OrgnlCtrlSum>12650000.00<", b"<OrgnlCtrlSum>12650000.1234567891234<", 28, "Digits"),
])
def test_schema_errors_of_every_kind_are_found(old: bytes, new: bytes, line: int,
                                               what: str) -> None:
    document = (FIXTURES / "pain002_v12_partial.xml").read_bytes().replace(old, new, 1)

    with pytest.raises(Iso20022Error, match=what) as caught:
        list(read_pain002(io.BytesIO(document)))
    assert caught.value.line == line


def test_a_camt054_not_valid_against_its_xsd_is_refused() -> None:
    document = (FIXTURES / "camt054_v04_returns_and_pending.xml").read_bytes().replace(
        b"<Sts>PDNG</Sts>", b"<Sts>PENDING</Sts>", 1)

    with pytest.raises(Iso20022Error, match=r"camt\.054\.001\.04 XSD") as caught:
        list(read_camt054(io.BytesIO(document)))
    assert caught.value.line == 101


def test_a_stream_that_cannot_seek_is_refused_without_a_line() -> None:
    class Once(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    with pytest.raises(Iso20022Error, match="XSD") as caught:
        list(read_pain002(Once(_unexpected_element("pain002_v12_partial.xml"))))  # type: ignore[arg-type]
    assert caught.value.line is None


def test_without_validation_the_same_file_is_read() -> None:
    lines = list(read_pain002(io.BytesIO(_unexpected_element("pain002_v12_partial.xml")),
                              validate=False))

    assert len(lines) == 6


def _big_report(transactions: int, bad_at: int) -> bytes:
    head = (FIXTURES / "pain002_v12_partial.xml").read_bytes().split(b"<TxInfAndSts>")[0]
    body = b"".join(
        b"<TxInfAndSts><OrgnlEndToEndId>CT2025070000000%05d</OrgnlEndToEndId>"
        b"<TxSts>ACSC</TxSts>%s</TxInfAndSts>\n" % (i + 1, b"<Bogus/>" if i == bad_at else b"")
        for i in range(transactions))
    return head + body + b"</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n"


def test_a_schema_error_stops_the_reading_there() -> None:
    document = _big_report(50_000, bad_at=10)
    stream = io.BytesIO(document)

    with pytest.raises(Iso20022Error, match="Bogus") as caught:
        list(read_pain002(stream))

    assert b"<Bogus/>" in document.splitlines()[caught.value.line - 1]
    assert stream.tell() < len(document) // 10  # not read (nor validated) to the end


def test_a_schema_error_deep_in_a_big_file_is_found_on_its_line() -> None:
    document = _big_report(50_000, bad_at=45_000)

    with pytest.raises(Iso20022Error, match="Bogus") as caught:
        list(read_pain002(io.BytesIO(document)))

    assert b"<Bogus/>" in document.splitlines()[caught.value.line - 1]


def test_a_truncated_file_is_malformed_also_when_validated_after_an_invalid_one() -> None:
    # lxml loses the parser's own errors when it validates with resolve_entities=False, and
    # keeps the last schema error on the schema: neither may turn into a wrong answer.
    document = (FIXTURES / "pain002_v12_partial.xml").read_bytes()
    with pytest.raises(Iso20022Error, match="XSD"):
        list(read_pain002(io.BytesIO(_unexpected_element("pain002_v12_partial.xml"))))

    for _ in range(2):
        with pytest.raises(Iso20022Error, match="Malformed or truncated") as caught:
            list(read_pain002(io.BytesIO(document[: len(document) * 2 // 3])))
        assert caught.value.line is not None
    assert len(list(read_pain002(io.BytesIO(document)))) == 6


def test_a_root_hidden_behind_a_megabyte_is_refused() -> None:
    document = (FIXTURES / "pain002_v12_partial.xml").read_bytes().replace(
        b"<Document ", b"<!--" + b" " * (1024 * 1024) + b"-->\n<Document ", 1)

    with pytest.raises(Iso20022Error, match="No root element in the first 1 MB"):
        list(read_pain002(io.BytesIO(document)))
    assert len(list(read_pain002(io.BytesIO(document), validate=False))) == 6
