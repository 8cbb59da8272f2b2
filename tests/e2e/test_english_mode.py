"""English mode (issue 14), in real headless Chromium at 360 px: after the EN button in the
header, the screens people work from — the ward's worklist, the beneficiary list with a
filter, a payment cycle, its reconciliation and the method-change queue — show statuses,
filters and labels in English; and in neither language does an internal name (a field, a
file type, a system actor, a spreadsheet column) reach the page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation

from chitra.access.models import OrganizationKind, Role
from chitra.outreach import services as outreach
from chitra.outreach.models import Referral
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.models import PaymentCycle, PaymentFile, PaymentItem
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import Channel
from tests import factories as f
from tests.e2e.signin import sign_in
from tests.e2e.test_payment_journey import office  # noqa: F401 - a fixture
from tests.e2e.test_ward_journey import (  # noqa: F401 - http_cookies is a fixture
    PHONE,
    _no_horizontal_scroll,
    chromium,
    http_cookies,
)
from tests.payments.factories import NOV
from tests.payments.status_files import pain002

pytestmark = [pytest.mark.browser,
              pytest.mark.usefixtures("http_cookies", "office", "audit_cleared_after")]
# Vietnamese words that must not be left on an English page (statuses, a channel, a filter).
VIETNAMESE = ("Đã chi", "Bị từ chối", "Chờ duyệt", "Tiền mặt", "Tất cả")
# Names from the code and the files, never meant for a reader in either language.
INTERNAL = ("citizen_id", "end_to_end_id", "pain002", "system:", "nha_cung_cap")


def _login(browser, url: str, username: str):  # type: ignore[no-untyped-def]
    return sign_in(browser, url, username, PHONE, phone=True)


def _english(page) -> None:  # type: ignore[no-untyped-def]
    """The EN button in the header, as a person taps it (no script needed)."""
    assert page.locator("form.lang button[value=en]").is_visible()
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def _text(page) -> str:  # type: ignore[no-untyped-def]
    _no_horizontal_scroll(page)
    return str(page.evaluate("document.body.innerText"))


def _clean(text: str, where: str, *, english: bool) -> None:
    leaked = [w for w in INTERNAL if w in text]
    assert not leaked, f"{where} shows internal names {leaked}"
    if english:
        left = [w for w in VIETNAMESE if w in text]
        assert not left, f"{where} in English still says {left}"


def _en(vietnamese: str) -> str:
    with translation.override("en"):
        return translation.gettext(vietnamese)


@pytest.fixture
def reconciled(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A small November cycle, exported, with BIDV's reply: one paid, one rejected (AC04);
    a cash recipient of Đoàn Kết with an overdue referral and a method change waiting."""
    officer = f.user(Role.BHXH_OFFICER, username="can.bo")
    approver = f.user(Role.BHXH_APPROVER, username="lanh.dao")
    ward = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET),
                  username="to.cong.tac")
    bidv = f.user(Role.BANK_OPERATOR, f.organization(
        OrganizationKind.BANK, provider=f.provider("BIDV"), name="BIDV Lai Châu"),
        username="bidv.laichau")
    pom = f.beneficiary("Lò Văn Pọm", amount=3_100_000)
    ok = f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                       account_number="123456789012", amount=4_200_000)
    bad = f.beneficiary("Vàng A Sử", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                        account_number="123456789013", amount=5_000_000)
    cycle = services.open_cycle("12", NOV, officer.username)
    services.compute_cycle(cycle.pk, officer.username)
    services.approve_cycle(cycle.pk, approver.username)
    export.export_cycle(cycle.pk, officer.username)
    msg_id = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV").msg_id
    e2e = {b: str(PaymentItem.objects.get(cycle=cycle, beneficiary=b).end_to_end_id)
           for b in (ok, bad)}
    reply = tmp_path / "bidv.xml"
    reply.write_bytes(pain002(msg_id, [(e2e[ok], "ACSC", None, None),
                                       (e2e[bad], "RJCT", "AC04", None)]))
    result = ingest_status_file(reply, bidv)
    assert not result.problems, result.problems
    Referral.objects.create(beneficiary=pom, provider=f.provider("Agribank"),
                            ward_code=pom.ward_code, requested_by=ward.username,
                            deadline=timezone.localdate() - timedelta(days=3))
    outreach.submit_method_change(ward, pom.pk, channel=Channel.BANK_ACCOUNT,
                                  provider_id=f.provider("Agribank").pk,
                                  account_number="8800205123456", holder_name=pom.full_name)
    return PaymentCycle.objects.get(pk=cycle.pk), officer, ward


def test_english_mode_speaks_english_and_no_page_shows_internal_names(
        live_server, transactional_db, django_db_serialized_rollback, reconciled):
    cycle, officer, ward = reconciled
    url = live_server.url
    with chromium() as browser:
        for english in (True, False):
            _ward_pages(browser, url, ward.username, english=english)
            _office_pages(browser, url, officer.username, cycle, english=english)


def _ward_pages(browser, url: str, username: str, *, english: bool) -> None:  # type: ignore[no-untyped-def]
    context, page, errors = _login(browser, url, username)
    if english:
        _english(page)

    page.goto(f"{url}/outreach/")
    text = _text(page)
    _clean(text, "the worklist", english=english)
    # Lò Văn Pọm on cash; Vàng A Sử back on cash after the bank returned the transfer.
    assert page.locator("#worklist tbody tr").count() == 2
    overdue = page.locator("#worklist .chip-overdue").inner_text()
    returned = page.locator("#worklist .chip-rejected").inner_text()
    if english:
        assert page.locator("#worklist-views a").first.inner_text() == "All"
        assert (overdue, returned) == ("overdue", "bank payment failed")
        assert _en("Đã giới thiệu") in page.locator("#worklist tbody").inner_text()
    else:
        assert (overdue, returned) == ("quá hạn", "chuyển khoản bị trả lại")

    page.goto(f"{url}/beneficiaries/")
    page.select_option("#id_channel", "cash")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/beneficiaries/?**")
    text = _text(page)
    _clean(text, "the beneficiary list", english=english)
    assert page.locator("#beneficiaries tbody tr").count() == 2  # the two on cash
    chips = set(page.locator("#beneficiaries .chip").all_inner_texts())
    assert len(chips) == 1, chips
    chip = chips.pop()
    selected = page.locator("#id_channel option:checked").inner_text()
    if english:
        assert page.locator("label[for=id_ward]").inner_text() == "Ward/commune"
        assert page.locator("label[for=id_channel]").inner_text() == "Payment channel"
        assert page.locator("label[for=id_benefit_type]").inner_text() == "Benefit type"
        assert (chip, selected) == ("Cash", "Cash")
        assert page.locator("#id_benefit_type option").first.inner_text() == "All"
    else:
        assert (chip, selected) == ("Tiền mặt", "Tiền mặt")
    assert not errors, errors
    context.close()


def _office_pages(browser, url: str, username: str, cycle: PaymentCycle, *,  # type: ignore[no-untyped-def]
                  english: bool) -> None:
    context, page, errors = _login(browser, url, username)
    if english:
        _english(page)

    page.goto(f"{url}/payments/{cycle.pk}/")
    _clean(_text(page), "the cycle", english=english)
    shown = page.locator("#cycle-status").inner_text().strip()
    status = cycle.get_status_display()
    assert shown == (_en(status) if english else status)
    if english:
        assert shown != status, f"the cycle's status is not translated: {shown}"

    page.goto(f"{url}/payments/{cycle.pk}/reconciliation/")
    text = _text(page)
    _clean(text, "the reconciliation", english=english)
    paid = page.locator("tr[data-status=paid] .chip").inner_text()
    rejected = page.locator("tr[data-status=rejected] .chip").inner_text()
    if english:
        assert (paid, rejected) == ("Paid", "Rejected")
        assert "Account closed (AC04)" in text
    else:
        assert (paid, rejected) == ("Đã chi", "Bị từ chối")
        assert "Tài khoản đã đóng (AC04)" in text

    page.goto(f"{url}/outreach/changes/")
    text = _text(page)
    _clean(text, "the method-change queue", english=english)
    count = page.locator("#changes-count").inner_text()
    assert count.startswith("Waiting for approval" if english else "Chờ duyệt"), count
    assert page.locator("#method-changes .chip-paid").inner_text() == (
        "passed" if english else "đạt")
    assert not errors, errors
    context.close()
