"""The beneficiary page on a phone (issue 14): payment history, proxy letter and change
history are there, readable at 360 px without sideways scrolling, and the letter opens.
Real headless Chromium (Playwright), as in test_ward_journey."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from chitra.access.models import OrganizationKind, Role
from chitra.core import audit
from chitra.outreach import letters
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import Authorization, Channel
from tests import factories as f
from tests.e2e.test_ward_journey import PHONE, SCREENSHOTS, chromium
from tests.payments.factories import DEC, NOV, computed_cycle

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def http_cookies(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, format="PNG")
    return out.getvalue()


def _person():  # type: ignore[no-untyped-def]
    b = f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT,
                      account_number="88002051234567")
    computed_cycle(NOV)
    computed_cycle(DEC)
    PaymentItem.objects.filter(beneficiary=b, cycle__period=NOV).update(
        status=ItemStatus.REJECTED, reason_code="AC04",
        status_changed_at=datetime(2026, 11, 6, 3, tzinfo=UTC))
    PaymentItem.objects.filter(beneficiary=b, cycle__period=DEC).update(
        status=ItemStatus.PAID, status_changed_at=datetime(2026, 12, 2, 3, tzinfo=UTC))
    Authorization.objects.create(
        beneficiary=b, proxy_name="Nguyễn Thị Hoa Phượng", proxy_citizen_id="012190000123",
        proxy_relationship="Con gái", valid_from=date(2026, 1, 15), valid_to=date(2026, 12, 31),
        letter_path=letters.store_letter(letters.clean_letter(_png())), created_by="x")
    audit.record("system:seed_demo", "beneficiary.stop_payment", "beneficiary", b.pk,
                 before={"status": "active", "reason": ""},
                 after={"status": "suspended", "reason": "Chờ xác minh thông tin cư trú"})
    return b


def test_beneficiary_page_on_a_phone_shows_the_histories_and_opens_the_letter(
        live_server, transactional_db, django_db_serialized_rollback, http_cookies,
        audit_cleared_after, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    member = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET),
                    username="to.cong.tac")
    duc = _person()
    url = live_server.url
    with chromium() as browser:
        for viewport in (PHONE, DESKTOP):
            context = browser.new_context(viewport=viewport, locale="vi-VN",
                                          is_mobile=viewport is PHONE,
                                          has_touch=viewport is PHONE)
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text)
                    if m.type == "error" else None)
            page.goto(f"{url}/login/")
            page.fill("#id_username", member.username)
            page.fill("#id_password", f.PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(f"{url}/")
            page.goto(f"{url}/beneficiaries/{duc.pk}/")

            payments = page.locator("#payments")
            assert payments.is_visible()
            text = payments.inner_text()
            assert "12/2026" in text
            assert "11/2026" in text
            assert "Tài khoản đã đóng (AC04)" in text
            assert "02/12/2026" in text
            chips = payments.locator(".chip")
            paid = chips.filter(has_text="Đã chi").first
            rejected = chips.filter(has_text="Bị từ chối").first
            colour = "e => getComputedStyle(e).backgroundColor"
            assert paid.evaluate(colour) != rejected.evaluate(colour)

            proxies = page.locator("#authorizations")
            assert "Nguyễn Thị Hoa Phượng" in proxies.inner_text()
            assert "15/01/2026 – 31/12/2026" in proxies.inner_text()
            link = proxies.locator("a.letter-link")
            assert link.bounding_box()["height"] >= 44  # type: ignore[index]

            changes = page.locator("#changes")
            assert "Hệ thống" in changes.inner_text()
            assert "Chờ xác minh thông tin cư trú" in changes.inner_text()
            assert "system:" not in page.content()

            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"scrolls sideways: {width}px"
            assert not errors, errors  # no CSP violations, no missing assets
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"beneficiary-detail-{viewport['width']}.png"),
                            full_page=True)

            letter = context.request.get(f"{url}{link.get_attribute('href')}")
            assert letter.status == 200
            assert letter.headers["content-type"] == "image/png"
            context.close()
