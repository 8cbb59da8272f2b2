"""Issue 11, hole 7: lock a username wherever the guesses come from, throttle an address that
sprays guesses over many usernames, audit every sign-in and sign-out, and the TLS headers a
production deployment behind a proxy turns on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client, RequestFactory

from chitra import config
from chitra.access.lockout import client_ip
from chitra.access.models import Role
from chitra.core.models import AuditEntry
from tests import factories as f

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.9"
PROXY = "10.0.0.2"


def _login(username: str, password: str, *, ip: str = ATTACKER, client: Client | None = None,
           **headers: str):
    return (client or Client()).post("/login/", {"username": username, "password": password},
                                     REMOTE_ADDR=ip, **headers)


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def _locked_out(response) -> bool:
    return response.status_code == 429 and 'id="locked-out"' in response.text


@pytest.fixture
def officer():
    return f.user(Role.BHXH_OFFICER)


@pytest.fixture
def colleague():
    return f.user(Role.WARD_TEAM)


# --- Lockout --------------------------------------------------------------------------------

def test_password_spraying_from_one_address_locks_that_address_only(officer, settings):
    assert settings.LOGIN_IP_FAILURE_LIMIT == 20  # the default
    for i in range(20):  # one guess per username: no username comes near its own limit
        _login(f"nguoi-dung-{i}", "mat-khau-pho-bien")
    assert _locked_out(_login(officer.username, f.PASSWORD))
    assert _signed_in(_login(officer.username, f.PASSWORD, ip=OFFICE))


def test_address_limit_follows_the_setting(officer, colleague, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for username in ("a", "b"):
        _login(username, "sai")
    assert _signed_in(_login(officer.username, f.PASSWORD))
    _login("c", "sai")
    _login("d", "sai")
    _login("e", "sai")
    assert _locked_out(_login(colleague.username, f.PASSWORD))


def test_an_attackers_own_account_does_not_reset_the_address_count(officer, colleague,
                                                                   settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    _login("a", "sai")
    _login("b", "sai")
    assert _signed_in(_login(colleague.username, f.PASSWORD))
    _login("c", "sai")
    assert _locked_out(_login(officer.username, f.PASSWORD))


def test_a_username_is_locked_whatever_address_the_guesses_come_from(officer, colleague, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for i in range(5):
        _login(officer.username, "sai", ip=f"192.0.2.{i + 1}")
    assert _locked_out(_login(officer.username, f.PASSWORD, ip=OFFICE))
    assert _signed_in(_login(colleague.username, f.PASSWORD, ip=OFFICE))


def test_a_forged_forwarded_for_does_not_escape_the_address_lock(officer, settings):
    assert settings.PROXY_COUNT == 0  # the default: no proxy, X-Forwarded-For is the client's
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for i in range(3):
        _login(f"u{i}", "sai", HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}")
    assert _locked_out(_login(officer.username, f.PASSWORD,
                              HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(officer, settings):
    settings.PROXY_COUNT = 1
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    for i in range(3):  # the client forges the left part; the proxy appends the real peer
        _login(f"u{i}", "sai", ip=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}, {ATTACKER}")
    assert _locked_out(_login(officer.username, f.PASSWORD, ip=PROXY,
                              HTTP_X_FORWARDED_FOR=ATTACKER))
    # Another office behind the same proxy still signs in.
    assert _signed_in(_login(officer.username, f.PASSWORD, ip=PROXY,
                             HTTP_X_FORWARDED_FOR=OFFICE))


@pytest.mark.parametrize(("count", "forwarded", "expected"), [
    (0, "192.0.2.1", PROXY),  # no proxy configured: the header is ignored
    (1, "192.0.2.1, 203.0.113.7", ATTACKER),  # right-most entry: added by our proxy
    (2, "192.0.2.1, 203.0.113.7, 10.0.0.1", ATTACKER),  # two proxies
    (2, "203.0.113.7", PROXY),  # fewer hops than proxies: the peer
    (1, "not-an-address", PROXY),
])
def test_client_address(settings, count, forwarded, expected):
    settings.PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- Audit of sign-in and sign-out ----------------------------------------------------------

def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_sign_in_is_audited_with_the_address(officer):
    user = officer
    _login(user.username, f.PASSWORD, ip=OFFICE)
    [entry] = _entries("login")
    assert (entry.actor, entry.object_type, entry.object_id) == (user.username, "user",
                                                                 str(user.pk))
    assert entry.after == {"ip": OFFICE}


def test_failed_sign_in_is_audited_with_the_username_tried(officer):
    _login(officer.username, "sai")
    _login("khong-ton-tai", "sai")
    entries = _entries("login.failed")
    assert [(e.actor, e.object_id) for e in entries] == [
        ("anonymous", officer.username), ("anonymous", "khong-ton-tai")]
    assert entries[0].after == {"ip": ATTACKER, "locked_out": False}
    assert not _entries("login")


def test_a_refused_sign_in_while_locked_is_audited_as_locked(officer):
    for _ in range(5):
        _login(officer.username, "sai")
    assert _locked_out(_login(officer.username, f.PASSWORD))
    assert _entries("login.failed")[-1].after == {"ip": ATTACKER, "locked_out": True}
    assert not _entries("login")


def test_sign_out_is_audited(colleague):
    client = Client()
    _login(colleague.username, f.PASSWORD, ip=OFFICE, client=client)
    client.post("/logout/", REMOTE_ADDR=OFFICE)
    [entry] = _entries("logout")
    assert (entry.actor, entry.object_id) == (colleague.username,
                                              str(colleague.pk))
    assert entry.after == {"ip": OFFICE}


def test_sign_out_without_a_session_writes_nothing():
    Client().post("/logout/")
    assert not _entries("logout")


# --- TLS headers ----------------------------------------------------------------------------

def test_no_hsts_no_proxy_header_no_redirect_by_default(client, settings):
    assert settings.SECURE_HSTS_SECONDS == 0
    assert settings.SECURE_PROXY_SSL_HEADER is None
    assert settings.SECURE_SSL_REDIRECT is False
    assert "Strict-Transport-Security" not in client.get("/login/", secure=True)
    assert client.get("/login/").status_code == 200
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
    assert not request.is_secure()


def test_hsts_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    response = Client().get("/login/", secure=True)  # the middleware reads settings when built
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_behind_a_tls_proxy_its_header_makes_the_request_secure(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    assert RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https").is_secure()
    assert not RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="http").is_secure()
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_ssl_redirect_sends_plain_http_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/login/", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    assert client.get("/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


# --- The settings as documented in the README -----------------------------------------------

NEW_VARIABLES = ("CHITRA_LOGIN_IP_FAILURE_LIMIT", "CHITRA_PROXY_COUNT", "CHITRA_HSTS_SECONDS",
                 "CHITRA_HSTS_INCLUDE_SUBDOMAINS", "CHITRA_PROXY_SSL_HEADER",
                 "CHITRA_SSL_REDIRECT", "CHITRA_LOGIN_FAILURE_LIMIT", "CHITRA_JOB_TIME_LIMIT")


def test_config_defaults(monkeypatch):
    for name in NEW_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    c = config.load()
    assert (c.login_failure_limit, c.login_ip_failure_limit, c.proxy_count) == (5, 20, 0)
    assert (c.hsts_seconds, c.hsts_include_subdomains) == (0, False)
    assert c.proxy_ssl_header is None
    assert c.ssl_redirect is False
    assert c.job_time_limit == 3600


def test_config_reads_the_production_settings(monkeypatch):
    monkeypatch.setenv("CHITRA_LOGIN_IP_FAILURE_LIMIT", "50")
    monkeypatch.setenv("CHITRA_PROXY_COUNT", "1")
    monkeypatch.setenv("CHITRA_HSTS_SECONDS", "31536000")
    monkeypatch.setenv("CHITRA_HSTS_INCLUDE_SUBDOMAINS", "1")
    monkeypatch.setenv("CHITRA_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    monkeypatch.setenv("CHITRA_SSL_REDIRECT", "yes")
    monkeypatch.setenv("CHITRA_JOB_TIME_LIMIT", "900")
    c = config.load()
    assert c.job_time_limit == 900
    assert (c.login_ip_failure_limit, c.proxy_count, c.hsts_seconds) == (50, 1, 31536000)
    assert c.hsts_include_subdomains is True
    assert c.proxy_ssl_header == ("HTTP_X_FORWARDED_PROTO", "https")
    assert c.ssl_redirect is True


@pytest.mark.parametrize("header", ["X Forwarded Proto", "X-Forwarded-Proto: https"])
def test_config_refuses_a_proxy_header_that_is_not_a_header_name(monkeypatch, header):
    monkeypatch.setenv("CHITRA_PROXY_SSL_HEADER", header)
    with pytest.raises(ValueError, match="CHITRA_PROXY_SSL_HEADER"):
        config.load()


def test_the_environment_reaches_django_settings(tmp_path):
    """The wiring config → settings, in a fresh interpreter as a deployment starts it."""
    env = {k: v for k, v in os.environ.items() if k not in NEW_VARIABLES}
    env.update(CHITRA_VAR_DIR=str(tmp_path), CHITRA_LOGIN_FAILURE_LIMIT="7",
               CHITRA_LOGIN_IP_FAILURE_LIMIT="40", CHITRA_PROXY_COUNT="2",
               CHITRA_HSTS_SECONDS="600", CHITRA_HSTS_INCLUDE_SUBDOMAINS="1",
               CHITRA_PROXY_SSL_HEADER="X-Forwarded-Proto", CHITRA_SSL_REDIRECT="1",
               CHITRA_JOB_TIME_LIMIT="120", DJANGO_SETTINGS_MODULE="chitra.settings")
    names = ["AXES_FAILURE_LIMIT", "LOGIN_IP_FAILURE_LIMIT", "PROXY_COUNT", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT",
             "CHITRA_JOB_TIME_LIMIT"]
    script = ("import json; from django.conf import settings; "
              f"print(json.dumps([getattr(settings, n) for n in {names!r}]))")
    out = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert json.loads(out) == [7, 40, 2, 600, True, ["HTTP_X_FORWARDED_PROTO", "https"], True,
                               120]
