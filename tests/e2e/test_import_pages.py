"""Issue 14 in a real browser (headless Chromium, Playwright) on the import and account-change
pages: people shown by name ("Hệ thống" for the system), a decision confirmed on a second page
before it is recorded, at 360 px and on a desktop, nothing scrolling sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chitra.access.models import Organization, OrganizationKind, Role, User
from chitra.registry.models import (
    AccountChangeStatus,
    Channel,
    ImportJob,
    ImportStatus,
    PaymentAccount,
    PendingAccountChange,
)
from tests import factories as f
from tests.e2e.test_ward_journey import PHONE, SCREENSHOTS, chromium

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1366, "height": 900}
TAP = 44


@pytest.fixture
def http_cookies(settings) -> None:  # type: ignore[no-untyped-def]
    # The live server speaks plain http: secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _person(org: Organization, username: str, first: str, last: str,
            role: Role) -> User:
    user = f.user(role, org, username=username)
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _proposals(importer: str) -> list[PendingAccountChange]:
    """Two changes an import proposed: one to an account in the person's name, one to their
    daughter's (red: two approvers)."""
    changes = []
    for name, holder, number in (("Lò Văn Pọm", "", "123456789012"),
                                 ("Lò Thị Ín", "LO THI XA", "223456789012")):
        person = f.beneficiary(name)
        changes.append(PendingAccountChange.objects.create(
            beneficiary=person, channel=Channel.BANK_ACCOUNT, provider=f.provider("BIDV"),
            replaces=PaymentAccount.objects.get(beneficiary=person, valid_to__isnull=True),
            account_number=number, holder_name=holder or person.full_name, made_by=importer,
            made_at=timezone.now() - timedelta(hours=2)))
    return changes


def _login(browser, url: str, username: str, viewport):  # type: ignore[no-untyped-def]
    phone = viewport == PHONE
    context = browser.new_context(viewport=viewport, device_scale_factor=1, is_mobile=phone,
                                  has_touch=phone, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    return context, page, errors


def _fits(page, width: int) -> None:  # type: ignore[no-untyped-def]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll}px"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_approver_sees_names_and_confirms_before_deciding(
        viewport, live_server, transactional_db, django_db_serialized_rollback, http_cookies,
        audit_cleared_after):
    bhxh = f.organization(OrganizationKind.BHXH_PROVINCE, name="BHXH tỉnh Lai Châu")
    officer = _person(bhxh, "lc.nhap", "Lò Thị", "Hoa", Role.BHXH_OFFICER)
    approver = _person(bhxh, "lc.duyet", "Tòng Văn", "Minh", Role.BHXH_APPROVER)
    plain, red = _proposals(officer.username)
    job = ImportJob.objects.create(file_name="demo.csv", stored_path="",
                                   province_code=f.LAI_CHAU, created_by="system:seed_demo",
                                   status=ImportStatus.APPLIED, rows_total=12345)
    url = live_server.url
    with chromium() as browser:
        context, page, errors = _login(browser, url, approver.username, viewport)
        page.goto(f"{url}/imports/account-changes/")
        _fits(page, viewport["width"])
        shot = SCREENSHOTS / f"import-pages-{viewport['width']}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shot}-list.png", full_page=True)
        made_by = page.locator(f'tr[data-change="{plain.pk}"] .made-by')
        assert made_by.inner_text() == "Lò Thị Hoa"
        assert officer.username not in page.content()

        # Approve the red one, with a reason: a confirmation page first, nothing recorded.
        row = page.locator(f'tr[data-change="{red.pk}"]')
        row.locator('input[name="reason"]').fill("con gái nhận hộ")
        row.locator('button[value="approve"]').click()
        page.wait_for_selector("#confirm-form")
        _fits(page, viewport["width"])
        page.screenshot(path=f"{shot}-confirm.png", full_page=True)
        assert "lần duyệt thứ nhất" in page.locator("#confirm-warning").inner_text()
        assert page.locator("#confirm-made-by").inner_text().startswith("Lò Thị Hoa")
        assert page.input_value("#confirm-reason") == "con gái nhận hộ"
        for target in ("#btn-confirm", "#btn-back", "#confirm-reason"):
            assert page.locator(target).bounding_box()["height"] >= TAP, target
        assert PendingAccountChange.objects.get(pk=red.pk).status == \
            AccountChangeStatus.PENDING
        page.click("#btn-confirm")
        page.wait_for_url(f"{url}/imports/account-changes/")
        assert "cần một người duyệt khác" in page.locator(".messages").inner_text()
        assert PendingAccountChange.objects.get(pk=red.pk).status == \
            AccountChangeStatus.FIRST_APPROVED

        # Reject the other one, then go back from the confirmation: nothing happens.
        page.locator(f'tr[data-change="{plain.pk}"] button[value="reject"]').click()
        page.wait_for_selector("#confirm-form")
        page.click("#btn-back")
        page.wait_for_url(f"{url}/imports/account-changes/")
        assert PendingAccountChange.objects.get(pk=plain.pk).status == \
            AccountChangeStatus.PENDING

        # The import pages: the system by its name, counts with separators.
        page.goto(f"{url}/imports/")
        _fits(page, viewport["width"])
        assert "Hệ thống" in page.locator("main").inner_text()
        assert "system:" not in page.content()
        page.screenshot(path=f"{shot}-upload.png", full_page=True)
        page.goto(f"{url}/imports/{job.pk}/")
        _fits(page, viewport["width"])
        page.screenshot(path=f"{shot}-job.png", full_page=True)
        assert "Hệ thống" in page.locator("#import-by").inner_text()
        assert page.locator("#import-rows-total").inner_text() == "12.345"
        assert not errors, errors
        context.close()
