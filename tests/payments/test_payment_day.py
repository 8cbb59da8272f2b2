"""The post office's payment day: the marks a phone posts are checked, applied through the
status ingest as a cash results file, answered per mark, and the day closed (issue 13.5)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from chitra.core.models import AuditEntry
from chitra.payments import cashform, queries
from chitra.payments.export import cashrun
from chitra.payments.export import run as export
from chitra.payments.models import (
    ExceptionKind,
    ItemStatus,
    PaymentCycle,
    PaymentItem,
    ProvincePaymentRule,
    RefusedStatusFile,
    StatusEvent,
    StatusException,
    StatusFile,
    StatusSource,
)
from chitra.payments.payment_day import (
    MAX_MARKS,
    CashReason,
    Closing,
    Mark,
    MarkResult,
    closing_problems,
    day_totals,
    parse_posted,
    results_csv,
)
from chitra.payments.services import payment_day as days
from chitra.payments.status.cashresults import read_cash_results
from chitra.payments.status.transitions import CASH_NOT_COLLECTED, CASH_PAID
from chitra.registry.models import Authorization, Beneficiary, BeneficiaryStatus, Channel
from tests import factories as f
from tests.payments.factories import NOV
from tests.security.conftest import Province

pytestmark = pytest.mark.usefixtures("paying_office")

PEOPLE = (("Lò Văn Pọm", 3_100_000), ("Tẩn Thị Mẩy", 1_234_567), ("Vàng A Sử", 2_000_000))


@dataclass
class Day:
    cycle: PaymentCycle
    point_id: int
    day: date
    items: list[PaymentItem]  # by name
    province: Province

    @property
    def url(self) -> str:
        return f"/payments/payment-day/{self.cycle.pk}/{self.point_id}/{self.day:%Y-%m-%d}/"


def _point_people(code: str, ward: str, names: tuple[tuple[str, int], ...]) -> int:
    point = f.payment_point(ward, code)
    for name, amount in names:
        b = f.beneficiary(name, amount=amount, ward_code=ward, province_code=code)
        b.payment_point = point
        b.save(update_fields=["payment_point"])
    return point.pk


def _exported(code: str, out: Path) -> PaymentCycle:
    from chitra.payments import services

    cycle = services.open_cycle(code, NOV, "officer")
    services.compute_cycle(cycle.pk, "officer")
    services.approve_cycle(cycle.pk, "approver")
    export.export_cycle(cycle.pk, "officer", out, cash_lists=False)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def lc(settings, tmp_path, lai_chau: Province) -> Day:
    settings.VAR_DIR = tmp_path / "var"
    point = _point_people(f.LAI_CHAU, f.DOAN_KET, PEOPLE)
    # Another point of the province: not on this day's list. (No bank people: the export
    # of pain.001 is not what is tested here.)
    _point_people(f.LAI_CHAU, f.DOAN_KET, (("Nguyễn Văn Đức", 4_000_000),))
    cycle = _exported(f.LAI_CHAU, tmp_path / "out")
    items = list(PaymentItem.objects.filter(cycle=cycle, payment_point_id=point)
                 .select_related("cycle").order_by("full_name"))
    return Day(cycle, point, items[0].payment_date, items, lai_chau)


def _body(*marks: tuple[str, PaymentItem, str, str | None], close: dict | None = None) -> bytes:
    data: dict = {"marks": [{"id": cid, "item": it.pk, "result": result,
                             **({"reason": reason} if reason else {})}
                            for cid, it, result, reason in marks]}
    if close is not None:
        data["close"] = close
    return json.dumps(data).encode()


def _status(item: PaymentItem) -> tuple[str, str]:
    it = PaymentItem.objects.get(pk=item.pk)
    return it.current_status, it.reason_code


def _post(client: Client, d: Day, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(d.url + "sync", body, content_type="application/json")


# --- the marks, pure -------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    None, [], "marks", {"marks": {}}, {"marks": [], "extra": 1}, {"marks": [1]},
    {"marks": [{"id": "a", "item": True, "result": "paid"}]},
    {"marks": [{"id": "a", "item": 1.5, "result": "paid"}]},
    {"marks": [{"id": "a", "item": "7", "result": "paid"}]},
    {"marks": [{"id": "a", "item": -1, "result": "paid"}]},
    {"marks": [{"id": "a", "item": 2**70, "result": "paid"}]},
    {"marks": [{"id": "<script>", "item": 1, "result": "paid"}]},
    {"marks": [{"id": "a" * 65, "item": 1, "result": "paid"}]},
    {"marks": [{"id": "a", "item": 1, "result": "PAID"}]},
    {"marks": [{"id": "a", "item": 1, "result": "not_collected"}]},
    {"marks": [{"id": "a", "item": 1, "result": "not_collected", "reason": "MD07"}]},
    {"marks": [{"id": "a", "item": 1, "result": "paid", "reason": "absent"}]},
    {"marks": [{"id": "a", "item": 1, "result": "paid", "amount": 5}]},
    {"marks": [{"id": "a", "item": 1, "result": "paid"}, {"id": "a", "item": 2, "result": "paid"}]},
    {"marks": [{"id": "a", "item": 1, "result": "paid"}, {"id": "b", "item": 1, "result": "paid"}]},
    {"marks": [], "close": {"id": "c", "cash_returned": -1}},
    {"marks": [], "close": {"id": "c", "cash_returned": "100"}},
    {"marks": [], "close": {"id": "c", "cash_returned": 1, "note": "x" * 501}},
    {"marks": [], "close": [1]},
    {"marks": [{"id": f"m{i}", "item": i + 1, "result": "paid"} for i in range(MAX_MARKS + 1)]},
])
def test_malformed_marks_are_refused_with_a_reason(body) -> None:  # type: ignore[no-untyped-def]
    posted, problems = parse_posted(body)
    assert posted is None
    assert problems
    assert all(p.message_vi and p.message_en and p.code for p in problems)


def test_every_problem_is_reported_at_once() -> None:
    _, problems = parse_posted({"marks": [
        {"id": "a", "item": 0, "result": "paid"}, {"id": "b", "item": 1, "result": "gone"}],
        "close": {"id": "", "cash_returned": 5}})
    assert [(p.row, p.code) for p in problems] == [(1, "bad_item"), (2, "bad_result"),
                                                   (None, "bad_id")]


def test_good_marks_are_read() -> None:
    posted, problems = parse_posted({"marks": [
        {"id": "a-1", "item": 7, "result": "paid"},
        {"id": "a-2", "item": 8, "result": "not_collected", "reason": "deceased"}],
        "close": {"id": "c", "cash_returned": 0, "note": " thiếu 1 tờ "}})
    assert problems == []
    assert posted is not None
    assert posted.marks == [Mark("a-1", 7, MarkResult.PAID),
                            Mark("a-2", 8, MarkResult.NOT_COLLECTED, CashReason.DECEASED)]
    assert posted.closing == Closing("c", 0, "thiếu 1 tờ")


def test_the_results_file_is_what_the_cash_results_reader_reads(tmp_path) -> None:
    marks = [Mark("z", 9, MarkResult.NOT_COLLECTED, CashReason.DECEASED),
             Mark("y", 3, MarkResult.PAID), Mark("x", 5, MarkResult.NOT_COLLECTED,
                                                 CashReason.ABSENT)]
    items = {3: ("E3", 100), 5: ("E5", 200), 9: ("E9", 300)}
    data = results_csv(marks, items)
    assert data == results_csv(list(reversed(marks)), items)  # same marks, same bytes
    assert data.decode().splitlines() == [
        "Mã giao dịch,Số tiền (đồng),Kết quả,Lý do", "E3,100,Đã chi,",
        "E5,200,Chưa nhận,ABSENT", "E9,300,Chưa nhận,DEATH"]
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    assert [(r.row, r.end_to_end_id, r.code, r.reason, r.amount)
            for r in read_cash_results(path)] == [
        (2, "E3", CASH_PAID, "", 100), (3, "E5", CASH_NOT_COLLECTED, "ABSENT", 200),
        (4, "E9", CASH_NOT_COLLECTED, "DEATH", 300)]


def test_totals_and_what_blocks_the_closing() -> None:
    t = day_totals([(100, MarkResult.PAID), (200, MarkResult.NOT_COLLECTED), (400, None)])
    assert (t.people, t.amount, t.paid, t.paid_amount, t.not_collected, t.unmarked,
            t.to_hand_back) == (3, 700, 1, 100, 1, 1, 600)
    assert [p.code for p in closing_problems(t, Closing("c", 600))] == ["unmarked"]
    done = day_totals([(100, MarkResult.PAID), (200, MarkResult.NOT_COLLECTED)])
    assert closing_problems(done, Closing("c", 200)) == []
    assert [p.code for p in closing_problems(done, Closing("c", 150))] == ["cash_mismatch"]
    assert closing_problems(done, Closing("c", 150, "Thiếu 50 đ, đã báo trưởng bưu cục")) == []


# --- the screen ------------------------------------------------------------------------------

def test_the_post_office_sees_its_day_with_amounts_proxies_and_codes(lc: Day, login) -> None:
    pom = lc.items[0]
    Authorization.objects.create(beneficiary_id=pom.beneficiary_id, proxy_name="Lò Thị En",
                                 proxy_citizen_id="012345678901", valid_from=date(2026, 10, 1),
                                 valid_to=date(2027, 9, 30), created_by="t")
    client = login(lc.province.post_office)
    page = client.get("/payments/payment-day/").content.decode()
    assert f"/payments/payment-day/{lc.cycle.pk}/" in page
    places = client.get(f"/payments/payment-day/{lc.cycle.pk}/").content.decode()
    assert lc.url in places
    assert "6.334.567 ₫" in places
    assert "4.000.000 ₫" in places
    response = client.get(lc.url)
    assert response.status_code == 200
    html = response.content.decode()
    for it in lc.items:
        assert it.full_name in html
        assert it.end_to_end_id in html
        assert f"…{it.citizen_id[-4:]}" in html
        assert it.citizen_id not in html
    assert "1.234.567 ₫" in html
    assert "Người nhận thay: Lò Thị En" in html
    assert 'id="pd-hand-back">6.334.567 ₫' in html  # nothing paid yet: all comes back
    assert "Nguyễn Văn Đức" not in html  # paid at another point
    for label in ("Đã chi", "Vắng mặt", "Đã chết", "Từ chối", "Chốt", 'type="search"'):
        assert label in html


def test_the_screen_reads_a_fixed_number_of_queries(lc: Day, login,
                                                    django_assert_max_num_queries) -> None:
    client = login(lc.province.post_office)
    client.get(lc.url)
    with django_assert_max_num_queries(12):
        client.get(lc.url)


def test_the_service_worker_is_served_for_the_screens_path(client) -> None:
    response = client.get("/payments/payment-day/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"addEventListener(\"fetch\"" in response.content


# --- sync ------------------------------------------------------------------------------------

def test_marks_apply_as_an_uploaded_results_file(lc: Day, login, settings) -> None:
    pom, may, su = lc.items
    response = _post(login(lc.province.post_office), lc, _body(
        ("m1", pom, "paid", None), ("m2", may, "not_collected", "absent"),
        ("m3", su, "not_collected", "deceased")))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["outcomes"] == {m: {"state": "sent", "message": ""} for m in ("m1", "m2", "m3")}
    assert answer["file"]["applied"] == 3
    assert not answer["file"]["duplicate"]
    assert answer["totals"] == {"people": 3, "amount": 6_334_567, "paid": 1,
                                "paid_amount": 3_100_000, "not_collected": 2, "unmarked": 0,
                                "to_hand_back": 3_234_567}
    assert _status(pom) == (ItemStatus.PAID, "")
    assert _status(may) == (ItemStatus.REJECTED, "ABSENT")
    assert _status(su) == (ItemStatus.REJECTED, "DEATH")
    sf = StatusFile.objects.get()
    assert sf.source == StatusSource.CASH
    assert sf.received_by == lc.province.post_office.username
    kept = Path(settings.VAR_DIR) / "payment-day" / f"12-{NOV:%Y-%m}" / sf.file_name
    assert kept.read_text().startswith("Mã giao dịch,Số tiền (đồng),Kết quả,Lý do\n")
    assert f"DCT{lc.point_id}-{lc.day:%Y%m%d}" in sf.file_name
    assert StatusEvent.objects.filter(source_file=sf).count() == 3
    # Deceased: not stopped by the mark alone, held for BHXH to confirm.
    dead = Beneficiary.objects.get(pk=su.beneficiary_id)
    assert dead.status == BeneficiaryStatus.ACTIVE
    assert StatusException.objects.get(item=su).kind == ExceptionKind.DEATH_REPORTED
    assert Beneficiary.objects.get(pk=may.beneficiary_id).status == BeneficiaryStatus.ACTIVE
    rec = queries.reconciliation(lc.cycle, lc.day + timedelta(days=1))
    counts = {t.key: t.count for t in rec.by_status}
    assert (counts[ItemStatus.PAID], counts[ItemStatus.REJECTED]) == (1, 2)


def test_the_same_marks_sent_again_change_nothing(lc: Day, login) -> None:
    pom, may, _ = lc.items
    client = login(lc.province.post_office)
    body = _body(("m1", pom, "paid", None), ("m2", may, "not_collected", "refused"))
    assert _post(client, lc, body).status_code == 200
    events = StatusEvent.objects.count()
    again = _post(client, lc, body).json()
    assert again["file"]["duplicate"] is True
    assert {o["state"] for o in again["outcomes"].values()} == {"sent"}
    assert StatusFile.objects.count() == 1
    assert StatusEvent.objects.count() == events
    # A mark already applied, with others, from another phone (new ids): unchanged.
    more = _post(client, lc, _body(("n1", pom, "paid", None),
                                   ("n2", lc.items[2], "paid", None))).json()
    assert more["file"]["applied"] == 1
    assert more["file"]["unchanged"] == 1
    assert more["outcomes"]["n1"]["state"] == more["outcomes"]["n2"]["state"] == "sent"
    assert _status(pom) == (ItemStatus.PAID, "")


def test_a_mark_contradicting_what_is_recorded_is_not_taken_silently(lc: Day, login) -> None:
    pom, may, _ = lc.items
    client = login(lc.province.post_office)
    _post(client, lc, _body(("m1", pom, "paid", None)))
    answer = _post(client, lc, _body(("m2", pom, "not_collected", "absent"),
                                     ("m3", may, "paid", None))).json()
    assert answer["outcomes"]["m2"]["state"] == "refused"
    assert answer["outcomes"]["m2"]["message"]
    assert _status(pom) == (ItemStatus.PAID, "")


@pytest.mark.parametrize("body", [
    b"not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'{"marks": "all"}',
    b'{"marks": [{"id": "a", "item": 1, "result": "paid", "__proto__": 1}]}',
])
def test_hostile_bodies_are_refused_and_nothing_applies(lc: Day, login, body: bytes) -> None:
    response = _post(login(lc.province.post_office), lc, body)
    assert response.status_code == 400
    assert response.json()["problems"][0]["message"]
    assert not StatusFile.objects.exists()
    assert not RefusedStatusFile.objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(lc: Day, login) -> None:
    response = _post(login(lc.province.post_office), lc, b" " * (days.MAX_BODY + 1))
    assert response.status_code == 400
    assert response.json()["problems"][0]["code"] == "too_big"


def test_someone_not_on_the_days_list_refuses_the_whole_sync(lc: Day, login, tmp_path,
                                                             dien_bien: Province) -> None:
    ProvincePaymentRule.objects.create(province_code=f.DIEN_BIEN, debtor_name="BHXH ĐIỆN BIÊN",
                                       debtor_account="8800201001211",
                                       debtor_agent_bic="VBAAVNVX")
    _point_people(f.DIEN_BIEN, f.DIEN_BIEN_PHU, (("Quàng Thị Noọng", 900_000),))
    theirs = PaymentItem.objects.get(
        cycle=_exported(f.DIEN_BIEN, tmp_path / "db"), channel=Channel.CASH)
    elsewhere = PaymentItem.objects.get(cycle=lc.cycle, full_name="Nguyễn Văn Đức")
    client = login(lc.province.post_office)
    for stranger in (theirs, elsewhere):
        response = _post(client, lc, _body(("ok", lc.items[0], "paid", None),
                                           ("x", stranger, "paid", None)))
        assert response.status_code == 400
        problems = response.json()["problems"]
        assert [(p["id"], p["code"]) for p in problems] == [("x", "unknown_item")]
        assert "Quàng" not in response.content.decode()
    assert not StatusFile.objects.exists()
    assert _status(lc.items[0])[0] == ItemStatus.SENT


# --- who ---------------------------------------------------------------------------------------

def test_another_provinces_post_office_and_a_bank_are_refused(lc: Day, login,
                                                              dien_bien: Province) -> None:
    body = _body(("m1", lc.items[0], "paid", None))
    for user in (dien_bien.post_office, dien_bien.officer, lc.province.bank,
                 lc.province.ward_team):
        client = login(user)
        assert client.get(lc.url).status_code == 404
        assert client.get(f"/payments/payment-day/{lc.cycle.pk}/").status_code in (403, 404)
        assert _post(client, lc, body).status_code == 404
        assert _post(client, lc, b" " * (days.MAX_BODY + 1)).status_code == 404  # unread
    assert login(lc.province.bank).get("/payments/payment-day/").status_code == 403
    assert not StatusFile.objects.exists()
    assert _status(lc.items[0])[0] == ItemStatus.SENT


def test_bhxh_staff_of_the_province_may_mark_too(lc: Day, login) -> None:
    response = _post(login(lc.province.officer), lc, _body(("m1", lc.items[0], "paid", None)))
    assert response.json()["outcomes"]["m1"]["state"] == "sent"


def test_a_day_that_does_not_exist_is_not_found(lc: Day, login) -> None:
    client = login(lc.province.post_office)
    base = f"/payments/payment-day/{lc.cycle.pk}"
    for url in (f"{base}/{lc.point_id}/{lc.day + timedelta(days=1):%Y-%m-%d}/",
                f"{base}/{lc.point_id}/2026-02-30/", f"{base}/{lc.point_id}/05-11-2026/",
                f"{base}/{lc.point_id + 1000}/{lc.day:%Y-%m-%d}/"):
        assert client.get(url).status_code == 404


# --- closing the day -----------------------------------------------------------------------

def test_the_day_closes_only_when_everyone_is_marked_and_the_cash_is_explained(
        lc: Day, login) -> None:
    pom, may, su = lc.items
    client = login(lc.province.post_office)
    early = _post(client, lc, _body(("m1", pom, "paid", None),
                                    close={"id": "c1", "cash_returned": 0})).json()
    assert [p["code"] for p in early["close_problems"]] == ["unmarked", "cash_mismatch"]
    assert early["closed"] is None
    short = _post(client, lc, _body(("m2", may, "not_collected", "absent"),
                                    ("m3", su, "paid", None),
                                    close={"id": "c2", "cash_returned": 1_000_000})).json()
    assert [p["code"] for p in short["close_problems"]] == ["cash_mismatch"]
    explained = {"id": "c3", "cash_returned": 1_000_000, "note": "Thiếu 234.567 đ, lập biên bản"}
    done = _post(client, lc, _body(close=explained)).json()
    assert done["close_problems"] == []
    assert (done["closed"]["id"], done["closed"]["to_hand_back"],
            done["closed"]["difference"]) == ("c3", 1_234_567, -234_567)
    assert _post(client, lc, _body(close=explained)).json()["closed"]["id"] == "c3"
    assert AuditEntry.objects.filter(action="payment_day.close").count() == 1
    assert "Đã chốt bởi" in client.get(lc.url).content.decode()


# --- review fixes (proxies in the cash list, queries, language) ------------------------------

def _letter(item: PaymentItem, name: str, start: date, end: date) -> None:
    Authorization.objects.create(beneficiary_id=item.beneficiary_id, proxy_name=name,
                                 proxy_citizen_id="012345678901", valid_from=start,
                                 valid_to=end, created_by="t")


def test_the_cash_list_names_the_proxy_whose_letter_covers_the_day(lc: Day, tmp_path) -> None:
    pom, may, su = lc.items
    _letter(pom, "Lò Thị En", lc.day - timedelta(days=30), lc.day + timedelta(days=300))
    _letter(pom, "Lò Văn Cũ", lc.day - timedelta(days=200), lc.day + timedelta(days=100))
    _letter(may, "Hết Hạn", lc.day - timedelta(days=300), lc.day - timedelta(days=1))
    _letter(su, "Chưa Tới", lc.day + timedelta(days=1), lc.day + timedelta(days=300))
    with CaptureQueriesContext(connection) as read:
        lines = list(cashrun.lines(lc.cycle, lc.day, point=lc.point_id))
    assert len(read) == 2  # the lines and the letters, however many people
    assert [(line.full_name, line.proxy_name) for line in lines] == [
        ("Lò Văn Pọm", "Lò Thị En"), ("Tẩn Thị Mẩy", None), ("Vàng A Sử", None)]
    written = cashrun.write_all(lc.cycle, tmp_path / "lists")
    ws = load_workbook(next(p for p in written if f"DCT{lc.point_id}" in p.name
                            and p.suffix == ".xlsx")).active
    rows = [r for r in ws.iter_rows(values_only=True) if any(r)]
    heading = next(r for r in rows if "Người nhận thay" in r)
    name, proxy = heading.index("Họ và tên"), heading.index("Người nhận thay")
    assert {r[name]: r[proxy] for r in rows[rows.index(heading) + 1:] if r[name] in
            dict(PEOPLE)} == {"Lò Văn Pọm": "Lò Thị En", "Tẩn Thị Mẩy": None,
                              "Vàng A Sử": None}
    # The payment day shows the same proxy.
    day = days.payment_day(lc.province.post_office, lc.cycle.pk, lc.point_id, lc.day)
    assert [p.proxy_name for p in day.people] == ["Lò Thị En", "", ""]


def test_the_day_is_read_through_the_cash_index(lc: Day, login) -> None:
    with CaptureQueriesContext(connection) as read:
        days.payment_day(lc.province.post_office, lc.cycle.pk, lc.point_id, lc.day)
    items = [q["sql"] for q in read.captured_queries if 'FROM "payments_paymentitem"' in q["sql"]]
    assert items
    assert all('"provider_id" IS NULL' in sql for sql in items)


def test_a_sync_reads_the_day_once_and_then_only_its_statuses(lc: Day, login) -> None:
    client = login(lc.province.post_office)
    client.get(lc.url)
    with CaptureQueriesContext(connection) as sync:
        assert _post(client, lc, _body(("m1", lc.items[0], "paid", None))).status_code == 200
    letters = [q for q in sync.captured_queries if "registry_authorization" in q["sql"]]
    assert len(letters) == 1


def test_answers_are_in_the_language_the_officer_reads(lc: Day, login) -> None:
    pom = lc.items[0]
    client = login(lc.province.post_office)
    _post(client, lc, _body(("m1", pom, "paid", None)))
    vi = _post(client, lc, _body(("m2", pom, "not_collected", "absent"))).json()
    assert vi["outcomes"]["m2"]["message"].startswith("Đã ghi nhận trước đó: đã chi")
    client.cookies["django_language"] = "en"
    en = _post(client, lc, _body(("m3", pom, "not_collected", "refused"))).json()
    assert en["outcomes"]["m3"]["message"].startswith("Already recorded as paid")
    refused = _post(client, lc, b"not json").json()
    assert refused["message"] == "The marks were not taken; nothing changed."
    assert refused["problems"][0]["message"] == "The data sent is not JSON."
    for answer in (vi, en, refused):
        assert " / " not in json.dumps(answer, ensure_ascii=False)


def test_the_reasons_are_those_of_the_filled_in_list() -> None:
    listed = {code: label for label, code, _ in cashform.REASONS}
    for reason in CashReason:
        assert listed[reason.code] == reason.label
    assert CashReason.DECEASED.code == cashform.DECEASED


def test_logging_out_clears_the_pages_and_marks_kept_on_the_phone(lc: Day, login) -> None:
    client = login(lc.province.post_office)
    assert client.get(lc.url).status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get(lc.url).status_code == 302  # signed out
