"""The foundation in real headless Chromium: the access-refused and expired-form pages, the
status colours, words and numbers that do not break, the phone's folded menu."""

from __future__ import annotations

import pytest

from chitra.access.models import OrganizationKind, Role
from chitra.registry.models import Channel
from tests import factories as f
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
    open_menu,
)
from tests.web.test_foundation_chips import _used

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("http_cookies", "audit_cleared_after")]
DESKTOP = {"width": 1366, "height": 900}
NEUTRAL_GREY = "rgb(230, 233, 238)"  # --neutral-bg
ACCOUNT = "12345678901234"  # 14 digits

# How many lines the text ``needle`` takes where it first appears in <main>.
LINES_OF = """needle => {
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                         .map(r => Math.round(r.top)));
    return tops.size;
  }
  return -1;
}"""


def _login(browser, url: str, username: str, viewport=PHONE):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=viewport, locale="vi-VN", device_scale_factor=1,
                                  is_mobile=viewport == PHONE, has_touch=viewport == PHONE)
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")
    return context, page


def _fits(page, viewport) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} scrolls sideways: {width}px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "360"])
def test_refused_and_expired_pages(live_server, transactional_db, django_db_serialized_rollback,
                                   viewport):
    member = f.user(Role.WARD_TEAM, username="to.cong.tac")
    url = live_server.url
    with chromium() as browser:
        context, page = _login(browser, url, member.username, viewport=viewport)
        # The ward may not import (come from the list: goto sends no referrer by itself).
        response = page.goto(f"{url}/imports/", referer=f"{url}/beneficiaries/")
        assert response is not None
        assert response.status == 403
        assert page.locator("#forbidden h1").inner_text() == "Không có quyền truy cập"
        assert page.locator("#go-back").get_attribute("href") == f"{url}/beneficiaries/"
        assert page.locator("#go-back").is_visible()
        assert page.locator("html").get_attribute("lang") == "vi"
        assert "Forbidden" not in page.locator("body").inner_text()
        # Styled like the site (its header, the ways out as buttons a thumb can hit).
        assert page.locator(".site-header").is_visible()
        assert page.locator("#go-back").evaluate(
            "e => getComputedStyle(e).borderStyle") != "none"
        for way in page.locator("#forbidden .actions a").all():
            box = way.bounding_box()
            assert box is not None
            assert box["height"] >= 44, box
        _fits(page, viewport)
        page.click("#forbidden a.button:not(#go-back)")
        page.wait_for_url(f"{url}/")

        context.clear_cookies(name="csrftoken")  # the form's token no longer matches
        open_menu(page)  # folded behind the Menu button on a phone only
        with page.expect_response(lambda r: r.url.endswith("/logout/")) as answer:
            page.click("form.logout button")
        assert answer.value.status == 403
        assert page.locator("#csrf-failed").is_visible()
        _fits(page, viewport)
        context.close()


def test_status_chips_have_colours_at_both_widths_and_the_menu_folds_on_a_phone(
        live_server, transactional_db, django_db_serialized_rollback):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    f.beneficiary("Lò Thị Mai")
    f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT)
    url = live_server.url
    with chromium() as browser:
        context, page = _login(browser, url, officer.username)
        # 360 px: the links wait behind the Menu button.
        assert page.locator("#nav-toggle").is_visible()
        assert not page.locator("#nav-payments").is_visible()
        page.click("#nav-toggle")
        assert page.locator("#nav-payments").is_visible()
        assert page.locator("#nav-password").is_visible()
        _no_horizontal_scroll(page)
        page.click("#nav-toggle")
        assert not page.locator("#nav-payments").is_visible()

        _chips_have_colours(page, url)
        context.close()

        context, page = _login(browser, url, officer.username, viewport=DESKTOP)
        assert not page.locator("#nav-toggle").is_visible()
        assert page.locator("#nav-payments").is_visible()
        assert page.locator("#nav-password").is_visible()
        _chips_have_colours(page, url)
        context.close()


def _chips_have_colours(page, url: str) -> None:  # type: ignore[no-untyped-def]
    # Rendered chips: cash (warn) and bank account (ok) differ, neither grey.
    page.goto(f"{url}/beneficiaries/")
    colours = page.eval_on_selector_all(
        "main .chip", "els => els.map(e => [e.className, getComputedStyle(e).backgroundColor])")
    rendered = dict(colours)
    assert rendered, "the list shows each person's channel as a chip"
    assert all(c != NEUTRAL_GREY for c in rendered.values()), rendered
    assert len(set(rendered.values())) >= 2, rendered
    # Every chip class a template or view uses, in the real stylesheet.
    computed = page.evaluate("""classes => Object.fromEntries(classes.map(c => {
        const el = document.createElement('span');
        el.className = 'chip ' + c;
        document.body.appendChild(el);
        const bg = getComputedStyle(el).backgroundColor;
        el.remove();
        return [c, bg];
    }))""", sorted(_used()))
    statuses = ("chip-rejected", "chip-paid", "chip-red", "chip-item-returned")
    missing = [cls for cls in statuses if cls not in computed]
    assert not missing, f"no template or view uses {missing} any more: update this test"
    for cls in statuses:
        assert computed[cls] != NEUTRAL_GREY, cls
    assert computed["chip-rejected"] != computed["chip-paid"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "360"])
def test_bank_names_and_account_numbers_stay_on_one_line(
        live_server, transactional_db, django_db_serialized_rollback, viewport):
    ward = f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET)
    member = f.user(Role.WARD_TEAM, ward)
    person = f.beneficiary("Nguyễn Thị Phương Thảo", channel=Channel.BANK_ACCOUNT,
                           provider_name="Agribank", account_number=ACCOUNT)
    url = live_server.url
    with chromium() as browser:
        context, page = _login(browser, url, member.username, viewport=viewport)
        page.goto(f"{url}/beneficiaries/{person.pk}/")
        assert page.evaluate(LINES_OF, "Agribank") == 1
        shown = ACCOUNT[-4:]  # the ward sees the last four digits, masked or not
        text = page.locator("main").inner_text()
        number = next(w for w in text.split() if w.endswith(shown) and len(w) == len(ACCOUNT))
        assert page.evaluate(LINES_OF, number) == 1
        if viewport == PHONE:
            _no_horizontal_scroll(page)
        context.close()
