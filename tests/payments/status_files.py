"""Bank replies built for tests, in the shapes the readers accept."""

from __future__ import annotations

from collections.abc import Iterable

PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


def pain002(msg_id: str, lines: Iterable[tuple[str, str, str | None, int | None]],
            group_status: str = "PART") -> bytes:
    """``lines``: (EndToEndId, status, reason code, amount)."""
    tx = []
    for e2e, status, reason, amount in lines:
        rsn = f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else ""
        amt = (f'<OrgnlTxRef><Amt><InstdAmt Ccy="VND">{amount}</InstdAmt></Amt></OrgnlTxRef>'
               if amount is not None else "")
        tx.append(f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
                  f"{rsn}{amt}</TxInfAndSts>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{PAIN002_NS}">'
            f"<CstmrPmtStsRpt><GrpHdr><MsgId>STS-{msg_id}</MsgId>"
            f"<CreDtTm>2026-11-03T10:00:00+07:00</CreDtTm></GrpHdr>"
            f"<OrgnlGrpInfAndSts><OrgnlMsgId>{msg_id}</OrgnlMsgId>"
            f"<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>{group_status}</GrpSts>"
            f"</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{msg_id}-1</OrgnlPmtInfId>"
            f"{''.join(tx)}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>").encode()


CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def camt054(entries: Iterable[tuple[str, int, bool, str | None]]) -> bytes:
    """``entries``: (EndToEndId, amount, is a return, return reason): booked debits (paid)
    and booked credits coming back (returns), one entry each."""
    ntry = []
    for e2e, amount, is_return, reason in entries:
        rtr = (f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else "")
        ntry.append(
            f'<Ntry><Amt Ccy="VND">{amount}</Amt>'
            f"<CdtDbtInd>{'CRDT' if is_return else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            "<BookgDt><Dt>2026-11-05</Dt></BookgDt><NtryDtls><TxDtls><Refs>"
            f"<EndToEndId>{e2e}</EndToEndId></Refs>"
            f'<Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{"CRDT" if is_return else "DBIT"}'
            f"</CdtDbtInd>{rtr}</TxDtls></NtryDtls></Ntry>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{CAMT054_NS}">'
            "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId>"
            "<CreDtTm>2026-11-05T18:00:00+07:00</CreDtTm></GrpHdr><Ntfctn><Id>NTF-1</Id>"
            "<CreDtTm>2026-11-05T18:00:00+07:00</CreDtTm><Acct><Id><Othr><Id>8800201001234</Id>"
            f"</Othr></Id></Acct>{''.join(ntry)}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
            ).encode()
