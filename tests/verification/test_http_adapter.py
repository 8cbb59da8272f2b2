"""The HTTP adapter against the simulator, over a real socket (issue 16, items 1, 2b, 2c).

Every exchange goes through a server on 127.0.0.1 in a thread: the simulator itself, or the
simulator behind a small WSGI wrapper that misbehaves in one way (fails first, rewrites the
answer, drips it, answers too much).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.core.admin_units import current_wards
from chitra.core.identifiers import Sex
from chitra.verification.adapters import (
    HttpPopulationAdapter,
    InMemoryPopulationAdapter,
    InvalidBatch,
    PopulationAuthRefused,
    PopulationBadAnswer,
    PopulationRequestRefused,
    PopulationTimeout,
    PopulationUnavailable,
)
from chitra.verification.names import NameReason
from chitra.verification.outcomes import BirthDateReason, Outcome, PersonCheck
from chitra.verification.population import PopulationRecord
from chitra.verification.simulator import (
    Planted,
    PopulationSimulator,
    population_from,
    serving,
)

TOKEN = "s3cret-token"
AS_OF = date(2025, 6, 30)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Giàng", "Lò",
          "Ksor"]
MIDDLE = ["Thị", "Văn", "Minh", "Hữu", "Ngọc", "Thị Kim", ""]
GIVEN = ["Hoa", "An", "Bình", "Dũng", "Hương", "Lan", "Páo", "Tuấn", "Thủy", "Mai", "Đức",
         "Nam", "Nhi"]


def _wards(province: str, count: int) -> list[str]:
    return sorted(code for code, ward in current_wards().items()
                  if ward.province_code == province)[:count]


LAI_CHAU_WARDS = _wards("12", 4)
DIEN_BIEN_WARDS = _wards("11", 2)


def person(i: int, **changes: object) -> PersonCheck:
    values: dict[str, object] = {
        "citizen_id": f"0120{50 + i % 40:02d}{i:06d}",
        "full_name": " ".join(part for part in (
            FAMILY[i % len(FAMILY)], MIDDLE[i % len(MIDDLE)], GIVEN[i % len(GIVEN)]) if part),
        "date_of_birth": date(1940 + i % 40, 1 + i % 12, 1 + (i * 7) % 28),
        "sex": Sex.FEMALE if i % 2 else Sex.MALE,
        "ward_code": (LAI_CHAU_WARDS + DIEN_BIEN_WARDS)[i % 6],
    }
    values.update(changes)
    return PersonCheck(**values)  # type: ignore[arg-type]


def people(n: int) -> list[PersonCheck]:
    return [person(i) for i in range(n)]


def record(check: PersonCheck, **changes: object) -> PopulationRecord:
    values: dict[str, object] = {
        "citizen_id": check.citizen_id, "full_name": check.full_name,
        "date_of_birth": check.date_of_birth, "sex": check.sex, "ward_code": check.ward_code}
    values.update(changes)
    return PopulationRecord(**values)  # type: ignore[arg-type]


def clean(batch: Iterable[PersonCheck]) -> dict[str, PopulationRecord]:
    return {check.citizen_id: record(check) for check in batch}


def adapter(url: str, **options: object) -> HttpPopulationAdapter:
    settings: dict[str, object] = {"timeout_ms": 2_000, "backoff_ms": 1, "retries": 3}
    settings.update(options)
    return HttpPopulationAdapter(url, TOKEN, **settings)  # type: ignore[arg-type]


# --- misbehaving servers -------------------------------------------------------------------

WsgiApp = Callable[..., Iterable[bytes]]


class Counting:
    """Counts the requests that reach it (thread-safe)."""

    def __init__(self) -> None:
        self.seen = 0
        self._lock = threading.Lock()

    def _count(self) -> int:
        with self._lock:
            self.seen += 1
            return self.seen


class FailFirst(Counting):
    """Answers the first ``times`` requests with ``status``, then passes them to ``app``."""

    def __init__(self, app: WsgiApp, times: int, status: str = "503 Service Unavailable",
                 headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.app, self.times, self.status, self.headers = app, times, status, list(headers)

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        if self._count() <= self.times:
            start_response(self.status, [("Content-Type", "application/json"), *self.headers])
            return [b'{"error": {"code": "scripted", "message": "scripted"}}']
        return self.app(environ, start_response)


class Rewrite(Counting):
    """The simulator's answer, changed by ``change`` (on the parsed JSON or the bytes)."""

    def __init__(self, app: WsgiApp, change: Callable[[dict], object] | None = None, *,
                 raw: Callable[[bytes], bytes] | None = None,
                 content_type: str = "application/json; charset=utf-8",
                 length: bool = True) -> None:
        super().__init__()
        self.app, self.change, self.raw = app, change, raw
        self.content_type, self.length = content_type, length

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        self._count()
        status: list[str] = []
        body = b"".join(self.app(environ, lambda s, h, exc_info=None: status.append(s)))
        if self.change is not None:
            answer = json.loads(body)
            self.change(answer)
            body = json.dumps(answer).encode()
        if self.raw is not None:
            body = self.raw(body)
        headers = [("Content-Type", self.content_type)]
        if self.length:
            start_response(status[0], [*headers, ("Content-Length", str(len(body)))])
            return [body]
        start_response(status[0], headers)
        # Several pieces and no length: wsgiref sends them as they come, then closes.
        return (body[i:i + 100] for i in range(0, len(body), 100))


def dripping(environ, start_response):  # type: ignore[no-untyped-def]
    """A valid-looking start, then one byte every 100 ms for 3 s."""
    start_response("200 OK", [("Content-Type", "application/json")])

    def drip():  # type: ignore[no-untyped-def]
        yield b'{"batch_id": "'
        for _ in range(30):
            time.sleep(0.1)
            yield b"x"

    return drip()


@pytest.fixture
def batch() -> list[PersonCheck]:
    return people(25)


@pytest.fixture
def simulator(batch: list[PersonCheck]) -> PopulationSimulator:
    return PopulationSimulator(clean(batch), TOKEN)


# --- answers ------------------------------------------------------------------------------

def test_each_outcome_comes_back_with_the_population_database_values():
    match, gone, dead, moved, renamed, reborn = people(6)
    population = {
        match.citizen_id: record(match, full_name=match.full_name.upper()),
        dead.citizen_id: record(dead, death_date=date(2025, 1, 15)),
        moved.citizen_id: record(moved, ward_code=LAI_CHAU_WARDS[0]),
        renamed.citizen_id: record(renamed, full_name="Hoàng Thi Dũng"),
        reborn.citizen_id: record(reborn, date_of_birth=date(1945, 5, 6)),
    }
    renamed_check = PersonCheck(renamed.citizen_id, "Hoàng Thị Dũng", renamed.date_of_birth,
                                renamed.sex, renamed.ward_code)
    reborn_check = PersonCheck(reborn.citizen_id, reborn.full_name, date(1945, 6, 5),
                               reborn.sex, reborn.ward_code)
    asked = [match, gone, dead, moved, renamed_check, reborn_check]
    with serving(PopulationSimulator(population, TOKEN)) as url:
        answers = adapter(url).verify(asked)

    assert [a.citizen_id for a in answers] == [c.citizen_id for c in asked]
    assert [a.outcome for a in answers] == [
        Outcome.MATCH, Outcome.NOT_FOUND, Outcome.DECEASED, Outcome.MOVED,
        Outcome.NAME_DIFFERS, Outcome.BIRTH_DATE_DIFFERS]
    assert answers[0].full_name == match.full_name.upper()
    assert answers[1].full_name == ""
    assert answers[1].date_of_birth is None
    assert answers[2].death_date == date(2025, 1, 15)
    assert (answers[3].ward_code, answers[3].new_ward_code) == (LAI_CHAU_WARDS[0],) * 2
    assert answers[4].name_match is not None
    assert answers[4].name_match.reason == NameReason.MIDDLE_NAME_VARIANT
    assert answers[5].birth_date is not None
    assert answers[5].birth_date.reason == BirthDateReason.DAY_MONTH_SWAPPED


def test_a_batch_larger_than_max_batch_goes_in_chunks(batch, simulator):
    with serving(simulator) as url:
        answers = adapter(url, max_batch=10).verify(batch)

    assert simulator.requests == {200: 3}  # 10 + 10 + 5
    assert [a.citizen_id for a in answers] == [c.citizen_id for c in batch]
    assert {a.outcome for a in answers} == {Outcome.MATCH}


def test_the_same_answers_as_the_adapter_in_memory():
    checks = people(200)
    population, _ = population_from(checks, seed=3, rates_bp=dict.fromkeys(Planted, 400),
                                    as_of=AS_OF)
    with serving(PopulationSimulator(population, TOKEN)) as url:
        over_http = adapter(url, max_batch=64).verify(checks)
    assert over_http == InMemoryPopulationAdapter(population).verify(checks)


def test_a_run_finds_every_planted_discrepancy_and_no_false_alarm():
    checks = people(400)
    population, planted = population_from(checks, seed=7, rates_bp=dict.fromkeys(Planted, 300),
                                          as_of=AS_OF)
    assert {kind: sum(p == kind for p in planted.values()) for kind in Planted} == dict.fromkeys(
        Planted, 12)  # 3 % of 400 of each
    with serving(PopulationSimulator(population, TOKEN, latency_ms=5)) as url:
        answers = adapter(url, max_batch=100).verify(checks)

    found = {a.citizen_id: a.outcome for a in answers}
    expected = {c.citizen_id: planted[c.citizen_id].outcome if c.citizen_id in planted
                else Outcome.MATCH for c in checks}
    assert found == expected
    # The clean records were not simply copied: some names came back in capitals.
    capitals = [c for c in checks if c.citizen_id not in planted
                and population[c.citizen_id].full_name != c.full_name]
    assert len(capitals) > 100
    wards = current_wards()
    for answer in answers:
        if answer.outcome == Outcome.DECEASED:
            assert answer.death_date is not None
            assert date(2024, 6, 30) <= answer.death_date < AS_OF
        if answer.outcome == Outcome.MOVED:
            ours = next(c.ward_code for c in checks if c.citizen_id == answer.citizen_id)
            assert answer.new_ward_code != ours
            assert wards[answer.new_ward_code].province_code == wards[ours].province_code


def test_the_planted_population_depends_on_the_seed_not_the_order():
    checks = people(300)
    first = population_from(checks, seed=1, as_of=AS_OF)
    assert population_from(list(reversed(checks)), seed=1, as_of=AS_OF) == first
    assert population_from(checks, seed=2, as_of=AS_OF)[1] != first[1]


def test_a_batch_naming_a_person_twice_is_refused_before_sending(simulator):
    twice = [person(1), person(2), person(1)]
    with serving(simulator) as url, pytest.raises(InvalidBatch, match="batch_duplicate_id"):
        adapter(url).verify(twice)
    assert simulator.requests == {}


# --- retries ------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["503 Service Unavailable", "500 Internal Server Error",
                                    "429 Too Many Requests"])
def test_5xx_and_429_are_retried_until_an_answer(batch, simulator, status):
    server = FailFirst(simulator, times=2, status=status)
    with serving(server) as url:
        answers = adapter(url, retries=3).verify(batch)
    assert server.seen == 3
    assert len(answers) == len(batch)


def test_a_service_that_keeps_failing_is_unavailable_after_the_retries(batch):
    simulator = PopulationSimulator(clean(batch), TOKEN, error_rate_pct=100)
    with serving(simulator) as url, pytest.raises(PopulationUnavailable,
                                                  match="population_unavailable"):
        adapter(url, retries=2).verify(batch)
    assert simulator.requests == {503: 3}


def test_the_simulated_error_rate_is_reproducible_with_a_seed(batch):
    def failures(seed: int) -> list[bool]:
        simulator = PopulationSimulator(clean(batch), TOKEN, error_rate_pct=50, seed=seed)
        outcomes = []
        with serving(simulator) as url:
            client = adapter(url, retries=0)
            for _ in range(12):
                try:
                    client.verify(batch[:2])
                    outcomes.append(False)
                except PopulationUnavailable:
                    outcomes.append(True)
        return outcomes

    run = failures(seed=11)
    assert run == failures(seed=11)
    assert True in run
    assert False in run


@pytest.mark.parametrize(("status", "error"), [
    ("400 Bad Request", PopulationRequestRefused),
    ("404 Not Found", PopulationRequestRefused),
    ("422 Unprocessable Content", PopulationRequestRefused),
    ("401 Unauthorized", PopulationAuthRefused),
    ("403 Forbidden", PopulationAuthRefused),
])
def test_4xx_is_never_retried(batch, simulator, status, error):
    server = FailFirst(simulator, times=99, status=status)
    with serving(server) as url, pytest.raises(error):
        adapter(url, retries=3).verify(batch)
    assert server.seen == 1


def test_a_wrong_token_is_refused_once(batch, simulator):
    with serving(simulator) as url, pytest.raises(PopulationAuthRefused,
                                                  match="population_auth_refused"):
        HttpPopulationAdapter(url, "wrong-token", backoff_ms=1).verify(batch)
    assert simulator.requests == {401: 1}


def test_retry_after_is_honoured(batch, simulator):
    server = FailFirst(simulator, times=1, headers=[("Retry-After", "1")])
    start = time.monotonic()
    with serving(server) as url:
        adapter(url, backoff_ms=1, retry_after_cap_ms=5_000).verify(batch)
    assert time.monotonic() - start >= 1.0
    assert server.seen == 2


def test_retry_after_is_capped(batch, simulator):
    server = FailFirst(simulator, times=1, headers=[("Retry-After", "3600")])
    start = time.monotonic()
    with serving(server) as url:
        adapter(url, backoff_ms=1, retry_after_cap_ms=200).verify(batch)
    assert 0.2 <= time.monotonic() - start < 8
    assert server.seen == 2


# --- failures -----------------------------------------------------------------------------

def test_a_slow_service_times_out_without_retry(batch):
    server = FailFirst(PopulationSimulator(clean(batch), TOKEN, latency_ms=2_000), times=0)
    start = time.monotonic()
    with serving(server) as url, pytest.raises(PopulationTimeout, match="population_timeout"):
        adapter(url, timeout_ms=200, retries=3).verify(batch)
    assert time.monotonic() - start < 8
    assert server.seen == 1


def test_an_answer_that_drips_in_hits_the_deadline(batch):
    start = time.monotonic()
    with serving(dripping) as url, pytest.raises(PopulationTimeout):
        adapter(url, timeout_ms=500).verify(batch)
    assert time.monotonic() - start < 8


def test_a_closed_port_is_unavailable(batch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PopulationUnavailable, match="population_unavailable"):
        adapter(f"http://127.0.0.1:{port}").verify(batch)


# --- the deadline covers the whole attempt, over raw sockets ------------------------------

DEADLINE_MS = 400
SLACK_S = 0.8  # thread scheduling; a step that restarted the clock would take seconds


@contextmanager
def raw_server(handle: Callable[[socket.socket, threading.Event], None]) -> Iterator[tuple[
        int, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 running ``handle(connection, stop)`` for each connection it
    accepts, until the block ends; yields its port and the connections accepted."""
    stop = threading.Event()
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(conn)
            threading.Thread(target=handle, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in accepted:
            conn.close()


def drip(conn: socket.socket, stop: threading.Event, data: bytes) -> None:
    """Send ``data`` one byte every 20 ms (10 s at most) until stopped or cut off."""
    for byte in data[:500]:
        if stop.wait(0.02):
            return
        try:
            conn.sendall(bytes([byte]))
        except OSError:
            return


def read_request(conn: socket.socket) -> None:
    conn.settimeout(5)
    seen = b""
    while b"\r\n\r\n" not in seen:
        chunk = conn.recv(65536)
        if not chunk:
            return
        seen += chunk


def timed_out(url: str, batch: list[PersonCheck]) -> float:
    """Seconds until ``verify`` raised PopulationTimeout (which it must)."""
    start = time.monotonic()
    with pytest.raises(PopulationTimeout, match="population_timeout"):
        adapter(url, timeout_ms=DEADLINE_MS, retries=3).verify(batch)
    return time.monotonic() - start


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_connect_that_never_completes_times_out_within_the_deadline(batch, scheme):
    # A listener whose queue is full drops the SYN: the connect hangs as if blackholed.
    with socket.create_server(("127.0.0.1", 0), backlog=0) as listener:
        port = listener.getsockname()[1]
        queued = []
        while True:
            probe = socket.socket()
            probe.settimeout(0.2)
            try:
                probe.connect(("127.0.0.1", port))
            except TimeoutError:
                probe.close()
                break
            queued.append(probe)
        try:
            assert timed_out(f"{scheme}://127.0.0.1:{port}", batch) < (
                DEADLINE_MS / 1000 + SLACK_S)
        finally:
            for probe in queued:
                probe.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_server_that_takes_the_connection_and_never_answers_times_out(batch, scheme):
    # The kernel completes the connection; nobody ever reads the request or starts TLS.
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        port = listener.getsockname()[1]
        assert timed_out(f"{scheme}://127.0.0.1:{port}", batch) < (
            DEADLINE_MS / 1000 + SLACK_S)


def test_a_tls_handshake_sent_a_byte_at_a_time_hits_the_deadline(batch):
    # A TLS handshake record announcing 16 KiB, then its bytes one by one: each read gets
    # a byte well within any per-read timeout, so only a deadline on the whole stops it.
    def handshake(conn: socket.socket, stop: threading.Event) -> None:
        drip(conn, stop, b"\x16\x03\x03\x40\x00" + b"\x00" * 1000)

    with raw_server(handshake) as (port, accepted):
        assert timed_out(f"https://127.0.0.1:{port}", batch) < DEADLINE_MS / 1000 + SLACK_S
        assert len(accepted) == 1  # a timeout is not retried


def test_headers_sent_a_byte_at_a_time_hit_the_deadline(batch):
    def headers(conn: socket.socket, stop: threading.Event) -> None:
        read_request(conn)
        drip(conn, stop, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: "
             + b"a" * 1000)

    with raw_server(headers) as (port, accepted):
        assert timed_out(f"http://127.0.0.1:{port}", batch) < DEADLINE_MS / 1000 + SLACK_S
        assert len(accepted) == 1


def test_a_host_name_is_looked_up_and_each_address_tried(batch, simulator):
    # "localhost" may give ::1 first, where nothing listens: the next address is tried.
    with serving(simulator) as url:
        port = url.rsplit(":", 1)[1]
        answers = adapter(f"http://localhost:{port}").verify(batch)
    assert len(answers) == len(batch)


def _drop_first(answer: dict) -> None:
    del answer["results"][0]


def _add_stranger(answer: dict) -> None:
    answer["results"].append({"citizen_id": "099999999999", "status": "not_found"})


def _repeat_first(answer: dict) -> None:
    answer["results"].append(answer["results"][0])


def _other_batch(answer: dict) -> None:
    answer["batch_id"] = "someone-else"


def _a_float(answer: dict) -> None:
    answer["results"][0]["score"] = 0.5


def _dead_without_date(answer: dict) -> None:
    answer["results"][0]["status"] = "deceased"


def _bad_date(answer: dict) -> None:
    answer["results"][0]["date_of_birth"] = "1950-02-30"


def _not_a_name(answer: dict) -> None:
    answer["results"][0]["full_name"] = "Nguyễn\u202eVăn"


def _number_id(answer: dict) -> None:
    answer["results"][0]["citizen_id"] = 12345678901


@pytest.mark.parametrize(("change", "code"), [
    (_drop_first, "answer_missing_id"),
    (_add_stranger, "answer_unknown_id"),
    (_repeat_first, "answer_duplicate_id"),
    (_other_batch, "answer_malformed"),
    (_a_float, "answer_malformed"),
    (_dead_without_date, "answer_malformed"),
    (_bad_date, "answer_malformed"),
    (_not_a_name, "answer_malformed"),
    (_number_id, "answer_malformed"),
])
def test_an_answer_that_does_not_fit_the_request_is_refused(batch, simulator, change, code):
    server = Rewrite(simulator, change)
    with serving(server) as url, pytest.raises(PopulationBadAnswer, match=code):
        adapter(url).verify(batch)
    assert server.seen == 1  # a bad answer is not retried


@pytest.mark.parametrize("raw", [
    lambda body: body[:-1],  # truncated JSON
    lambda body: b"\xff" + body,  # not UTF-8
    lambda body: body.replace(b'"results"', b'"batch_id":"x","results"'),  # a key twice
    lambda body: b"[]",
], ids=["truncated", "not-utf8", "duplicate-key", "not-an-object"])
def test_malformed_json_is_refused(batch, simulator, raw):
    with serving(Rewrite(simulator, raw=raw)) as url, pytest.raises(
            PopulationBadAnswer, match="answer_malformed"):
        adapter(url).verify(batch)


@pytest.mark.parametrize("content_type", ["text/html", "application/json; charset=latin-1", ""])
def test_an_answer_that_is_not_json_content_is_refused(batch, simulator, content_type):
    with serving(Rewrite(simulator, content_type=content_type)) as url, pytest.raises(
            PopulationBadAnswer, match="answer_not_json"):
        adapter(url).verify(batch)


@pytest.mark.parametrize("length", [True, False], ids=["announced", "streamed"])
def test_an_oversized_answer_is_refused(batch, simulator, length):
    with serving(Rewrite(simulator, length=length)) as url, pytest.raises(
            PopulationBadAnswer, match="answer_too_large"):
        adapter(url, max_answer_bytes=1_000).verify(batch)


def test_a_batch_over_the_service_limit_is_refused_not_retried(batch):
    simulator = PopulationSimulator(clean(batch), TOKEN, max_batch=10)
    with serving(simulator) as url, pytest.raises(PopulationRequestRefused,
                                                  match="batch_too_large"):
        adapter(url, max_batch=20).verify(batch)
    assert simulator.requests == {422: 1}


def test_a_request_over_the_size_limit_gets_413(batch):
    simulator = PopulationSimulator(clean(batch), TOKEN, max_body_bytes=500)
    with serving(simulator) as url, pytest.raises(PopulationRequestRefused,
                                                  match="request_too_large"):
        adapter(url).verify(batch)
    assert simulator.requests == {413: 1}


@pytest.mark.parametrize(("url", "token", "why"), [
    ("http://popdb.example.vn", TOKEN, "in clear"),
    ("ftp://127.0.0.1", TOKEN, "http"),
    ("https://user:pw@popdb.example.vn", TOKEN, "credentials"),
    ("https://popdb.example.vn", "", "bearer token"),
    ("https://popdb.example.vn", "two words", "bearer token"),
    ("https://popdb.example.vn", "line\r\nX-Injected: 1", "bearer token"),
])
def test_an_unusable_configuration_is_refused_at_once(url, token, why):
    with pytest.raises(ValueError, match=why):
        HttpPopulationAdapter(url, token)


def test_plain_http_to_this_machine_is_allowed_for_the_simulator():
    assert HttpPopulationAdapter("http://localhost:8000", TOKEN).base_url == (
        "http://localhost:8000")


def test_the_adapter_does_not_show_its_token():
    assert TOKEN not in repr(HttpPopulationAdapter("https://popdb.example.vn", TOKEN))


# --- the command --------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["--port", "70000"],
    ["--port", "-1"],
    ["--port", "http"],
    ["--port", "0", "--error-rate", "101"],
    ["--port", "0", "--latency-ms", "-5"],
    ["--port", "0", "--province", "99"],
    ["--port", "0", "--host", "0.0.0.0"],
    ["--port", "0", "--host", "10.1.2.3"],
    [],
])
def test_the_simulator_command_refuses_bad_arguments(argv):
    with pytest.raises(CommandError):
        call_command("popdb_sim", *argv)
