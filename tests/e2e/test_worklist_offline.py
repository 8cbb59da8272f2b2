"""The ward team's worklist on a phone without a network (issue 14), in real headless
Chromium at 360 px: the list loaded online is kept; offline, a reload still shows it and a
person's contact form opens from the phone; the entry recorded there says "Chưa gửi" until
the network is back, then "Đã lưu", and the server has it once. Every tap target on the
worklist and the form is at least 44 px tall; logging out leaves nothing on the phone."""

from __future__ import annotations

import pytest

from chitra.access.models import OrganizationKind, Role
from chitra.outreach import services
from chitra.outreach.models import Contact
from chitra.registry.models import Beneficiary
from tests import factories as f
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    SCREENSHOTS,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("http_cookies", "audit_cleared_after")]

# Visible links, buttons and fields of the page's content shorter than 44 px.
SMALL_TARGETS = """Array.prototype.slice.call(document.querySelectorAll(
  'main a, main button, main input:not([type=hidden]), main select, main textarea'))
  .filter(function (el) { var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
  .map(function (el) { return [el.id || el.name || el.textContent.trim().slice(0, 40),
                               el.getBoundingClientRect().height]; })
  .filter(function (x) { return x[1] < 43.5; })"""
OUR_STORAGE = """[Object.keys(localStorage).filter(function (k) {
  return k.indexOf('chitra.outreach.') === 0; }).length]"""


def _person(name: str, phone: str) -> Beneficiary:
    b = f.beneficiary(name)
    Beneficiary.objects.filter(pk=b.pk).update(phone=phone, street="Bản Sang, tổ 3")
    return b


def test_the_days_worklist_works_offline_and_syncs_when_back(
        live_server, transactional_db, django_db_serialized_rollback):
    ward = f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET,
                          name="UBND phường Đoàn Kết")
    member = f.user(Role.WARD_TEAM, ward, username="tct.doanket")
    member.first_name, member.last_name = "Mai", "Lò Thị"
    member.save()
    cop = f.user(Role.POLICE_VERIFIER, username="ca.doanket")
    cop.first_name, cop.last_name = "Hùng", "Tao Văn"
    cop.save()
    services.add_team_member(f.user(Role.BHXH_OFFICER), ward_code=f.DOAN_KET, member=cop,
                             kind="police", leader=True)
    pom = _person("Lò Văn Pọm", "0912 345 678")
    _person("Tẩn Thị Mẩy", "0987 654 321")
    _person("Vàng A Sử", "")
    url = live_server.url

    with chromium() as browser:
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{url}/login/")
        page.fill("#id_username", member.username)
        page.fill("#id_password", f.PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"{url}/")

        # Online: the list, with call links and the team by name, kept for offline use.
        page.goto(f"{url}/outreach/")
        page.wait_for_selector('#worklist-root[data-offline-ready="1"]')
        row = f'tr[data-beneficiary="{pom.pk}"]'
        assert page.get_attribute(f"{row} a.tel-link", "href") == "tel:0912345678"
        assert "Bản Sang, tổ 3" in page.inner_text(row)
        team = page.inner_text("#team")
        assert cop.get_full_name() in team
        assert "ca.doanket" not in page.content()
        assert page.evaluate(SMALL_TARGETS) == []
        _no_horizontal_scroll(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "worklist-360.png"), full_page=True)

        # The search box filters the rows on the page, without accents; nothing in the URL.
        page.fill("#worklist-search", "tan thi may")
        assert page.locator("#worklist tbody tr:visible").count() == 1
        page.fill("#worklist-search", "0912 345")
        assert page.locator(f"{row}:visible").count() == 1
        assert page.locator("#worklist tbody tr:visible").count() == 1
        page.fill("#worklist-search", "")
        assert page.locator("#worklist tbody tr:visible").count() == 3
        assert page.url == f"{url}/outreach/"

        # No network: the list reloads from the phone and the form opens from it.
        ctx.set_offline(True)
        page.reload()
        page.wait_for_selector(row)
        assert page.locator("#worklist tbody tr").count() == 3
        page.click(f"{row} a[data-contact]")
        page.wait_for_url(f"{url}/outreach/contact/{pom.pk}/")
        assert page.inner_text("#person-name") == "Lò Văn Pọm"
        assert page.evaluate(SMALL_TARGETS) == []
        _no_horizontal_scroll(page)
        page.select_option("#id_place", "home")
        page.select_option("#id_outcome", "not_present")
        page.click("#btn-save-contact")
        state = page.locator('#contact-state .entry-state[data-state="local"]')
        state.wait_for()
        assert state.inner_text() == "Chưa gửi"
        assert page.locator("#contact-offline-note").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "worklist-contact-offline-360.png"),
                        full_page=True)

        # Back on the kept list: the entry waits on the phone.
        page.goto(f"{url}/outreach/")
        chip = page.locator(f"{row} .entry-state")
        assert chip.get_attribute("data-state") == "local"
        assert chip.inner_text() == "Chưa gửi"
        assert page.locator("#offline-queue").is_visible()
        assert "Lò Văn Pọm" in page.inner_text("#offline-entries")
        _no_horizontal_scroll(page)

        # The network is back: the entry is sent and says so.
        ctx.set_offline(False)
        page.wait_for_selector(f'{row} .entry-state[data-state="sent"]')
        assert chip.inner_text() == "Đã lưu"
        assert 'data-state="sent"' in page.inner_html("#offline-entries")
        page.screenshot(path=str(SCREENSHOTS / "worklist-synced-360.png"), full_page=True)
        assert not [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e], errors

        # Logging out leaves no kept page, entry or worker on the phone.
        assert page.evaluate("caches.keys()") != []
        if page.locator("#nav-toggle").is_visible():  # the menu is collapsed on a phone
            page.click("#nav-toggle")
        page.click("form.logout button[type=submit]")
        page.wait_for_url(f"{url}/login/")
        assert page.evaluate("caches.keys().then(function (k) { return k.filter(function (n) {"
                             " return n.indexOf('chitra-outreach-') === 0; }); })") == []
        assert page.evaluate(OUR_STORAGE) == [0]
        assert page.evaluate("navigator.serviceWorker.getRegistrations()"
                             ".then(function (r) { return r.length; })") == 0
        ctx.close()

    contact = Contact.objects.get(beneficiary=pom)
    assert (contact.outcome, contact.place) == ("not_present", "home")
    assert Contact.objects.count() == 1
