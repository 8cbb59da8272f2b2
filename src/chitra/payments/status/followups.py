"""What a rejection means beyond its item (DESIGN §8), in one place for the two roads a
rejection takes: a status file's lines (:mod:`chitra.payments.status.ingest`) and an
approved exception (:mod:`chitra.payments.services.exceptions`).

* a refused account (AC01/03/04/06) → the account is closed, and the person paid in cash
  instead if the province's rule says so;
* a death → the person's payments stop (deceased), and the items paid on or after the day
  it was reported are listed to recover. A death is a bank's MD07, or a post office's
  report (:data:`~chitra.payments.status.transitions.POST_OFFICE_DEATH`) **once BHXH
  confirmed it** — the status ingest never passes that reason here, an approved exception
  does.

The registry's own use cases do the writing (their row locks, their audit), each once for
all the rejections given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from chitra.payments.models import ItemStatus, PaymentItem, ProvincePaymentRule
from chitra.payments.status.transitions import (
    BAD_ACCOUNT_REASONS,
    DECEASED_REASONS,
    POST_OFFICE_DEATH,
)
from chitra.registry import services as registry
from chitra.registry.models import BeneficiaryStatus

# The reasons the status ingest follows up at once (a post office's death waits for BHXH).
AT_ONCE = BAD_ACCOUNT_REASONS | DECEASED_REASONS


def death_message(reason: str, reported_on: date, confirmed_by: str = "") -> str:
    """Why the person's payments stopped, naming who reported the death."""
    if reason == POST_OFFICE_DEATH:
        return (f"Bưu điện báo người hưởng đã chết ngày {reported_on:%d/%m/%Y}; "
                f"BHXH xác nhận ({confirmed_by})")
    return f"Ngân hàng báo người hưởng đã chết ({reason}) ngày {reported_on:%d/%m/%Y}"


def follow_up(rejected: Iterable[tuple[int, str]], actor: str, *,
              reported_on: date, today: date) -> list[tuple[str, int]]:
    """Run the follow-ups of ``rejected`` — (item id, reason) of items rejected or returned,
    in file order; a reason without a follow-up is skipped — and return the (citizen id,
    đồng) of the paid items to recover from the people who died.

    ``reported_on``: the day the deaths were reported (paid on or after it → recover);
    ``today``: the day the accounts close."""
    reasons = dict(rejected)
    if not reasons:
        return []
    items: dict[int, tuple[int, str, str]] = {
        i: (person, account, province) for i, person, account, province in
        PaymentItem.objects.filter(id__in=list(reasons)).values_list(
            "id", "beneficiary_id", "account_number", "cycle__province_code")}
    dying: dict[int, str] = {}
    bad: list[tuple[int, str, str, str]] = []  # (beneficiary, account, reason, province)
    for item, reason in reasons.items():
        person, account, province = items[item]
        if reason in DECEASED_REASONS or reason == POST_OFFICE_DEATH:
            dying.setdefault(person, death_message(reason, reported_on, actor))
        elif reason in BAD_ACCOUNT_REASONS:
            bad.append((person, account, reason, province))
    # Every person at once, in id order: two files never wait on each other.
    registry.lock_beneficiaries([*dying, *(person for person, *_ in bad)])
    to_recover: list[tuple[str, int]] = []
    if dying:
        stopped = registry.stop_payments(dying, status=BeneficiaryStatus.DECEASED, actor=actor)
        to_recover = list(PaymentItem.objects.of_people(stopped, closed=False).filter(
            status=ItemStatus.PAID, payment_date__gte=reported_on
        ).order_by("id").values_list("citizen_id", "amount"))
    if bad:
        as_cash = dict(ProvincePaymentRule.objects.filter(
            province_code__in={province for *_, province in bad}
        ).values_list("province_code", "reissue_bad_account_as_cash"))
        registry.close_payment_accounts(
            [registry.AccountClosing(person, account, f"{reason}: tài khoản bị ngân hàng từ chối",
                                     cash_instead=as_cash.get(province, True))
             for person, account, reason, province in bad],
            actor=actor, today=today)
    return to_recover
