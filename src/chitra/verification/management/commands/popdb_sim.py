"""``chitra popdb_sim --port P [--host H [--allow-remote]] [--province CODE] [--latency-ms N]
[--error-rate PCT] [--seed S] [--token T] [--max-batch N]``: serve the population
verification API (docs/population-api.md) from a synthetic population derived from the
registry's beneficiaries, with planted discrepancies, until interrupted (Ctrl+C or SIGINT).

It listens on this machine only unless ``--allow-remote`` is given: the population is
personal data (synthetic, but derived from the registry) and the token may be a fixed one.
Once ready it prints ``URL: http://host:port`` (the real port when ``--port 0``) and
``Token: …``.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.admin_units import current_provinces
from chitra.registry.population_checks import person_checks
from chitra.verification.adapters.http import is_loopback
from chitra.verification.population import PopulationRecord
from chitra.verification.simulator import (
    DEFAULT_MAX_BATCH,
    Planted,
    PopulationSimulator,
    checks_from,
    make_server,
    population_from,
    url_of,
)


class Command(BaseCommand):
    help = ("Mô phỏng dịch vụ đối chiếu CSDL quốc gia về dân cư, từ dữ liệu người hưởng có "
            "cài sẵn sai lệch. Simulates the population verification service from the "
            "beneficiaries, with planted discrepancies.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, required=True,
                            help="cổng / port (0: any free port)")
        parser.add_argument("--host", default="127.0.0.1",
                            help="địa chỉ / address to bind (this machine only unless "
                                 "--allow-remote)")
        parser.add_argument("--allow-remote", action="store_true",
                            help="cho phép máy khác kết nối / let other machines connect")
        parser.add_argument("--province", default="", help="mã tỉnh / province code")
        parser.add_argument("--latency-ms", type=int, default=0,
                            help="độ trễ mỗi yêu cầu / latency per request, ms")
        parser.add_argument("--error-rate", type=int, default=0,
                            help="%% yêu cầu trả lỗi 503 / %% of requests answered 503")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--token", default="",
                            help="mã truy cập / bearer token (default: a random one)")
        parser.add_argument("--max-batch", type=int, default=DEFAULT_MAX_BATCH)

    def handle(self, *args: Any, **o: Any) -> None:
        # Every argument is checked before the database is read or a port opened.
        if not 0 <= o["port"] <= 65535:
            raise CommandError(f"Cổng không hợp lệ / invalid port: {o['port']} (0–65535)")
        if not is_loopback(o["host"]) and not o["allow_remote"]:
            raise CommandError(
                f"Chỉ nghe trên máy này (127.0.0.1, ::1, localhost) trừ khi có --allow-remote: "
                f"dữ liệu mô phỏng là dữ liệu cá nhân / listens on this machine only unless "
                f"--allow-remote is given (the simulated data is personal data): "
                f"{o['host']!r}")
        if o["latency_ms"] < 0:
            raise CommandError("--latency-ms phải ≥ 0 / must be ≥ 0")
        if not 0 <= o["error_rate"] <= 100:
            raise CommandError("--error-rate phải từ 0 đến 100 / must be 0–100")
        if o["max_batch"] < 1:
            raise CommandError("--max-batch phải ≥ 1 / must be ≥ 1")
        if o["province"] and o["province"] not in current_provinces():
            raise CommandError(f"Mã tỉnh không tồn tại / unknown province code: "
                               f"{o['province']!r}")
        token = o["token"] or secrets.token_urlsafe(24)
        try:
            simulator = PopulationSimulator({}, token, latency_ms=o["latency_ms"],
                                            error_rate_pct=o["error_rate"], seed=o["seed"],
                                            max_batch=o["max_batch"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            server = make_server(simulator, o["host"], o["port"])
        except OSError as error:
            raise CommandError(f"Không mở được cổng / cannot listen on "
                               f"{o['host']}:{o['port']}: {error}") from error
        with server:
            try:  # Ctrl+C stops it cleanly at any point, even before it serves
                simulator.population = self._population(o["province"] or None, o["seed"])
                if not is_loopback(o["host"]):
                    self.stderr.write(f"Cảnh báo: máy khác kết nối được / warning: reachable "
                                      f"from other machines on {o['host']}")
                self.stdout.write(f"URL: {url_of(server)}\nToken: {token}\n"
                                  "Ctrl+C để dừng / to stop")
                self.stdout.flush()  # a pipe buffers: whoever waits for the URL gets it now
                server.serve_forever()
            except KeyboardInterrupt:
                self.stdout.write("Đã dừng / stopped")

    def _population(self, province: str | None, seed: int) -> dict[str, PopulationRecord]:
        """The registry's people (read in a stream) with planted discrepancies; prints how
        many of each."""
        skipped: list[str] = []
        population, planted = population_from(checks_from(person_checks(province), skipped),
                                              seed)
        counts = dict.fromkeys(Planted, 0)
        for kind in planted.values():
            counts[kind] += 1
        people = len(population) + counts[Planted.UNKNOWN_ID]
        self.stdout.write(f"Dân số mô phỏng / simulated population: {people} người / people, "
                          f"{len(planted)} sai lệch cài sẵn / planted discrepancies")
        for kind in Planted:
            self.stdout.write(f"  {kind.value:20} {counts[kind]}")
        if skipped:
            self.stderr.write(f"Bỏ qua / skipped {len(skipped)} người hưởng không gửi được / "
                              "beneficiaries that cannot be sent")
        return population
