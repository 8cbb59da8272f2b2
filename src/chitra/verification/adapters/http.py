"""HTTP client of the population verification service (issue 16, item 2b).

The API (also in docs/population-api.md)
----------------------------------------

``POST {base_url}/v1/verify`` with ``Authorization: Bearer <token>`` and
``Content-Type: application/json``::

    {"batch_id": "3f2a…",                        # 1–64 printable characters, ours
     "people": [{"citizen_id": "001190012345",   # 12 digits, unique in the batch
                 "full_name": "Nguyễn Thị Hoa",
                 "date_of_birth": "1950-04-03",  # YYYY-MM-DD
                 "sex": "F",                     # "M" or "F"
                 "ward_code": "00004"}]}         # official code, "" if unknown

``200 OK``, ``Content-Type: application/json``: the population database's record of each
person asked about, one result per person, in any order::

    {"batch_id": "3f2a…",
     "results": [{"citizen_id": "001190012345", "status": "found",
                  "full_name": "NGUYỄN THỊ HOA", "date_of_birth": "1950-04-03",
                  "sex": "F", "ward_code": "00004", "death_date": null},
                 {"citizen_id": "001190099999", "status": "not_found"},
                 {"citizen_id": "001190054321", "status": "deceased", …,
                  "death_date": "2025-01-15"}]}

Errors are ``{"error": {"code": "…", "message": "…"}}`` with ``401`` (token missing or
wrong), ``400`` (not JSON), ``411``/``413`` (no length, body too large), ``415`` (not JSON
content), ``422`` (a request that does not follow the API, or more people than the service
takes: ``batch_too_large``), ``429`` and ``503`` (overloaded, may carry ``Retry-After``).

The service only returns its records; this adapter decides the outcome
(:func:`chitra.verification.population.answer_for`: names through
:func:`~chitra.verification.names.compare_names`, dates through
:func:`~chitra.verification.outcomes.birth_date_outcome`, a different ward code → moved).

How the client behaves
----------------------

- A batch is sent in chunks of at most ``max_batch`` people, one request each.
- Each attempt has a hard deadline of ``timeout_ms`` from looking up the host to the last
  byte of the answer, TCP connect and TLS handshake included: every step waits at most what
  is left of it, and at the deadline a watchdog cuts the connection whatever it is doing
  (a connect that never completes, a handshake or headers sent a byte at a time); then
  :class:`~.base.PopulationTimeout` is raised.
- ``429`` and ``5xx`` are retried up to ``retries`` times, with the same ``batch_id``, after
  ``backoff_ms × 2^n`` or the ``Retry-After`` the service asked for, never more than
  ``retry_after_cap_ms``. Nothing else is retried: not a timeout, not a refused connection,
  not a ``4xx``.
- ``401``/``403`` raise :class:`~.base.PopulationAuthRefused`; any other status
  :class:`~.base.PopulationRequestRefused`. Redirects are not followed (they would carry the
  token elsewhere).
- An answer is used only if it is ``application/json`` (UTF-8), at most
  ``max_answer_bytes`` long, strict JSON (:mod:`chitra.verification.wire`), echoes our
  ``batch_id`` and holds exactly one valid result per person asked about; otherwise
  :class:`~.base.PopulationBadAnswer` and nothing of it is used.
- The token travels only over HTTPS, or plain HTTP to this machine (the simulator), unless
  ``allow_plain_http`` says otherwise.

Built on :mod:`http.client` from the standard library (no redirects, no proxy from the
environment, every byte read counted). Times are integer milliseconds.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from chitra.verification import wire
from chitra.verification.adapters.base import (
    PopulationAdapter,
    PopulationAuthRefused,
    PopulationBadAnswer,
    PopulationRequestRefused,
    PopulationTimeout,
    PopulationUnavailable,
    match_ids,
)
from chitra.verification.outcomes import PersonAnswer, PersonCheck
from chitra.verification.population import answer_for

logger = logging.getLogger(__name__)

DEFAULT_MAX_ANSWER_BYTES = 20 * 1024 * 1024
_ERROR_BODY_BYTES = 64 * 1024  # read of a refusal, for its error code
_READ_BYTES = 64 * 1024
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token: nothing to inject
_ERROR_CODE = re.compile(r"[a-z0-9_]{1,50}")
_FOREVER_MS = 10**12


@dataclass(frozen=True)
class _Reply:
    status: int
    retry_after: str | None
    body: bytes


class HttpPopulationAdapter(PopulationAdapter):
    """Verifies people against the REST service at ``base_url`` (see the module docstring)."""

    def __init__(self, base_url: str, token: str, *, timeout_ms: int = 10_000,
                 max_batch: int = 500, retries: int = 3, backoff_ms: int = 500,
                 retry_after_cap_ms: int = 30_000,
                 max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
                 allow_plain_http: bool = False) -> None:
        for name, value, low in (("timeout_ms", timeout_ms, 1), ("max_batch", max_batch, 1),
                                 ("retries", retries, 0), ("backoff_ms", backoff_ms, 0),
                                 ("retry_after_cap_ms", retry_after_cap_ms, 0),
                                 ("max_answer_bytes", max_answer_bytes, 1)):
            if type(value) is not int or value < low:
                raise ValueError(f"{name} must be an integer of at least {low}, not {value!r}")
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise ValueError("the token must be a non-empty bearer token (letters, digits, "
                             "-._~+/ and trailing =)")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("base_url must not hold credentials, a query or a fragment")
        if parts.scheme == "http" and not (allow_plain_http or is_loopback(parts.hostname)):
            raise ValueError("the token would travel in clear: use https (plain http only to "
                             "this machine, or with allow_plain_http=True)")
        self.base_url = base_url
        # Made once: loading the system's certificates would eat into each deadline.
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._path = parts.path.rstrip("/") + wire.API_PATH
        self._token = token
        self.timeout_ms = timeout_ms
        self.max_batch = max_batch
        self.retries = retries
        self.backoff_ms = backoff_ms
        self.retry_after_cap_ms = retry_after_cap_ms
        self.max_answer_bytes = max_answer_bytes

    def __repr__(self) -> str:  # never the token
        return f"HttpPopulationAdapter({self.base_url!r})"

    def verify_chunk(self, chunk: Sequence[PersonCheck]) -> list[PersonAnswer]:
        batch_id = uuid.uuid4().hex
        body = wire.request_json(batch_id, list(chunk))
        for attempt in range(self.retries + 1):
            reply = self._post(body)
            if reply.status == 200:
                return self._answers(reply.body, batch_id, chunk)
            if reply.status in (401, 403):
                raise PopulationAuthRefused(reply.status)
            if reply.status != 429 and not 500 <= reply.status <= 599:
                raise PopulationRequestRefused(reply.status, _error_code(reply.body))
            if attempt == self.retries:
                break
            wait_ms = self._wait_ms(attempt, reply.retry_after)
            logger.warning("population service answered HTTP %s to batch %s; retry %s of %s "
                           "in %s ms", reply.status, batch_id, attempt + 1, self.retries,
                           wait_ms)
            time.sleep(wait_ms / 1000)
        raise PopulationUnavailable(f"HTTP {reply.status} × {self.retries + 1}")

    def _wait_ms(self, attempt: int, retry_after: str | None) -> int:
        asked = _retry_after_ms(retry_after) if retry_after is not None else None
        wait = asked if asked is not None else self.backoff_ms * 2 ** attempt
        return min(wait, self.retry_after_cap_ms)

    def _answers(self, body: bytes, batch_id: str,
                 chunk: Sequence[PersonCheck]) -> list[PersonAnswer]:
        try:
            results = wire.read_answer(wire.loads(body), batch_id)
        except wire.WireError as error:
            raise PopulationBadAnswer("answer_malformed", f"sai định dạng ({error}).",
                                      f"malformed ({error}).") from error
        match_ids(chunk, [citizen_id for citizen_id, _ in results])
        checks = {check.citizen_id: check for check in chunk}
        answers = []
        for citizen_id, record in results:
            try:
                answers.append(answer_for(checks[citizen_id], record))
            except ValueError as error:  # e.g. a name compare_names refuses
                raise PopulationBadAnswer(
                    "answer_malformed", f"kết quả của {citizen_id} sai ({error}).",
                    f"the result for {citizen_id} is wrong ({error}).") from error
        return answers

    # --- one exchange ---------------------------------------------------------------------

    def _post(self, body: bytes) -> _Reply:
        """One attempt, within ``timeout_ms`` in all, name lookup, connect and TLS handshake
        included: every step waits at most what is left, and a watchdog cuts the connection
        at the deadline whatever step it is in."""
        attempt = _Attempt(self.timeout_ms)
        connection = _Connection(attempt, self._host, self._port, self._tls)
        watchdog = threading.Timer(self.timeout_ms / 1000, attempt.cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            reply = self._exchange(connection, body)
            if attempt.expired.is_set():  # cut mid-answer: what was read may be incomplete
                raise PopulationTimeout(f"{self.timeout_ms} ms")
            return reply
        except (OSError, http.client.HTTPException, PopulationBadAnswer) as error:
            # Cut short, an answer may look bad (headers ended early): the deadline is why.
            if attempt.expired.is_set() or isinstance(error, TimeoutError):
                raise PopulationTimeout(f"{self.timeout_ms} ms") from error
            if isinstance(error, PopulationBadAnswer):
                raise
            raise PopulationUnavailable(type(error).__name__) from error
        finally:
            watchdog.cancel()
            connection.close()
            attempt.close()

    def _exchange(self, connection: http.client.HTTPConnection, body: bytes) -> _Reply:
        connection.request("POST", self._path, body=body, headers={
            "Authorization": f"Bearer {self._token}",
            "Content-Type": f"{wire.JSON_TYPE}; charset=utf-8",
            "Accept": wire.JSON_TYPE,
            "User-Agent": "chitra-verification",
        })
        with connection.getresponse() as response:
            status = response.status
            retry_after = response.getheader("Retry-After")
            if status != 200:
                return _Reply(status, retry_after, response.read(_ERROR_BODY_BYTES))
            content_type = response.getheader("Content-Type")
            if not wire.media_type_is_json(content_type):
                raise PopulationBadAnswer(
                    "answer_not_json", f"không phải JSON (Content-Type {_shown(content_type)}).",
                    f"it is not JSON (Content-Type {_shown(content_type)}).")
            length = response.getheader("Content-Length")
            if length is not None and length.isdigit() and int(length) > self.max_answer_bytes:
                raise self._too_large()
            data = bytearray()
            while chunk := response.read(_READ_BYTES):
                data += chunk
                if len(data) > self.max_answer_bytes:
                    raise self._too_large()
            return _Reply(status, retry_after, bytes(data))

    def _too_large(self) -> PopulationBadAnswer:
        return PopulationBadAnswer(
            "answer_too_large", f"dài quá {self.max_answer_bytes} byte.",
            f"longer than {self.max_answer_bytes} bytes.")


class _Attempt:
    """The deadline of one attempt and the sockets it opened, for the watchdog to cut.

    The watchdog holds a duplicate of each socket's descriptor: shutting it down ends the
    connection whoever holds the other (http.client hands its socket to the response; the
    TLS layer takes over the descriptor of the plain socket), and ends a connect in progress.
    """

    def __init__(self, timeout_ms: int) -> None:
        self.deadline = time.monotonic() + timeout_ms / 1000
        self.expired = threading.Event()
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []

    def left(self) -> float:
        """Seconds left; TimeoutError if none."""
        left = self.deadline - time.monotonic()
        if left <= 0 or self.expired.is_set():
            raise TimeoutError("deadline passed")
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired.is_set():
                raise TimeoutError("deadline passed")
            self._watched.append(sock.dup())

    def cut(self) -> None:
        with self._lock:
            self.expired.set()
            for sock in self._watched:
                with contextlib.suppress(OSError):  # not connected (yet): nothing to cut
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self._lock:
            for sock in self._watched:
                sock.close()
            self._watched.clear()

    def open(self, host: str, port: int, tls: ssl.SSLContext | None) -> socket.socket:
        """A socket connected to ``host:port`` (TLS handshake done if ``tls``), within the
        deadline. Each address is tried in turn, within what is left."""
        error: OSError = OSError(f"no address for {host}")
        for family, kind, proto, _, address in _resolve(host, port, self.left()):
            sock = socket.socket(family, kind, proto)
            try:
                self.watch(sock)
                sock.settimeout(self.left())
                sock.connect(address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as failed:
                sock.close()
                if isinstance(failed, TimeoutError) or self.expired.is_set():
                    raise
                error = failed
                continue
            if tls is None:
                return sock
            try:
                wrapped = tls.wrap_socket(sock, server_hostname=host,
                                          do_handshake_on_connect=False)
            except BaseException:
                sock.close()
                raise
            try:
                wrapped.settimeout(self.left())
                wrapped.do_handshake()
            except BaseException:
                wrapped.close()
                raise
            return wrapped
        raise error


def _resolve(host: str, port: int,
             seconds: float) -> list[tuple[Any, Any, int, str, Any]]:
    """``getaddrinfo`` for a TCP connection, given at most ``seconds``: the C library's
    lookup has no timeout of its own, so a name is looked up in a thread not waited for
    past the deadline (an address literal needs no lookup)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                  flags=socket.AI_NUMERICHOST)
    found: list[Any] = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            found.append(error)

    thread = threading.Thread(target=lookup, name="popdb-resolve", daemon=True)
    thread.start()
    thread.join(seconds)
    if not found:
        raise TimeoutError(f"looking up {host}")
    if isinstance(found[0], OSError):
        raise found[0]
    return list(found[0])


class _Connection(http.client.HTTPConnection):
    """http.client's connection, connecting through :meth:`_Attempt.open` (within the
    deadline, TLS included), never through a proxy."""

    def __init__(self, attempt: _Attempt, host: str, port: int,
                 tls: ssl.SSLContext | None) -> None:
        super().__init__(host, port)
        self._attempt = attempt
        self._tls = tls
        self.default_port = 443 if tls is not None else 80  # the Host header leaves it out

    def connect(self) -> None:
        self.sock = self._attempt.open(self.host, self.port, self._tls)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` or a loopback address literal."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_after_ms(value: str) -> int | None:
    """``Retry-After`` (seconds, or an HTTP date) in milliseconds; None if unreadable."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return int(value) * 1000 if len(value) <= 9 else _FOREVER_MS  # the cap applies
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    delta = when - datetime.now(UTC)
    return max(0, delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000)


def _error_code(body: bytes) -> str:
    """The ``error.code`` of a refusal, if it is a plain code."""
    try:
        code = wire.loads(body)["error"]["code"]
    except (wire.WireError, KeyError, TypeError):
        return ""
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""


def _shown(value: str | None) -> str:
    return repr(value)[:60]
