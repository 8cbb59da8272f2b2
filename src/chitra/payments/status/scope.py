"""On which payment items a user may report a status (DESIGN §3.6, §8; issue 11).

One rule for every way status files come in — the web upload, ``chitra ingest_status``, the
batch of the CLI, a later API — all of which go through
:func:`chitra.payments.status.ingest.ingest_status_file`, which asks here:

* a bank operator: its provider's items of **its own province** that went out in one of its
  files (a bank has one organization per province; the provider alone is not enough);
* a post office: the cash items of its province;
* a BHXH officer or approver: any item of the province;
* a superuser: any item; anybody else: none.

What lies outside the scope is answered exactly as what does not exist (the same problem
code and message), so an upload cannot probe which ids or payment files exist elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from chitra.access.models import Role, User
from chitra.access.scoping import NOTHING as SEES_NOTHING
from chitra.access.scoping import scope_of
from chitra.core.models import PaymentProvider
from chitra.payments.models import OfficeAccount, PaymentFile, ProvincePaymentRule
from chitra.payments.status import stage
from chitra.registry.models import Channel


@dataclass(frozen=True)
class StatusScope:
    everything: bool = False
    province_code: str = ""  # "" (and not everything): nothing
    provider_id: int | None = None  # a bank: its own items, in its own files
    cash_only: bool = False  # a post office

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.province_code

    def items_sql(self) -> tuple[str, list[Any]]:
        """The scope as a condition on item ``i`` and its cycle ``c`` (NULL counts as no):
        set-based, no lookup per line."""
        if self.everything:
            return "TRUE", []
        if self.nothing:
            return "FALSE", []
        sql: list[str] = ["c.province_code = %s"]
        params: list[Any] = [self.province_code]
        if self.provider_id is not None:
            sql.append(stage.in_files_of_provider_sql())
            params.append(self.provider_id)
        if self.cash_only:
            sql.append("i.channel = %s")
            params.append(Channel.CASH.value)
        return " AND ".join(sql), params

    def files(self, files: QuerySet[PaymentFile]) -> QuerySet[PaymentFile]:
        """The payment files of ``files`` whose msg id a status file of this user may name
        (cash items go out in no payment file)."""
        if self.everything:
            return files
        if self.nothing or self.cash_only:
            return files.none()
        files = files.filter(cycle__province_code=self.province_code)
        if self.provider_id is not None:
            files = files.filter(provider_id=self.provider_id)
        return files


NOTHING = StatusScope()


def status_scope(user: User) -> StatusScope:
    if user.is_superuser:
        return StatusScope(everything=True)
    if not user.is_active:
        return NOTHING
    scope = scope_of(user)
    if scope == SEES_NOTHING or not scope.province_code:
        return NOTHING
    province = scope.province_code
    if user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER) and scope.sees_people:
        return StatusScope(province_code=province)
    if user.role == Role.BANK_OPERATOR:
        if scope.provider_id is None:
            return NOTHING
        return StatusScope(province_code=province, provider_id=scope.provider_id)
    if user.role == Role.POST_OFFICE_OPERATOR:
        return StatusScope(province_code=province, cash_only=True)
    return NOTHING


def office_accounts(user: User) -> frozenset[str]:
    """The office's accounts a camt.054 of ``user`` may be about: the accounts of the
    provinces in the user's scope at their providers, and each such province's paying
    account. A bank sees only its own: the office's account at it, and the paying account
    only if that one is held at the same bank (the rule's BIC is the provider's). A
    notification about any other account is not ours."""
    scope = status_scope(user)
    if scope.nothing:
        return frozenset()
    accounts = OfficeAccount.objects.all()
    rules = ProvincePaymentRule.objects.exclude(debtor_account="")
    if not scope.everything:
        accounts = accounts.filter(province_code=scope.province_code)
        rules = rules.filter(province_code=scope.province_code)
    if scope.provider_id is not None:
        accounts = accounts.filter(provider_id=scope.provider_id)
        bic = (PaymentProvider.objects.filter(pk=scope.provider_id)
               .values_list("bic", flat=True).first())
        # A BIC of 8 or 11 characters (branch): the bank is its first eight.
        rules = (rules.filter(debtor_agent_bic__startswith=bic[:8]) if bic and len(bic) >= 8
                 else rules.none())
    return frozenset([*accounts.values_list("account_number", flat=True),
                      *rules.values_list("debtor_account", flat=True)])
