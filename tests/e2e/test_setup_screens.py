"""Issue 14's set-up screens on a phone (360 px), in real headless Chromium: a BHXH officer
creates a campaign (after a mistyped date is shown at its field, the other values kept), sets a
ward's target, puts a police officer on the ward's work team (and takes someone off after
confirming), and schedules a payment day. No page scrolls sideways; every input, select,
button and link is at least 44 px tall."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role
from chitra.outreach import services
from chitra.outreach.models import Campaign, PaymentSchedule, TeamMember, WardTarget
from tests import factories as f
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    SCREENSHOTS,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("http_cookies", "audit_cleared_after")]

# Every visible control in the page's main part, with its height (tap targets: ≥ 44 px).
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main a, main button, main select, main input:not([type=hidden]):not([type=checkbox]),'
    + ' main label.setup-check')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden'
               && !e.closest('.setup-sr'))
  .map(e => [e.id || e.name || e.textContent.trim().slice(0, 40), e.getBoundingClientRect().height])
  .filter(([, h]) => h < 43.5)"""


def _check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    _no_horizontal_scroll(page)
    small = page.evaluate(_SMALL_TARGETS)
    assert not small, f"{page.url}: tap targets under 44 px: {small}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"setup-{name}-360.png"), full_page=True)


def test_an_officer_sets_up_a_campaign_on_a_phone(live_server, transactional_db,
                                                  django_db_serialized_rollback):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo.bhxh")
    cop = f.user(Role.POLICE_VERIFIER, f.organization(OrganizationKind.POLICE,
                                                      name="Công an phường Đoàn Kết"),
                 username="cong.an.dk")
    cop.first_name, cop.last_name = "Lò Văn", "Tâm"
    cop.save()
    leaving = f.user(Role.POST_OFFICE_OPERATOR, username="buu.dien.cu")
    services.add_team_member(officer, ward_code=f.DOAN_KET, member=leaving, kind="post_office")
    point = f.payment_point()
    day = timezone.localdate() + timedelta(days=5)
    with chromium() as browser:
        _journey(live_server.url, browser, officer.username, cop, point, day)
    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.starts_on, campaign.target_monthly_pct) == (
        "Không tiền mặt 2026", date(2026, 6, 1), 92)
    assert WardTarget.objects.get().target_monthly_pct == 95
    assert list(TeamMember.objects.values_list("user__username", "is_leader")) == [
        ("cong.an.dk", True)]
    assert PaymentSchedule.objects.get().day == day


def _journey(url, browser, username, cop, point, day) -> None:  # type: ignore[no-untyped-def]
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

    # 1. A campaign: a mistyped date is shown at its field, the rest is kept.
    page.goto(f"{url}/outreach/campaigns/")
    _check(page, "campaigns")
    page.click("#link-new-campaign")
    page.wait_for_url("**/outreach/campaigns/new/")
    _check(page, "campaign-new")
    page.fill("#id_name", "Không tiền mặt 2026")
    page.fill("#id_starts_on", "01/06/2026")
    page.fill("#id_ends_on", "31/13/2026")
    page.fill("#id_target_monthly_pct", "92")
    page.click("#btn-save-campaign")
    page.wait_for_load_state()
    assert page.locator('[data-error-for="ends_on"]').is_visible()
    assert page.locator("#id_name").input_value() == "Không tiền mặt 2026"
    assert page.locator("#id_target_monthly_pct").input_value() == "92"
    _check(page, "campaign-error")
    page.fill("#id_ends_on", "31/10/2026")
    page.click("#btn-save-campaign")
    page.wait_for_url("**/outreach/campaigns/*/")
    _check(page, "campaign-detail")

    # 2. A ward's own target.
    page.click("#link-ward-targets")
    page.wait_for_url("**/targets/")
    page.select_option("#id_ward_code", f.DOAN_KET)
    page.fill("#id_monthly_pct", "95")
    page.fill("#id_one_time_pct", "100")
    page.click("#btn-save-target")
    page.wait_for_url("**/targets/")
    row = page.locator(f'#ward-targets tr[data-ward="{f.DOAN_KET}"] td[data-key="monthly"]')
    assert row.inner_text().strip() == "95%"
    assert page.locator("#target-history").is_visible()
    _check(page, "ward-targets")

    # 3. The ward's work team: add a police officer as leader, take the old member off.
    page.goto(f"{url}/outreach/campaigns/")
    page.click("#link-teams")
    page.wait_for_url("**/outreach/teams/")
    _check(page, "teams")
    page.click(f'#teams tr[data-ward="{f.DOAN_KET}"] a')
    page.wait_for_url(f"**/outreach/teams/{f.DOAN_KET}/")
    page.select_option("#id_member", str(cop.pk))
    page.select_option("#id_kind", "police")
    page.check("#id_leader")
    _check(page, "team")
    page.click("#btn-add-member")
    page.wait_for_url(f"**/outreach/teams/{f.DOAN_KET}/")
    assert "Lò Văn Tâm" in page.locator("#team-members").inner_text()
    page.click('#team-members li[data-username="buu.dien.cu"] a.button')
    page.wait_for_url("**/remove/")
    assert page.locator("#confirm-question").is_visible()
    _check(page, "team-remove-confirm")
    page.click("#btn-confirm")
    page.wait_for_url(f"**/outreach/teams/{f.DOAN_KET}/")
    assert "buu.dien.cu" not in page.locator("#team-members").inner_text()

    # 4. A payment day at a point.
    page.goto(f"{url}/outreach/campaigns/")
    page.click("#link-schedules")
    page.wait_for_url("**/outreach/schedules/")
    page.select_option("#id_point", str(point.pk))
    page.fill("#id_day", f"{day:%d/%m/%Y}")
    page.fill("#id_opens_at", "07:30")
    page.fill("#id_closes_at", "11:00")
    page.click("#btn-save-day")
    page.wait_for_url("**/outreach/schedules/")
    assert "07:30–11:00" in page.locator("#schedule-days").inner_text()
    _check(page, "schedules")
    assert not errors, errors  # no CSP violations, no missing assets
    context.close()
