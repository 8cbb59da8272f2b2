from __future__ import annotations

import io

import pytest

from chitra.payments.iso20022 import Iso20022Error, StatusLine, read_pain002

from .samples import FIXTURES, schema_errors, tree_size

E2E = ["CT202507000000001001", "CT202507000000001002", "CT202507000000001003"]


def _read(name: str) -> list[StatusLine]:
    with (FIXTURES / name).open("rb") as stream:
        return list(read_pain002(stream))


def _document(body: str, version: str = "12") -> io.BytesIO:
    return io.BytesIO(
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}">'
        f"<CstmrPmtStsRpt>{body}</CstmrPmtStsRpt></Document>".encode()
    )


GROUP = "<OrgnlGrpInfAndSts><OrgnlMsgId>M1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"


@pytest.mark.parametrize(
    "name",
    ["pain002_v12_all_accepted.xml", "pain002_v12_partial.xml", "pain002_v12_group_rejected.xml"],
)
def test_pain002_v12_fixtures_are_valid_against_the_xsd(name: str) -> None:
    assert schema_errors((FIXTURES / name).read_bytes(), "pain.002.001.12") == []


def test_pain002_v03_fixture_is_valid_against_its_xsd() -> None:
    document = (FIXTURES / "pain002_v03_transactions_only.xml").read_bytes()

    assert schema_errors(document, "pain.002.001.03") == []


def test_all_accepted_report_gives_group_payment_and_settled_transactions() -> None:
    lines = _read("pain002_v12_all_accepted.xml")

    assert [(line.level, line.status) for line in lines] == [
        ("group", "ACSC"),
        ("payment", "ACSC"),
        ("transaction", "ACSC"),
        ("transaction", "ACSC"),
        ("transaction", "ACSC"),
    ]
    assert [line.original_end_to_end_id for line in lines[2:]] == E2E
    assert [line.amount for line in lines[2:]] == [5_250_000, 3_100_000, 1_800_000]
    assert {line.original_msg_id for line in lines} == {"BHXH-01-202507-VCB-0001"}
    assert lines[2].original_pmt_inf_id == "BHXH-01-202507-VCB-0001"


def test_partial_report_lists_each_rejection_with_its_reason() -> None:
    lines = _read("pain002_v12_partial.xml")
    transactions = [line for line in lines if line.level == "transaction"]

    assert lines[0].status == "PART"
    assert [(t.status, t.reason_code) for t in transactions] == [
        ("ACSC", None),
        ("RJCT", "AC04"),
        ("RJCT", "AC01"),  # the first reason entry carries only text: the coded one counts
        ("RJCT", "MD07"),
    ]
    assert [t.amount for t in transactions] == [5_250_000, 3_100_000, 1_800_000, 2_500_000]


def test_status_lines_carry_their_source_line() -> None:
    lines = _read("pain002_v12_partial.xml")
    text = (FIXTURES / "pain002_v12_partial.xml").read_text(encoding="utf-8").splitlines()

    md07 = lines[-1]
    assert md07.line is not None
    assert "<TxInfAndSts>" in text[md07.line - 1]


def test_group_rejection_is_a_single_group_line_with_its_reason() -> None:
    assert _read("pain002_v12_group_rejected.xml") == [
        StatusLine(
            level="group",
            original_msg_id="BHXH-01-202507-AGRIBANK-0001",
            original_pmt_inf_id=None,
            original_end_to_end_id=None,
            status="RJCT",
            reason_code="AM05",
            amount=None,
            line=15,
            detail="Tệp trùng với tệp đã nhận",
        )
    ]


def test_version_03_namespace_is_read_the_same_way() -> None:
    lines = _read("pain002_v03_transactions_only.xml")

    assert [(line.level, line.status, line.reason_code) for line in lines] == [
        ("payment", "ACSP", None),
        ("transaction", "ACSC", None),
        ("transaction", "RJCT", "AC06"),
    ]
    assert lines[1].amount == 2_750_000
    assert lines[2].amount is None


def test_payment_without_transactions_still_reports_its_status() -> None:
    body = (
        f"{GROUP}</OrgnlGrpInfAndSts>"
        "<OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>"
        "<StsRsnInf><Rsn><Cd>AC03</Cd></Rsn></StsRsnInf></OrgnlPmtInfAndSts>"
    )

    (line,) = read_pain002(_document(body, "10"), validate=False)

    assert (line.level, line.original_pmt_inf_id, line.status, line.reason_code) == (
        "payment",
        "P1",
        "RJCT",
        "AC03",
    )


@pytest.mark.parametrize("amount", ["5250000.50", "-5", "1e6", "5,250,000", ""])
def test_amount_that_is_not_whole_dong_is_refused(amount: str) -> None:
    body = (
        f"{GROUP}</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId>"
        "<TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId><TxSts>ACSC</TxSts>"
        f'<OrgnlTxRef><Amt><InstdAmt Ccy="VND">{amount}</InstdAmt></Amt></OrgnlTxRef>'
        "</TxInfAndSts></OrgnlPmtInfAndSts>"
    )

    with pytest.raises(Iso20022Error, match="amount") as caught:
        list(read_pain002(_document(body), validate=False))
    assert caught.value.line == 1


def test_amount_in_another_currency_is_refused() -> None:
    body = (
        f"{GROUP}</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId>"
        "<TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId><TxSts>ACSC</TxSts>"
        '<OrgnlTxRef><Amt><InstdAmt Ccy="USD">100</InstdAmt></Amt></OrgnlTxRef>'
        "</TxInfAndSts></OrgnlPmtInfAndSts>"
    )

    with pytest.raises(Iso20022Error, match="VND"):
        list(read_pain002(_document(body), validate=False))


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ("<OrgnlGrpInfAndSts><GrpSts>ACCP</GrpSts></OrgnlGrpInfAndSts>", "OrgnlMsgId"),
        ("", "OrgnlMsgId"),
        (
            f"{GROUP}</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId>"
            "<TxInfAndSts><OrgnlEndToEndId>E1</OrgnlEndToEndId></TxInfAndSts>"
            "</OrgnlPmtInfAndSts>",
            "TxSts",
        ),
        (
            f"{GROUP}</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><PmtInfSts>ACCP</PmtInfSts>"
            "</OrgnlPmtInfAndSts>",
            "OrgnlPmtInfId",
        ),
    ],
)
def test_missing_required_ids_are_refused(body: str, missing: str) -> None:
    with pytest.raises(Iso20022Error, match=missing):
        list(read_pain002(_document(body), validate=False))


@pytest.mark.parametrize("version", ["02", "16", "99"])
def test_versions_outside_03_to_15_are_refused(version: str) -> None:
    with pytest.raises(Iso20022Error, match=r"Not a pain\.002"):
        list(read_pain002(_document(f"{GROUP}</OrgnlGrpInfAndSts>", version), validate=False))


@pytest.mark.parametrize(
    "document",
    [
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/>'
        b"</Document>",
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>',
        b"<Document><CstmrPmtStsRpt/></Document>",
        b'<Report xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"/>',
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"><Other/></Document>',
    ],
)
def test_wrong_root_is_refused(document: bytes) -> None:
    with pytest.raises(Iso20022Error, match="Not a"):
        list(read_pain002(io.BytesIO(document)))


def test_error_messages_are_bilingual() -> None:
    with pytest.raises(Iso20022Error) as caught:
        list(read_pain002(io.BytesIO(b"<a/>")))

    assert caught.value.message_vi.startswith("Không phải thông điệp")
    assert caught.value.message_en.startswith("Not a pain.002")


def _large_report(count: int) -> io.BytesIO:
    transactions = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>E{i}</OrgnlEndToEndId><TxSts>ACSC</TxSts>"
        f'<OrgnlTxRef><Amt><InstdAmt Ccy="VND">{i + 1}</InstdAmt></Amt></OrgnlTxRef>'
        "</TxInfAndSts>"
        for i in range(count)
    )
    return _document(
        f"{GROUP}</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>P1</OrgnlPmtInfId>"
        f"{transactions}</OrgnlPmtInfAndSts>"
    )


def test_reading_a_large_report_keeps_the_tree_small() -> None:
    lines = read_pain002(_large_report(5_000), validate=False)
    for _ in range(4_000):
        next(lines)

    # White-box: the parsed tree (libxml2 memory, invisible to tracemalloc) holds what the
    # parser has read ahead (one buffer), not the 4,000 transactions (24,000 elements) done.
    assert tree_size(lines) < 4_000
    assert len(list(lines)) == 1_000
