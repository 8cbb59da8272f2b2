"""A ward team member on a phone: log in, find a beneficiary without typing accents, open
them, and be refused another ward's beneficiary. Real headless Chromium (Playwright)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chitra.access.models import OrganizationKind, Role
from tests import factories as f

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = pytest.mark.browser


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Chromium. Start it only after the test data is written: Playwright's sync API
    switches greenlets, and ORM calls made meanwhile would open a connection of their own."""
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium); "
                    "the browser test must run, it is not skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def http_cookies(settings) -> None:  # type: ignore[no-untyped-def]
    # The live server speaks plain http: secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def open_menu(page) -> None:  # type: ignore[no-untyped-def]
    """On a phone the navigation folds behind the Menu button: open it (once)."""
    toggle = page.locator("#nav-toggle")
    if toggle.is_visible() and page.locator("#nav-menu[open]").count() == 0:
        toggle.click()


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


def test_ward_user_finds_and_opens_a_beneficiary_on_a_phone(
        live_server, transactional_db, django_db_serialized_rollback, http_cookies,
        audit_cleared_after):
    ward = f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET,
                          name="UBND phường Đoàn Kết")
    member = f.user(Role.WARD_TEAM, ward, username="to.cong.tac")
    duc = f.beneficiary("Nguyễn Văn Đức", bhxh_code="1234567890")
    f.beneficiary("Lò Thị Mai")
    other = f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG)
    with chromium() as browser:
        _journey(live_server.url, browser, member.username, duc, other)


def _journey(url, browser, username, duc, other) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{url}/")
    assert "/login/" in page.url
    _no_horizontal_scroll(page)
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    assert page.locator("#kpi-beneficiaries").inner_text() == "2"
    _no_horizontal_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "ward-dashboard-360.png"), full_page=True)

    open_menu(page)
    page.click("nav >> text=Người hưởng")
    page.fill("#id_q", "nguyen van duc")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/beneficiaries/?**")
    rows = page.locator("#beneficiaries tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("a").inner_text() == "Nguyễn Văn Đức"
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "ward-search-360.png"), full_page=True)

    rows.first.locator("a").click()
    page.wait_for_url(f"**/beneficiaries/{duc.pk}/")
    assert page.locator("#citizen-id").inner_text() == duc.citizen_id
    assert "5.250.000 ₫" in page.locator("#benefits").inner_text()
    _no_horizontal_scroll(page)
    assert not errors, errors  # no CSP violations, no missing assets
    page.screenshot(path=str(SCREENSHOTS / "ward-beneficiary-detail-360.png"), full_page=True)

    page.click("form.lang button[value=en]")  # the language switch works without script
    page.wait_for_url(f"**/beneficiaries/{duc.pk}/")
    assert page.locator("h2", has_text="Payment account history").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    _no_horizontal_scroll(page)

    response = page.goto(f"{url}/beneficiaries/{other.pk}/")
    assert response is not None
    assert response.status == 404
    assert page.locator("#not-found").is_visible()
    assert "Tao Văn Sơn" not in page.content()
    _no_horizontal_scroll(page)
    context.close()
