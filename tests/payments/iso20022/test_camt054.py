from __future__ import annotations

import io
from datetime import date

import pytest

from chitra.payments.iso20022 import Iso20022Error, Notification, read_camt054

from .samples import FIXTURES, schema_errors, tree_size

FIXTURE = "camt054_v08_paid_and_returned.xml"


def _read() -> list[Notification]:
    with (FIXTURES / FIXTURE).open("rb") as stream:
        return list(read_camt054(stream))


def _document(entries: str, version: str = "08") -> io.BytesIO:
    return io.BytesIO(
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId></GrpHdr><Ntfctn><Id>N</Id>"
        f"{entries}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>".encode()
    )


def test_fixture_is_valid_against_the_xsd() -> None:
    assert schema_errors((FIXTURES / FIXTURE).read_bytes(), "camt.054.001.08") == []


def test_booked_batch_debit_confirms_each_transfer_as_paid() -> None:
    first, second = _read()[:2]

    assert (first.end_to_end_id, first.amount, first.credit_debit) == (
        "CT202507000000001001",
        5_250_000,
        "DBIT",
    )
    assert second.amount == 3_100_000  # written "3100000.00"
    assert first.booking_date == date(2025, 7, 1)
    assert first.confirms_payment
    assert second.confirms_payment


def test_credit_with_return_information_is_a_return_with_its_reason() -> None:
    returned = _read()[2]

    assert returned.end_to_end_id == "CT202507000000001003"
    assert (returned.credit_debit, returned.is_return, returned.reason_code) == (
        "CRDT",
        True,
        "AC04",
    )
    assert returned.booking_date == date(2025, 7, 3)  # from BookgDt/DtTm
    assert not returned.confirms_payment


def test_pending_debit_is_not_a_payment_and_takes_the_entry_amount() -> None:
    pending = _read()[3]

    assert (pending.entry_status, pending.amount, pending.booking_date) == ("PDNG", 2_500_000, None)
    assert not pending.is_booked
    assert not pending.confirms_payment


def test_entry_without_details_has_no_end_to_end_id() -> None:
    charge = _read()[4]

    assert (charge.end_to_end_id, charge.amount, charge.credit_debit) == (None, 11_000, "DBIT")
    assert not charge.confirms_payment


def test_notifications_carry_their_source_line() -> None:
    text = (FIXTURES / FIXTURE).read_text(encoding="utf-8").splitlines()

    for notification in _read()[:4]:
        assert notification.line is not None
        assert "<TxDtls>" in text[notification.line - 1]


def test_return_recognized_by_bank_transaction_code_alone() -> None:
    entry = (
        '<Ntry><Amt Ccy="VND">100</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs>"
        "</TxDtls></NtryDtls></Ntry>"
    )

    (notification,) = read_camt054(_document(entry), validate=False)

    assert notification.is_return
    assert notification.reason_code is None


def test_older_version_with_plain_status_text_is_read() -> None:
    entry = (
        '<Ntry><Amt Ccy="VND">100</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
        "<NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs>"
        '<AmtDtls><TxAmt><Amt Ccy="VND">100</Amt></TxAmt></AmtDtls></TxDtls></NtryDtls></Ntry>'
    )

    (notification,) = read_camt054(_document(entry, "02"), validate=False)

    assert notification.confirms_payment


def test_batch_transactions_without_amounts_share_the_entry_amount() -> None:
    entry = (
        '<Ntry><Amt Ccy="VND">200</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<NtryDtls><TxDtls><Refs><EndToEndId>E1</EndToEndId></Refs></TxDtls>"
        "<TxDtls><Refs><EndToEndId>E2</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>"
    )

    first, second = read_camt054(_document(entry), validate=False)

    assert [(n.end_to_end_id, n.amount, n.entry_no, n.entry_total) for n in (first, second)] == [
        ("E1", None, 1, 200),
        ("E2", None, 1, 200),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('<Ntry><Amt Ccy="VND">100.5</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry>', "amount"),
        ('<Ntry><Amt Ccy="EUR">100</Amt><CdtDbtInd>DBIT</CdtDbtInd></Ntry>', "VND"),
        ('<Ntry><Amt Ccy="VND">100</Amt><CdtDbtInd>BOTH</CdtDbtInd></Ntry>', "CdtDbtInd"),
        ("<Ntry><CdtDbtInd>DBIT</CdtDbtInd></Ntry>", "Ntry/Amt"),
        ('<Ntry><Amt Ccy="VND">1</Amt><BookgDt><Dt>2025-13-01</Dt></BookgDt></Ntry>', "date"),
    ],
)
def test_bad_entries_are_refused(entry: str, message: str) -> None:
    with pytest.raises(Iso20022Error, match=message):
        list(read_camt054(_document(entry), validate=False))


@pytest.mark.parametrize(
    "document",
    [
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"><CstmrPmtStsRpt/>'
        b"</Document>",
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><Other/></Document>',
    ],
)
def test_wrong_root_is_refused(document: bytes) -> None:
    with pytest.raises(Iso20022Error, match=r"Not a camt\.054"):
        list(read_camt054(io.BytesIO(document)))


def test_empty_notification_document_is_refused() -> None:
    document = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>'

    with pytest.raises(Iso20022Error, match="BkToCstmrDbtCdtNtfctn"):
        list(read_camt054(io.BytesIO(document)))


def test_reading_a_large_batch_entry_keeps_the_tree_small() -> None:
    details = "".join(
        f'<TxDtls><Refs><EndToEndId>E{i}</EndToEndId></Refs><Amt Ccy="VND">1</Amt></TxDtls>'
        for i in range(5_000)
    )
    entry = (
        '<Ntry><Amt Ccy="VND">5000</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        f"<NtryDtls>{details}</NtryDtls></Ntry>"
    )
    notifications = read_camt054(_document(entry), validate=False)
    for _ in range(4_000):
        next(notifications)

    assert tree_size(notifications) < 4_000  # not the 16,000 elements already read
    assert len(list(notifications)) == 1_000
