"""The environment the README documents is the environment `config.py` reads (STYLE §7):
every variable in the README's table, each read into the setting it names, and
``CHITRA_VAR_DIR`` holding what the system keeps on disk."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chitra import config

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()

# Crash points for the test suite, read by config.py but not for operators: the README says
# so under the table (they are tested by the crash tests, tests/payments/test_processes.py).
TEST_ONLY = ("CHITRA_TEST_", "CHITRA_FAULT_")

# variable → (value set, Config field, what the field holds then).
READS: dict[str, tuple[str, str, Any]] = {
    "CHITRA_VAR_DIR": ("{tmp}/elsewhere", "var_dir", Path("{tmp}/elsewhere")),
    "DATABASE_URL": ("postgresql://chitra@db:5432/chitra", "database_url",
                     "postgresql://chitra@db:5432/chitra"),
    "CHITRA_SECRET_KEY": ("not-the-generated-one", "secret_key", "not-the-generated-one"),
    "CHITRA_DEBUG": ("1", "debug", True),
    "CHITRA_ALLOWED_HOSTS": ("chitra.bhxh.vn, 10.0.0.5", "allowed_hosts",
                             ("chitra.bhxh.vn", "10.0.0.5")),
    "CHITRA_INSECURE_HTTP": ("yes", "secure_cookies", False),
    "CHITRA_LOGIN_FAILURE_LIMIT": ("7", "login_failure_limit", 7),
    "CHITRA_LOGIN_IP_FAILURE_LIMIT": ("40", "login_ip_failure_limit", 40),
    "CHITRA_PROXY_COUNT": ("2", "proxy_count", 2),
    "CHITRA_HSTS_SECONDS": ("31536000", "hsts_seconds", 31536000),
    "CHITRA_HSTS_INCLUDE_SUBDOMAINS": ("on", "hsts_include_subdomains", True),
    "CHITRA_PROXY_SSL_HEADER": ("X-Forwarded-Proto", "proxy_ssl_header",
                                ("HTTP_X_FORWARDED_PROTO", "https")),
    "CHITRA_SSL_REDIRECT": ("true", "ssl_redirect", True),
    "DATABASE_REPLICA_URL": ("postgresql://reader@replica/chitra", "replica_database_url",
                             "postgresql://reader@replica/chitra"),
    "CHITRA_KEYSTORE_PATH": ("{tmp}/office.p12", "keystore_path", Path("{tmp}/office.p12")),
    "CHITRA_KEYSTORE_PASSWORD": ("office-secret", "keystore_password", "office-secret"),
    "CHITRA_EXPORT_WORKERS": ("0", "export_workers", 0),
    "CHITRA_COMPUTE_PARTS_FROM": ("1000", "compute_parts_from", 1000),
    "CHITRA_JOB_TIME_LIMIT": ("900", "job_time_limit", 900),
    "CHITRA_STATUS_APPLIERS": ("3", "status_appliers", 3),
    "CHITRA_HOTLINE": (" 0213  3876 543 ", "hotline", "0213 3876 543"),
    "CHITRA_OFFICE_ADDRESS": ("Số 5, đường Trần Hưng Đạo,\n phường Đoàn Kết", "office_address",
                              "Số 5, đường Trần Hưng Đạo, phường Đoàn Kết"),
    "CHITRA_POPULATION_URL": (" https://popdb.example.gov.vn/api ", "population_url",
                              "https://popdb.example.gov.vn/api"),
    "CHITRA_POPULATION_TOKEN": ("s3cret-token\n", "population_token", "s3cret-token"),
    "CHITRA_POPULATION_SIMULATOR": ("1", "population_simulator", True),
}


def read_by_config() -> set[str]:
    """The variable names config.py reads: its string constants that look like one."""
    tree = ast.parse(Path(config.__file__).read_text())
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.fullmatch(r"(CHITRA|DATABASE)_[A-Z0-9_]*", n.value)}


def in_readme_table() -> set[str]:
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, re.MULTILINE))


def test_every_variable_config_reads_is_in_the_readme_table():
    operator = {v for v in read_by_config() if not v.startswith(TEST_ONLY)}
    assert operator == in_readme_table()


def test_the_test_only_variables_are_named_under_the_table_as_such():
    for name in read_by_config() - in_readme_table():
        assert name.startswith(TEST_ONLY)
        assert f"`{name}`" in README or f"`{name}*`" in README, name


def test_every_variable_in_the_table_is_checked_here():
    assert set(READS) == in_readme_table()


@pytest.mark.parametrize("name", sorted(READS))
def test_each_variable_reaches_its_setting(name, monkeypatch, tmp_path):
    tmp_path = tmp_path.resolve()
    monkeypatch.setenv("CHITRA_VAR_DIR", str(tmp_path / "var"))
    value, field, expected = READS[name]
    monkeypatch.setenv(name, value.format(tmp=tmp_path))
    if isinstance(expected, Path):
        expected = Path(str(expected).format(tmp=tmp_path))
    assert getattr(config.load(), field) == expected


SHOW = """
import json
from django.conf import settings
from django.core.files.storage import default_storage
from chitra.payments.export.signing import configured_keystore
print(json.dumps({
    "database": str(settings.DATABASES["default"]["NAME"]),
    "secret_key": settings.SECRET_KEY,
    "media": str(settings.MEDIA_ROOT),
    "storage": str(default_storage.location),
    "static": str(settings.STATIC_ROOT),
    "keystore": str(configured_keystore()[0]),
}))
"""


def test_var_dir_holds_the_database_secret_key_media_and_keys(tmp_path):
    """In a fresh interpreter, as a deployment starts: nothing set but CHITRA_VAR_DIR."""
    var = tmp_path.resolve() / "chitra-var"
    env = {k: v for k, v in os.environ.items()
           if k not in READS and not k.startswith(TEST_ONLY)}
    env.update(CHITRA_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="chitra.settings")
    out = subprocess.run([sys.executable, "-c", SHOW], env=env, check=True,
                         capture_output=True, text=True, cwd=tmp_path).stdout
    shown = json.loads(out.strip().splitlines()[-1])

    assert shown["database"] == str(var / "chitra.sqlite3")
    assert shown["secret_key"] == (var / "secret_key").read_text().strip()
    assert (var / "secret_key").stat().st_mode & 0o777 == 0o600
    assert shown["media"] == shown["storage"] == str(var / "media")
    assert shown["static"] == str(var / "static")
    assert shown["keystore"] == str(var / "keys" / "bhxh-demo.p12")


@pytest.mark.parametrize("url", ["ftp://popdb.example/", "popdb.example.gov.vn",
                                 "https://popdb example/", "javascript:alert(1)"])
def test_a_population_url_that_is_not_http_is_refused(url, monkeypatch):
    monkeypatch.setenv("CHITRA_POPULATION_URL", url)
    with pytest.raises(ValueError, match="CHITRA_POPULATION_URL"):
        config.load()


def test_jit_is_turned_off_for_postgresql_only_and_what_the_url_said_is_kept():
    from chitra.settings import without_jit

    pg = "django.db.backends.postgresql"
    assert without_jit({"ENGINE": pg})["OPTIONS"] == {"options": "-c jit=off"}
    assert without_jit({"ENGINE": pg, "OPTIONS": {"options": "-c search_path=x"}})[
        "OPTIONS"]["options"] == "-c search_path=x -c jit=off"
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {"init_command": "x"}}
    assert without_jit(dict(sqlite)) == sqlite


def test_postgresql_connections_do_not_compile_queries(db):
    """JIT compiled a ward's per-person lookups for 1 s that then ran in 0.1 s."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone() == ("off",)
