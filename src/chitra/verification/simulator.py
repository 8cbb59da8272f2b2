"""A stand-in for the police's population verification service (issue 16, item 2c).

:class:`PopulationSimulator` is a WSGI app serving the API of docs/population-api.md from a
population held in memory; :func:`serving` runs it on a socket in a thread (tests),
:func:`make_server` for ``chitra popdb_sim`` (until interrupted). It can be slow
(``latency_ms`` per request) and unreliable (``error_rate_pct`` of the requests answered
``503``, drawn from a seeded generator: the same seed and the same requests fail the same
way).

:func:`population_from` derives its population from our own records, with planted
discrepancies at known rates, and says which person got which: a verification run must find
every planted one and raise no alarm on the others. The clean records are not all verbatim:
some names come back in capitals, as the population database often writes them, which is no
discrepancy.
"""

from __future__ import annotations

import hmac
import logging
import random
import socket
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as _make_wsgi_server
from wsgiref.types import StartResponse, WSGIEnvironment

from django.utils import timezone

from chitra.core.admin_units import current_wards
from chitra.core.text import to_ascii
from chitra.verification import wire
from chitra.verification.names import InvalidName, NameReason, compare_names
from chitra.verification.outcomes import Outcome, PersonCheck
from chitra.verification.population import PopulationRecord

logger = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 500
_BYTES_PER_PERSON = 2_000  # generous: a person is about 150 bytes of JSON


# --- the service ---------------------------------------------------------------------------

class PopulationSimulator:
    """The verification service over ``population`` (citizen_id → record; absent = unknown).

    ``requests`` counts the answers given, by HTTP status, for tests to see what the client
    did. Thread-safe: the server answers each request in its own thread.
    """

    def __init__(self, population: Mapping[str, PopulationRecord], token: str, *,
                 latency_ms: int = 0, error_rate_pct: int = 0, seed: int = 0,
                 max_batch: int = DEFAULT_MAX_BATCH, max_body_bytes: int | None = None,
                 retry_after_s: int | None = None) -> None:
        if not token:
            raise ValueError("the simulator needs a token")
        if type(latency_ms) is not int or latency_ms < 0:
            raise ValueError(f"latency_ms must be an integer ≥ 0, not {latency_ms!r}")
        if type(error_rate_pct) is not int or not 0 <= error_rate_pct <= 100:
            raise ValueError(f"error_rate_pct must be an integer 0–100, not {error_rate_pct!r}")
        if type(max_batch) is not int or max_batch < 1:
            raise ValueError(f"max_batch must be a positive integer, not {max_batch!r}")
        self.population = population
        self._expected = f"Bearer {token}".encode()
        self.latency_ms = latency_ms
        self.error_rate_pct = error_rate_pct
        self.max_batch = max_batch
        self.max_body_bytes = (max_body_bytes if max_body_bytes is not None
                               else max_batch * _BYTES_PER_PERSON)
        self.retry_after_s = retry_after_s
        self._random = random.Random(seed)  # noqa: S311 — a simulation, not a secret
        self._lock = threading.Lock()
        self.requests: Counter[int] = Counter()

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = self._answer(environ)
        with self._lock:
            self.requests[status] += 1
        start_response(f"{status} {_REASONS.get(status, 'Error')}", [
            ("Content-Type", f"{wire.JSON_TYPE}; charset=utf-8"),
            ("Content-Length", str(len(body))), *headers])
        return [body]

    def _answer(self, environ: WSGIEnvironment) -> tuple[int, list[tuple[str, str]], bytes]:
        if environ.get("PATH_INFO") != wire.API_PATH:
            return _error(404, "not_found", "no such path")
        if environ.get("REQUEST_METHOD") != "POST":
            status, headers, body = _error(405, "method_not_allowed", "use POST")
            return status, [*headers, ("Allow", "POST")], body
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        given = environ.get("HTTP_AUTHORIZATION", "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, self._expected):
            status, headers, body = _error(401, "unauthorized", "missing or wrong token")
            return status, [*headers, ("WWW-Authenticate", 'Bearer realm="popdb"')], body
        if self.error_rate_pct and self._draw() < self.error_rate_pct:
            status, headers, body = _error(503, "unavailable", "simulated overload")
            if self.retry_after_s is not None:
                headers = [*headers, ("Retry-After", str(self.retry_after_s))]
            return status, headers, body
        if not wire.media_type_is_json(environ.get("CONTENT_TYPE")):
            return _error(415, "unsupported_media_type", "send application/json")
        length = environ.get("CONTENT_LENGTH", "")
        if not length:
            return _error(411, "length_required", "Content-Length is required")
        if not (length.isascii() and length.isdigit()):
            return _error(400, "bad_request", "Content-Length is not a number")
        if int(length) > self.max_body_bytes:
            return _error(413, "request_too_large",
                          f"at most {self.max_body_bytes} bytes")
        try:
            request = wire.loads(environ["wsgi.input"].read(int(length)))
        except wire.WireError as error:
            return _error(400, "malformed_json", str(error))
        try:
            batch_id, ids = wire.read_request(request, self.max_batch)
        except wire.BatchTooLarge as error:
            return _error(422, "batch_too_large", str(error))
        except wire.WireError as error:
            return _error(422, "invalid_request", str(error))
        results = [wire.result_json(citizen_id, self.population.get(citizen_id))
                   for citizen_id in ids]
        return 200, [], wire.answer_json(batch_id, results)

    def _draw(self) -> int:
        with self._lock:
            return self._random.randrange(100)


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
            405: "Method Not Allowed", 411: "Length Required", 413: "Payload Too Large",
            415: "Unsupported Media Type", 422: "Unprocessable Content",
            503: "Service Unavailable"}


def _error(status: int, code: str, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [], wire.dumps({"error": {"code": code, "message": message}})


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    block_on_close = False


class _QuietHandler(WSGIRequestHandler):
    timeout = 30  # seconds: a client that stops sending does not hold a thread for ever

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.address_string(), format % args)


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(app: Any, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """A threading HTTP server for ``app`` on ``host:port`` (0: any free port), not started.
    An IPv6 address literal (``::1``) listens on IPv6."""
    return _make_wsgi_server(host, port, app,
                             server_class=_Server6 if ":" in host else _Server,
                             handler_class=_QuietHandler)


def url_of(server: WSGIServer) -> str:
    host, port = server.server_address[:2]
    host = host.decode() if isinstance(host, bytes) else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


@contextmanager
def serving(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a thread for the ``with`` block; yields the base URL."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- a synthetic population ----------------------------------------------------------------

class Planted(StrEnum):
    """A discrepancy planted in the synthetic population, and the outcome it must give."""

    DECEASED = "deceased"
    NO_ACCENTS = "no_accents"  # NGUYEN THI HOA for Nguyễn Thị Hoa
    MIDDLE_NAME_VARIANT = "middle_name_variant"  # Thi for Thị, Van for Văn, or left out
    DAY_MONTH_SWAPPED = "day_month_swapped"  # 04/03 for 03/04
    UNKNOWN_ID = "unknown_id"  # not in the population at all
    MOVED = "moved"  # another ward of the same province

    @property
    def outcome(self) -> Outcome:
        return _PLANTED_OUTCOMES[self]


_PLANTED_OUTCOMES = {
    Planted.DECEASED: Outcome.DECEASED,
    Planted.NO_ACCENTS: Outcome.NAME_DIFFERS,
    Planted.MIDDLE_NAME_VARIANT: Outcome.NAME_DIFFERS,
    Planted.DAY_MONTH_SWAPPED: Outcome.BIRTH_DATE_DIFFERS,
    Planted.UNKNOWN_ID: Outcome.NOT_FOUND,
    Planted.MOVED: Outcome.MOVED,
}

DEFAULT_RATES_BP = dict.fromkeys(Planted, 100)
"""Share of the people given each discrepancy, in basis points (100 = 1 %)."""


def checks_from(rows: Iterable[Sequence[Any]], skipped: list[str]) -> Iterator[PersonCheck]:
    """The registry's rows (citizen ID, full name, date of birth, sex, ward code, address:
    :class:`chitra.registry.population_checks.PersonOnFile`) as checks, in a stream; the
    personal ID of each row a request could not carry (a check refuses it) goes to
    ``skipped``."""
    for row in rows:
        try:
            yield PersonCheck(*row)
        except (TypeError, ValueError):
            skipped.append(str(row[0]))


def population_from(
    people: Iterable[PersonCheck], seed: int, *,
    rates_bp: Mapping[Planted, int] = DEFAULT_RATES_BP, as_of: date | None = None,
) -> tuple[dict[str, PopulationRecord], dict[str, Planted]]:
    """A population for ``people`` with planted discrepancies, and which person got which.

    ``people`` is read once, as it comes (a stream from the registry will do): the
    population is built from it directly, and nothing else holds the records. Of ``n``
    people, ``n × rate // 10 000`` get each discrepancy (fewer if not enough can: a name
    without any mark cannot lose its accents, a day above 12 cannot swap with the month, a
    ward alone in its province has nowhere to move); nobody gets two. Who gets what depends
    only on ``seed`` and the people, not their order. A death is dated in the year before
    ``as_of`` (default: today), never before the birth. Raises ValueError for a rate out of
    range or a personal ID given twice.
    """
    for kind, rate in rates_bp.items():
        if type(rate) is not int or not 0 <= rate <= 10_000:
            raise ValueError(f"the rate of {kind} must be 0–10 000 basis points, not {rate!r}")
    if as_of is None:
        as_of = timezone.localdate()
    population: dict[str, PopulationRecord] = {}
    for check in people:
        if check.citizen_id in population:
            raise ValueError(f"personal ID {check.citizen_id} given twice")
        population[check.citizen_id] = _record(check)
    size = len(population)
    rng = random.Random(seed)  # noqa: S311 — a simulation, not a secret
    ids = sorted(population)  # the IDs only: the records stay in the mapping
    rng.shuffle(ids)
    neighbours = _wards_by_province(record.ward_code for record in population.values())
    planted: dict[str, Planted] = {}
    for kind in Planted:
        wanted = size * rates_bp.get(kind, 0) // 10_000
        for citizen_id in ids:
            if wanted == 0:
                break
            if citizen_id in planted:
                continue
            if kind == Planted.UNKNOWN_ID:
                del population[citizen_id]
            elif (changed := _plant(kind, population[citizen_id], rng, neighbours,
                                    as_of)) is not None:
                population[citizen_id] = changed
            else:
                continue
            planted[citizen_id] = kind
            wanted -= 1
    ids.sort()
    for citizen_id in ids:
        if citizen_id not in planted and rng.randrange(2) == 0:
            population[citizen_id] = _in_capitals(population[citizen_id])
    return population, planted


def _record(check: PersonCheck) -> PopulationRecord:
    return PopulationRecord(check.citizen_id, check.full_name, check.date_of_birth, check.sex,
                            check.ward_code)


def _in_capitals(record: PopulationRecord) -> PopulationRecord:
    """The record with its name in capitals, if that is still the same name."""
    upper = record.full_name.upper()
    if _reason(record.full_name, upper) in (NameReason.EXACT,
                                            NameReason.SAME_AFTER_NORMALIZING):
        return replace(record, full_name=upper)
    return record


def _reason(ours: str, theirs: str) -> NameReason | None:
    try:
        return compare_names(ours, theirs).reason
    except InvalidName:
        return None


def _wards_by_province(codes: Iterable[str]) -> dict[str, list[str]]:
    """Each known ward code → the other ward codes of its province among ``codes``."""
    wards = current_wards()
    by_province: dict[str, set[str]] = {}
    for code in codes:
        ward = wards.get(code)
        if ward is not None:
            by_province.setdefault(ward.province_code, set()).add(code)
    return {code: sorted(same - {code})
            for same in by_province.values() for code in same}


def _plant(kind: Planted, record: PopulationRecord, rng: random.Random,
           neighbours: Mapping[str, list[str]],
           as_of: date) -> PopulationRecord | None:
    """``record`` (a person as we hold them) with ``kind`` planted, or None if it cannot
    take it."""
    if kind == Planted.DECEASED:
        died = as_of - timedelta(days=rng.randint(1, 365))
        return replace(record, death_date=max(died, record.date_of_birth))
    if kind == Planted.NO_ACCENTS:
        bare = to_ascii(record.full_name).upper()
        return (replace(record, full_name=bare)
                if _reason(record.full_name, bare) == NameReason.ACCENTS_MISSING else None)
    if kind == Planted.MIDDLE_NAME_VARIANT:
        variant = _middle_name_variant(record.full_name, drop=rng.randrange(2) == 0)
        return (replace(record, full_name=variant) if variant is not None and _reason(
            record.full_name, variant) == NameReason.MIDDLE_NAME_VARIANT else None)
    if kind == Planted.DAY_MONTH_SWAPPED:
        born = record.date_of_birth
        if born.day > 12 or born.day == born.month:
            return None
        return replace(record, date_of_birth=date(born.year, born.day, born.month))
    if kind == Planted.MOVED:
        others = neighbours.get(record.ward_code)
        return replace(record, ward_code=rng.choice(others)) if others else None
    raise AssertionError(kind)


_FILLER_VARIANTS = {"thị": "Thi", "văn": "Van"}


def _middle_name_variant(name: str, *, drop: bool) -> str | None:
    """``name`` with its first middle Thị/Văn left out or written without its mark."""
    words = unicodedata.normalize("NFC", name).split()
    for index in range(1, len(words) - 1):
        bare = _FILLER_VARIANTS.get(words[index].lower())
        if bare is not None:
            if drop:
                return " ".join(words[:index] + words[index + 1:])
            written = bare.upper() if words[index].isupper() else bare
            return " ".join([*words[:index], written, *words[index + 1:]])
    return None
