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
