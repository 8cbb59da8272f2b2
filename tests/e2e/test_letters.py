"""The ward's letters page on a phone and on a desktop (issue 14): Vietnamese, counts with
thousand separators, tap targets at least 44 px, no sideways scroll, and its PDF downloads
are real PDFs. Real headless Chromium (Playwright)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from chitra.access.models import OrganizationKind, Role
from chitra.registry.models import Beneficiary
from tests import factories as f

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}

pytestmark = pytest.mark.browser


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Chromium, started after the test data is written (as in test_ward_journey)."""
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
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def test_letters_page_on_phone_and_desktop(live_server, transactional_db,
                                           django_db_serialized_rollback, http_cookies,
                                           audit_cleared_after):
    ward = f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET,
                          name="UBND phường Đoàn Kết")
    member = f.user(Role.WARD_TEAM, ward, username="to.thu")
    point = f.payment_point()
    long = f.beneficiary("Nguyễn Thị Hoàng Phương Thảo Ngọc Bích Minh Châu Lan Anh")
    f.beneficiary("Lò Văn Pọm")
    Beneficiary.objects.filter(pk=long.pk).update(payment_point=point, phone="0912345678")
    with chromium() as browser:
        for viewport in (PHONE, DESKTOP):
            _visit(live_server.url, browser, member.username, viewport, long.pk)


def _visit(url, browser, username, viewport, person_id) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="vi-VN",
                                  is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(f"{url}/outreach/notices/letters/")

    assert page.inner_text("#letters-count") == "2 thư cho người nhận tiền mặt"
    assert page.inner_text("#sms-count") == "1 người có số điện thoại nhận tin nhắn"
    assert "Ông Nguyễn Thị Hoàng Phương" in page.inner_text("#letters")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the letters page scrolls sideways: {width}px"
    for link in page.locator("#notice-counts a, #letters a").all():
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= 44, (link.inner_text(), box)

    # The downloads are PDFs (fetched with the page's session).
    href = page.get_attribute("#link-letters-pdf", "href")
    assert href == "/outreach/notices/letters.pdf"
    ward_pdf = context.request.get(url + href)
    assert ward_pdf.ok
    assert ward_pdf.body().startswith(b"%PDF-")
    one = context.request.get(f"{url}/outreach/notices/letters/{person_id}.pdf")
    assert one.ok
    assert one.headers["content-type"] == "application/pdf"
    assert not errors, errors
    context.close()
