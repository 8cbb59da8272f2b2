"""The writer formats transactions as text: it must give the bytes lxml gives for the tree.

The reference below builds the whole document as an lxml tree, element by element, indents
it with ``etree.indent`` and serializes it — the straightforward way to write the file. It
reproduces the golden file, and the writer must agree with it byte for byte on any input,
including text with markup, control characters and Vietnamese, and across write chunks.
"""

from __future__ import annotations

import io
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from chitra.payments.iso20022 import CreditTransfer, FileHeader, Pain001Error, write_pain001
from chitra.payments.iso20022.ids import check_id
from chitra.payments.iso20022.pain001 import _CHUNK, _E2E_OK, MAX_TEXT, NAMESPACE
from chitra.payments.iso20022.text import Charset, clean_text, clean_text_slowly

from .samples import FIXTURES, GOLDEN_TRANSFERS, header_for, schema_errors

_ID_ALPHABET = "ABCXYZabcxyz0123456789/-?:().,'+ "


def _reference(
    header: FileHeader, transfers: list[CreditTransfer], *, charset: Charset = Charset.UPPER_ASCII
) -> bytes:
    def sub(parent: Any, path: str, text: str | None = None, **attrib: str) -> Any:
        element = parent
        for tag in path.split("/"):
            element = etree.SubElement(element, f"{{{NAMESPACE}}}{tag}")
        element.attrib.update(attrib)
        if text is not None:
            element.text = text
        return element

    def agent(parent: Any, tag: str, bic: str | None, bin_: str | None) -> None:
        institution = sub(parent, f"{tag}/FinInstnId")
        if bic is not None:
            sub(institution, "BICFI", bic)
        if bin_ is not None:
            member = sub(institution, "ClrSysMmbId")
            sub(member, "ClrSysId/Prtry", "NAPAS")
            sub(member, "MmbId", bin_)

    def clean(value: str, max_len: int = MAX_TEXT) -> str:
        return clean_text_slowly(value, max_len=max_len, charset=charset)

    def ustrd(transfer: CreditTransfer) -> str:
        text = transfer.remittance
        if transfer.beneficiary_name is not None:
            text = f"{text} CHO {transfer.beneficiary_name}"
        text = clean(clean(text), MAX_TEXT - 1 - len(transfer.end_to_end_id))
        return f"{text} {transfer.end_to_end_id}" if text else transfer.end_to_end_id

    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = sub(root, "CstmrCdtTrfInitn")
    group = sub(initiation, "GrpHdr")
    sub(group, "MsgId", header.msg_id)
    sub(group, "CreDtTm", header.created_at.isoformat(timespec="seconds"))
    sub(group, "NbOfTxs", str(header.tx_count))
    sub(group, "CtrlSum", str(header.control_sum))
    sub(group, "InitgPty/Nm", clean(header.initiating_party))
    info = sub(initiation, "PmtInf")
    sub(info, "PmtInfId", header.pmt_inf_id)
    sub(info, "PmtMtd", "TRF")
    sub(info, "NbOfTxs", str(header.tx_count))
    sub(info, "CtrlSum", str(header.control_sum))
    if header.category_purpose is not None:
        sub(info, "PmtTpInf/CtgyPurp/Cd", header.category_purpose)
    sub(info, "ReqdExctnDt/Dt", header.requested_execution_date.isoformat())
    sub(info, "Dbtr/Nm", clean(header.debtor.name))
    sub(info, "DbtrAcct/Id/Othr/Id", header.debtor.account)
    agent(info, "DbtrAgt", header.debtor.agent_bic, header.debtor.agent_bin)
    sub(info, "ChrgBr", "SLEV")
    for transfer in transfers:
        tx = sub(info, "CdtTrfTxInf")
        ids = sub(tx, "PmtId")
        sub(ids, "InstrId", transfer.end_to_end_id)
        sub(ids, "EndToEndId", transfer.end_to_end_id)
        sub(tx, "Amt/InstdAmt", str(transfer.amount), Ccy="VND")
        if transfer.creditor_agent_bic is not None or transfer.creditor_agent_bin is not None:
            agent(tx, "CdtrAgt", transfer.creditor_agent_bic, transfer.creditor_agent_bin)
        sub(tx, "Cdtr/Nm", clean(transfer.creditor_name))
        account = sub(tx, "CdtrAcct")
        sub(account, "Id/Othr/Id", transfer.creditor_account)
        if transfer.creditor_proxy is not None:
            proxy = sub(account, "Prxy")
            sub(proxy, "Tp/Cd", "MBNO")
            sub(proxy, "Id", transfer.creditor_proxy)
        sub(tx, "RmtInf/Ustrd", ustrd(transfer))
    etree.indent(root, space="  ")
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + etree.tostring(root, encoding="utf-8") + b"\n"


class _Recorder:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)


def _written(transfers: list[CreditTransfer], **options: Any) -> tuple[bytes, FileHeader]:
    header = header_for(transfers)
    out = io.BytesIO()
    write_pain001(out, header, transfers, **options)
    return out.getvalue(), header


@pytest.mark.parametrize(
    ("charset", "name"),
    [
        (Charset.UNICODE, "pain001_golden.xml"),
        (Charset.UPPER_ASCII, "pain001_golden_upper_ascii.xml"),
    ],
)
def test_reference_reproduces_the_golden_files(charset: Charset, name: str) -> None:
    golden = (FIXTURES / name).read_bytes()

    assert _reference(header_for(GOLDEN_TRANSFERS), list(GOLDEN_TRANSFERS), charset=charset) == (
        golden
    )


_NAMES = ["Nguyễn Thị Thuỷ", "Đặng Văn Đức", "Lê <Văn> & \"Hùng\" 'x' >", "Phạm Thị Hoà", "A&B"]
_REMITTANCES = ["", "Lương hưu tháng 07/2025", "Trợ cấp — Hoà Bình", "a < b && c > d", "\x00\t"]
_text = st.one_of(st.sampled_from(_NAMES + _REMITTANCES), st.text(max_size=160))
_transfers = st.builds(
    CreditTransfer,
    end_to_end_id=st.text(_ID_ALPHABET, min_size=1, max_size=35),
    amount=st.integers(min_value=1, max_value=10**15),
    creditor_name=_text.filter(
        lambda name: all(clean_text(name, max_len=MAX_TEXT, charset=c) for c in Charset)
    ),
    creditor_account=st.from_regex(r"[A-Za-z0-9]{1,34}", fullmatch=True),
    creditor_agent_bin=st.one_of(st.none(), st.from_regex(r"[0-9]{6,8}", fullmatch=True)),
    creditor_agent_bic=st.one_of(
        st.none(), st.from_regex(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", fullmatch=True)
    ),
    remittance=_text,
    creditor_proxy=st.one_of(st.none(), st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)),
    beneficiary_name=st.one_of(st.none(), _text),
)


@settings(max_examples=150, deadline=None)
@given(transfers=st.lists(_transfers, min_size=1, max_size=12), charset=st.sampled_from(Charset))
def test_same_bytes_as_the_lxml_tree(transfers: list[CreditTransfer], charset: Charset) -> None:
    document, header = _written(transfers, charset=charset)

    assert document == _reference(header, transfers, charset=charset)


def _random_transfers(count: int, seed: int) -> list[CreditTransfer]:
    rng = random.Random(seed)
    alphabet = (
        "aăâbcdđeêghiklmnoôơpqrstuưvxyAĐƠ ạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ&<>\"'\t"
    )
    bins = [None, "970436", "970415", "97100512"]
    bics = [None, "BFTVVNVX", "ICBVVNVX123"]
    return [
        CreditTransfer(
            end_to_end_id=f"CT2025{rng.randrange(10**12):014d}",
            amount=rng.randrange(1, 50_000_000),
            creditor_name="X" + "".join(rng.choices(alphabet, k=rng.randrange(1, 40))),
            creditor_account=str(rng.randrange(10**9, 10**13)),
            creditor_agent_bin=rng.choice(bins),
            creditor_agent_bic=rng.choice(bics),
            remittance=rng.choice(
                ["", "Lương hưu tháng 07/2025", "".join(rng.choices(alphabet, k=70))]
            ),
            creditor_proxy=rng.choice([None, None, f"+849{rng.randrange(10**8):08d}"]),
            beneficiary_name=rng.choice([None, None, "Lò Thị Én"]),
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("charset", list(Charset))
def test_same_bytes_as_the_lxml_tree_over_many_chunks(charset: Charset) -> None:
    transfers = _random_transfers(5 * _CHUNK + 7, seed=20250701)
    document, header = _written(transfers, charset=charset)

    assert document == _reference(header, transfers, charset=charset)
    assert schema_errors(document, "pain.001.001.09") == []


def test_output_goes_out_in_bounded_chunks() -> None:
    transfers = _random_transfers(20 * _CHUNK, seed=7)
    sink = _Recorder()
    write_pain001(sink, header_for(transfers), transfers)  # type: ignore[arg-type]

    assert len(sink.chunks) > 20
    assert max(len(chunk) for chunk in sink.chunks) < 256 * 1024
    assert b"".join(sink.chunks) == _reference(header_for(transfers), transfers)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(_ID_ALPHABET + "_;\nĐ<&", max_size=40), st.text(max_size=40)))
def test_end_to_end_id_shortcut_accepts_exactly_what_check_id_accepts(value: str) -> None:
    try:
        check_id(value, "EndToEndId")
    except Pain001Error:
        accepted = False
    else:
        accepted = True

    assert (_E2E_OK(value) is not None) is accepted


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"creditor_account": 1234567}, "creditor account"),
        ({"creditor_account": ""}, "creditor account"),
        ({"creditor_account": "０１２３"}, "creditor account"),  # full-width digits: isalnum
        ({"creditor_agent_bin": ""}, "NAPAS BIN"),
        ({"end_to_end_id": None}, "EndToEndId"),
        ({"creditor_name": ""}, "creditor name"),
        ({"creditor_proxy": "0912345678"}, "phone number"),
        ({"creditor_proxy": "+84 912 345 678"}, "phone number"),
    ],
)
def test_unusual_values_take_the_full_checks(changes: dict[str, Any], message: str) -> None:
    good = _random_transfers(3, seed=1)
    transfers = [good[0], replace(good[1], **changes), good[2]]
    with pytest.raises(Pain001Error, match=message):
        _written(transfers)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.sampled_from(_NAMES + _REMITTANCES), st.text(max_size=160)),
       charset=st.sampled_from(Charset))
def test_text_shortcuts_give_what_the_full_cleaning_gives(value: str, charset: Charset) -> None:
    assert clean_text(value, max_len=MAX_TEXT, charset=charset) == clean_text_slowly(
        value, max_len=MAX_TEXT, charset=charset
    )
