from typing import Any

from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "chitra.reporting"
    label = "reporting"

    def ready(self) -> None:
        from chitra.payments.signals import cycle_closed, statuses_applied

        cycle_closed.connect(_count_closed_month, dispatch_uid="reporting.count_closed_month")
        statuses_applied.connect(_count_reconciling_months,
                                 dispatch_uid="reporting.count_reconciling_months")


def _count_closed_month(sender: Any, *, cycle_id: int, actor: str, **kwargs: Any) -> None:
    """A month's figures are counted again as its cycle closes (same transaction)."""
    from chitra.reporting import kpi

    kpi.refresh_cycle(cycle_id, actor, registry_now=True)


def _count_reconciling_months(sender: Any, *, cycle_ids: list[int], **kwargs: Any) -> None:
    """Status files moved these cycles' items (their transaction has committed): their
    months are counted again in the background (:mod:`chitra.reporting.tasks`)."""
    from chitra.reporting import tasks

    tasks.queue_refresh(cycle_ids)
