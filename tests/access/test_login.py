"""Login with lockout after repeated failures (django-axes: per username from any address; the
per-address throttle is in tests/security/test_login_and_headers.py)."""

from django.conf import settings

from tests import factories as f


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_correct_password_logs_in_and_lands_on_dashboard(client):
    user = f.user()
    response = _login(client, user.username, f.PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_the_form_again(client):
    user = f.user()
    response = _login(client, user.username, "sai")
    assert response.status_code == 200
    assert 'role="alert"' in response.text
    assert client.get("/").status_code == 302


def test_five_failures_lock_out_even_the_right_password(client):
    assert settings.AXES_FAILURE_LIMIT == 5
    user = f.user()
    for _ in range(5):
        _login(client, user.username, "sai")
    response = _login(client, user.username, f.PASSWORD)
    assert response.status_code == 429
    assert 'id="locked-out"' in response.text
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username(client):
    locked, other = f.user(), f.user()
    for _ in range(5):
        _login(client, locked.username, "sai")
    assert _login(client, other.username, f.PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client):
    user = f.user()
    for _ in range(4):
        _login(client, user.username, "sai")
    assert _login(client, user.username, f.PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        _login(client, user.username, "sai")
    assert _login(client, user.username, f.PASSWORD).status_code == 302


def test_logged_in_user_visiting_login_goes_to_dashboard(client):
    client.force_login(f.user())
    response = client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"
