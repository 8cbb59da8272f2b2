"""A reconciled November for the reporting tests: real exports and status files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from chitra.access.models import Role
from chitra.payments import cashform, ids
from chitra.payments.export import run as export
from chitra.payments.models import PaymentCycle, PaymentFile, PaymentItem
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import BenefitType, Channel
from tests import factories as f
from tests.payments.conftest import office_keystore, paying_office  # noqa: F401 - fixtures
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import pain002


@pytest.fixture
def reconciled(tmp_path: Path, paying_office) -> PaymentCycle:  # noqa: F811
    """November after the bank's pain.002 and the post office's results: Mai paid by BIDV,
    Sử rejected (AC04), Đức paid in cash, Sơn's e-wallet payment still out."""
    f.beneficiary("Lò Thị Mai", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789012", amount=4_200_000)
    f.beneficiary("Vàng A Sử", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789013", amount=3_000_000)
    f.beneficiary("Nguyễn Văn Đức", amount=2_500_000)
    f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG, benefit_type=BenefitType.MATERNITY,
                  channel=Channel.EWALLET, provider_name="MoMo", amount=1_800_000)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    items = {i.full_name: i for i in PaymentItem.objects.filter(cycle=cycle)}
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    bank_file = tmp_path / "sts.xml"
    bank_file.write_bytes(pain002(bidv.msg_id, [
        (items["Lò Thị Mai"].end_to_end_id, "ACSC", None, None),
        (items["Vàng A Sử"].end_to_end_id, "RJCT", "AC04", None)]))
    assert not ingest_status_file(bank_file, f.user(Role.BHXH_OFFICER)).problems
    results = tmp_path / "ket-qua.csv"
    with results.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([cashform.CODE, cashform.RESULT, cashform.REASON, cashform.PAID_ON])
        w.writerow([ids.end_to_end_id(cycle.period, items["Nguyễn Văn Đức"].pk), cashform.PAID,
                    "", "12/11/2026"])
    assert not ingest_status_file(results, f.user(Role.POST_OFFICE_OPERATOR)).problems
    return cycle


