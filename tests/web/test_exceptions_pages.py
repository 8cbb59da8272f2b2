"""The exceptions queue on screen: the province's queue with its counts and filters, one
line's detail, and the maker–checker forms (POST only, CSRF, 404 for another province)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chitra.payments.models import ExceptionKind, ExceptionState, ItemStatus, StatusException
from tests.payments.exception_factories import held, sent_items, set_status
from tests.payments.factories import DEC

K = ExceptionKind


@pytest.fixture
def exc(lai_chau) -> StatusException:
    (item,) = sent_items(names=("Tẩn Thị Mẩy",))
    item = set_status(item, ItemStatus.PAID)
    return held(item, K.CONFLICT, "RJCT", reason="AG01", amount=4_000_000,
                detail="Ngân hàng huỷ lệnh", file_name="bidv-pain002-0412.xml")


def _html(response) -> str:
    return response.content.decode()


def test_the_queue_shows_the_provinces_lines_with_counts(login, lai_chau, exc):
    response = login(lai_chau.officer).get(reverse("payment_exceptions"))
    assert response.status_code == 200
    html = _html(response)
    assert "Tẩn Thị Mẩy" in html
    assert "bidv-pain002-0412.xml" in html
    assert f'data-exception="{exc.pk}"' in html
    assert re.search(r'data-state="open"[^>]*>Chờ xử lý: <strong>1</strong>', html)
    assert "4.000.000 ₫" in html
    assert "4.200.000 ₫" in html


def test_the_queue_filters_by_state_kind_and_cycle(login, lai_chau, exc):
    client = login(lai_chau.officer)
    url = reverse("payment_exceptions")
    assert f'data-exception="{exc.pk}"' in _html(client.get(url, {"state": "open"}))
    assert f'data-exception="{exc.pk}"' in _html(client.get(url, {"kind": "conflict",
                                                                  "cycle": "2026-11"}))
    for query in ({"state": "resolved"}, {"kind": "unknown_code"}, {"cycle": "2026-12"}):
        html = _html(client.get(url, query))
        assert 'id="exceptions-empty"' in html, query
    assert client.get(url, {"state": "nonsense"}).status_code == 200  # shown unfiltered


def test_other_roles_get_no_queue_and_other_provinces_no_line(login, lai_chau, dien_bien,
                                                              exc):
    for user in (lai_chau.bank, lai_chau.ward_team, lai_chau.post_office, lai_chau.viewer):
        client = login(user)
        assert client.get(reverse("payment_exceptions")).status_code == 403
        assert client.get(reverse("payment_exception", args=[exc.pk])).status_code == 404
    client = login(dien_bien.officer)
    assert "Tẩn Thị Mẩy" not in _html(client.get(reverse("payment_exceptions")))
    assert client.get(reverse("payment_exception", args=[exc.pk])).status_code == 404
    for name in ("payment_exception_propose", "payment_exception_approve",
                 "payment_exception_send_back"):
        response = client.post(reverse(name, args=[exc.pk]),
                               {"resolution": "keep", "note": "x", "reason": "x"})
        assert response.status_code == 404
    exc.refresh_from_db()
    assert exc.state == ExceptionState.OPEN


def test_the_detail_shows_the_item_the_line_and_the_proposal_form(login, lai_chau, exc):
    html = _html(login(lai_chau.officer).get(reverse("payment_exception", args=[exc.pk])))
    assert "Tẩn Thị Mẩy" in html
    assert exc.item.end_to_end_id in html
    assert "bidv-pain002-0412.xml" in html
    assert "Ngân hàng huỷ lệnh" in html
    assert re.search(r'id="line-code">RJCT<', html)
    assert "AG01" in html
    assert "khác lệnh chi" in html  # the bank's amount differs from the instruction's
    assert 'id="propose-form"' in html
    assert 'value="apply"' in html
    assert 'value="keep"' in html


def test_propose_then_approve_by_another_officer_moves_the_item(login, lai_chau, exc):
    maker = login(lai_chau.officer)
    url = reverse("payment_exception_propose", args=[exc.pk])
    assert maker.get(url).status_code == 405
    response = maker.post(url, {"resolution": "apply", "note": "Ngân hàng xác nhận huỷ"})
    assert response.status_code == 302
    exc.refresh_from_db()
    assert (exc.state, exc.proposed_by) == (ExceptionState.PROPOSED, lai_chau.officer.username)
    html = _html(maker.get(reverse("payment_exception", args=[exc.pk])))
    assert 'id="exception-waiting"' in html
    assert 'id="btn-approve"' not in html
    maker.post(reverse("payment_exception_approve", args=[exc.pk]), {"confirm": "1"})
    exc.refresh_from_db()
    assert exc.state == ExceptionState.PROPOSED  # the maker's approval is refused

    checker = login(lai_chau.approver)
    html = _html(checker.get(reverse("payment_exception", args=[exc.pk])))
    assert 'id="btn-approve"' in html
    assert 'id="btn-send-back"' in html
    response = checker.post(reverse("payment_exception_approve", args=[exc.pk]),
                            {"confirm": "1"}, follow=True)
    exc.refresh_from_db()
    assert (exc.state, exc.resolved_by) == (ExceptionState.RESOLVED, lai_chau.approver.username)
    assert exc.item.status == ItemStatus.REJECTED
    html = _html(response)
    assert "Đã duyệt cách xử lý." in html
    assert 'data-exception="1"' in html


def test_send_back_needs_a_reason_and_reopens(login, lai_chau, exc):
    login(lai_chau.officer).post(reverse("payment_exception_propose", args=[exc.pk]),
                                 {"resolution": "keep", "note": "gửi nhầm"})
    checker = login(lai_chau.approver)
    url = reverse("payment_exception_send_back", args=[exc.pk])
    html = _html(checker.post(url, {"reason": "  "}, follow=True))
    assert "Cần ghi lý do." in html
    exc.refresh_from_db()
    assert exc.state == ExceptionState.PROPOSED
    checker.post(url, {"reason": "Hỏi lại ngân hàng"})
    exc.refresh_from_db()
    assert (exc.state, exc.resolution) == (ExceptionState.OPEN, "")


def test_a_proposal_without_a_reason_changes_nothing(login, lai_chau, exc):
    html = _html(login(lai_chau.officer).post(
        reverse("payment_exception_propose", args=[exc.pk]), {"resolution": "apply", "note": ""},
        follow=True))
    assert "ghi lý do" in html
    exc.refresh_from_db()
    assert exc.state == ExceptionState.OPEN


def test_changes_need_the_csrf_token(lai_chau, exc):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lai_chau.officer)
    response = client.post(reverse("payment_exception_propose", args=[exc.pk]),
                           {"resolution": "keep", "note": "x"})
    assert response.status_code == 403
    exc.refresh_from_db()
    assert exc.state == ExceptionState.OPEN


def test_the_reconciliation_page_links_the_open_count(login, lai_chau, exc):
    html = _html(login(lai_chau.officer).get(
        reverse("payment_reconciliation", args=[exc.item.cycle_id])))
    link = re.search(r'<a [^>]*id="rec-exceptions" href="([^"]+)">[^<]*\((\d+)\)</a>', html)
    assert link is not None
    assert (link.group(1), link.group(2)) == (
        f"{reverse('payment_exceptions')}?cycle=2026-11", "1")


def test_the_pages_switch_to_english(login, lai_chau, exc):
    client = login(lai_chau.officer)
    client.cookies["django_language"] = "en"
    assert client.get(reverse("payment_exception", args=[exc.pk])).status_code == 200
    assert client.get(reverse("payment_exceptions")).status_code == 200


def test_a_line_about_an_item_that_moved_offers_only_keep(login, lai_chau, exc):
    set_status(exc.item, ItemStatus.REJECTED, "AC04")  # a later file moved it
    html = _html(login(lai_chau.officer).get(reverse("payment_exception", args=[exc.pk])))
    assert 'id="exception-stale"' in html
    assert 'value="keep"' in html
    assert 'value="apply"' not in html


def test_the_queue_takes_as_many_queries_for_many_lines_as_for_one(login, lai_chau, exc):
    client = login(lai_chau.officer)
    url = reverse("payment_exceptions")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for item in sent_items(4, period=DEC)[:4]:
        held(item, K.NEEDS_REVIEW, "BLCK")
    with CaptureQueriesContext(connection) as five:
        html = _html(client.get(url))
    assert html.count("<tr data-exception=") == 5
    assert len(five) == len(one)


def test_the_filters_are_links_that_keep_the_other_filters(login, lai_chau, exc):
    client = login(lai_chau.officer)
    url = reverse("payment_exceptions")
    html = _html(client.get(url, {"kind": "conflict", "cycle": "2026-11"}))
    assert not re.search(r"<form\b(?![^>]*method=\"post\")", html)  # nothing typed in a URL
    assert f'href="{url}?state=open&amp;kind=conflict&amp;cycle=2026-11"' in html
    assert re.search(r'class="chip chip-current" data-kind="conflict"', html)
    assert f'data-kind="unknown_code" href="{url}?kind=unknown_code&amp;cycle=2026-11"' in html
    assert re.search(r'class="chip chip-current" data-period="2026-11" '
                     rf'href="{url}\?kind=conflict&amp;cycle=2026-11"', html)
    assert f'href="{url}?kind=conflict">' in html  # every period, the kind kept
    link = re.search(r'data-kind="conflict" href="([^"]+)"', html)
    assert link is not None
    followed = _html(client.get(link.group(1).replace("&amp;", "&")))
    assert f'data-exception="{exc.pk}"' in followed


def test_the_detail_shows_labels_not_stored_codes(login, lai_chau, exc):
    login(lai_chau.officer).post(reverse("payment_exception_propose", args=[exc.pk]),
                                 {"resolution": "keep", "note": "gửi nhầm"})
    html = _html(login(lai_chau.approver).get(reverse("payment_exception", args=[exc.pk])))
    trail = html[html.index('id="exception-trail"'):]
    assert "(Giữ nguyên trạng thái hiện có)" in trail
    assert "(keep)" not in trail
    assert "Đã chi" in html[html.index("khi nhận dòng"):]  # the item's status then, by label


def test_a_confirmed_death_shows_what_to_recover_on_the_detail(login, lai_chau):
    from django.utils import timezone

    from chitra.payments import services
    from chitra.payments.models import PaymentItem

    (item,) = sent_items()
    item = set_status(item, ItemStatus.REJECTED, "DEATH")
    death = held(item, ExceptionKind.DEATH_REPORTED, "CASH_NOT_COLLECTED", reason="DEATH")
    dec = services.open_cycle("12", DEC, "officer")
    services.compute_cycle(dec.pk, "officer")
    PaymentItem.objects.filter(cycle=dec).update(status=ItemStatus.PAID,
                                                 payment_date=timezone.localdate())
    paid = list(PaymentItem.objects.filter(cycle=dec, beneficiary_id=item.beneficiary_id))
    assert paid  # this month's and the reissue of the one not collected
    url = reverse("payment_exception", args=[death.pk])
    assert 'id="to-recover"' not in _html(login(lai_chau.officer).get(url))  # not yet confirmed
    services.propose_resolution(lai_chau.officer, death.pk, "apply", "Tổ công tác xác nhận")
    services.approve_resolution(lai_chau.approver, death.pk)
    html = _html(login(lai_chau.officer).get(url))
    section = html[html.index('id="to-recover"'):html.index('id="item-events"')]
    for p in paid:
        assert f"{p.amount:,}".replace(",", ".") + " ₫" in section
    assert section.count("<tr>") == len(paid) + 1  # the heading row and one per item
    assert paid[0].citizen_id[-4:] in section


def test_only_an_approver_other_than_the_maker_is_offered_approve(login, lai_chau, exc):
    from chitra.access.models import Role
    from tests import factories as f

    url = reverse("payment_exception", args=[exc.pk])
    login(lai_chau.officer).post(reverse("payment_exception_propose", args=[exc.pk]),
                                 {"resolution": "keep", "note": "Đã gọi ngân hàng"})
    other_officer = f.user(Role.BHXH_OFFICER, lai_chau.officer.organization,
                           username="lc_officer2")
    for user, offered in ((lai_chau.officer, False), (other_officer, False),
                          (lai_chau.approver, True)):
        html = _html(login(user).get(url))
        assert ('id="btn-approve"' in html) is offered, user.username
        assert ('id="exception-waiting"' in html) is not offered
