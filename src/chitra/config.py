"""Settings read once from the environment, typed (STYLE §7).

Nothing else in chitra reads ``os.environ``.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

REPO_DIR = Path(__file__).resolve().parents[2]


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(var_dir: Path) -> str:
    """The key from the environment, else one generated once and kept under var/."""
    key = os.environ.get("CHITRA_SECRET_KEY")
    if key:
        return key
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto`` → ``("HTTP_X_FORWARDED_PROTO", "https")``, Django's form.

    Blank → None (no proxy header trusted)."""
    name = name.strip()
    if not name:
        return None
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in name):
        raise ValueError(f"CHITRA_PROXY_SSL_HEADER: not a header name: {name!r}")
    return "HTTP_" + name.upper().replace("-", "_"), "https"


def _population_url(value: str) -> str:
    """The population service's base URL ("" none): http(s) only; the adapter itself refuses
    to send its token over plain http except to this machine."""
    value = value.strip()
    if value and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise ValueError(f"CHITRA_POPULATION_URL: not an http(s) URL: {value!r}")
    return value


_HOTLINE = frozenset("0123456789 .+()-")


def _hotline(value: str) -> str:
    """The office's hotline as letters and SMS print it: digits, spaces and ``.+()-``."""
    value = " ".join(value.split())
    if not value or len(value) > 20 or not set(value) <= _HOTLINE or not any(
            c.isdigit() for c in value):
        raise ValueError(f"CHITRA_HOTLINE: not a phone number: {value!r}")
    return value


# The crash points a crash test may set, as CHITRA_FAULT_<POINT>=N: the export process exits
# after its Nth file, a compute in parts after its Nth part has committed.
FAULT_POINTS = ("EXPORT_CRASH_AFTER_FILES", "COMPUTE_CRASH_AFTER_PARTS")


def _faults() -> Mapping[str, int]:
    """The crash points set, read only under the test switch ``CHITRA_TEST_FAULTS=1``."""
    if not _flag("CHITRA_TEST_FAULTS"):
        return MappingProxyType({})
    return MappingProxyType({
        point.lower(): int(os.environ[f"CHITRA_FAULT_{point}"]) for point in FAULT_POINTS
        if os.environ.get(f"CHITRA_FAULT_{point}")})


@dataclass(frozen=True)
class Config:
    var_dir: Path
    database_url: str
    secret_key: str
    debug: bool
    allowed_hosts: tuple[str, ...]
    secure_cookies: bool
    login_failure_limit: int
    # Failed logins from one address, whatever usernames were tried, before it is refused.
    login_ip_failure_limit: int
    # The most a background import job may run, in seconds (a hostile file cannot hold the
    # only worker).
    job_time_limit: int
    # Reverse proxies in front that append to X-Forwarded-For (0: the peer is the client).
    proxy_count: int
    # Behind TLS: Strict-Transport-Security max-age (0: no header), and its includeSubDomains.
    hsts_seconds: int
    hsts_include_subdomains: bool
    # The header a TLS-terminating proxy sets to "https" (Django META name and value), or None.
    proxy_ssl_header: tuple[str, str] | None
    # Redirect plain http requests to https.
    ssl_redirect: bool
    replica_database_url: str | None
    keystore_path: Path
    keystore_password: str
    # Extra processes writing pain.001 files beside the exporting one (0: it writes alone).
    export_workers: int
    # A province with this many people or more is computed in parts, one connection each.
    compute_parts_from: int
    # Status files applied at once by `chitra ingest_status` (PostgreSQL), one connection each.
    status_appliers: int
    # The office on letters to beneficiaries: its hotline and its postal address ("" none).
    hotline: str
    office_address: str
    # The national population database's verification service (issue 16): base URL and
    # bearer token ("" none: `verify_population --adapter http` says it is not configured).
    population_url: str
    population_token: str
    # The population database simulator may be used (`--adapter sim`): only on a demo, as it
    # invents deaths and stopping a real person's pension on one is not acceptable.
    population_simulator: bool
    # Crash points of the crash tests (:mod:`chitra.core.faults`): point → the pass at which
    # the process exits. Empty unless CHITRA_TEST_FAULTS=1, so a production process that
    # inherits a stray CHITRA_FAULT_* variable ignores it.
    faults: Mapping[str, int]


def load() -> Config:
    var_dir = Path(os.environ.get("CHITRA_VAR_DIR", REPO_DIR / "var")).resolve()
    debug = _flag("CHITRA_DEBUG")
    hosts = os.environ.get("CHITRA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
    return Config(
        var_dir=var_dir,
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'chitra.sqlite3'}",
        secret_key=_secret_key(var_dir),
        debug=debug,
        allowed_hosts=tuple(h.strip() for h in hosts.split(",") if h.strip()),
        # Secure cookies unless explicitly running over plain http (the local demo).
        secure_cookies=not _flag("CHITRA_INSECURE_HTTP"),
        login_failure_limit=int(os.environ.get("CHITRA_LOGIN_FAILURE_LIMIT", "5")),
        login_ip_failure_limit=int(os.environ.get("CHITRA_LOGIN_IP_FAILURE_LIMIT", "20")),
        job_time_limit=int(os.environ.get("CHITRA_JOB_TIME_LIMIT", "3600")),
        proxy_count=int(os.environ.get("CHITRA_PROXY_COUNT", "0")),
        hsts_seconds=int(os.environ.get("CHITRA_HSTS_SECONDS", "0")),
        hsts_include_subdomains=_flag("CHITRA_HSTS_INCLUDE_SUBDOMAINS"),
        proxy_ssl_header=_proxy_ssl_header(os.environ.get("CHITRA_PROXY_SSL_HEADER", "")),
        ssl_redirect=_flag("CHITRA_SSL_REDIRECT"),
        replica_database_url=os.environ.get("DATABASE_REPLICA_URL") or None,
        keystore_path=Path(os.environ.get("CHITRA_KEYSTORE_PATH",
                                          var_dir / "keys" / "bhxh-demo.p12")),
        keystore_password=os.environ.get("CHITRA_KEYSTORE_PASSWORD", "chitra-demo-keystore"),
        export_workers=int(os.environ.get("CHITRA_EXPORT_WORKERS",
                                          max(0, min(os.cpu_count() or 1, 4) - 1))),
        compute_parts_from=int(os.environ.get("CHITRA_COMPUTE_PARTS_FROM", "200000")),
        status_appliers=int(os.environ.get("CHITRA_STATUS_APPLIERS", "2")),
        hotline=_hotline(os.environ.get("CHITRA_HOTLINE", "1900 9068")),
        office_address=" ".join(os.environ.get("CHITRA_OFFICE_ADDRESS", "").split())[:200],
        population_url=_population_url(os.environ.get("CHITRA_POPULATION_URL", "")),
        population_token=os.environ.get("CHITRA_POPULATION_TOKEN", "").strip(),
        population_simulator=_flag("CHITRA_POPULATION_SIMULATOR"),
        faults=_faults(),
    )


CONFIG = load()
