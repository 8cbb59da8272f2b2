"""Payments screens on a phone (issue 14), in real headless Chromium at 360 px: approve,
export and close each ask for a confirmation first (no script: a disclosure panel), closing
with items still sent warns with the count and needs the box ticked; the cash lists are
grouped by day and payment point, and a day's zip downloads."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from chitra.access.models import Role
from chitra.payments import services
from chitra.payments.models import CycleStatus, PaymentCycle
from chitra.registry.models import Channel
from tests import factories as f
from tests.e2e.test_payment_journey import (  # noqa: F401 - office is a fixture
    _login,
    office,
)
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    SCREENSHOTS,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
)
from tests.payments.factories import NOV

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("http_cookies", "office")]


def _status(cycle_id: int) -> str:
    return PaymentCycle.objects.get(pk=cycle_id).status


def _tall_enough(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["height"] >= 44, f"{selector} is {box['height']}px tall"


def _not_sent_without_the_box(page, button: str, box: str) -> None:  # type: ignore[no-untyped-def]
    """Click ``button`` with the required ``box`` unticked: the browser keeps the form."""
    before = page.url
    posts: list[str] = []

    def sent(request) -> None:  # type: ignore[no-untyped-def]
        if request.method == "POST":
            posts.append(request.url)

    page.on("request", sent)
    page.click(button)
    page.wait_for_load_state()
    page.remove_listener("request", sent)
    assert page.locator(box).evaluate("e => e.validity.valueMissing") is True
    assert not page.locator(box).is_checked()
    assert page.url == before
    assert not posts, posts


def test_confirmation_steps_and_grouped_cash_lists_on_a_phone(
        live_server, transactional_db, django_db_serialized_rollback, audit_cleared_after,
        tmp_path: Path):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    approver = f.user(Role.BHXH_APPROVER, username="lanh.dao")
    point = f.payment_point()
    for name in ("Lò Văn Pọm", "Tẩn Thị Mẩy"):
        b = f.beneficiary(name, amount=3_100_000)
        b.payment_point = point
        b.save(update_fields=["payment_point"])
    f.beneficiary("Lường Thị Hoa", amount=2_000_000)  # paid at home
    f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  amount=5_000_000)
    cycle = services.open_cycle("12", NOV, officer.username)
    services.compute_cycle(cycle.pk, officer.username)
    with chromium() as browser:
        _approve(live_server.url, browser, approver.username, cycle.pk)
        _export_and_close(live_server.url, browser, officer.username, cycle.pk, point.name,
                          tmp_path)


def _approve(url, browser, username: str, cycle_id: int) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = _login(browser, url, username)
    page.goto(f"{url}/payments/{cycle_id}/")
    assert not page.locator("#btn-approve-confirm").is_visible()
    before = page.url
    page.click("#btn-approve")  # opens the confirmation, changes nothing yet
    page.wait_for_load_state()
    assert page.url == before
    assert page.locator("#btn-approve-confirm").is_visible()
    assert "4 khoản chi" in page.locator("#confirm-approve").inner_text()
    assert _status(cycle_id) == CycleStatus.COMPUTED
    _tall_enough(page, "#btn-approve")
    _tall_enough(page, "#btn-approve-confirm")
    _no_horizontal_scroll(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "payments-confirm-approve-360.png"), full_page=True)
    page.click("#btn-approve-confirm")
    page.wait_for_load_state()
    page.wait_for_selector("#cycle-status:has-text('Đã duyệt')")
    assert _status(cycle_id) == CycleStatus.APPROVED
    assert not errors, errors
    context.close()


def _export_and_close(url, browser, username: str, cycle_id: int, point_name: str,  # type: ignore[no-untyped-def]
                      tmp_path: Path) -> None:
    context, page, errors = _login(browser, url, username)
    page.goto(f"{url}/payments/{cycle_id}/")
    before = page.url
    page.click("#btn-export")  # opens the confirmation only
    page.wait_for_load_state()
    assert page.url == before
    assert _status(cycle_id) == CycleStatus.APPROVED
    page.click("#btn-export-confirm")
    page.wait_for_selector("#cycle-status:has-text('Đã xuất tệp')")

    # The cash lists: by day, each point by its name, a zip per day.
    days = page.locator("#downloads .cash-day")
    assert days.count() >= 1
    lists = page.locator("#downloads .cash-days").inner_text()
    assert point_name in lists
    assert "Chi trả tại nhà" in lists
    assert "tien-mat-" not in lists
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "payments-cash-lists-360.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#downloads .cash-day a[data-zip]").first.click()
    saved = tmp_path / "day.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as z:
        assert any(n.endswith(".pdf") for n in z.namelist())
        assert any(n.endswith(".xlsx") for n in z.namelist())

    # Closing with every item still sent: the warning with the count, and the box to tick.
    page.click("#btn-close")
    warning = page.locator("#close-open-items")
    assert warning.is_visible()
    assert warning.inner_text() == "Còn 4 giao dịch chưa có kết quả."
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "payments-confirm-close-360.png"), full_page=True)
    _not_sent_without_the_box(page, "#btn-close-confirm", "#close-with-open")
    assert _status(cycle_id) == CycleStatus.EXPORTED
    page.check("#close-with-open")
    _tall_enough(page, "label[for=close-with-open]")
    page.click("#btn-close-confirm")
    page.wait_for_selector("#cycle-status:has-text('Đã đóng')")
    assert _status(cycle_id) == CycleStatus.CLOSED
    assert not errors, errors
    context.close()
