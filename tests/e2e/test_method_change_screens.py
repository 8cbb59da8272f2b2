"""Issue 14 in a real browser (headless Chromium, Playwright): the method-change form keeps
every value and shows every error at its field, on a 360 px phone and at 1366 px; inputs are
44 px tall and nothing scrolls sideways; BHXH refuses only with a reason and confirms before
a decision is recorded; the bank's desk shows what KYC needs and confirms each step."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from chitra.access.models import Role
from chitra.outreach import services
from chitra.outreach.models import ChangeStatus, MethodChange, Referral, ReferralStatus
from chitra.registry.models import Channel
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


def _page(browser, url: str, username: str, viewport=PHONE):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                  is_mobile=viewport == PHONE, has_touch=viewport == PHONE,
                                  locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    # A form sent back with its errors answers 400 (bad input), which Chromium logs too;
    # anything else (a CSP violation, a missing asset) is a failure.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and "status of 400" not in m.text else None)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    return context, page, errors


def _no_sideways_scroll(page, width: int = PHONE["width"]) -> None:  # type: ignore[no-untyped-def]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll}px"


def _short_targets(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Visible elements matching ``selector`` shorter than a thumb (44 px)."""
    return page.evaluate("""([sel, tap]) => [...document.querySelectorAll(sel)]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.id || e.name || e.textContent.trim().slice(0, 30),
                   e.getBoundingClientRect().height])
        .filter(([_n, h]) => h < tap).map(([n, h]) => `${n}: ${h}px`)""", [selector, TAP])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1366"])
def test_the_change_form_keeps_values_and_shows_both_errors(
        live_server, transactional_db, django_db_serialized_rollback, http_cookies,
        audit_cleared_after, viewport):
    ward = f.user(Role.WARD_TEAM, username="to.cong.tac")
    pom = f.beneficiary("Lò Văn Pọm")
    agribank = f.provider("Agribank").pk
    width = viewport["width"]
    with chromium() as browser:
        context, page, errors = _page(browser, live_server.url, ward.username, viewport)
        page.goto(f"{live_server.url}/outreach/change/{pom.pk}/")
        assert not _short_targets(page, "#method-change-form .field-input, "
                                        "#method-change-form button")
        _no_sideways_scroll(page, width)
        box = page.locator("#proxy").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width
        page.select_option("#id_channel", "bank_account")
        page.select_option("#id_provider", str(agribank))
        page.fill("#id_account_number", "12ab")
        page.fill("#id_holder_name", "LO THI IN")
        page.fill("#id_proxy_name", "Lò Thị Ín")
        page.fill("#id_proxy_relation", "con gái")
        page.fill("#id_proxy_from", "hôm nay")
        page.fill("#id_proxy_to", f"{timezone.localdate() + timedelta(days=200):%d/%m/%Y}")
        page.click("#btn-submit-change")
        page.wait_for_selector("#error-summary")
        assert page.locator("#id_account_number_error").is_visible()
        assert "chữ số" in page.locator("#id_account_number_error").inner_text()
        assert page.locator("#id_proxy_from_error").is_visible()
        assert page.locator("#error-summary a[href='#id_account_number']").count() == 1
        assert page.locator("#error-summary a[href='#id_proxy_from']").count() == 1
        assert page.locator("#letter-again").is_visible()  # the photo must be chosen again
        assert page.input_value("#id_account_number") == "12ab"
        assert page.input_value("#id_proxy_name") == "Lò Thị Ín"
        assert page.input_value("#id_proxy_relation") == "con gái"
        assert page.input_value("#id_proxy_from") == "hôm nay"
        assert page.input_value("#id_channel") == "bank_account"
        assert page.input_value("#id_provider") == str(agribank)
        # each error is next to its field: right under the input, in its column
        for name in ("account_number", "proxy_from"):
            field = page.locator(f"#id_{name}").bounding_box()
            error = page.locator(f"#id_{name}_error").bounding_box()
            assert field, name
            assert error, name
            assert 0 <= error["y"] - (field["y"] + field["height"]) < 30, name
            assert abs(error["x"] - field["x"]) < 20, name
        assert not _short_targets(page, "#method-change-form .field-input, "
                                        "#method-change-form button")
        _no_sideways_scroll(page, width)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"method-change-errors-{width}.png"),
                        full_page=True)
        assert not errors, errors
        context.close()
    assert not MethodChange.objects.exists()


def test_bhxh_refuses_only_with_a_reason_and_confirms_every_decision(
        live_server, transactional_db, django_db_serialized_rollback, http_cookies,
        audit_cleared_after):
    ward = f.user(Role.WARD_TEAM)
    approver = f.user(Role.BHXH_APPROVER, username="duyet.vien")
    changes = [services.submit_method_change(
        ward, f.beneficiary(name).pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number=number, holder_name=name)
        for name, number in (("Lò Văn Pọm", "8800205123456"), ("Tao Thị Mai", "8800205654321"))]
    refused, approved = changes
    with chromium() as browser:
        context, page, errors = _page(browser, live_server.url, approver.username)
        page.goto(f"{live_server.url}/outreach/changes/{refused.pk}/")
        _no_sideways_scroll(page)
        assert not _short_targets(page, "#decide-form button, #decide-form .field-input")
        page.click("#btn-reject")  # no reason
        page.wait_for_selector("#id_note_error")
        assert "lý do" in page.locator("#id_note_error").inner_text()
        page.fill("#id_note", "Sai số tài khoản")
        page.click("#btn-reject")
        page.wait_for_selector("#confirm-form")
        assert page.locator("#confirm-title").inner_text() == "Xác nhận không duyệt"
        assert page.locator("#confirm-note").inner_text() == "Sai số tài khoản"
        _no_sideways_scroll(page)
        assert not _short_targets(page, "#confirm-form button, #confirm-form a")
        page.click("#btn-confirm")
        page.wait_for_url("**/outreach/changes/")
        context.close()

        context, page, errors2 = _page(browser, live_server.url, approver.username, DESKTOP)
        page.goto(f"{live_server.url}/outreach/changes/{approved.pk}/")
        page.click("#btn-approve")
        page.wait_for_selector("#confirm-form")
        assert page.locator("#confirm-title").inner_text() == "Xác nhận duyệt"
        page.click("#btn-back")  # changed their mind: nothing recorded
        page.wait_for_url(f"**/outreach/changes/{approved.pk}/")
        page.click("#btn-approve")
        page.click("#btn-confirm")
        page.wait_for_url("**/outreach/changes/")
        assert "changes-empty" in page.content()
        _no_sideways_scroll(page, DESKTOP["width"])
        assert not errors + errors2, errors + errors2
        context.close()
    decided = {c.pk: c for c in MethodChange.objects.all()}
    assert (decided[refused.pk].status, decided[refused.pk].decision_note) == (
        ChangeStatus.REJECTED, "Sai số tài khoản")
    assert decided[approved.pk].status == ChangeStatus.APPROVED


def test_the_bank_desk_shows_kyc_and_confirms_on_a_phone(
        live_server, transactional_db, django_db_serialized_rollback, http_cookies,
        audit_cleared_after):
    bank = f.user(Role.BANK_OPERATOR, username="agribank.laichau")
    person = f.beneficiary("Lò Văn Pọm", dob=date(1950, 2, 3))
    person.phone = "0912345678"
    person.save(update_fields=["phone"])
    referral = Referral.objects.create(
        beneficiary=person, provider=f.provider("Agribank"), ward_code=person.ward_code,
        deadline=timezone.localdate() + timedelta(days=5), requested_by="x")
    with chromium() as browser:
        context, page, errors = _page(browser, live_server.url, bank.username)
        page.goto(f"{live_server.url}/outreach/referrals/")
        row = page.locator(f"tr[data-referral='{referral.pk}']")
        assert row.locator("[data-kyc=id]").inner_text() == person.citizen_id
        assert row.locator("[data-kyc=dob]").inner_text() == "03/02/1950"
        assert row.locator("[data-kyc=phone] a").get_attribute("href") == "tel:0912345678"
        _no_sideways_scroll(page)
        assert not _short_targets(page, "#referrals button, #referrals .field-input, "
                                        "#referrals label.check")
        page.fill(f"#acc-{referral.pk}", "12ab")
        row.locator("button[type=submit]").click()
        page.wait_for_selector(f"#acc-{referral.pk}_error")
        assert page.input_value(f"#acc-{referral.pk}") == "12ab"
        page.fill(f"#acc-{referral.pk}", "8800205123456")
        page.locator(f"tr[data-referral='{referral.pk}'] button[type=submit]").click()
        page.wait_for_selector("#confirm-form")
        assert page.locator("#confirm-account").inner_text() == "8800205123456"
        _no_sideways_scroll(page)
        page.click("#btn-confirm")
        page.wait_for_url("**/outreach/referrals/")
        assert not errors, errors
        context.close()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCOUNT_OPENED
