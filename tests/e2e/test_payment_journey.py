"""A payment cycle through the browser: the officer opens and computes it, an approver (in a
second browser) approves, the officer exports and reads the reconciliation. Real headless
Chromium (Playwright); tasks run at once (ImmediateBackend)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chitra.access.models import Role
from chitra.payments import services
from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD, make_demo_keystore
from chitra.payments.models import PaymentCycle, ProvincePaymentRule
from chitra.registry.models import Channel
from tests import factories as f
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    SCREENSHOTS,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
    open_menu,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("http_cookies")]
@pytest.fixture
def office(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    settings.KEYSTORE_PATH = make_demo_keystore(tmp_path / "office.p12")
    settings.KEYSTORE_PASSWORD = DEMO_KEYSTORE_PASSWORD
    ProvincePaymentRule.objects.create(
        province_code="12", debtor_name="BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU",
        debtor_account="8800201001234", debtor_agent_bic="VBAAVNVX")


def test_officer_and_approver_run_a_cycle_to_reconciliation(
        live_server, transactional_db, django_db_serialized_rollback, audit_cleared_after,
        office):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    approver = f.user(Role.BHXH_APPROVER, username="lanh.dao")
    f.beneficiary("Lò Văn Pọm", amount=3_100_000)
    f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  amount=4_200_000)
    f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT, provider_name="Agribank",
                  amount=5_000_000)
    running = services.open_cycle("12", date(2026, 12, 1), officer.username)
    PaymentCycle.objects.filter(pk=running.pk).update(
        progress_step="compute", progress_done=1, progress_total=4)
    with chromium() as browser:
        _journey(live_server.url, browser, officer.username, approver.username)
        _progress_bar_polls(live_server.url, browser, officer.username, running.pk)


def _login(browser, url: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    return context, page, errors


def _journey(url, browser, officer: str, approver: str) -> None:  # type: ignore[no-untyped-def]
    ctx_o, page, errors = _login(browser, url, officer)
    open_menu(page)
    page.click("#nav-payments")
    page.wait_for_url(f"{url}/payments/")
    page.fill("#id_period", "2026-11")
    page.click("#open-cycle button[type=submit]")
    page.wait_for_url(f"{url}/payments/*/")
    cycle_url = page.url
    assert page.locator("#cycle-status").inner_text() == "Mở"
    assert page.locator("#transfer-date").inner_text() == "02/11/2026"

    page.click("#btn-compute")
    page.wait_for_url(cycle_url)
    assert page.locator("#cycle-status").inner_text() == "Đã tính"
    assert page.locator("#total-count").inner_text() == "3"
    assert page.locator("#total-amount").inner_text() == "12.300.000 ₫"
    assert page.locator("#computed-by").inner_text().startswith(officer)
    assert page.locator("#btn-approve").is_disabled()  # an officer does not approve
    _no_horizontal_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "payment-cycle-detail-360.png"), full_page=True)

    ctx_a, second, errors_a = _login(browser, url, approver)
    second.goto(cycle_url)
    assert second.locator("#btn-approve").is_enabled()
    second.click("#btn-approve")  # opens the confirmation step
    second.click("#btn-approve-confirm")
    second.wait_for_url(cycle_url)
    assert second.locator("#cycle-status").inner_text() == "Đã duyệt"
    assert second.locator("#approved-by").inner_text().startswith(approver)
    ctx_a.close()

    page.reload()
    page.click("#btn-export")
    page.click("#btn-export-confirm")
    page.wait_for_url(cycle_url)
    assert page.locator("#cycle-status").inner_text() == "Đã xuất tệp"
    assert page.locator("#downloads .files tbody tr").count() == 2  # BIDV and Agribank
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "payment-cycle-exported-360.png"), full_page=True)

    page.click("#link-reconciliation")
    page.wait_for_url(f"{cycle_url}reconciliation/")
    assert page.locator("#rec-total-count").inner_text() == "3"
    assert page.locator("#rec-total-amount").inner_text() == "12.300.000 ₫"
    assert "Đã gửi" in page.locator("#rec-status").inner_text()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "payment-reconciliation-360.png"), full_page=True)
    assert not errors, errors  # no CSP violations, no missing assets
    assert not errors_a, errors_a
    ctx_o.close()


def _progress_bar_polls(url, browser, officer: str, cycle_id: int) -> None:  # type: ignore[no-untyped-def]
    """A step still running: the static script polls status.json and moves the bar."""
    context, page, errors = _login(browser, url, officer)
    with page.expect_response(f"**/payments/{cycle_id}/status.json", timeout=5000) as polled:
        page.goto(f"{url}/payments/{cycle_id}/")
    assert polled.value.json()["percent"] == 25
    assert page.locator("#task-progress").get_attribute("value") == "25"
    assert page.locator("#btn-compute").count() == 0  # no second compute while one runs
    assert not errors, errors
    context.close()
