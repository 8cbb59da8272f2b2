"""The verification screens (issue 16) in real headless Chromium, at a phone's 360 px and a
desk's 1366 px: an officer starts a simulated batch, sees its outcome counts and filters the
deceased, proposes a correction in the review queue (a bad date is refused at its field) and
an approver approves it; an approver who proposed cannot approve it too, in Vietnamese and in
English; a file batch offers its request file and refuses an answer file it cannot read. On
every page nothing scrolls sideways, every text field, button, choice and file picker is a
thumb's size, and a stacked table keeps every value in sight."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from chitra.core.identifiers import Sex
from chitra.payments import services as payments
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry import services as registry
from chitra.registry.models import IdentityCorrection
from chitra.verification import exchange, review, run, services
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.exchange_layout import ANSWER_COLUMNS, NO, SEX_TEXT, YES
from chitra.verification.models import (
    AdapterKind,
    BatchStatus,
    ReviewStatus,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome
from tests import factories as f
from tests.e2e.signin import sign_in
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    SCREENSHOTS,
    chromium,
    http_cookies,
    open_menu,
)
from tests.payments.factories import NOV
from tests.security.conftest import Province
from tests.verification.test_pages import IMMEDIATE, record

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("http_cookies", "corrections_cleared_after")]
DESKTOP = {"width": 1366, "height": 900}
TOUCH = 44  # px: the smallest target a thumb hits reliably
PICKERS = {"radio", "checkbox", "file"}
LIST = "/verification/"
REVIEW = "/verification/review/"
DUE = "/verification/due/"
RECOVERY = "/payments/paid-after-death/"
PEOPLE = 100  # at the simulator's 1 % a kind, one of each planted discrepancy
SELF_APPROVAL_VI = "Người đề xuất không tự duyệt được."
SELF_APPROVAL_EN = "Whoever proposed cannot decide."  # the refusal's own English
REFUSED_400 = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
REFUSED_403 = "Failed to load resource: the server responded with a status of 403 (Forbidden)"

# Every control a person taps in ``root``: text fields, selects, file pickers and buttons by
# their own box; a radio or a checkbox by the label that holds it (the label is the target).
TARGETS = """root => [...root.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button')].filter(e => e.offsetParent)
  .map(e => {
    const small = e.type === 'radio' || e.type === 'checkbox';
    const box = ((small && e.closest('label')) || e).getBoundingClientRect();
    return {what: e.name || e.id || e.textContent.trim(), type: e.type,
            height: box.height, left: box.left, right: box.right};
  })"""


def _names() -> list[str]:
    """Names with marks (they can lose their accents) and Văn/Thị (a middle-name variant)."""
    families = ["Nguyễn", "Trần", "Lò", "Quàng", "Tẩn", "Lường", "Điêu", "Vàng"]
    given = ["Hoà", "Đức", "Mẩy", "Sơn", "Lả", "Dũng", "Hương"]
    return [f"{fam} {mid} {g}" for fam in families for mid in ("Văn", "Thị") for g in given]


@pytest.fixture
def corrections_cleared_after(audit_cleared_after) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """An approved correction keeps its audit entry (PROTECT): on SQLite, remove the
    corrections before :func:`audit_cleared_after` deletes the audit log (torn down first,
    as it was set up after)."""
    yield
    if connection.vendor == "sqlite":
        IdentityCorrection.objects.all().delete()


@pytest.fixture
def province(transactional_db, lai_chau, dien_bien, settings, tmp_path) -> Province:  # type: ignore[no-untyped-def]
    """Lai Châu's 100 people on two wards, born on days a swap with the month can change;
    Pọm, paid for November after his recorded death. Điện Biên has a finished batch and a
    payment after a death of its own, neither for Lai Châu's eyes. Batches run at once, as
    the worker would run them; the simulator is switched on, as for the demo."""
    settings.TASKS = IMMEDIATE
    settings.CHITRA_POPULATION_SIMULATOR = True  # the demo's and the tests' switch
    settings.MEDIA_ROOT = tmp_path / "media"
    names = _names()
    for i in range(PEOPLE):
        f.beneficiary(names[i], ward_code=(f.DOAN_KET, f.TAN_PHONG)[i % 2],
                      dob=date(1940 + i % 30, 1 + i % 12, 1 + (i + 5) % 12),
                      sex=Sex.FEMALE if " Thị " in names[i] else Sex.MALE)
    pom = f.beneficiary("Lò Văn Pọm", dob=date(1944, 5, 20))
    inh = f.beneficiary("Quàng Văn Inh", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    for code in (f.LAI_CHAU, f.DIEN_BIEN):
        payments.compute_cycle(payments.open_cycle(code, NOV, "officer").pk, "officer")
    for person in (pom, inh):
        item = PaymentItem.objects.get(beneficiary=person)
        PaymentItem.objects.filter(pk=item.pk).update(status=ItemStatus.PAID)
        registry.record_deaths({person.pk: item.payment_date - timedelta(days=3)},
                               source="test", actor="officer")
    db = services.create_batch(f.DIEN_BIEN, AdapterKind.SIM, dien_bien.officer)
    services.run_batch(db.pk, InMemoryPopulationAdapter({inh.citizen_id: record(inh)}))
    return lai_chau


def _login(browser, url: str, username: str, viewport):  # type: ignore[no-untyped-def]
    return sign_in(browser, url, username, viewport, phone=viewport == PHONE)


def _screenshot(page, name: str, viewport) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"verification-{name}-{viewport['width']}.png"
    page.screenshot(path=str(path), full_page=True)


def _no_sideways_scroll(page, viewport) -> None:  # type: ignore[no-untyped-def]
    scroll, inner = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert inner == viewport["width"]
    if scroll > inner:  # name what sticks out, for whoever fixes it
        wide = page.evaluate("""w => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > w + 0.5)
            .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '')
                             + (e.className ? '.' + e.className : ''))""", inner)
        pytest.fail(f"{page.url} scrolls sideways: {scroll}px > {inner}px; wide: {wide}")


def _out_of_sight(page) -> list[object]:  # type: ignore[no-untyped-def]
    """The tables that scroll inside their own box, with the cells that stick out of it: a
    table stacked for the phone should need no scrolling, what sticks out (the population
    database's value beside ours) is out of sight."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
        .filter(w => w.scrollWidth > w.clientWidth + 1)
        .map(w => {
          const edge = w.getBoundingClientRect().right;
          const out = [...w.querySelectorAll('td, th, td > *, th > *')]
            .filter(e => e.getBoundingClientRect().right > edge + 1)
            .map(e => e.tagName + (e.dataset.label ? `[${e.dataset.label}]` : '')
                      + (e.className ? '.' + e.className : '')
                      + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');
          return [(w.querySelector('table') || w).id, w.scrollWidth, w.clientWidth,
                  [...new Set(out)].slice(0, 6)];
        })""")


def _fits_a_thumb(page, selector: str, viewport, *,  # type: ignore[no-untyped-def]
                  pickers: bool = False) -> None:
    """Every control of each ``selector`` at least 44 px tall and inside the screen: the
    text fields and buttons, or (``pickers``) the radios, checkboxes and file pickers."""
    forms = page.locator(selector)
    assert forms.count() >= 1, selector
    for form in forms.all():
        targets = [t for t in form.evaluate(TARGETS) if (t["type"] in PICKERS) == pickers]
        assert targets, selector
        for t in targets:
            assert t["height"] >= TOUCH, (selector, t)
            assert t["left"] >= -0.5, (selector, t)
            assert t["right"] <= viewport["width"] + 0.5, (selector, t)


def _en(vietnamese: str) -> str:
    with translation.override("en"):
        return translation.gettext(vietnamese)


def _result_of(page, url: str, batch: int, outcome: str) -> int:  # type: ignore[no-untyped-def]
    """The id of the batch's one result of ``outcome``, read off its filtered page."""
    page.goto(f"{url}/verification/{batch}/?outcome={outcome}")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1, outcome
    return int(rows.first.get_attribute("data-id"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1366"])
def test_a_batch_is_run_reviewed_and_approved(
        live_server, transactional_db, django_db_serialized_rollback, province, viewport):
    officer, approver = province.officer.username, province.approver.username
    url = live_server.url
    with chromium() as browser:
        context, page, errors = _login(browser, url, officer, viewport)
        open_menu(page)
        page.click("#nav-verification")
        page.wait_for_url(f"**{LIST}")
        _no_sideways_scroll(page, viewport)
        assert page.locator("#batches tbody tr").count() == 0  # Điện Biên's is not ours
        assert page.locator("#no-batches").is_visible()
        assert page.locator("#start-form input[name=adapter][value=sim]").is_checked()
        _fits_a_thumb(page, "#start-form", viewport)
        assert f"{PEOPLE} " in page.locator("#link-due").inner_text()  # none verified yet
        _screenshot(page, "batches", viewport)

        page.click("#link-due")
        page.wait_for_url(f"**{DUE}")
        _no_sideways_scroll(page, viewport)
        assert page.locator("#due tbody tr").count() == PEOPLE
        _screenshot(page, "due", viewport)
        page.go_back()

        page.click("#btn-start")
        page.wait_for_url("**/verification/*/")
        batch = int(page.url.rstrip("/").rsplit("/", 1)[1])
        _no_sideways_scroll(page, viewport)
        status = page.locator("#batch-status [data-status]")
        assert status.get_attribute("data-status") == BatchStatus.DONE
        assert f"{PEOPLE}/{PEOPLE}" in page.locator("#progress").inner_text()
        assert page.locator("meta[http-equiv=refresh]").count() == 0  # done: no refresh
        assert page.locator("#answer-form").count() == 0  # a simulated batch takes no file
        counts = {a.get_attribute("data-outcome"): a.inner_text()
                  for a in page.locator("#outcome-filter a[data-outcome]").all()}
        assert counts[Outcome.DECEASED] == "Đã chết (1)", counts
        assert counts[Outcome.NOT_FOUND] == "Không tìm thấy (1)", counts
        assert counts[Outcome.BIRTH_DATE_DIFFERS] == "Ngày sinh khác (1)", counts
        assert page.locator("#results tbody tr").count() == PEOPLE
        _screenshot(page, "batch", viewport)

        page.click(f"#outcome-filter a[data-outcome={Outcome.DECEASED}]")
        page.wait_for_url(f"**/verification/{batch}/?outcome=deceased")
        _no_sideways_scroll(page, viewport)
        shown = page.locator("#outcome-filter strong[aria-current][data-outcome]")
        assert shown.get_attribute("data-outcome") == Outcome.DECEASED
        rows = page.locator("#results tbody tr")
        assert rows.count() == 1
        assert rows.first.get_attribute("data-outcome") == Outcome.DECEASED
        assert "Chết ngày" in rows.first.inner_text()
        _screenshot(page, "batch-deceased", viewport)
        page.click("#outcome-filter a:not([data-outcome])")  # "all" again
        page.wait_for_url(f"**/verification/{batch}/?")
        assert page.locator("#results tbody tr").count() == PEOPLE

        page.goto(f"{url}{LIST}")  # the new batch listed, with its counts
        row = page.locator(f"#batches tbody tr[data-id='{batch}']")
        assert row.locator(f"a[data-outcome={Outcome.DECEASED}]").inner_text() == "Đã chết: 1"
        assert page.locator("#batches tbody tr").count() == 1
        _no_sideways_scroll(page, viewport)

        swapped = _result_of(page, url, batch, Outcome.BIRTH_DATE_DIFFERS)
        lost = _result_of(page, url, batch, Outcome.NOT_FOUND)
        page.goto(f"{url}{LIST}")
        page.click("#link-review")
        page.wait_for_url(f"**{REVIEW}")
        _no_sideways_scroll(page, viewport)
        _fits_a_thumb(page, ".propose-form", viewport)
        _screenshot(page, "review", viewport)

        # A date that does not exist: refused at its field, kept as typed, nothing sent.
        item = page.locator(f"#result-{swapped}")
        dob = f"#id_r{swapped}-date_of_birth"
        theirs = page.input_value(dob)  # filled with the population database's date
        assert theirs == item.locator("[data-key=their-dob]").inner_text().split()[0]
        assert item.locator("input[value=correct]").is_checked()
        page.fill(dob, "31/02/1950")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            item.locator("button[type=submit]").click()
        assert answer.value.status == 400
        item = page.locator(f"#result-{swapped}")
        assert page.locator(f"#error-{swapped}").is_visible()
        assert page.locator(f"{dob}_error").is_visible()
        assert "dd/mm/yyyy" in page.locator(f"{dob}_error").inner_text()
        assert page.input_value(dob) == "31/02/1950"
        assert item.get_attribute("data-status") == ReviewStatus.PENDING
        assert errors == [REFUSED_400], errors
        errors.clear()
        _no_sideways_scroll(page, viewport)
        _fits_a_thumb(page, f"#propose-{swapped}", viewport)
        _screenshot(page, "review-error", viewport)

        page.fill(dob, theirs)
        page.fill(f"#id_r{swapped}-note", "Theo CCCD")
        item.locator("button[type=submit]").click()
        page.wait_for_url(f"**{REVIEW}")
        assert "Đã gửi đề xuất" in page.locator(".messages").inner_text()
        item = page.locator(f"#result-{swapped}")
        assert item.get_attribute("data-status") == ReviewStatus.PROPOSED
        assert theirs in page.locator(f"#proposal-{swapped}").inner_text()
        assert page.locator(f"#decide-{swapped}").count() == 0  # an officer does not decide
        assert "Chờ lãnh đạo duyệt." in item.inner_text()
        assert not errors, errors
        context.close()

        context, page, errors = _login(browser, url, approver, viewport)
        page.goto(f"{url}{REVIEW}")
        _no_sideways_scroll(page, viewport)
        _fits_a_thumb(page, f"#decide-{swapped}", viewport)
        assert page.locator(f"#maker-{swapped}").count() == 0  # not theirs: they may decide
        page.locator(f"#decide-{swapped} button[value='1']").click()
        page.wait_for_url(f"**{REVIEW}")
        assert "Đã duyệt đề xuất." in page.locator(".messages").inner_text()
        assert page.locator(f"#result-{swapped}").count() == 0  # out of the queue

        # The approver proposes on their own, then may not approve it.
        item = page.locator(f"#result-{lost}")
        assert item.locator("input[value=accept]").is_checked()  # not found: keep the record
        item.locator("button[type=submit]").click()
        page.wait_for_url(f"**{REVIEW}")
        assert page.locator(f"#maker-{lost}").is_visible()
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator(f"#decide-{lost} button[value='1']").click()
        assert answer.value.status == 403
        refusal = page.locator(f"#error-{lost}")
        assert refusal.is_visible()
        assert refusal.inner_text() == SELF_APPROVAL_VI
        assert page.locator(f"#result-{lost}").get_attribute("data-status") == (
            ReviewStatus.PROPOSED)
        assert errors == [REFUSED_403], errors
        errors.clear()
        _no_sideways_scroll(page, viewport)
        _screenshot(page, "review-self-approval", viewport)

        page.goto(f"{url}{RECOVERY}")
        _no_sideways_scroll(page, viewport)
        rows = page.locator("#paid-after-death tbody tr")
        assert rows.count() == 1  # Pọm; Điện Biên's Inh is not Lai Châu's
        assert "Lò Văn Pọm" in rows.first.inner_text()
        assert "5.250.000 ₫" in rows.first.inner_text()
        _screenshot(page, "paid-after-death", viewport)
        assert not errors, errors
        context.close()

    # What the screens did, as the database keeps it.
    corrected = VerificationResult.objects.get(pk=swapped)
    assert corrected.review_status == ReviewStatus.CORRECTED
    assert (corrected.proposed_by, corrected.decided_by) == (officer, approver)
    assert f"{corrected.beneficiary.date_of_birth:%d/%m/%Y}" == theirs
    own = VerificationResult.objects.get(pk=lost)
    assert (own.review_status, own.proposed_by, own.decided_by) == (
        ReviewStatus.PROPOSED, approver, "")
    assert VerificationBatch.objects.get(pk=batch).province_code == f.LAI_CHAU


def test_in_english_the_self_approval_refusal_is_english(
        live_server, transactional_db, django_db_serialized_rollback, province):
    """A proposal of the approver's own, made before the browser opens (the flow above does
    it on screen); the refusal, the title and the buttons in English."""
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, province.officer)
    run.execute(batch.pk)
    lost = VerificationResult.objects.get(batch=batch, outcome=Outcome.NOT_FOUND)
    review.propose(lost.pk, province.approver, "accept")
    title = _en("Kết quả đối chiếu cần xem xét")
    url = live_server.url
    with chromium() as browser:
        context, page, errors = _login(browser, url, province.approver.username, PHONE)
        page.goto(f"{url}{REVIEW}")
        page.click("form.lang button[value=en]")  # the header's switch, as a person taps it
        page.wait_for_url(f"**{REVIEW}")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == title
        assert title != "Kết quả đối chiếu cần xem xét", "the catalogue lacks the title"
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator(f"#decide-{lost.pk} button[value='1']").click()
        assert answer.value.status == 403
        shown = page.locator(f"#error-{lost.pk}").inner_text()
        assert shown == SELF_APPROVAL_EN, shown
        assert page.locator(f"#decide-{lost.pk} button[value='1']").inner_text() == _en("Duyệt")
        _no_sideways_scroll(page, PHONE)
        _fits_a_thumb(page, f"#decide-{lost.pk}", PHONE)
        for path in (LIST, f"/verification/{batch.pk}/", DUE, RECOVERY):
            page.goto(f"{url}{path}")
            assert page.locator("html").get_attribute("lang") == "en"
            _no_sideways_scroll(page, PHONE)
        assert errors == [REFUSED_403], errors
        context.close()
    lost.refresh_from_db()
    assert (lost.review_status, lost.decided_by) == (ReviewStatus.PROPOSED, "")


def _answer_csv(request: Path, ref: str) -> bytes:
    """The police's answer to ``request``: everyone found as sent."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow([c.heading for c in ANSWER_COLUMNS])
    for n, c in enumerate(exchange.read_request(request).checks, start=1):
        out.writerow([n, ref, c.citizen_id, YES, c.full_name, f"{c.date_of_birth:%d/%m/%Y}",
                      SEX_TEXT[c.sex], c.ward_code, NO, "", ""])
    return buf.getvalue().encode("utf-8-sig")


def test_a_file_batch_on_a_phone(live_server, transactional_db, django_db_serialized_rollback,
                                 province, tmp_path):
    """The officer starts a file batch, downloads the request file, is told what is wrong
    with a missing and a malformed answer file, then records the police's answer."""
    url = live_server.url
    with chromium() as browser:
        context, page, errors = _login(browser, url, province.officer.username, PHONE)
        page.goto(f"{url}{LIST}")
        page.check("#start-form input[name=adapter][value=file]")
        page.click("#btn-start")
        page.wait_for_url("**/verification/*/")
        batch = int(page.url.rstrip("/").rsplit("/", 1)[1])
        assert page.locator("#batch-status [data-status]").get_attribute("data-status") == (
            BatchStatus.AWAITING_ANSWER)
        _no_sideways_scroll(page, PHONE)
        link = page.locator("#link-request")
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= TOUCH, box
        assert box["x"] + box["width"] <= PHONE["width"] + 0.5, box
        _fits_a_thumb(page, "#answer-form", PHONE)
        with page.expect_download() as download:
            link.click()
        request = tmp_path / download.value.suggested_filename
        download.value.save_as(request)
        assert request.read_bytes()[:2] == b"PK"  # an xlsx archive
        _screenshot(page, "file-batch", PHONE)

        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#btn-answer")  # no file chosen
        assert answer.value.status == 400
        assert page.locator("#file-error").is_visible()
        assert page.locator("#file-error").inner_text() == "Hãy chọn tệp trả lời."
        _no_sideways_scroll(page, PHONE)
        _fits_a_thumb(page, "#answer-form", PHONE)

        page.set_input_files("#id_file", files=[{
            "name": "tra-loi.csv", "mimeType": "text/csv",
            "buffer": "Số định danh;Họ tên\r\n012345678901;Nguyễn Văn An\r\n".encode()}])
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.click("#btn-answer")
        assert answer.value.status == 400
        assert "cột" in page.locator("#file-error").inner_text()
        assert page.locator("#batch-status [data-status]").get_attribute("data-status") == (
            BatchStatus.AWAITING_ANSWER)
        _no_sideways_scroll(page, PHONE)
        _screenshot(page, "file-batch-error", PHONE)
        assert errors == [REFUSED_400, REFUSED_400], errors
        errors.clear()

        ref = run.batch_ref(VerificationBatch(pk=batch, province_code=f.LAI_CHAU))
        page.set_input_files("#id_file", files=[{
            "name": "tra-loi.csv", "mimeType": "text/csv",
            "buffer": _answer_csv(request, ref)}])
        page.click("#btn-answer")
        page.wait_for_load_state()
        assert page.locator("#answer-outcome").is_visible()
        assert page.locator("#batch-status [data-status]").get_attribute("data-status") == (
            BatchStatus.DONE)
        counts = page.locator(f"#outcome-filter a[data-outcome={Outcome.MATCH}]").inner_text()
        assert counts == f"Khớp ({PEOPLE})", counts
        _no_sideways_scroll(page, PHONE)
        assert not errors, errors
        context.close()
    done = VerificationBatch.objects.get(pk=batch)
    assert (done.status, done.people_done) == (BatchStatus.DONE, PEOPLE)


def test_the_choices_and_the_file_picker_are_a_thumbs_size(
        live_server, transactional_db, django_db_serialized_rollback, province):
    """A radio or checkbox is tapped through its label, a file picker by its own box: each
    44 px tall on a phone, like the text fields and buttons the flows above measure."""
    sim = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, province.officer)
    run.execute(sim.pk)  # the review queue's proposals
    file = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, province.officer)
    run.execute(file.pk)  # awaits the answer file
    url = live_server.url
    small = []
    with chromium() as browser:
        context, page, _errors = _login(browser, url, province.officer.username, PHONE)
        for path, selector in ((LIST, "#start-form"), (REVIEW, ".propose-form"),
                               (f"/verification/{file.pk}/", "#answer-form")):
            page.goto(f"{url}{path}")
            for form in page.locator(selector).all()[:1]:
                small += [(path, t) for t in form.evaluate(TARGETS)
                          if t["type"] in PICKERS and t["height"] < TOUCH]
        context.close()
    assert not small, small


def test_the_stacked_tables_keep_every_value_in_sight(
        live_server, transactional_db, django_db_serialized_rollback, province):
    sim = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, province.officer)
    run.execute(sim.pk)
    url = live_server.url
    hidden = []
    with chromium() as browser:
        context, page, _errors = _login(browser, url, province.officer.username, PHONE)
        for path in (LIST, f"/verification/{sim.pk}/", REVIEW, DUE, RECOVERY):
            page.goto(f"{url}{path}")
            hidden += [(path, t) for t in _out_of_sight(page)]
        context.close()
    assert not hidden, hidden
