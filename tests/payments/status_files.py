"""Bank replies built for tests, in the shapes the readers accept (schema-valid)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
OFFICE_ACCOUNT = "8800201001234"  # Lai Châu's paying account (the paying_office fixture)

# (EndToEndId, status, reason code, amount) or, with the bank's words, (…, AddtlInf)
Pain002Line = tuple[str, str, str | None, int | None] | tuple[str, str, str | None, int | None,
                                                               str]


def pain002(msg_id: str, lines: Iterable[Pain002Line], group_status: str = "PART") -> bytes:
    """``lines``: (EndToEndId, status, reason code, amount[, additional information])."""
    tx = []
    for e2e, status, reason, amount, *info in lines:
        said = "".join(f"<AddtlInf>{text}</AddtlInf>" for text in info)
        rsn = (f"<StsRsnInf>{f'<Rsn><Cd>{reason}</Cd></Rsn>' if reason else ''}{said}"
               "</StsRsnInf>") if reason or said else ""
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
_BANK_CODE = ("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>{sub}</SubFmlyCd>"
              "</Fmly></Domn></BkTxCd>")


def _entry(amount: int, debit: bool, details: str, status: str = "BOOK", info: str = "",
           sub: str = "DMCT") -> str:
    ind = "DBIT" if debit else "CRDT"
    extra = f"<AddtlNtryInf>{info}</AddtlNtryInf>" if info else ""
    return (f'<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>'
            f"<Sts><Cd>{status}</Cd></Sts><BookgDt><Dt>2026-11-05</Dt></BookgDt>"
            f"{_BANK_CODE.format(sub=sub)}{details}{extra}</Ntry>")


def payment(e2e: str, amount: int, is_return: bool = False, reason: str | None = None) -> str:
    """A booked debit of one of our payments (paid), or its money coming back (a return)."""
    ind = "CRDT" if is_return else "DBIT"
    rtr = f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else ""
    return _entry(amount, not is_return,
                  f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
                  f'<Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{rtr}'
                  "</TxDtls></NtryDtls>", sub="RRTN" if is_return else "DMCT")


def pending(e2e: str, amount: int) -> str:
    """A debit of one of our payments the bank has not booked yet."""
    return _entry(amount, True,
                  f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
                  f'<Amt Ccy="VND">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>'
                  "</NtryDtls>", status="PDNG")


def fee(amount: int, info: str = "PHI DICH VU CHUYEN TIEN") -> str:
    """A bank fee debited from the account: no transaction of ours."""
    return _entry(amount, True, "", info=info, sub="DMCT")


def other_credit(amount: int, e2e: str = "NOTPROVIDED") -> str:
    """Money coming in that is not a return of ours (a transfer to the office)."""
    return _entry(amount, False,
                  f"<NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
                  f'<Amt Ccy="VND">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
                  "</NtryDtls>", info="NOP TIEN VAO TAI KHOAN")


def batch(total: int, e2es: Sequence[str]) -> str:
    """One booked debit for several payments whose transactions state no amount."""
    tx = "".join(f"<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs></TxDtls>"
                 for e2e in e2es)
    return _entry(total, True, f"<NtryDtls><Btch><NbOfTxs>{len(e2es)}</NbOfTxs></Btch>{tx}"
                  "</NtryDtls>")


def camt054(entries: Iterable[tuple[str, int, bool, str | None] | str],
            account: str = OFFICE_ACCOUNT) -> bytes:
    """``entries``: (EndToEndId, amount, is a return, return reason) — a booked debit (paid)
    or a credit coming back (a return), one entry each — or an entry made above (:func:`fee`,
    :func:`other_credit`, :func:`batch`). ``account``: the account notified about."""
    ntry = [e if isinstance(e, str) else payment(*e) for e in entries]
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{CAMT054_NS}">'
            "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId>"
            "<CreDtTm>2026-11-05T18:00:00+07:00</CreDtTm></GrpHdr><Ntfctn><Id>NTF-1</Id>"
            f"<CreDtTm>2026-11-05T18:00:00+07:00</CreDtTm><Acct><Id><Othr><Id>{account}</Id>"
            f"</Othr></Id></Acct>{''.join(ntry)}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
            ).encode()
