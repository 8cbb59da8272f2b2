"""``chitra popdb_sim --port P [--province CODE] [--latency-ms N] [--error-rate PCT] [--seed S]
[--token T]``: serve the population verification API (docs/population-api.md) from a
synthetic population derived from the registry's beneficiaries, with planted discrepancies,
until interrupted (Ctrl+C)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.admin_units import current_provinces
from chitra.registry.models import Beneficiary
from chitra.verification.outcomes import PersonCheck
from chitra.verification.simulator import (
    DEFAULT_MAX_BATCH,
    Planted,
    PopulationSimulator,
    make_server,
    population_from,
    url_of,
)

_FIELDS = ("citizen_id", "full_name", "date_of_birth", "sex", "ward_code")


def _beneficiaries(province: str, skipped: list[str]) -> Iterator[PersonCheck]:
    """Every beneficiary (of ``province`` if given), read in a stream; the rows a request
    could not carry go to ``skipped``."""
    rows = Beneficiary.objects.order_by("pk")
    if province:
        rows = rows.filter(province_code=province)
    for row in rows.values_list(*_FIELDS).iterator(chunk_size=2000):
        try:
            yield PersonCheck(*row)
        except ValueError:
            skipped.append(row[0])


class Command(BaseCommand):
    help = ("Mô phỏng dịch vụ đối chiếu CSDL quốc gia về dân cư, từ dữ liệu người hưởng có "
            "cài sẵn sai lệch. Simulates the population verification service from the "
            "beneficiaries, with planted discrepancies.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, required=True,
                            help="cổng / port (0: any free port)")
        parser.add_argument("--host", default="127.0.0.1", help="địa chỉ / address to bind")
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
        if not 0 <= o["port"] <= 65535:
            raise CommandError(f"Cổng không hợp lệ / invalid port: {o['port']} (0–65535)")
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
            skipped: list[str] = []
            population, planted = population_from(_beneficiaries(o["province"], skipped),
                                                  o["seed"])
            simulator.population = population
            people = len(population) + sum(kind == Planted.UNKNOWN_ID
                                           for kind in planted.values())
            self.stdout.write(f"Dân số mô phỏng / simulated population: {people} người / "
                              f"people, {len(planted)} sai lệch cài sẵn / planted discrepancies")
            for kind in Planted:
                count = sum(planted_kind == kind for planted_kind in planted.values())
                self.stdout.write(f"  {kind.value:20} {count}")
            if skipped:
                self.stderr.write(f"Bỏ qua / skipped {len(skipped)} người hưởng không gửi được "
                                  "/ beneficiaries that cannot be sent")
            self.stdout.write(f"URL: {url_of(server)}\nToken: {token}\n"
                              "Ctrl+C để dừng / to stop")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                self.stdout.write("Đã dừng / stopped")
