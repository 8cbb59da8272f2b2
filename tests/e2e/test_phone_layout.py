"""The acceptance check of issue 14: as each role, every page that role may open, at 360 px,
never scrolls sideways; and in the outreach screens every visible tap target is at least
44 px tall.

The pages come from the URL resolver (the scope matrix's routes and parameters, filled with
one province's real objects), so a new page is checked without being listed here. Downloads
(files, JSON, the service worker) and POST-only endpoints are not pages and are skipped.

Each page is measured twice: as it opens, and with every <details> open (the folded menu, the
confirmation boxes), since what a tap unfolds must not scroll sideways either.

Tap targets: a, button, input, select, summary and a label of a checkbox or radio. Excluded
by rule: a link inside running text (an <a> within a <p> that says more than the link), which
a finger hits as part of its sentence, and hidden inputs. A paragraph that is only its link
(a "‹ back" crumb) is a target like any other.

A page that answers with a redirect or an error is skipped by the walk; the pages each role
must reach (EXPECTED_OPEN) are checked to have been opened, so none drops out unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    chromium,
    http_cookies,
)
from tests.security.conftest import (  # noqa: F401 - fixtures
    _province,
    office_keystore,
    paying_offices,
)
from tests.security.test_scope_matrix import Route, _urls_for, _world, routes

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("http_cookies", "audit_cleared_after")]
ROLES = ["officer", "approver", "ward_team", "bank", "post_office", "police", "viewer"]
NOT_PAGES = {"login", "logout", "set_language", "payment_day_sw"}
DOWNLOAD = re.compile(r"\.(xlsx|pdf|csv|json|zip|p7s|xml|js)$|/letter$|/sync$|/cash/")
MIN_TAP = 44
OUTREACH_ROLES = {"officer", "approver", "ward_team", "bank", "police"}
# The pages each role must open (200) and measure; a page that starts to redirect or refuse
# (302, 400, 403, 405) would otherwise drop out of the walk unnoticed.
EVERYONE = {"dashboard", "beneficiary_list", "password_change"}
BHXH_PAGES = EVERYONE | {
    "account_changes", "beneficiary_detail", "import_detail", "import_upload",
    "outreach_campaign", "outreach_campaigns",
    "outreach_method_change_decide", "outreach_method_changes", "outreach_reports",
    "outreach_setup_campaign_edit", "outreach_setup_campaign_new", "outreach_setup_schedule",
    "outreach_setup_schedule_remove", "outreach_setup_schedules", "outreach_setup_targets",
    "outreach_setup_team", "outreach_setup_team_remove", "outreach_setup_teams",
    "payment_cash_templates", "payment_cycle", "payment_cycles",
    "payment_day", "payment_day_cycles", "payment_day_places", "payment_exception",
    "payment_exceptions", "payment_files", "payment_reconciliation", "payment_status_upload",
}
EXPECTED_OPEN: dict[str, set[str]] = {
    "officer": BHXH_PAGES,
    "approver": BHXH_PAGES,
    "ward_team": EVERYONE | {
        "beneficiary_detail", "outreach_campaign", "outreach_campaigns", "outreach_contact",
        "outreach_letters", "outreach_method_change", "outreach_worklist"},
    "bank": EVERYONE | {
        "outreach_referrals", "payment_files", "payment_status_result", "payment_status_upload"},
    "post_office": EVERYONE | {
        "outreach_setup_schedule", "outreach_setup_schedule_remove", "outreach_setup_schedules",
        "payment_cash_templates", "payment_day", "payment_day_cycles", "payment_day_places",
        "payment_files", "payment_status_upload"},
    "police": EVERYONE | {  # a member of the ward's work team
        "beneficiary_detail", "outreach_contact", "outreach_letters", "outreach_method_change",
        "outreach_worklist"},
    "viewer": EVERYONE | {"outreach_campaign", "outreach_campaigns"},
}

# The tap targets of the page below 44 px tall: [description, height].
SMALL_TARGETS = """min => {
  const visible = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const targets = [...document.querySelectorAll('a[href], button, input, select, summary, label')]
    .filter(el => {
      if (el.tagName === 'INPUT' && el.type === 'hidden') return false;
      const p = el.tagName === 'A' && el.closest('p');
      if (p && p.textContent.trim() !== el.textContent.trim()) return false;  // running text
      if (el.tagName === 'LABEL') {
        const input = el.htmlFor ? document.getElementById(el.htmlFor) : el.querySelector('input');
        return input && (input.type === 'checkbox' || input.type === 'radio');
      }
      return true;
    })
    // A checkbox or radio inside a label that is tall enough is tapped through its label.
    .filter(el => !(el.tagName === 'INPUT' && ['checkbox', 'radio'].includes(el.type)
                    && el.closest('label')
                    && el.closest('label').getBoundingClientRect().height >= min))
    .filter(visible);
  return targets
    .map(el => [el.outerHTML.slice(0, 120), Math.round(el.getBoundingClientRect().height)])
                .filter(([, h]) => h < min);
}"""


# Open every <details> of the page; how many there were.
OPEN_DETAILS = """() => {
  const all = [...document.querySelectorAll('details')];
  all.forEach(d => { d.open = true; });
  return all.length;
}"""


def _pages(world) -> Iterator[tuple[Route, str]]:  # type: ignore[no-untyped-def]
    for route in routes():
        if route.name in NOT_PAGES or DOWNLOAD.search(route.template):
            continue
        for url in _urls_for(route, world)[:1]:
            if not DOWNLOAD.search(url):
                yield route, url


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_and_outreach_targets_are_big_enough(
        role, live_server, transactional_db, django_db_serialized_rollback,
        settings, tmp_path: Path, paying_offices):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHITRA_POPULATION_SIMULATOR = True  # the scope-matrix worlds hold a simulated batch
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    province = _province(f.LAI_CHAU, f.DOAN_KET, "lc")
    world = _world(province)
    user = getattr(province, role)
    pages = list(_pages(world))
    url = live_server.url
    with chromium() as browser:  # only now: the world is written (see chromium())
        problems, opened = _visit(browser, url, user.username, pages)
    print(f"{role}: opened {sorted(opened)}")  # shown with -s
    missing = EXPECTED_OPEN[role] - opened
    assert not missing, f"{role} could not open (redirect, refusal or error): {sorted(missing)}"
    if role in OUTREACH_ROLES:  # their outreach screens were measured
        assert any(n.startswith("outreach_") for n in opened), opened
    assert not problems, f"{role}:\n" + "\n".join(problems)


def _visit(browser, url: str, username: str,  # type: ignore[no-untyped-def]
           pages: list[tuple[Route, str]]) -> tuple[list[str], set[str]]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{url}/")

    problems: list[str] = []
    opened: set[str] = set()
    for route, path in pages:
        # Ask first (the context's cookies): a file or an empty POST-only answer is no page.
        probe = context.request.get(url + path, max_redirects=0)
        ctype = probe.headers.get("content-type", "")
        if probe.status >= 500:
            problems.append(f"{path} ({route.name}): {probe.status}")
            continue
        if "text/html" not in ctype or probe.status not in (200, 403, 404):
            continue
        response = page.goto(url + path)
        assert response is not None
        if response.status == 200:
            opened.add(route.name)
        where = f"{path} ({route.name})"
        outreach = response.status == 200 and route.name.startswith("outreach_")
        found = _measure(page, where, outreach=outreach)
        # What a tap unfolds (the menu, a confirmation box) must fit too.
        if page.evaluate(OPEN_DETAILS):
            found += [f"{p} (with <details> open)" for p in _measure(page, where, outreach=outreach)
                      if p not in found]
        problems += found
    context.close()
    return problems, opened


def _measure(page, where: str, *, outreach: bool) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{where} scrolls sideways: {width}px")
    if outreach:
        for html, height in page.evaluate(SMALL_TARGETS, MIN_TAP):
            problems.append(f"{where}: tap target {height}px: {html}")
    return problems
