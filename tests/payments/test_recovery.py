"""Payments made after a death, listed for recovery (issue 16, item 4)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.access.models import User
from chitra.core.models import AuditEntry
from chitra.payments import recovery, services
from chitra.payments.models import ItemStatus, PaymentCycle, PaymentItem
from chitra.payments.recovery import payments_after_death
from chitra.registry import services as registry
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV, computed_cycle


@pytest.fixture
def paid_november(lai_chau, dien_bien) -> dict[str, PaymentItem]:  # type: ignore[no-untyped-def]
    """November computed and paid for three people of Lai Châu (cash and bank) and one of
    Điện Biên; Mẩy's item not paid yet."""
    for name, channel in (("Lò Văn Pọm", Channel.CASH), ("Nguyễn Văn Đức", Channel.BANK_ACCOUNT),
                          ("Tẩn Thị Mẩy", Channel.CASH), ("Vừ A Dính", Channel.CASH)):
        f.beneficiary(name, channel=channel)
    f.beneficiary("Quàng Văn Inh", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    cycle = computed_cycle(NOV)
    dien_bien_cycle = computed_cycle_of(f.DIEN_BIEN)
    items = {i.full_name: i for i in PaymentItem.objects.filter(
        cycle__in=[cycle, dien_bien_cycle])}
    PaymentItem.objects.filter(pk__in=[i.pk for n, i in items.items() if n != "Tẩn Thị Mẩy"]
                               ).update(status=ItemStatus.PAID)
    return items


def computed_cycle_of(province: str) -> PaymentCycle:
    cycle = services.open_cycle(province, NOV, "officer")
    return services.compute_cycle(cycle.pk, "officer")


def _died(item: PaymentItem, days_before_payment: int) -> None:
    registry.record_deaths({item.beneficiary_id: item.payment_date
                            - timedelta(days=days_before_payment)},
                           source="test", actor="officer")


def test_paid_after_the_death_is_listed_with_its_amount(paid_november):
    pom, duc = paid_november["Lò Văn Pọm"], paid_november["Nguyễn Văn Đức"]
    _died(pom, 3)
    _died(duc, 1)
    listed = payments_after_death(f.LAI_CHAU)
    assert [(p.item_id, p.amount, p.payment_date) for p in listed] == [
        (pom.pk, pom.amount, pom.payment_date), (duc.pk, duc.amount, duc.payment_date)]
    assert listed[0].death_date == pom.payment_date - timedelta(days=3)
    assert {p.channel for p in listed} == {Channel.CASH, Channel.BANK_ACCOUNT}
    assert isinstance(listed[0].amount, int)


def test_paid_on_or_before_the_death_day_or_not_paid_is_not_listed(paid_november):
    _died(paid_november["Vừ A Dính"], 0)  # paid on the day of death
    _died(paid_november["Tẩn Thị Mẩy"], 5)  # not paid
    assert payments_after_death(f.LAI_CHAU) == []


def test_another_provinces_payments_are_not_listed(paid_november):
    inh = paid_november["Quàng Văn Inh"]
    _died(inh, 2)
    assert payments_after_death(f.LAI_CHAU) == []
    assert [p.item_id for p in payments_after_death(f.DIEN_BIEN)] == [inh.pk]


# --- the page's totals, the csv (screen and command) ------------------------------------------

def test_totals_and_pages_are_counted_by_the_database(paid_november):
    pom, duc = paid_november["Lò Văn Pọm"], paid_november["Nguyễn Văn Đức"]
    _died(pom, 3)
    _died(duc, 1)
    assert recovery.totals(f.LAI_CHAU) == recovery.RecoveryTotals(
        people=2, items=2, amount=pom.amount + duc.amount)
    assert recovery.totals(f.DIEN_BIEN) == recovery.RecoveryTotals(0, 0, 0)
    page, rows = recovery.page_of(f.LAI_CHAU, "2", 1)
    assert page.paginator.count == 2
    assert [r.item_id for r in rows] == [duc.pk]
    assert [r.item_id for r in recovery.page_of(f.LAI_CHAU, "99", 1)[1]] == [duc.pk]
    assert [r.item_id for r in recovery.page_of(f.LAI_CHAU, "abc", 1)[1]] == [pom.pk]


def test_the_csv_lists_each_payment_with_full_or_masked_ids(paid_november):
    pom = paid_november["Lò Văn Pọm"]
    _died(pom, 3)
    full = list(recovery.csv_lines(f.LAI_CHAU, full_ids=True))
    assert full[0] == ",".join(recovery.CSV_HEADER) + "\r\n"
    died = pom.payment_date - timedelta(days=3)
    assert full[1:] == [
        f"{pom.citizen_id},Lò Văn Pọm,{f.DOAN_KET},{died:%d/%m/%Y},11/2026,"
        f"{pom.payment_date:%d/%m/%Y},cash,{pom.amount},{pom.pk}\r\n"]
    masked = list(recovery.csv_lines(f.LAI_CHAU, full_ids=False))[1]
    assert pom.citizen_id not in masked
    assert masked.startswith("********" + pom.citizen_id[-4:] + ",")


def test_the_csv_download_is_the_provinces_own_and_audited(login, lai_chau, dien_bien,
                                                            paid_november):
    _died(paid_november["Lò Văn Pọm"], 3)
    _died(paid_november["Quàng Văn Inh"], 3)
    response = login(lai_chau.officer).get("/payments/paid-after-death.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    assert "Lò Văn Pọm" in text
    assert "Quàng Văn Inh" not in text
    entry = AuditEntry.objects.get(action="download", object_type="paid_after_death")
    assert (entry.actor, entry.object_id) == (lai_chau.officer.username, f.LAI_CHAU)
    for user in (lai_chau.bank, lai_chau.police, lai_chau.ward_team, dien_bien.post_office):
        assert login(user).get("/payments/paid-after-death.csv").status_code == 404
    page = login(lai_chau.officer).get("/payments/paid-after-death/").text
    assert "1 người, 1 khoản" in page
    assert 'id="recovery-csv"' in page


def test_the_command_writes_the_csv_for_the_users_province(lai_chau, dien_bien, paid_november,
                                                           tmp_path):
    _died(paid_november["Lò Văn Pọm"], 3)
    _died(paid_november["Quàng Văn Inh"], 3)
    out = tmp_path / "thu-hoi.csv"
    call_command("paid_after_death", "--as", lai_chau.officer.username, "--output", str(out))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("so_dinh_danh,")
    assert "Lò Văn Pọm" in text
    assert "Quàng Văn Inh" not in text
    admin = User.objects.create_superuser("root", "r@x.vn", f.PASSWORD)
    stdout = io.StringIO()
    with redirect_stdout(stdout):
        call_command("paid_after_death", "--as", admin.username, "--province", f.DIEN_BIEN)
    assert "Quàng Văn Inh" in stdout.getvalue()
    assert "Lò Văn Pọm" not in stdout.getvalue()
    assert AuditEntry.objects.filter(action="download", object_type="paid_after_death").count() == 2


@pytest.mark.parametrize("who", ["nobody", "bank", "superuser_without_province",
                                 "staff_giving_a_province", "unwritable_file"])
def test_the_command_refuses_who_sees_no_list(lai_chau, who, tmp_path):
    args = {"nobody": [], "bank": ["--as", lai_chau.bank.username],
            "superuser_without_province": [
                "--as", User.objects.create_superuser("root", "r@x.vn", f.PASSWORD).username],
            "staff_giving_a_province": ["--as", lai_chau.officer.username,
                                        "--province", f.DIEN_BIEN],
            "unwritable_file": ["--as", lai_chau.officer.username]}[who]
    out = tmp_path / ("no-such-folder/x.csv" if who == "unwritable_file" else "x.csv")
    with pytest.raises(CommandError):
        call_command("paid_after_death", *args, "--output", str(out))
    assert not out.exists()
    assert not AuditEntry.objects.filter(action="download").exists()
