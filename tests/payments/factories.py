from __future__ import annotations

from datetime import date

from chitra.payments import services
from chitra.payments.models import PaymentCycle

NOV = date(2026, 11, 1)
DEC = date(2026, 12, 1)


def computed_cycle(period: date = NOV, maker: str = "officer") -> PaymentCycle:
    cycle = services.open_cycle("12", period, maker)
    return services.compute_cycle(cycle.pk, maker)


def approved_cycle(period: date = NOV) -> PaymentCycle:
    cycle = computed_cycle(period)
    return services.approve_cycle(cycle.pk, "approver")
