from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from chitra.payments.iso20022.pain001 import NAMESPACE

from .samples import header_for, render, transfer

NS = {"p": NAMESPACE}
amounts = st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(amounts=amounts)
def test_control_sum_equals_the_sum_of_the_written_amounts(amounts: list[int]) -> None:
    transfers = [transfer(i, amount) for i, amount in enumerate(amounts, start=1)]
    root = etree.fromstring(render(transfers, header_for(transfers)))

    written = [int(a.text) for a in root.iterfind(".//p:InstdAmt", namespaces=NS)]
    assert written == amounts
    for path in ("p:CstmrCdtTrfInitn/p:GrpHdr", "p:CstmrCdtTrfInitn/p:PmtInf"):
        assert int(root.findtext(f"{path}/p:CtrlSum", namespaces=NS)) == sum(written)
        assert int(root.findtext(f"{path}/p:NbOfTxs", namespaces=NS)) == len(written)


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=300), remittance=st.text(max_size=300))
def test_any_text_gives_a_well_formed_file_or_a_clear_refusal(name: str, remittance: str) -> None:
    from chitra.payments.iso20022 import Pain001Error

    transfers = [transfer(1, creditor_name=name, remittance=remittance)]
    try:
        document = render(transfers)
    except Pain001Error:
        return
    root = etree.fromstring(document)
    assert 0 < len(root.findtext(".//p:Cdtr/p:Nm", namespaces=NS)) <= 140
