from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

import pytest
from lxml import etree

from chitra.payments.iso20022 import CreditTransfer, Debtor, Pain001Error, write_pain001
from chitra.payments.iso20022.pain001 import NAMESPACE
from chitra.payments.iso20022.text import Charset

from .samples import FIXTURES, GOLDEN_TRANSFERS, OFFICE, header_for, render, schema_errors, transfer

NS = {"p": NAMESPACE}
PAIN001 = "pain.001.001.09"
# Controls, a right-to-left override and mark, an emoji with a joiner, markup, a long tail.
HOSTILE = "\x00Lò\x1b Văn\u202e Ðức\u200f 😀\u200d👍 <b>&amp;</b> 'x' " + "Ư" * 200


UNICODE = {"charset": Charset.UNICODE}


def test_golden_file_is_reproduced_byte_for_byte() -> None:
    expected = (FIXTURES / "pain001_golden.xml").read_bytes()

    assert render(GOLDEN_TRANSFERS, **UNICODE) == expected


def test_upper_case_ascii_is_the_default_character_set() -> None:
    expected = (FIXTURES / "pain001_golden_upper_ascii.xml").read_bytes()

    assert render(GOLDEN_TRANSFERS) == expected
    assert expected.isascii()


def test_any_object_with_the_transfer_fields_gives_the_same_bytes() -> None:
    class Row(NamedTuple):  # what a bulk caller passes instead of the frozen dataclass
        end_to_end_id: str
        amount: int
        creditor_name: str
        creditor_account: str
        creditor_agent_bin: str | None
        creditor_agent_bic: str | None
        remittance: str
        creditor_proxy: str | None
        beneficiary_name: str | None

    rows = [Row(t.end_to_end_id, t.amount, t.creditor_name, t.creditor_account,
                t.creditor_agent_bin, t.creditor_agent_bic, t.remittance, t.creditor_proxy,
                t.beneficiary_name)
            for t in GOLDEN_TRANSFERS]
    out = io.BytesIO()
    write_pain001(out, header_for(GOLDEN_TRANSFERS), rows, charset=Charset.UNICODE)
    assert out.getvalue() == (FIXTURES / "pain001_golden.xml").read_bytes()


@pytest.mark.parametrize("name", ["pain001_golden.xml", "pain001_golden_upper_ascii.xml"])
def test_golden_files_are_valid_against_the_official_xsd(name: str) -> None:
    assert schema_errors((FIXTURES / name).read_bytes(), PAIN001) == []


def test_same_input_gives_the_same_bytes() -> None:
    transfers = [transfer(i, 1_000_000 + i) for i in range(1, 50)]

    assert render(transfers) == render(transfers)


@pytest.mark.parametrize(
    ("transfers", "options"),
    [
        pytest.param([transfer(1)], {}, id="one-transfer"),
        pytest.param(list(GOLDEN_TRANSFERS), {}, id="three-transfers"),
        pytest.param(list(GOLDEN_TRANSFERS), UNICODE, id="unicode"),
        pytest.param(list(GOLDEN_TRANSFERS), {"charset": Charset.ASCII}, id="ascii"),
        pytest.param([transfer(5, creditor_proxy="+84912345678")], {}, id="proxy"),
        pytest.param([transfer(6, beneficiary_name="Lò Thị Én " * 20)], {}, id="beneficiary"),
        pytest.param([transfer(7, creditor_name=HOSTILE, remittance=HOSTILE)], {}, id="hostile"),
        pytest.param(
            [transfer(8, creditor_name=HOSTILE, remittance=HOSTILE)], UNICODE, id="hostile-utf8"
        ),
        pytest.param([transfer(2, creditor_agent_bic=None)], {}, id="bank-without-bic"),
        pytest.param(
            [transfer(3, creditor_agent_bic=None, creditor_agent_bin="971005", remittance="")],
            {},
            id="e-wallet",
        ),
        pytest.param(
            [transfer(4, creditor_agent_bic=None, creditor_agent_bin=None)], {}, id="no-agent"
        ),
    ],
)
def test_generated_files_validate_against_the_official_xsd(
    transfers: list[CreditTransfer], options: dict[str, Any]
) -> None:
    assert schema_errors(render(transfers, None, **options), PAIN001) == []


def test_header_without_category_purpose_omits_payment_type() -> None:
    transfers = [transfer(1)]
    document = render(transfers, header_for(transfers, category_purpose=None))

    assert b"PmtTpInf" not in document
    assert schema_errors(document, PAIN001) == []


def test_debtor_agent_by_bin_only_is_valid() -> None:
    transfers = [transfer(1)]
    office = replace(OFFICE, agent_bic=None)
    document = render(transfers, header_for(transfers, debtor=office))

    root = etree.fromstring(document)
    assert root.findtext(".//p:DbtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", namespaces=NS) == (
        "970436"
    )
    assert root.find(".//p:DbtrAgt//p:BICFI", namespaces=NS) is None
    assert schema_errors(document, PAIN001) == []


def test_amounts_are_whole_vnd_and_counts_come_from_the_header() -> None:
    transfers = [transfer(1, 5_250_000), transfer(2, 1)]
    root = etree.fromstring(render(transfers))

    amounts = root.findall(".//p:InstdAmt", namespaces=NS)
    assert [(a.text, a.get("Ccy")) for a in amounts] == [("5250000", "VND"), ("1", "VND")]
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "5250001"
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum", namespaces=NS) == "5250001"
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:NbOfTxs", namespaces=NS) == "2"


def test_creation_time_is_iso_8601_with_seconds_and_offset() -> None:
    transfers = [transfer(1)]
    root = etree.fromstring(render(transfers))

    assert root.findtext(".//p:CreDtTm", namespaces=NS) == "2025-06-25T09:30:00+07:00"


def _texts(document: bytes, path: str) -> list[str]:
    return [n.text for n in etree.fromstring(document).findall(path, namespaces=NS)]


def test_ascii_keeps_the_case_and_folds_vietnamese() -> None:
    document = render(GOLDEN_TRANSFERS, charset=Charset.ASCII)

    assert _texts(document, ".//p:Cdtr/p:Nm") == ["Nguyen Thi Thuy", "Dang Van Duc", "Pham Thi Hoa"]
    assert _texts(document, ".//p:Dbtr/p:Nm") == ["Bao hiem xa hoi thanh pho Ha Noi"]
    assert document.isascii()


def test_upper_ascii_folds_d_bar_to_d_and_every_text_to_upper_case() -> None:
    document = render(GOLDEN_TRANSFERS)

    assert _texts(document, ".//p:Cdtr/p:Nm") == ["NGUYEN THI THUY", "DANG VAN DUC", "PHAM THI HOA"]
    assert _texts(document, ".//p:InitgPty/p:Nm") == ["BHXH THANH PHO HA NOI"]
    assert _texts(document, ".//p:Ustrd")[1] == (
        "TRO CAP TUAT HANG THANG 07/2025 - HOA BINH CHO DANG THI LANH CT202507000000001002"
    )


def test_vietnamese_text_is_kept_as_utf8_with_the_unicode_charset() -> None:
    document = render(GOLDEN_TRANSFERS, **UNICODE)

    assert "Đặng Văn Đức".encode() in document


@pytest.mark.parametrize("charset", list(Charset))
def test_hostile_text_is_transliterated_never_dropped_and_stays_in_the_set(
    charset: Charset,
) -> None:
    document = render([transfer(1, creditor_name=HOSTILE, remittance=HOSTILE)], charset=charset)
    name, remittance = _texts(document, ".//p:Cdtr/p:Nm") + _texts(document, ".//p:Ustrd")

    assert len(name) == len(remittance) == 140
    assert remittance.endswith(" CT202507000000000001")
    if charset is Charset.UNICODE:
        assert name.startswith("Lò Văn Ðức 😀👍 <b>&amp;</b> 'x' ƯƯ")
        return
    expected = "Lo Van Duc ?? (b)+amp,(/b) 'x' UU"
    assert name.startswith(expected.upper() if charset is Charset.UPPER_ASCII else expected)
    assert remittance.startswith(name[:100])
    swift = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?:().,'+ ")
    assert set(name) <= swift
    assert set(remittance) <= swift


def test_markup_in_text_is_escaped_and_control_characters_dropped() -> None:
    transfers = [transfer(1, creditor_name='Lê <Văn> & "Hùng"\x00\x1b', remittance="a\tb\r\nc")]
    document = render(transfers, **UNICODE)
    root = etree.fromstring(document)

    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=NS) == 'Lê <Văn> & "Hùng"'
    assert root.findtext(".//p:Ustrd", namespaces=NS) == "a b c CT202507000000000001"
    assert b"&lt;V" in document


def test_long_remittance_is_cut_before_the_end_to_end_id_without_splitting_a_letter() -> None:
    # "e" + combining circumflex + combining acute straddles the limit: both go together.
    remittance = "x" * 118 + "e\u0302\u0301" + "y"
    transfers = [transfer(1, remittance="Lương hưu " * 30), transfer(2, remittance=remittance)]
    root = etree.fromstring(render(transfers, **UNICODE))

    first, second = (u.text for u in root.findall(".//p:Ustrd", namespaces=NS))
    assert len(first) == 140
    assert first.endswith(" CT202507000000000001")
    # NFC first: the three code points compose into one; 119 + space + 20-character id.
    assert second == "x" * 118 + "ế CT202507000000000002"


def test_every_transaction_carries_its_end_to_end_id_as_instruction_id() -> None:
    transfers = [transfer(1), transfer(2)]
    root = etree.fromstring(render(transfers))

    ids = [[child.tag.split("}")[1] + "=" + child.text for child in pmt_id]
           for pmt_id in root.iterfind(".//p:CdtTrfTxInf/p:PmtId", namespaces=NS)]
    assert ids == [[f"InstrId={t.end_to_end_id}", f"EndToEndId={t.end_to_end_id}"]
                   for t in transfers]


def test_the_napas_bin_is_a_member_of_the_napas_clearing_system() -> None:
    root = etree.fromstring(render([transfer(1)]))

    member = root.find(".//p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId", namespaces=NS)
    assert member.findtext("p:ClrSysId/p:Prtry", namespaces=NS) == "NAPAS"
    assert member.findtext("p:MmbId", namespaces=NS) == "970415"
    debtor = root.find(".//p:DbtrAgt/p:FinInstnId/p:ClrSysMmbId", namespaces=NS)
    assert debtor.findtext("p:ClrSysId/p:Prtry", namespaces=NS) == "NAPAS"


def test_a_wallet_paid_by_phone_number_names_it_as_a_mobile_proxy() -> None:
    document = render([transfer(1, creditor_account="0912345678", creditor_proxy="+84912345678")])
    account = etree.fromstring(document).find(".//p:CdtrAcct", namespaces=NS)

    assert account.findtext("p:Id/p:Othr/p:Id", namespaces=NS) == "0912345678"
    assert account.findtext("p:Prxy/p:Tp/p:Cd", namespaces=NS) == "MBNO"
    assert account.findtext("p:Prxy/p:Id", namespaces=NS) == "+84912345678"
    assert schema_errors(document, PAIN001) == []


def test_a_payment_to_someone_elses_account_names_the_beneficiary() -> None:
    document = render([transfer(1, creditor_name="Lò Văn Pọm", beneficiary_name="Lò Thị Én")])

    assert _texts(document, ".//p:Cdtr/p:Nm") == ["LO VAN POM"]
    assert _texts(document, ".//p:Ustrd") == [
        "LUONG HUU THANG 07/2025 CHO LO THI EN CT202507000000000001"
    ]


def test_names_with_only_control_characters_are_refused() -> None:
    transfers = [transfer(1, creditor_name="\x00\x01 ")]

    with pytest.raises(Pain001Error, match="creditor name"):
        render(transfers)


def test_fewer_transfers_than_declared_raises() -> None:
    transfers = [transfer(1), transfer(2)]
    header = header_for([*transfers, transfer(3)])

    with pytest.raises(Pain001Error, match="do not match the header"):
        render(transfers, header)


def test_more_transfers_than_declared_raises() -> None:
    transfers = [transfer(1), transfer(2)]
    header = header_for(transfers[:1])

    with pytest.raises(Pain001Error, match="do not match the header"):
        render(transfers, header)


def test_sum_different_from_the_control_sum_raises() -> None:
    transfers = [transfer(1, 1_000_000), transfer(2, 2_000_000)]
    header = header_for(transfers, control_sum=3_000_001)

    with pytest.raises(Pain001Error, match="do not match the header"):
        render(transfers, header)


@pytest.mark.parametrize(
    "bad_id",
    ["", "x" * 36, "CT2025-ĐỨC", "CT_2025", "CT\n2025", "CT2025;DROP"],
)
def test_invalid_end_to_end_id_raises(bad_id: str) -> None:
    with pytest.raises(Pain001Error, match="EndToEndId"):
        render([transfer(1, end_to_end_id=bad_id)])


@pytest.mark.parametrize("field", ["msg_id", "pmt_inf_id"])
def test_invalid_message_ids_raise(field: str) -> None:
    transfers = [transfer(1)]

    with pytest.raises(Pain001Error, match="Id"):
        render(transfers, header_for(transfers, **{field: "M" * 36}))


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, 10**18])
def test_amount_that_is_not_positive_whole_dong_raises(amount: object) -> None:
    bad = transfer(1, amount=2)
    bad = replace(bad, amount=amount)  # type: ignore[arg-type]
    header = header_for([transfer(1, amount=2)])

    with pytest.raises(Pain001Error, match="amount"):
        render([bad], header)


def test_naive_creation_time_raises() -> None:
    transfers = [transfer(1)]
    header = header_for(transfers, created_at=datetime(2025, 6, 25, 9, 30))

    with pytest.raises(Pain001Error, match="timezone-aware"):
        render(transfers, header)


@pytest.mark.parametrize(
    "changes",
    [
        {"creditor_account": "0123 4567"},
        {"creditor_account": "1" * 35},
        {"creditor_agent_bic": "VCB"},
        {"creditor_agent_bin": "97A436"},
    ],
)
def test_invalid_creditor_account_or_agent_raises(changes: dict[str, Any]) -> None:
    with pytest.raises(Pain001Error):
        render([transfer(1, **changes)])


def test_debtor_without_any_agent_id_raises() -> None:
    transfers = [transfer(1)]
    office = Debtor(name="BHXH", account="0011000123456", agent_bic=None, agent_bin=None)

    with pytest.raises(Pain001Error, match="debtor agent"):
        render(transfers, header_for(transfers, debtor=office))


def test_nothing_is_written_for_an_invalid_header() -> None:
    transfers = [transfer(1)]
    out = io.BytesIO()

    with pytest.raises(Pain001Error):
        write_pain001(out, header_for(transfers, msg_id="bad id ;"), transfers)
    assert out.getvalue() == b""
