"""Issue 4's journey on the demo data, on a phone, in real headless Chromium: the Đoàn Kết
work team runs a payment day (the day's list at a payment point, a contact there with a
referral, one contact recorded offline and sent when back online), Agribank opens the account
and delivers the card, the ward submits the method change, BHXH approves; the next cycle pays
the person by account, and after the bank's status file the campaign funnel counts them as
converted."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from chitra.access.models import User
from chitra.outreach.demo import seed_outreach_demo
from chitra.outreach.funnel import funnel
from chitra.outreach.models import PaymentSchedule
from chitra.outreach.worklist import worklist
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.iso20022.ids import end_to_end_id
from chitra.payments.models import PaymentFile, PaymentItem
from chitra.payments.status import ingest as reconcile
from chitra.registry.models import Channel
from chitra.registry.seeding import DEMO_PASSWORD, seed_demo
from tests import factories as f
from tests.e2e.test_payment_journey import office  # noqa: F401
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    SCREENSHOTS,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
    open_menu,
)
from tests.payments.status_files import pain002

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("http_cookies", "office", "audit_cleared_after")]
DEC = date(2026, 12, 1)
# The phone's entries (one queue per signed-in user: chitra.outreach.queue.<key>).
QUEUE = """(function () {
  for (var i = 0; i < localStorage.length; i += 1) {
    var k = localStorage.key(i);
    if (k.indexOf('chitra.outreach.queue.') === 0) { return JSON.parse(localStorage.getItem(k)); }
  }
  return [];
}())"""


def _demo_login(browser, url: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    return context, page, errors


def test_a_payment_day_turns_a_cash_recipient_into_a_cashless_one(
        live_server, transactional_db, django_db_serialized_rollback, tmp_path: Path):
    today = timezone.localdate()
    seed_demo("12", 400, 1, today)
    campaign = seed_outreach_demo("12", today)
    member, officer = User.objects.get(username="tct-doanket"), User.objects.get(username="officer")
    day = PaymentSchedule.objects.filter(ward_code=f.DOAN_KET).order_by("day", "id").first()
    expected = list(worklist(f.DOAN_KET, today, point_id=day.payment_point_id)[:2])
    assert len(expected) == 2, "the demo has cash recipients at the point"
    pom, may = expected
    point = day.payment_point
    cash_at_start = funnel(campaign, f.DOAN_KET).cash_at_start
    url = live_server.url

    with chromium() as browser:
        # 1. The ward team at the payment point: Pọm agrees and is referred to Agribank.
        ctx, page, errors = _demo_login(browser, url, member.username)
        open_menu(page)
        page.click("#nav-outreach")
        page.wait_for_url(f"{url}/outreach/")
        page.click(f'a[data-day="{day.pk}"]')  # the payment day's list at that point
        page.wait_for_url(f"{url}/outreach/?day={day.pk}")
        assert page.locator(f'tr[data-beneficiary="{pom.pk}"]').count() == 1
        _no_horizontal_scroll(page)
        page.click(f'tr[data-beneficiary="{pom.pk}"] a.primary')
        page.select_option("#id_place", "payment_point")
        page.select_option("#id_payment_point", str(point.pk))
        page.select_option("#id_outcome", "agreed")
        page.select_option("#id_provider", label="Agribank")
        _no_horizontal_scroll(page)
        page.click("#btn-save-contact")
        page.wait_for_url(f"{url}/outreach/")
        page.goto(f"{url}/outreach/?day={day.pk}")
        assert "Đồng ý mở tài khoản" in page.locator(
            f'tr[data-beneficiary="{pom.pk}"]').inner_text()

        # 2. Mẩy is not there; the phone has lost its connection when the entry is saved.
        page.click(f'tr[data-beneficiary="{may.pk}"] a.primary')
        page.select_option("#id_outcome", "not_present")
        page.click("#btn-save-contact")  # no payment point chosen: refused, said on the form
        page.wait_for_selector("#contact-error", state="visible")
        assert "điểm chi trả" in page.locator("#contact-error").inner_text()
        page.select_option("#id_payment_point", str(point.pk))
        ctx.set_offline(True)
        page.click("#btn-save-contact")
        page.wait_for_selector("#contact-offline-note", state="visible")
        queued = [e for e in page.evaluate(QUEUE) if e["_state"] == "local"]
        assert [e["outcome"] for e in queued] == ["not_present"]
        ctx.set_offline(False)  # back online: the queue is sent, once
        page.wait_for_url(f"{url}/outreach/")
        assert {e["_state"] for e in page.evaluate(QUEUE)} == {"sent"}
        page.click("#home-visits")  # missed at the point: now due for a home visit
        assert "Không có mặt" in page.locator(f'tr[data-beneficiary="{may.pk}"]').inner_text()
        page.screenshot(path=str(SCREENSHOTS / "outreach-worklist-360.png"), full_page=True)

        # 3. The bank opens the account (free card) and delivers the card.
        ctx_b, bank_page, errors_b = _demo_login(browser, url, "agribank")
        open_menu(bank_page)
        bank_page.click("#nav-referrals")
        row = "tr[data-referral] "
        bank_page.fill(f"{row}input[name=account_number]", "8800205123456")
        bank_page.check(f"{row}input[name=waives_card_fee]")
        bank_page.click(f"{row}button.primary")
        assert bank_page.locator("#confirm-account").inner_text() == "8800205123456"
        bank_page.click("#btn-confirm")  # each step is confirmed on its own page
        bank_page.click(f"{row}button.primary")  # now "card delivered"
        bank_page.click("#btn-confirm")
        assert "Đã giao thẻ" in bank_page.locator("#referrals").inner_text()
        _no_horizontal_scroll(bank_page)
        ctx_b.close()

        # 4. The ward submits the change; the form is filled from the opened account.
        page.goto(f"{url}/outreach/?day={day.pk}")
        page.click(f'tr[data-beneficiary="{pom.pk}"] a.secondary')
        assert page.input_value("#id_account_number") == "8800205123456"
        page.fill("#id_holder_name", pom.full_name)
        page.click("#btn-submit-change")
        page.wait_for_url(f"{url}/outreach/")

        # 5. BHXH checks and approves.
        ctx_a, bhxh, errors_a = _demo_login(browser, url, "approver")
        open_menu(bhxh)
        bhxh.click("#nav-method-changes")
        assert bhxh.locator("[data-problem]").count() == 0
        bhxh.click("#method-changes button[value=approve]")
        bhxh.wait_for_selector("#confirm-form")  # a decision is confirmed before it counts
        bhxh.click("#btn-confirm")
        open_menu(bhxh)
        bhxh.click("#nav-method-changes")
        bhxh.wait_for_selector("#changes-empty")
        _no_horizontal_scroll(bhxh)
        ctx_a.close()
        # The refused entry (400) and the offline attempt are expected; nothing else (no CSP
        # violation, no missing asset).
        expected = ("400 (Bad Request)", "ERR_INTERNET_DISCONNECTED")
        assert not [e for e in errors if not any(x in e for x in expected)], errors
        assert not errors_b, errors_b
        assert not errors_a, errors_a
        ctx.close()

    # 6. The next cycle pays Pọm by account; the bank confirms the credit.
    cycle = services.open_cycle("12", DEC, officer.username)
    services.compute_cycle(cycle.pk, officer.username)
    services.approve_cycle(cycle.pk, "approver")
    export.export_cycle(cycle.pk, officer.username, tmp_path / "out", cash_lists=False)
    item = PaymentItem.objects.get(cycle=cycle, beneficiary=pom)
    assert (item.channel, item.account_number) == (Channel.BANK_ACCOUNT, "8800205123456")
    msg = PaymentFile.objects.get(cycle=cycle, provider__short_name="Agribank").msg_id
    status = tmp_path / "pain002.xml"
    status.write_bytes(pain002(msg, [(end_to_end_id(DEC, item.pk), "ACSC", None, item.amount)]))
    assert not reconcile.ingest_status_file(status, officer).problems

    # 7. The funnel, on the BHXH screen, counts Pọm as converted — and only Pọm.
    with chromium() as browser:
        ctx_o, page, errors = _demo_login(browser, url, officer.username)
        page.goto(f"{url}/outreach/campaigns/{campaign.pk}/")
        row = page.locator(f'tr[data-ward="{f.DOAN_KET}"]')
        counts = {key: row.locator(f'td[data-key="{key}"]').inner_text()
                  for key in ("cash_at_start", "contacted", "agreed", "referred",
                              "account_opened", "switched", "converted")}
        assert counts == {"cash_at_start": str(cash_at_start), "contacted": "2", "agreed": "1",
                          "referred": "1", "account_opened": "1", "switched": "1",
                          "converted": "1"}
        _no_horizontal_scroll(page)
        page.screenshot(path=str(SCREENSHOTS / "outreach-funnel-360.png"), full_page=True)
        assert not errors, errors
        ctx_o.close()
