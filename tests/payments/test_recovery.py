"""Payments made after a death, listed for recovery (issue 16, item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chitra.payments import services
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
