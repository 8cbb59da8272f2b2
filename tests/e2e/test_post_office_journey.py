"""The post office's payment day on a phone (issue 13 point 5), in real headless Chromium at
360 px: download the cash list, open the payment-day screen, lose the network, tick paid /
absent / deceased, reload without network and still see the list and the ticks, come back
online, send, log out (nothing of the day stays on the phone), and find the counts on the
reconciliation page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chitra.access.models import Role
from chitra.payments import cashform, services
from chitra.payments.models import (
    ExceptionKind,
    ItemStatus,
    PaymentItem,
    StatusException,
)
from chitra.registry.models import Beneficiary, BeneficiaryStatus
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
    open_menu,
)
from tests.payments.factories import NOV

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("http_cookies")]

PEOPLE = (("Lò Văn Pọm", 3_100_000), ("Tẩn Thị Mẩy", 1_234_567), ("Vàng A Sử", 2_000_000))
CACHE = "chitra-payment-day-v1"
MARK_KEYS = ("Object.keys(localStorage).filter(function (k) {"
             " return k.indexOf('chitra.paymentday.') === 0; }).sort()")


@pytest.mark.usefixtures("office")
def test_post_office_pays_a_day_offline_and_syncs(
        live_server, transactional_db, django_db_serialized_rollback, audit_cleared_after):
    clerk = f.user(Role.POST_OFFICE_OPERATOR, username="buu.dien")
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    point = f.payment_point()
    for name, amount in PEOPLE:
        b = f.beneficiary(name, amount=amount)
        b.payment_point = point
        b.save(update_fields=["payment_point"])
    cycle = services.open_cycle("12", NOV, officer.username)
    services.compute_cycle(cycle.pk, officer.username)
    services.approve_cycle(cycle.pk, "lanh.dao")
    services.export_cycle(cycle.pk, officer.username)  # with the cash lists
    items = {i.full_name: i for i in PaymentItem.objects.filter(cycle=cycle)}
    day = items["Lò Văn Pọm"].payment_date
    with chromium() as browser:
        _journey(live_server.url, browser, clerk.username, officer.username, cycle.pk,
                 point.pk, day, items)
    assert PaymentItem.objects.get(pk=items["Lò Văn Pọm"].pk).status == ItemStatus.PAID
    assert (PaymentItem.objects.get(pk=items["Tẩn Thị Mẩy"].pk).reason_code,
            PaymentItem.objects.get(pk=items["Vàng A Sử"].pk).reason_code) == (
                "ABSENT", cashform.DECEASED)
    # A death the post office reports is held for BHXH to confirm.
    assert Beneficiary.objects.get(
        pk=items["Vàng A Sử"].beneficiary_id).status == BeneficiaryStatus.ACTIVE
    assert StatusException.objects.get(
        item=items["Vàng A Sử"]).kind == ExceptionKind.DEATH_REPORTED


def _journey(url, browser, clerk, officer, cycle_id, point_id, day, items) -> None:  # type: ignore[no-untyped-def]
    ctx, page, errors = _login(browser, url, clerk)
    page.goto(f"{url}/payments/")
    page.wait_for_url(f"{url}/payments/files/")
    _no_horizontal_scroll(page)

    # The cash list of the point and day, as the post office prints it.
    with page.expect_download() as got:
        page.click(f'#cash-lists a[href$="DCT{point_id}-{day:%Y%m%d}.xlsx"]')
    assert got.value.suggested_filename == f"tien-mat-{day:%Y-%m}-DCT{point_id}-{day:%Y%m%d}.xlsx"
    sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()), read_only=True).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert all(any(name in c for c in cells) for name in items)

    page.click(f"#payment-day-{cycle_id}")
    page.wait_for_url(f"{url}/payments/payment-day/{cycle_id}/")
    _no_horizontal_scroll(page)
    screen = f"{url}/payments/payment-day/{cycle_id}/{point_id}/{day:%Y-%m-%d}/"
    page.click(f'a[href="{screen.removeprefix(url)}"]')
    page.wait_for_url(screen)
    page.wait_for_selector('#payment-day[data-offline-ready="1"]')  # kept for offline use
    assert page.locator(".pd-person").count() == 3
    assert page.locator("#pd-hand-back").inner_text() == "6.334.567 ₫"
    _no_horizontal_scroll(page)

    # No network at the payment point: nothing may reach the server until it is back.
    reached: list[str] = []
    # (Assets may come from the browser's HTTP cache; the page must come from the kept copy.)
    ctx.on("requestfinished", lambda r: None if r.response().from_service_worker
           or "/static/" in r.url else reached.append(r.url))
    ctx.set_offline(True)
    assert page.locator("#pd-online").inner_text() == "Mất mạng"
    pom, may, su = (f"#pd-item-{items[n].pk}" for n in ("Lò Văn Pọm", "Tẩn Thị Mẩy", "Vàng A Sử"))
    page.click(f"{pom} .pd-paid")
    page.click(f'{may} .pd-not[data-reason="absent"]')
    page.click(f'{su} .pd-not[data-reason="deceased"]')
    for who in (pom, may, su):
        assert page.locator(f"{who} .pd-state").get_attribute("data-state") == "local"
    assert "Đã lưu trên máy" in page.locator(f"{pom} .pd-state").inner_text()
    assert page.locator("#pd-paid").inner_text() == "1"
    assert page.locator("#pd-hand-back").inner_text() == "3.234.567 ₫"
    box = page.locator(f"{pom} .pd-paid").bounding_box()
    assert box is not None
    assert box["height"] >= 44

    # Search without accents.
    page.fill("#pd-search", "tan thi may")
    assert page.locator(".pd-person:visible").count() == 1
    page.fill("#pd-search", "")

    # A reload without network still shows the list and the ticks; marks of a day left
    # untouched for over a week are dropped.
    page.evaluate("localStorage.setItem('chitra.paymentday.1-1-20250101', JSON.stringify("
                  "{marks: {}, at: Date.now() - 8 * 24 * 3600 * 1000}))")
    page.reload()
    page.wait_for_selector(".pd-person")
    assert page.locator(".pd-person").count() == 3
    assert page.locator(f"{su} .pd-state").get_attribute("data-state") == "local"
    assert "đã chết" in page.locator(f"{su} .pd-state").inner_text()
    assert page.locator("#pd-pending").inner_text().startswith("3 ")
    assert page.evaluate(MARK_KEYS) == [f"chitra.paymentday.{cycle_id}-{point_id}-{day:%Y%m%d}"]
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "payment-day-offline-360.png"), full_page=True)

    # Cash handed back that does not match blocks the closing until it is explained.
    page.fill("#pd-cash", "3.000.000")
    assert "Thiếu 234.567 ₫" in page.locator("#pd-cash-check").inner_text()
    assert page.locator("#pd-close-btn").is_disabled()
    page.fill("#pd-cash", "3234567")
    assert page.locator("#pd-close-btn").is_enabled()

    assert page.evaluate("navigator.onLine") is False
    page.wait_for_timeout(3500)  # longer than the page waits after a tick before sending
    assert not [u for u in reached if u.startswith(url)], reached

    # Back online: the ticks go, once, and each says so.
    ctx.set_offline(False)
    page.click("#pd-sync")  # the page also sends by itself when the network is back
    for who in (pom, may, su):
        page.wait_for_selector(f'{who} .pd-state[data-state="sent"]')
    assert "Đã gửi" in page.locator(f"{pom} .pd-state").inner_text()
    page.click("#pd-close-btn")
    page.wait_for_selector('#payment-day:not([data-closed=""])')
    page.reload()
    assert "Đã chốt bởi" in page.locator("#pd-closed-note").inner_text()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "payment-day-synced-360.png"), full_page=True)
    # Failed loads while offline are expected; nothing else (no CSP violation, no 404).
    assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e], errors

    # Logging out with a mark not sent yet asks first; "no" keeps the officer signed in.
    key = f"chitra.paymentday.{cycle_id}-{point_id}-{day:%Y%m%d}"
    page.evaluate(f"""(function () {{
        var s = JSON.parse(localStorage.getItem('{key}'));
        s.marks['0'] = {{ id: 'x', item: 0, result: 'paid', state: 'local' }};
        localStorage.setItem('{key}', JSON.stringify(s)); }}())""")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    open_menu(page)
    page.click("form.logout button[type=submit]")
    page.wait_for_timeout(300)
    assert len(asked) == 1
    assert "chưa gửi" in asked[0]
    assert page.url == screen
    assert page.evaluate(MARK_KEYS) == [key]

    # Logging out (from a page without the payment-day script: the server's Clear-Site-Data
    # alone) leaves no kept page, no mark and no offline worker on the phone.
    page.goto(f"{url}/payments/files/")
    assert page.evaluate(f"caches.has('{CACHE}')") is True
    assert page.evaluate(MARK_KEYS) != []
    open_menu(page)
    page.click("form.logout button[type=submit]")
    page.wait_for_url(f"{url}/login/")
    assert page.evaluate(f"caches.has('{CACHE}')") is False
    assert page.evaluate(MARK_KEYS) == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations()"
                         ".then(function (r) { return r.length; })") == 0
    ctx.close()

    # BHXH sees the result on the reconciliation page.
    ctx_o, bhxh, errors_o = _login(browser, url, officer)
    bhxh.goto(f"{url}/payments/{cycle_id}/reconciliation/")
    paid = bhxh.locator('#rec-status tr[data-status="paid"] td.num').first.inner_text()
    rejected = bhxh.locator('#rec-status tr[data-status="rejected"] td.num').first.inner_text()
    assert (paid, rejected) == ("1", "2")
    _no_horizontal_scroll(bhxh)
    assert not errors_o, errors_o
    ctx_o.close()
