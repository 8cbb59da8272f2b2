"""Settings read once from the environment, typed (STYLE §7).

Nothing else in chitra reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Config:
    var_dir: Path
    database_url: str
    secret_key: str
    debug: bool
    allowed_hosts: tuple[str, ...]
    secure_cookies: bool
    login_failure_limit: int
    replica_database_url: str | None
    keystore_path: Path
    keystore_password: str
    # Extra processes writing pain.001 files beside the exporting one (0: it writes alone).
    export_workers: int
    # A province with this many people or more is computed in parts, one connection each.
    compute_parts_from: int
    # Status files applied at once by `chitra ingest_status` (PostgreSQL), one connection each.
    status_appliers: int
    # Fault injection for crash tests only: the export process exits after N files.
    fault_export_crash_after_files: int | None
    # ... and a compute in parts exits after N parts have committed.
    fault_compute_crash_after_parts: int | None


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
        replica_database_url=os.environ.get("DATABASE_REPLICA_URL") or None,
        keystore_path=Path(os.environ.get("CHITRA_KEYSTORE_PATH",
                                          var_dir / "keys" / "bhxh-demo.p12")),
        keystore_password=os.environ.get("CHITRA_KEYSTORE_PASSWORD", "chitra-demo-keystore"),
        export_workers=int(os.environ.get("CHITRA_EXPORT_WORKERS",
                                          max(0, min(os.cpu_count() or 1, 4) - 1))),
        compute_parts_from=int(os.environ.get("CHITRA_COMPUTE_PARTS_FROM", "200000")),
        status_appliers=int(os.environ.get("CHITRA_STATUS_APPLIERS", "2")),
        fault_export_crash_after_files=int(os.environ["CHITRA_FAULT_EXPORT_CRASH_AFTER_FILES"])
        if os.environ.get("CHITRA_FAULT_EXPORT_CRASH_AFTER_FILES") else None,
        fault_compute_crash_after_parts=int(os.environ["CHITRA_FAULT_COMPUTE_CRASH_AFTER_PARTS"])
        if os.environ.get("CHITRA_FAULT_COMPUTE_CRASH_AFTER_PARTS") else None,
    )


CONFIG = load()
