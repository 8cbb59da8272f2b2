"""Paid months for the demo: each cycle computed, approved and exported as the README shows,
answered by the banks (a pain.002 per payment file: every transfer paid but one in fifty
refused, AC04) and by the post office (cash results: one in twenty absent), then closed — so
the dashboards and the reports have months to show. The answers are written as the partners
would send them and go in through the status ingest, like any file."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.conf import settings

from chitra.access.models import User
from chitra.payments import cashform, ids, services
from chitra.payments.models import PaymentCycle, PaymentFile, PaymentItem
from chitra.registry.models import Channel

REFUSED_EVERY, ABSENT_EVERY = 50, 20
PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


def months_before(today: date, months: int) -> list[date]:
    """The ``months`` months before this one, oldest first."""
    n = today.year * 12 + today.month - 1
    return [date((n - k) // 12, (n - k) % 12 + 1, 1) for k in range(months, 0, -1)]


def seed_paid_months(province: str, today: date, months: int = 2) -> list[PaymentCycle]:
    """Pay and close each of the months before ``today`` that has no cycle yet."""
    officer, approver = "officer", "approver"
    post_office = User.objects.get(username="buudien")
    bhxh = User.objects.get(username=officer)
    done = []
    for period in months_before(today, months):
        if PaymentCycle.objects.filter(province_code=province, period=period).exists():
            continue
        cycle = services.open_cycle(province, period, officer)
        services.compute_cycle(cycle.pk, officer)
        services.approve_cycle(cycle.pk, approver)
        services.export_cycle(cycle.pk, officer)
        replies = Path(settings.VAR_DIR) / "demo-replies" / f"{period:%Y-%m}"
        replies.mkdir(parents=True, exist_ok=True)
        for pf in PaymentFile.objects.filter(cycle=cycle).order_by("id"):
            path = replies / f"sts-{pf.msg_id}.xml"
            path.write_bytes(_pain002(cycle, pf))
            services.ingest_status_file(path, bhxh)
        cash = replies / "ket-qua-tien-mat.csv"
        _cash_results(cycle, cash)
        services.ingest_status_file(cash, post_office)
        done.append(services.close_cycle(cycle.pk, officer))
    return done


def _pain002(cycle: PaymentCycle, pf: PaymentFile) -> bytes:
    items = PaymentItem.objects.filter(cycle=cycle, provider=pf.provider,
                                       id__gte=pf.first_item_id,
                                       id__lte=pf.last_item_id).order_by("id")
    tx = []
    for n, item_id in enumerate(items.values_list("id", flat=True), 1):
        refused = n % REFUSED_EVERY == 0
        reason = "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>" if refused else ""
        tx.append(f"<TxInfAndSts><OrgnlEndToEndId>{ids.end_to_end_id(cycle.period, item_id)}"
                  f"</OrgnlEndToEndId><TxSts>{'RJCT' if refused else 'ACSC'}</TxSts>{reason}"
                  "</TxInfAndSts>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{PAIN002_NS}">'
            f"<CstmrPmtStsRpt><GrpHdr><MsgId>STS-{pf.msg_id}</MsgId>"
            f"<CreDtTm>{cycle.period:%Y-%m}-05T10:00:00+07:00</CreDtTm></GrpHdr>"
            f"<OrgnlGrpInfAndSts><OrgnlMsgId>{pf.msg_id}</OrgnlMsgId>"
            f"<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>PART</GrpSts>"
            f"</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{pf.msg_id}-1"
            f"</OrgnlPmtInfId>{''.join(tx)}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"
            ).encode()


def _cash_results(cycle: PaymentCycle, out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([cashform.CODE, cashform.RESULT, cashform.REASON, cashform.PAID_ON])
        cash = PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH).order_by("id")
        for n, (item_id, day) in enumerate(cash.values_list("id", "payment_date"), 1):
            absent = n % ABSENT_EVERY == 0
            w.writerow([ids.end_to_end_id(cycle.period, item_id),
                        cashform.NOT_COLLECTED if absent else cashform.PAID,
                        "Vắng mặt" if absent else "", "" if absent else f"{day:%d/%m/%Y}"])
