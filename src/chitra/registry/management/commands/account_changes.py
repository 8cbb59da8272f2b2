"""``chitra account_changes list|approve|reject [ID] --as USERNAME [--note TEXT]``: the
account changes imports proposed (maker–checker), decided by a BHXH approver who did not
import them — the same services as the web screen (``/imports/account-changes/``)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.registry import services
from chitra.registry.importing.run import can_import
from chitra.registry.models import AccountChangeStatus, PaymentAccount
from chitra.registry.queries import pending_account_changes_for

EXIT_REFUSED = 2


class Command(BaseCommand):
    help = ("Thay đổi tài khoản chờ duyệt từ nhập tệp: liệt kê, duyệt, không duyệt. "
            "Account changes proposed by imports: list, approve, reject.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["list", "approve", "reject"])
        parser.add_argument("id", type=int, nargs="?")
        parser.add_argument("--as", dest="username", required=True, help="acting user")
        parser.add_argument("--note", default="",
                            help="lý do / reason (required to approve an account not in the "
                                 "beneficiary's name, by each of its two approvers)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = User.objects.select_related("organization").get(username=opts["username"])
        except User.DoesNotExist:
            raise CommandError(f"Không có người dùng / no such user: {opts['username']}",
                               returncode=EXIT_REFUSED) from None
        if opts["action"] == "list":
            if not can_import(user):
                raise CommandError(str(services.AccountChangeForbidden()),
                                   returncode=EXIT_REFUSED)
            for c in pending_account_changes_for(user):
                cur = c.replaces
                old = (f"{cur.channel} {cur.provider.short_name if cur.provider else ''}"
                       f" …{cur.account_number[-4:]}" if cur else "—")
                new = (f"{c.channel} {c.provider.short_name if c.provider else ''}"
                       f" {c.account_number} {c.holder_name}")
                flags = "" if not c.needs_two_approvers else (
                    "\tTÊN CHỦ TK KHÁC / HOLDER DIFFERS: cần 2 người duyệt / 2 approvers")
                if c.status == AccountChangeStatus.FIRST_APPROVED:
                    flags += (f"\tđã duyệt lần một / first approval: {c.first_approved_by}"
                              f" ({c.first_approval_reason})")
                self.stdout.write(f"{c.pk}\t{c.beneficiary.full_name}\t{old.strip()} → "
                                  f"{new.strip()}\t{c.made_by}\t{c.made_at:%d/%m/%Y %H:%M}"
                                  f"{flags}")
            return
        if opts["id"] is None:
            raise CommandError("Cần mã thay đổi / an ID is required", returncode=EXIT_REFUSED)
        account: PaymentAccount | None = None
        try:
            if opts["action"] == "approve":
                account = services.approve_pending_account_change(opts["id"], user,
                                                                  note=opts["note"])
            else:
                services.reject_pending_account_change(opts["id"], user, note=opts["note"])
        except DomainError as e:
            raise CommandError(f"[{e.code}] {e.message_vi} / {e.message_en}",
                               returncode=EXIT_REFUSED) from e
        if opts["action"] == "reject":
            done = "Đã không duyệt. / Rejected."
        elif account is None:
            done = "Đã duyệt lần một; chờ người duyệt thứ hai. / First approval; a second " \
                   "approver decides."
        else:
            done = "Đã duyệt. / Approved."
        self.stdout.write(self.style.SUCCESS(done))
