from typing import Any

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "chitra.reporting"
    label = "reporting"

    def ready(self) -> None:
        from chitra.payments.signals import cycle_closed

        cycle_closed.connect(_count_closed_month, dispatch_uid="reporting.count_closed_month")


def _count_closed_month(sender: Any, *, cycle_id: int, actor: str, **kwargs: Any) -> None:
    """A month's figures are counted again as its cycle closes (same transaction)."""
    from chitra.reporting import kpi

    kpi.refresh_cycle(cycle_id, actor, registry_now=True)
