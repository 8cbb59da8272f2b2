"""The layout: navigation, language switch, no inline script or style (CSP), local assets."""

import re
from pathlib import Path

import pytest
from django.urls import NoReverseMatch, reverse

from chitra.access.models import Role
from tests import factories as f

WEB = Path(__file__).resolve().parents[2] / "src" / "chitra"
TEMPLATES = sorted([*WEB.glob("web/templates/**/*.html"),
                    *WEB.glob("registry/templates/registry/beneficiary_*.html")])


def test_nav_has_pages_user_org_and_a_post_logout(login):
    user = f.user(Role.BHXH_OFFICER)
    text = login(user).get("/").text
    assert 'href="/"' in text
    assert 'href="/beneficiaries/"' in text
    assert user.username in text
    assert user.organization.name in text
    assert re.search(r'<form class="logout" action="/logout/" method="post">', text)
    try:
        imports = reverse("import_upload")
    except NoReverseMatch:
        imports = None
    assert (imports is not None) == (imports is not None and f'href="{imports}"' in text)


def test_logout_is_post_only(login):
    client = login(f.user())
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_csp_header_forbids_inline_code(client):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_style_or_handlers(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text)
    assert not re.search(r"\son[a-z]+=", text)
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "external asset"


def test_static_assets_are_served_locally(client):
    text = client.get("/login/").text
    for url in re.findall(r'(?:href|src)="([^"]+\.(?:css|js|svg))"', text):
        assert url.startswith("/static/")
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content) if response.streaming else response.content


def test_navigation_shows_only_what_the_role_may_open(client):
    from chitra.access.models import Role
    from tests import factories as fx

    for role, imports, payments in [(Role.WARD_TEAM, False, False),
                                    (Role.BHXH_OFFICER, True, True),
                                    (Role.BANK_OPERATOR, False, True)]:
        client.force_login(fx.user(role))
        page = client.get("/").text
        assert ('href="/imports/"' in page) is imports, role
        assert ('id="nav-payments"' in page) is payments, role
