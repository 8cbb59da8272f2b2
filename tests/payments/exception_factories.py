"""Held status lines for the exceptions queue's tests: items of a sent cycle in a chosen
status, and a :class:`StatusException` about one, made directly (the ingest that makes them
has its own tests)."""

from __future__ import annotations

import itertools
from datetime import date

from django.utils import timezone

from chitra.payments import services
from chitra.payments.models import (
    CycleStatus,
    ExceptionKind,
    ItemStatus,
    PaymentCycle,
    PaymentItem,
    StatusException,
    StatusFile,
    StatusSource,
)
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV

_seq = itertools.count(1)


def sent_items(n: int = 1, *, province: str = f.LAI_CHAU, period: date = NOV,
               names: tuple[str, ...] = ()) -> list[PaymentItem]:
    """The items of a computed, approved and sent cycle of ``period`` (as the export plan
    leaves it: the cycle's ``sent_at`` set, the items stored pending), in id order, after
    adding ``n`` people paid 4.200.000 ₫ to a BIDV account (earlier people are paid too)."""
    ward = f.DOAN_KET if province == f.LAI_CHAU else f.DIEN_BIEN_PHU
    for k in range(n):
        f.beneficiary(names[k] if k < len(names) else f"Người Thứ {k}", ward_code=ward,
                      province_code=province, channel=Channel.BANK_ACCOUNT,
                      provider_name="BIDV", amount=4_200_000)
    cycle = services.open_cycle(province, period, f"officer-{province}")
    services.compute_cycle(cycle.pk, f"officer-{province}")
    services.approve_cycle(cycle.pk, f"approver-{province}")
    now = timezone.now()
    PaymentCycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.EXPORTED, sent_at=now,
                                                    exported_at=now)
    return list(PaymentItem.objects.filter(cycle=cycle).select_related("cycle").order_by("id"))


def set_status(item: PaymentItem, status: ItemStatus, reason: str = "") -> PaymentItem:
    PaymentItem.objects.filter(pk=item.pk).update(status=status, reason_code=reason,
                                                  status_changed_at=timezone.now())
    return PaymentItem.objects.select_related("cycle").get(pk=item.pk)


def held(item: PaymentItem, kind: ExceptionKind, code: str, *, reason: str = "",
         amount: int | None = None, detail: str = "", line_no: int = 7,
         file_name: str = "") -> StatusException:
    """A line about ``item`` held as an exception of ``kind``, with the item's status now."""
    n = next(_seq)
    sf = StatusFile.objects.create(
        sha256=f"{n:064x}", source=StatusSource.CAMT054 if code == "RTRN" else
        StatusSource.PAIN002, file_name=file_name or f"bidv-tra-loi-{n}.xml",
        received_by="bidv", lines=10, applied=9, exceptions=1)
    item = PaymentItem.objects.select_related("cycle").get(pk=item.pk)
    return StatusException.objects.create(
        status_file=sf, item=item, line_no=line_no, iso_status=code, reason_code=reason,
        detail=detail, amount=amount, item_status=item.current_status, kind=kind)
