"""``chitra verify_population [--adapter file|http|sim] [--province CODE] [--wait] [--as USER]
[--seed N]``: verify a province's beneficiaries against the national population database.

Creates a batch and queues it as a background task (``chitra db_worker`` runs it; the
batch's page shows its progress). With ``--wait`` the batch is run here instead, its
progress printed. ``--adapter sim`` serves the simulator on a loopback port of the process
running the batch; ``http`` calls the service configured in ``CHITRA_POPULATION_URL`` and
``CHITRA_POPULATION_TOKEN``; ``file`` writes the request file for the police.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.verification import queries, run, services, tasks
from chitra.verification.models import AdapterKind, BatchStatus

EXIT_FAILED = 1  # the batch failed (the service, the setup): see its message
EXIT_REFUSED = 2  # nothing was started


class Command(BaseCommand):
    help = ("Đối chiếu người hưởng với CSDL quốc gia về dân cư (chạy nền). "
            "Verify beneficiaries against the national population database (background).")
    requires_system_checks: list[str] = []  # a batch step: `chitra check` is for deploys

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--adapter", choices=AdapterKind.values, default=AdapterKind.SIM,
                            help="cách trao đổi / exchange path (default: sim)")
        parser.add_argument("--province", default=None,
                            help="mã tỉnh / province code (default: the user's own)")
        parser.add_argument("--wait", action="store_true",
                            help="chạy ngay tại đây, in tiến độ / run here, printing progress")
        parser.add_argument("--as", dest="username", default=None,
                            help="người thực hiện / acting user (default: the first superuser)")
        parser.add_argument("--seed", type=int, default=0,
                            help="hạt giống của mô phỏng / the simulator's seed")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = self._actor(o["username"])
        province = o["province"]
        if province is None and actor.is_superuser:
            province = "12"  # the demo's province, as import_beneficiaries
        try:
            batch = services.create_batch(province or "", o["adapter"], actor)
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}",
                               returncode=EXIT_REFUSED) from e
        self.stdout.write(f"Đợt đối chiếu / verification batch {batch.pk}: tỉnh / province "
                          f"{batch.province_code}, {batch.get_adapter_kind_display()}")
        if not o["wait"]:
            tasks.submit(batch, seed=o["seed"])
            batch.refresh_from_db()
            if batch.status == BatchStatus.QUEUED:
                self.stdout.write("Đã xếp hàng; chitra db_worker sẽ chạy / queued; "
                                  "chitra db_worker runs it")
                return
        else:
            interactive = sys.stderr.isatty()

            def progress(done: int, total: int) -> None:
                if interactive or o["verbosity"] > 1:
                    self.stderr.write(f"\r  {done:,}/{total:,} người / people", ending="")

            run.execute(batch.pk, seed=o["seed"], progress=progress)
            if interactive or o["verbosity"] > 1:
                self.stderr.write("")
        self._report(batch.pk, actor)

    def _report(self, batch_id: int, actor: User) -> None:
        batch = queries.batch_for(batch_id, actor)
        self.stdout.write(f"  trạng thái / status: {batch.status}  "
                          f"{batch.people_done:,}/{batch.people_total:,} người / people"
                          + (f"  bỏ qua / skipped: {batch.people_skipped:,}"
                             if batch.people_skipped else ""))
        if batch.status == BatchStatus.AWAITING_ANSWER:
            self.stdout.write(f"  tệp yêu cầu / request file: {run.request_path(batch)}")
        if batch.status in (BatchStatus.DONE, BatchStatus.RUNNING):
            for outcome, n in queries.outcome_counts(batch, actor).items():
                self.stdout.write(f"  {outcome:20} {n:,}")
        if batch.status == BatchStatus.FAILED:
            raise CommandError(f"[{batch.error_code}] {batch.error_message}",
                               returncode=EXIT_FAILED)

    def _actor(self, username: str | None) -> User:
        if username:
            try:
                return User.objects.select_related("organization").get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"Không có người dùng / no such user: {username}",
                                   returncode=EXIT_REFUSED) from None
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
        if user is None:
            raise CommandError("Chưa có quản trị viên; dùng --as TÊN / no superuser exists; "
                               "pass --as USERNAME.", returncode=EXIT_REFUSED)
        return user
