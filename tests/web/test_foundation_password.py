"""Changing one's own password: Django's form with the configured validators, an audit entry."""

from __future__ import annotations

from django.test import Client

from chitra.core.models import AuditEntry
from tests import factories as f

URL = "/account/password/"
NEW = "Mùa-xuân-Lai-Châu-2026"


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _signs_in(username: str, password: str) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def test_the_page_is_linked_from_the_menu_and_in_vietnamese():
    client = _client(f.user())
    assert f'href="{URL}"' in client.get("/").content.decode()
    html = client.get(URL).content.decode()
    assert "Đổi mật khẩu" in html
    assert 'autocomplete="current-password"' in html


def test_a_wrong_old_password_is_refused_at_its_field():
    user = f.user()
    client = _client(user)
    response = client.post(URL, {"old_password": "sai-rồi", "new_password1": NEW,
                                 "new_password2": NEW})
    assert response.status_code == 200
    assert 'id="id_old_password-error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)
    assert not AuditEntry.objects.filter(action="password.change").exists()


def test_a_weak_new_password_is_refused():
    user = f.user()
    client = _client(user)
    for weak in ("12345678", "abc"):
        response = client.post(URL, {"old_password": f.PASSWORD, "new_password1": weak,
                                     "new_password2": weak})
        assert response.status_code == 200
        assert 'id="id_new_password2-error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(f.PASSWORD)


def test_a_change_keeps_the_session_and_the_old_password_stops_working():
    user = f.user()
    client = _client(user)
    response = client.post(URL, {"old_password": f.PASSWORD, "new_password1": NEW,
                                 "new_password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Đã đổi mật khẩu." in page.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not user.check_password(f.PASSWORD)
    assert not _signs_in(user.username, f.PASSWORD)
    assert _signs_in(user.username, NEW)
    entry = AuditEntry.objects.get(action="password.change")
    assert entry.actor == user.username
    assert entry.object_id == str(user.pk)
    assert "password" not in str(entry.after)


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
