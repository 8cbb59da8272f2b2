from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.payments import services
from chitra.payments.models import ExceptionKind, ExceptionResolution, ExceptionState


class Command(BaseCommand):
    help = ("Dòng trạng thái cần xử lý / status lines held for a person: list | propose ID "
            "--resolution apply|keep --note TEXT | approve ID | reject ID --reason TEXT; "
            "--as USERNAME: cán bộ BHXH của tỉnh / the province's BHXH staff (người duyệt khác "
            "người đề xuất / the approver is not the proposer)")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "propose", "approve", "reject"])
        parser.add_argument("id", nargs="?", type=int, help="số ngoại lệ / exception id")
        parser.add_argument("--state", choices=ExceptionState.values)
        parser.add_argument("--kind", choices=ExceptionKind.values)
        parser.add_argument("--cycle", help="YYYY-MM")
        parser.add_argument("--resolution", choices=ExceptionResolution.values)
        parser.add_argument("--note", default="", help="lý do / reason (propose)")
        parser.add_argument("--reason", default="", help="lý do trả lại / reason (reject)")
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        action, pk = o["action"], o["id"]
        if action != "list" and pk is None:
            raise CommandError("Cần số ngoại lệ / an exception ID is required.")
        try:
            if action == "list":
                self._list(user, o)
            elif action == "propose":
                if not o["resolution"]:
                    raise CommandError("Cần --resolution apply|keep / --resolution is required.")
                exc = services.propose_resolution(user, pk, o["resolution"], o["note"])
                self.stdout.write(f"#{exc.pk}: đã đề xuất / proposed {exc.resolution}; chờ "
                                  "người khác duyệt / awaiting a second officer")
            elif action == "approve":
                exc = services.approve_resolution(user, pk)
                self.stdout.write(f"#{exc.pk}: đã duyệt / approved {exc.resolution} (đề xuất "
                                  f"bởi / proposed by {exc.proposed_by}); khoản chi / item "
                                  f"{exc.item_id}: {self._status(user, exc.pk)}")
            else:
                exc = services.reject_proposal(user, pk, o["reason"])
                self.stdout.write(f"#{exc.pk}: đã trả lại / sent back")
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e

    def _list(self, user: Any, o: dict[str, Any]) -> None:
        period = services.parse_period(o["cycle"]) if o["cycle"] else None
        rows = services.exception_queue(user, state=o["state"] or "", kind=o["kind"] or "",
                                        period=period)
        n = 0
        for e in rows.iterator():
            n += 1
            amount = "" if e.amount is None else f" stated={e.amount}"
            decided = f"\t{e.resolution} by {e.proposed_by}" if e.resolution else ""
            self.stdout.write(
                f"#{e.pk}\t{e.item.cycle.period:%Y-%m}\t{e.state}\t{e.kind}\t"
                f"{e.item.end_to_end_id or '-'}\t{e.iso_status}/{e.reason_code or '-'}\t"
                f"{e.item.full_name}\tamount={e.item.amount}{amount}\t"
                f"{e.status_file.file_name}:{e.line_no or '-'}{decided}")
        self.stdout.write(f"{n} ngoại lệ / exceptions")

    def _status(self, user: Any, pk: int) -> str:
        return str(services.get_exception_for(user, pk).item.current_status)
