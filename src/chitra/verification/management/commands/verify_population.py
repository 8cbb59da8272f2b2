"""``chitra verify_population [--adapter file|http|sim] [--province CODE] [--wait] [--as USER]
[--seed N] [--extract FILE]``: verify a province's beneficiaries against the national
population database.
``sim`` (the default) only where ``settings.CHITRA_POPULATION_SIMULATOR`` is on; otherwise
the default is ``file`` and ``sim`` is refused.

Creates a batch and queues it as a background task (``chitra db_worker`` runs it; the
batch's page shows its progress). With ``--wait`` the batch is run here instead, its
progress printed. ``--adapter sim`` serves the simulator on a loopback port of the process
running the batch; ``http`` calls the service configured in ``CHITRA_POPULATION_URL`` and
``CHITRA_POPULATION_TOKEN``; ``file`` writes the request file for the police. With
``--extract FILE`` the police's extract of the population database is compared at once, in
the database (PostgreSQL, :mod:`chitra.verification.extract`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.verification import extract, queries, run, services, tasks
from chitra.verification.models import AdapterKind, BatchStatus

EXIT_FAILED = 1  # the batch failed (the service, the setup): see its message
EXIT_REFUSED = 2  # nothing was started


class Command(BaseCommand):
    help = ("Đối chiếu người hưởng với CSDL quốc gia về dân cư (chạy nền). "
            "Verify beneficiaries against the national population database (background).")
    requires_system_checks: list[str] = []  # a batch step: `chitra check` is for deploys

    def add_arguments(self, parser: CommandParser) -> None:
        # The simulator invents deaths: the default only where the settings allow it.
        default = AdapterKind.SIM if services.simulator_allowed() else AdapterKind.FILE
        parser.add_argument("--adapter", choices=AdapterKind.values, default=default.value,
                            help=f"cách trao đổi / exchange path (default: {default.value}; "
                                 "sim only with CHITRA_POPULATION_SIMULATOR)")
        parser.add_argument("--province", default=None,
                            help="mã tỉnh / province code (default: the user's own)")
        parser.add_argument("--wait", action="store_true",
                            help="chạy ngay tại đây, in tiến độ / run here, printing progress")
        parser.add_argument("--as", dest="username", default=None,
                            help="người thực hiện / acting user (default: the first superuser)")
        parser.add_argument("--seed", type=int, default=0,
                            help="hạt giống của mô phỏng / the simulator's seed")
        parser.add_argument("--extract", type=Path, default=None, metavar="FILE",
                            help="tệp trích xuất CSDL dân cư (csv), đối chiếu ngay, PostgreSQL "
                                 "/ a population extract (csv), verified at once "
                                 "(PostgreSQL; docs/population-file-exchange.md)")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = self._actor(o["username"])
        province = o["province"]
        if province is None and actor.is_superuser:
            province = "12"  # the demo's province, as import_beneficiaries
        if o["extract"] is not None:
            self._extract(o["extract"], province, actor)
            return
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

    def _extract(self, path: Path, province: str | None, actor: User) -> None:
        """The set-based path: the police's extract of the population database, compared
        in the database; a batch per province, done when this returns."""
        if not path.is_file():
            raise CommandError(f"Không có tệp / no such file: {path}", returncode=EXIT_REFUSED)
        try:
            done = extract.verify_extract(path, [province or services.province_of(actor)],
                                          actor)
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}",
                               returncode=EXIT_REFUSED) from e
        self.stdout.write(f"Tệp trích xuất / extract: {done.rows:,} dòng / rows; khớp / "
                          f"matched {done.matched_in_bulk:,} + {done.answered_one_by_one:,} "
                          f"xét từng người / one by one; chết / deaths {done.deaths:,}; "
                          f"cần xem xét / to review {done.to_review:,}; không tìm thấy / "
                          f"not found {done.not_found:,}; dòng bị loại / rows set aside "
                          f"{sum(done.set_aside_counts.values()):,}")
        for code, n in sorted(done.set_aside_counts.items()):
            self.stdout.write(f"  {code:24} {n:,}")
        for batch_id in done.batches.values():
            self._report(batch_id, actor)

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
