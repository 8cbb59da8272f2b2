"""The cashless dashboards and the targets screen (issue 15) in real headless Chromium, at a
phone's 360 px and a desk's 1366 px: nothing makes the page scroll sideways, the charts fit
their card, the month's share can be read, the ranking is usable on a phone; the targets form
has fields a thumb can hit, says what is wrong with a bad percent and saves a good one; in
English the charts are titled in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from chitra.access.models import OrganizationKind, Role
from chitra.reporting import kpi
from tests import factories as f
from tests.e2e.signin import sign_in
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    SCREENSHOTS,
    chromium,
    http_cookies,
)
from tests.payments.conftest import office_keystore, paying_office  # noqa: F401 - fixtures
from tests.reporting.conftest import reconciled  # noqa: F401 - a fixture

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("http_cookies", "audit_cleared_after")]
DESKTOP = {"width": 1366, "height": 900}
PROVINCE = "/reporting/p/12/"
WARD = f"/reporting/p/12/w/{f.DOAN_KET}/"
TARGETS = "/reporting/p/12/targets/"
TOUCH = 44  # px: the smallest target a thumb hits reliably
BARS_VI = "Tỷ lệ không dùng tiền mặt (hàng tháng) theo phường/xã"
TREND_VI = "Tỷ lệ nhận không dùng tiền mặt theo tháng"

# How many lines an element's text takes on the screen.
LINES = """e => {
  const r = document.createRange(); r.selectNodeContents(e);
  return new Set([...r.getClientRects()].filter(x => x.width > 0)
                 .map(x => Math.round(x.top))).size; }"""
# How many lines the text ``needle`` takes where it first appears in an element.
LINES_OF = """(root, needle) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data.replace(/\\u00a0/g, ' ');
    const at = text.indexOf(needle);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    return new Set([...range.getClientRects()].filter(r => r.width > 0)
                   .map(r => Math.round(r.top))).size;
  }
  return -1;
}"""
# Each chart's card and the drawing it shows (of its two layouts, reporting/charts.py),
# measured where the page lays them out; its smallest text as the screen shows it: the size
# drawn times the drawing's scale.
CHARTS = """() => [...document.querySelectorAll('figure.chart')].map(fig => {
  const shown = [...fig.querySelectorAll('svg')].filter(s =>
    getComputedStyle(s).display !== 'none' && getComputedStyle(s).visibility === 'visible');
  const svg = shown[0];
  const card = fig.getBoundingClientRect();
  const box = svg ? svg.getBoundingClientRect() : null;
  const scale = svg ? box.width / svg.viewBox.baseVal.width : 0;
  const sizes = svg ? [...svg.querySelectorAll('text')].map(
    t => parseFloat(t.getAttribute('font-size')) * scale) : [];
  return {id: fig.id, card: {left: card.left, right: card.right}, shown: shown.length,
          svg: box && {left: box.left, right: box.right, width: box.width, height: box.height},
          layout: svg && (svg.classList.contains('chart-narrow') ? 'narrow' : 'wide'),
          smallest: Math.min(...sizes)};
})"""
SMALLEST_TEXT = 9  # px: the wide layout on a phone drew 5–7 px


@pytest.fixture
def counted(transactional_db, reconciled):  # type: ignore[no-untyped-def]  # noqa: F811
    """November reconciled (Đoàn Kết: 1 of 2 monthly recipients paid cashless), counted."""
    kpi.refresh_cycle(reconciled.pk, "officer")
    return reconciled


def _login(browser, url: str, username: str, viewport):  # type: ignore[no-untyped-def]
    return sign_in(browser, url, username, viewport, phone=viewport == PHONE)


def _screenshot(page, name: str, viewport) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"reporting-{name}-{viewport['width']}.png"
    page.screenshot(path=str(path), full_page=True)


def _no_sideways_scroll(page, viewport) -> None:  # type: ignore[no-untyped-def]
    scroll, inner = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert inner == viewport["width"]
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll}px > {inner}px"


def _within(left: float, right: float, lo: float, hi: float, what: object) -> None:
    """[left, right] lies inside [lo, hi] (half a pixel of rounding allowed)."""
    assert left >= lo - 0.5, what
    assert right <= hi + 0.5, what


def _charts_fit(page, viewport, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    charts = page.evaluate(CHARTS)
    assert {c["id"] for c in charts} >= expected, charts
    for c in charts:
        svg = c["svg"]
        assert c["shown"] == 1, c  # one layout at a time
        assert c["layout"] == ("narrow" if viewport == PHONE else "wide"), c
        assert svg is not None, c
        assert svg["width"] > 0, c
        assert svg["height"] > 0, c
        assert svg["width"] <= viewport["width"], c
        _within(svg["left"], svg["right"], c["card"]["left"], c["card"]["right"], c)
        _within(svg["left"], svg["right"], 0, viewport["width"], c)
        assert c["smallest"] >= SMALLEST_TEXT, (c["smallest"], c["id"], c["layout"])
        assert page.locator(f"#{c['id']} svg.chart-{c['layout']}").is_visible()


def _share_readable(page, viewport) -> None:  # type: ignore[no-untyped-def]
    value = page.locator("#kpi-monthly .kpi-value")
    assert value.is_visible()
    assert value.inner_text().strip() == "50,0 %"
    box = value.bounding_box()
    assert box is not None
    _within(box["x"], box["x"] + box["width"], 0, viewport["width"], box)
    size = value.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16, size
    assert value.evaluate(LINES) == 1, "the share is broken over lines"
    # The target beside it: "> 90,0 %" never split from its "%".
    target = page.locator("#kpi-monthly").evaluate(LINES_OF, "> 90,0 %")
    assert target == 1, f"the target takes {target} lines"


def _ranking_usable(page, viewport) -> None:  # type: ignore[no-untyped-def]
    ranking = page.locator("#ranking")
    assert ranking.is_visible()
    row = ranking.locator(f"tbody tr[data-code='{f.DOAN_KET}']")
    assert row.count() == 1
    link = row.locator("a")
    link_box = link.bounding_box()
    assert link_box is not None
    assert link_box["height"] >= TOUCH, link_box
    assert link_box["x"] + link_box["width"] <= viewport["width"], link_box
    if viewport != PHONE:
        assert ranking.locator("thead").is_visible()
        return
    # On a phone: rows stacked as label/value (no header to scroll back to), or the table
    # scrolls inside its own box while the page stays still.
    stacked = not ranking.locator("thead").is_visible()
    if stacked:
        for cell in row.locator("td").all():
            label = cell.get_attribute("data-label")
            assert label, cell.inner_html()
            shown = cell.evaluate("e => getComputedStyle(e, '::before').content")
            assert label in shown, (label, shown)
            box = cell.bounding_box()
            assert box is not None
            _within(box["x"], box["x"] + box["width"], 0, viewport["width"], box)
    else:
        wrap = ranking.locator("xpath=ancestor::div[contains(@class,'table-wrap')]")
        assert wrap.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
        box = wrap.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= viewport["width"], box


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1366"])
def test_the_dashboards_fit_the_screen_and_read_well(
        live_server, transactional_db, django_db_serialized_rollback, counted, viewport):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    team = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET),
                  username="to.cong.tac")
    url = live_server.url
    with chromium() as browser:
        context, page, errors = _login(browser, url, officer.username, viewport)
        page.goto(f"{url}{PROVINCE}")
        assert page.locator("h1").is_visible()
        _no_sideways_scroll(page, viewport)
        _charts_fit(page, viewport, {"chart-bars", "chart-trend"})
        _share_readable(page, viewport)
        _ranking_usable(page, viewport)
        _screenshot(page, "province", viewport)

        page.locator(f"#ranking tr[data-code='{f.DOAN_KET}'] a").click()
        page.wait_for_url(f"**{WARD}?**")
        _no_sideways_scroll(page, viewport)
        _charts_fit(page, viewport, {"chart-trend"})
        _share_readable(page, viewport)
        assert page.locator("#still-on-cash").is_visible()
        _screenshot(page, "ward", viewport)
        assert not errors, errors  # no CSP violations, no missing assets
        context.close()

        # The ward's own team, on the page /reporting/ sends it to.
        context, page, errors = _login(browser, url, team.username, viewport)
        page.goto(f"{url}/reporting/")
        page.wait_for_url(f"**{WARD}")
        _no_sideways_scroll(page, viewport)
        _charts_fit(page, viewport, {"chart-trend"})
        _share_readable(page, viewport)
        assert not errors, errors
        context.close()


def test_an_officer_sets_a_wards_target_on_a_phone(
        live_server, transactional_db, django_db_serialized_rollback, counted):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    url = live_server.url
    with chromium() as browser:
        context, page, errors = _login(browser, url, officer.username, PHONE)
        page.goto(f"{url}{TARGETS}")
        _no_sideways_scroll(page, PHONE)
        _form_fits_a_thumb(page)

        page.select_option("#id_ward", f.DOAN_KET)
        page.select_option("#id_group", "monthly")
        page.fill("#id_people", "95,5,5")
        page.fill("#id_amount", "90")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#btn-save-target")
        assert answer.value.status == 400
        assert page.locator("#error-summary").is_visible()
        assert "#id_people" in [a.get_attribute("href")
                                for a in page.locator("#error-summary a").all()]
        error = page.locator("#id_people_error")
        assert error.is_visible()
        assert "90,5" in error.inner_text()  # says how a percent is written
        assert page.locator("#field-people.has-error").count() == 1
        for link in page.locator("#error-summary a").all():  # a thumb's target, no taller
            box = link.bounding_box()
            assert box is not None
            assert TOUCH <= box["height"] <= 2 * TOUCH, box
            _within(box["x"], box["x"] + box["width"], 0, PHONE["width"], box)
        assert page.input_value("#id_people") == "95,5,5"  # kept, to correct
        assert page.locator("#target-history tr").count() == 0  # nothing saved
        assert errors == ["Failed to load resource: the server responded with a status of "
                          "400 (Bad Request)"], errors  # the refused form, nothing else
        errors.clear()
        _no_sideways_scroll(page, PHONE)
        _form_fits_a_thumb(page)
        _screenshot(page, "targets-error", PHONE)

        page.fill("#id_people", "92,5")
        page.click("#btn-save-target")
        page.wait_for_url(f"**{TARGETS}?year=*")
        assert page.locator("#error-summary").count() == 0
        cell = page.locator(f"#targets-in-force tr[data-code='{f.DOAN_KET}'] "
                            "td[data-key='monthly-people']")
        assert cell.is_visible()
        assert cell.inner_text().strip() == "> 92,5 %"
        assert page.locator("#target-history tbody tr").count() == 1
        assert page.locator("#target-history [data-state='in-force']").is_visible()
        _sources_readable(page)
        _no_sideways_scroll(page, PHONE)
        assert not errors, errors
        context.close()


def _form_fits_a_thumb(page) -> None:  # type: ignore[no-untyped-def]
    """Every field of the form at least 44 px tall and as wide as its place in the form."""
    fields = page.locator("#target-form .field")
    assert fields.count() >= 5
    form_box = page.locator("#target-form").bounding_box()
    assert form_box is not None
    for field in fields.all():
        control = field.locator("input, select")
        assert control.count() == 1, field.inner_html()
        box = control.bounding_box()
        place = field.bounding_box()
        assert box is not None
        assert place is not None
        name = control.get_attribute("name")
        assert box["height"] >= TOUCH, (name, box)
        assert box["width"] >= place["width"] - 1, (name, box, place)  # full width
        assert place["width"] >= form_box["width"] * 0.8, (name, place, form_box)  # one column
        assert box["x"] + box["width"] <= PHONE["width"], (name, box)
    sizes = page.eval_on_selector_all(
        "#target-form input:not([type=hidden]), #target-form select",
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(set(sizes)) == 1, sizes  # the year as readable as the others
    assert sizes[0] >= 16, sizes
    button = page.locator("#btn-save-target").bounding_box()
    assert button is not None
    assert button["height"] >= TOUCH, button


def _sources_readable(page) -> None:  # type: ignore[no-untyped-def]
    """Stacked on a phone, the ward's sources read one group a line, each "change" link
    within reach."""
    row = page.locator(f"#targets-in-force tr[data-code='{f.DOAN_KET}']")
    monthly = row.locator("[data-source=monthly]")
    one_time = row.locator("[data-source=one_time]")
    assert monthly.evaluate(LINES) == 1, monthly.inner_text()
    assert one_time.evaluate(LINES) == 1, one_time.inner_text()
    first, second = monthly.bounding_box(), one_time.bounding_box()
    assert first is not None
    assert second is not None
    assert first["y"] + first["height"] <= second["y"] + 0.5, (first, second)
    for link in row.locator("a").all():
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= TOUCH, box
        _within(box["x"], box["x"] + box["width"], 0, PHONE["width"], box)


def _en(vietnamese: str) -> str:
    with translation.override("en"):
        return translation.gettext(vietnamese)


def test_in_english_the_charts_have_english_titles(
        live_server, transactional_db, django_db_serialized_rollback, counted):
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    bars, trend = _en(BARS_VI), _en(TREND_VI)
    assert (bars, trend) != (BARS_VI, TREND_VI), "the English catalogue lacks the titles"
    url = live_server.url
    with chromium() as browser:
        context, page, _errors = _login(browser, url, officer.username, PHONE)
        page.goto(f"{url}{PROVINCE}")
        page.click("form.lang button[value=en]")  # the header's switch, as a person taps it
        page.wait_for_url(f"**{PROVINCE}")
        assert page.locator("html").get_attribute("lang") == "en"
        for chart, title in (("#chart-bars", bars), ("#chart-trend", trend)):
            shown = page.locator(f"{chart} svg.chart-narrow text.chart-title")  # a phone's
            assert shown.is_visible()
            assert shown.text_content() == title  # drawn on the chart (wrapped, read whole)
            assert page.locator(f"{chart} svg.chart-narrow > title").text_content() == title
        _no_sideways_scroll(page, PHONE)
        _charts_fit(page, PHONE, {"chart-bars", "chart-trend"})

        page.goto(f"{url}{WARD}")
        assert page.locator("#chart-trend svg.chart-narrow text.chart-title") \
            .text_content() == trend
        context.close()
