"""The verification screens (issue 16, item 5): batches, one batch's results, the police's
answer file, the review queue, and who is due a verification. Each province sees its own;
the police only the batches sent to their organization; a refusal is a message on the page
and changes nothing; a GET changes nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.test import Client

from chitra.access.models import OrganizationKind, Role
from chitra.core.models import AuditEntry
from chitra.payments import services as payments
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry import services as registry
from chitra.registry.models import Beneficiary
from chitra.verification import exchange, run, services
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
from chitra.verification.population import PopulationRecord
from tests import factories as f
from tests.payments.factories import NOV

LIST = "/verification/"
REVIEW = "/verification/review/"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def record(b: Beneficiary) -> PopulationRecord:
    return PopulationRecord(b.citizen_id, b.full_name, b.date_of_birth, b.sex, b.ward_code)


@pytest.fixture
def batches(lai_chau, dien_bien) -> dict[str, VerificationBatch]:  # type: ignore[no-untyped-def]
    """A finished batch of each province. Lai Châu's: Hoa's name without accents, Đức's day
    and month swapped, Pọm not found, Mẩy a match."""
    hoa = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    duc = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 4, 3))
    f.beneficiary("Lò Văn Pọm")
    may = f.beneficiary("Tẩn Thị Mẩy")
    inh = f.beneficiary("Quàng Văn Inh", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    population = {hoa.citizen_id: replace(record(hoa), full_name="NGUYEN THI HOA"),
                  duc.citizen_id: replace(record(duc), date_of_birth=date(1950, 3, 4)),
                  may.citizen_id: record(may)}
    lc = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    services.run_batch(lc.pk, InMemoryPopulationAdapter(population))
    db = services.create_batch(f.DIEN_BIEN, AdapterKind.SIM, dien_bien.officer)
    services.run_batch(db.pk, InMemoryPopulationAdapter({inh.citizen_id: record(inh)}))
    return {"lc": lc, "db": db}


def listed(html: str) -> set[int]:
    table = html.split('id="batches"')[1].split("</table>")[0] if 'id="batches"' in html else ""
    return {int(pk) for pk in re.findall(r'<tr data-id="(\d+)"', table)}


def result_of(name: str) -> VerificationResult:
    return VerificationResult.objects.get(beneficiary__full_name=name)


# --- the batches ------------------------------------------------------------------------------

def test_each_sees_only_their_batches(login, batches, lai_chau, dien_bien):
    lc, db = batches["lc"].pk, batches["db"].pk
    page = login(lai_chau.officer).get(LIST)
    assert page.status_code == 200
    assert listed(page.text) == {lc}
    assert 'data-outcome="name_differs"' in page.text
    assert 'id="start-form"' in page.text
    assert listed(login(dien_bien.officer).get(LIST).text) == {db}
    police = login(lai_chau.police).get(LIST)
    assert listed(police.text) == {lc}  # sent to its organization
    assert 'id="start-form"' not in police.text
    assert listed(login(dien_bien.police).get(LIST).text) == {db}
    # Another police organization of the same province: nothing was sent to it.
    other_org = f.organization(OrganizationKind.POLICE, province_code=f.LAI_CHAU)
    assert listed(login(f.user(Role.POLICE_VERIFIER, other_org)).get(LIST).text) == set()
    assert login(f.user(Role.POLICE_VERIFIER, other_org)).get(
        f"/verification/{lc}/").status_code == 404
    assert login(lai_chau.bank).get(LIST).status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_its_answer_for_a_batch(login, batches, lai_chau, role):
    """BHXH staff and the police it was sent to see the batch; a police verifier may not
    start one (403); everybody else finds nothing (404), even with a POST."""
    user = next((u for u in lai_chau.users() if u.role == role), None) or f.user(role)
    client = login(user)
    detail = client.get(f"/verification/{batches['lc'].pk}/")
    before = VerificationBatch.objects.count()
    started = client.post(LIST, {"adapter": "sim"})
    if role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER):
        assert detail.status_code == 200
        assert started.status_code == 302
        assert VerificationBatch.objects.count() == before + 1
        return
    if role == Role.POLICE_VERIFIER:
        assert detail.status_code == 200
        assert client.get(LIST).status_code == 200
        assert started.status_code == 403
    else:
        assert detail.status_code == 404
        assert client.get(LIST).status_code == 404
        assert started.status_code == 404
    assert VerificationBatch.objects.count() == before


def test_another_provinces_batch_is_not_found(login, batches, dien_bien):
    client = login(dien_bien.officer)
    lc = batches["lc"].pk
    assert client.get(f"/verification/{lc}/").status_code == 404
    assert client.get(f"/verification/{lc}/?outcome=match").status_code == 404
    assert client.get(f"/verification/{lc}/request.xlsx").status_code == 404
    assert client.post(f"/verification/{lc}/answer/", {}).status_code == 404


def test_an_officer_starts_a_simulated_batch_that_runs_to_the_end(login, lai_chau, dien_bien,
                                                                   settings):
    settings.TASKS = IMMEDIATE  # the worker's run, at once
    for name in ("Nguyễn Thị Hoa", "Lò Văn Pọm", "Tẩn Thị Mẩy"):
        f.beneficiary(name)
    f.beneficiary("Quàng Văn Inh", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    client = login(lai_chau.officer)
    response = client.post(LIST, {"adapter": "sim", "province": f.DIEN_BIEN})
    batch = VerificationBatch.objects.get()
    assert response.status_code == 302
    assert response.url == f"/verification/{batch.pk}/"
    # The province is the officer's own, whatever the form says.
    assert (batch.province_code, batch.adapter_kind, batch.status, batch.people_done,
            batch.people_total) == (f.LAI_CHAU, "sim", BatchStatus.DONE, 3, 3)
    assert batch.police_org.province_code == f.LAI_CHAU
    page = client.get(response.url)
    assert "3/3" in page.text
    assert 'http-equiv="refresh"' not in page.text  # done: nothing to wait for
    assert not Beneficiary.objects.filter(province_code=f.DIEN_BIEN,
                                          verification_stamp__isnull=False).exists()


def test_a_queued_batch_page_refreshes_itself(login, lai_chau):
    f.beneficiary()
    client = login(lai_chau.officer)
    client.post(LIST, {"adapter": "sim"})  # the database backend: waits for the worker
    batch = VerificationBatch.objects.get()
    assert batch.status == BatchStatus.QUEUED
    page = client.get(f"/verification/{batch.pk}/")
    assert '<meta http-equiv="refresh" content="5">' in page.text
    assert 'data-status="queued"' in page.text
    # Looking changed nothing.
    assert VerificationBatch.objects.get().status == BatchStatus.QUEUED


def test_a_bad_adapter_is_refused_at_its_field(login, lai_chau):
    response = login(lai_chau.officer).post(LIST, {"adapter": "fax"})
    assert response.status_code == 400
    assert 'id="adapter-error"' in response.text
    assert not VerificationBatch.objects.exists()


# --- results ----------------------------------------------------------------------------------

def test_results_side_by_side_filtered_by_outcome(login, batches, lai_chau):
    client = login(lai_chau.officer)
    url = f"/verification/{batches['lc'].pk}/"
    every = client.get(url).text
    rows = re.findall(r'<tr data-id="\d+" data-outcome="(\w+)"', every)
    assert sorted(rows) == sorted(["name_differs", "birth_date_differs", "not_found", "match"])
    names = client.get(url + "?outcome=name_differs").text
    assert re.findall(r'<tr data-id="\d+" data-outcome="(\w+)"', names) == ["name_differs"]
    assert "Nguyễn Thị Hoa" in names
    assert "NGUYEN THI HOA" in names
    assert "Tẩn Thị Mẩy" not in names
    born = client.get(url + "?outcome=birth_date_differs").text
    assert "03/04/1950" in born
    assert "04/03/1950" in born
    # An unknown outcome is no filter.
    assert len(re.findall(r'<tr data-id="\d+" data-outcome=', client.get(
        url + "?outcome=bogus").text)) == 4
    assert "Không tìm thấy (1)" in every


def test_results_are_paginated_by_a_hundred(login, lai_chau):
    people = [f.beneficiary("Nguyễn Văn An", dob=date(1950, 1, 1 + i % 28)) for i in range(105)]
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    services.run_batch(batch.pk, InMemoryPopulationAdapter({p.citizen_id: record(p)
                                                            for p in people}))
    client = login(lai_chau.officer)
    first = client.get(f"/verification/{batch.pk}/?outcome=match").text
    assert len(re.findall(r'<tr data-id="\d+" data-outcome=', first)) == 100
    assert "?outcome=match&amp;page=2" in first
    second = client.get(f"/verification/{batch.pk}/?outcome=match&page=2").text
    assert len(re.findall(r'<tr data-id="\d+" data-outcome=', second)) == 5


# --- the review queue -------------------------------------------------------------------------

def propose(client: Client, result: VerificationResult, **data: str):  # type: ignore[no-untyped-def]
    return client.post(f"/verification/review/{result.pk}/propose/",
                       {f"r{result.pk}-{k}": v for k, v in data.items()})


def decide(client: Client, result: VerificationResult, approve: bool, note: str = ""):  # type: ignore[no-untyped-def]
    return client.post(f"/verification/review/{result.pk}/decide/",
                       {f"r{result.pk}-approve": "1" if approve else "0",
                        f"r{result.pk}-note": note})


def test_an_officer_proposes_and_another_approves_a_correction(login, batches, lai_chau):
    duc = result_of("Nguyễn Văn Đức")
    officer = login(lai_chau.officer)
    queue = officer.get(REVIEW).text
    assert f'id="result-{duc.pk}"' in queue
    assert 'value="04/03/1950"' in queue  # the form filled with the population's date
    assert 'id="result-' + str(result_of("Tẩn Thị Mẩy").pk) + '"' not in queue
    response = propose(officer, duc, decision="correct", date_of_birth="04/03/1950",
                       note="Theo CCCD")
    assert response.status_code == 302
    duc.refresh_from_db()
    assert (duc.review_status, duc.proposed_by, duc.proposed_date_of_birth) == (
        ReviewStatus.PROPOSED, lai_chau.officer.username, date(1950, 3, 4))
    approver = login(lai_chau.approver)
    assert f'id="decide-{duc.pk}"' in approver.get(REVIEW).text
    assert decide(approver, duc, True).status_code == 302
    duc.refresh_from_db()
    assert duc.review_status == ReviewStatus.CORRECTED
    assert Beneficiary.objects.get(pk=duc.beneficiary_id).date_of_birth == date(1950, 3, 4)
    assert f'id="result-{duc.pk}"' not in approver.get(REVIEW).text


def test_accepting_drops_the_values_the_form_was_filled_with(login, batches, lai_chau):
    hoa = result_of("Nguyễn Thị Hoa")
    response = propose(login(lai_chau.officer), hoa, decision="accept",
                       full_name="NGUYEN THI HOA")
    assert response.status_code == 302
    hoa.refresh_from_db()
    assert (hoa.review_status, hoa.proposed_decision, hoa.proposed_full_name) == (
        ReviewStatus.PROPOSED, "accept", "")


def test_whoever_proposed_cannot_approve(login, batches, lai_chau):
    pom = result_of("Lò Văn Pọm")
    approver = login(lai_chau.approver)
    assert propose(approver, pom, decision="accept").status_code == 302
    assert f'id="maker-{pom.pk}"' in approver.get(REVIEW).text
    response = decide(approver, pom, True)
    assert response.status_code == 403
    assert "Người đề xuất không tự duyệt được." in response.text
    pom.refresh_from_db()
    assert (pom.review_status, pom.decided_by) == (ReviewStatus.PROPOSED, "")


def test_an_officer_cannot_decide(login, batches, lai_chau):
    pom = result_of("Lò Văn Pọm")
    assert propose(login(lai_chau.approver), pom, decision="accept").status_code == 302
    response = decide(login(lai_chau.officer), pom, True)
    assert response.status_code == 403
    assert "Chỉ lãnh đạo duyệt BHXH của tỉnh được duyệt đề xuất." in response.text
    pom.refresh_from_db()
    assert pom.review_status == ReviewStatus.PROPOSED


def test_a_rejected_proposal_waits_for_a_new_one(login, batches, lai_chau):
    pom = result_of("Lò Văn Pọm")
    assert propose(login(lai_chau.officer), pom, decision="accept").status_code == 302
    assert decide(login(lai_chau.approver), pom, False, "Cần xác minh").status_code == 302
    pom.refresh_from_db()
    assert pom.review_status == ReviewStatus.REJECTED
    page = login(lai_chau.officer).get(REVIEW).text
    assert f'id="propose-{pom.pk}"' in page
    assert "Cần xác minh" in page


def test_another_province_cannot_review(login, batches, dien_bien):
    hoa = result_of("Nguyễn Thị Hoa")
    client = login(dien_bien.officer)
    assert f'id="result-{hoa.pk}"' not in client.get(REVIEW).text
    assert propose(client, hoa, decision="accept").status_code == 404
    approver = login(dien_bien.approver)
    assert decide(approver, hoa, True).status_code == 404
    hoa.refresh_from_db()
    assert (hoa.review_status, hoa.proposed_by) == (ReviewStatus.PENDING, "")


@pytest.mark.parametrize("who", ["police", "bank", "ward_team", "viewer"])
def test_who_does_not_review_neither_sees_nor_acts(login, batches, lai_chau, who):
    client = login(getattr(lai_chau, who))
    hoa = result_of("Nguyễn Thị Hoa")
    assert client.get(REVIEW).status_code == 404
    assert propose(client, hoa, decision="accept").status_code == 403
    assert decide(client, hoa, True).status_code == 403
    hoa.refresh_from_db()
    assert hoa.review_status == ReviewStatus.PENDING


def test_bad_input_is_shown_at_its_field_and_changes_nothing(login, batches, lai_chau):
    duc = result_of("Nguyễn Văn Đức")
    client = login(lai_chau.officer)
    response = propose(client, duc, decision="correct", date_of_birth="31/02/1950")
    assert response.status_code == 400
    assert f'id="id_r{duc.pk}-date_of_birth_error"' in response.text
    assert 'value="31/02/1950"' in response.text  # kept as typed
    empty = propose(client, duc, decision="correct")
    assert empty.status_code == 400
    assert "Cần nêu giá trị cần sửa." in empty.text
    duc.refresh_from_db()
    assert duc.review_status == ReviewStatus.PENDING


def test_a_get_changes_nothing(login, batches, lai_chau):
    client = login(lai_chau.approver)
    hoa = result_of("Nguyễn Thị Hoa")
    assert client.get(f"/verification/review/{hoa.pk}/propose/").status_code == 405
    assert client.get(f"/verification/review/{hoa.pk}/decide/").status_code == 405
    assert client.get(f"/verification/{batches['lc'].pk}/answer/").status_code == 405
    hoa.refresh_from_db()
    assert hoa.review_status == ReviewStatus.PENDING


def test_english_mode_shows_english(login, batches, lai_chau):
    pom = result_of("Lò Văn Pọm")
    client = login(lai_chau.approver)
    propose(client, pom, decision="accept")
    client.post("/i18n/setlang/", {"language": "en", "next": REVIEW})
    response = decide(client, pom, True)
    assert response.status_code == 403
    assert '<html lang="en">' in response.text
    assert "Whoever proposed cannot decide." in response.text
    assert "Người đề xuất không tự duyệt được." not in response.text


# --- the file exchange ------------------------------------------------------------------------

@pytest.fixture
def file_batch(login, lai_chau, dien_bien, settings, tmp_path) -> VerificationBatch:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = IMMEDIATE
    f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    f.beneficiary("Lò Văn Pọm")
    assert login(lai_chau.officer).post(LIST, {"adapter": "file"}).status_code == 302
    batch = VerificationBatch.objects.get()
    assert batch.status == BatchStatus.AWAITING_ANSWER
    return batch


def answer_csv(batch: VerificationBatch, extra: list[list[str]] | None = None) -> bytes:
    """The police's answer: everyone asked found as sent, and ``extra`` rows."""
    ref = run.batch_ref(batch)
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow([c.heading for c in ANSWER_COLUMNS])
    asked = exchange.read_request(run.request_path(batch)).checks
    for n, c in enumerate(asked, start=1):
        out.writerow([n, ref, c.citizen_id, YES, c.full_name, f"{c.date_of_birth:%d/%m/%Y}",
                      SEX_TEXT[c.sex], c.ward_code, NO, "", ""])
    for r in extra or []:
        out.writerow([len(asked) + 1, ref, *r])
    return buf.getvalue().encode("utf-8-sig")


def upload(client: Client, batch: VerificationBatch, name: str, data: bytes):  # type: ignore[no-untyped-def]
    file = io.BytesIO(data)
    file.name = name
    return client.post(f"/verification/{batch.pk}/answer/", {"file": file, "finish": "on"})


def test_the_request_file_is_downloaded_by_bhxh_and_the_police(login, file_batch, lai_chau,
                                                               dien_bien):
    url = f"/verification/{file_batch.pk}/request.xlsx"
    page = login(lai_chau.officer).get(f"/verification/{file_batch.pk}/").text
    assert 'id="link-request"' in page
    assert 'id="answer-form"' in page
    for user in (lai_chau.officer, lai_chau.police):
        response = login(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[:2] == b"PK"  # an xlsx archive
    assert login(dien_bien.police).get(url).status_code == 404
    # The police the batch was sent to bring their answer themselves.
    assert 'id="answer-form"' in login(lai_chau.police).get(
        f"/verification/{file_batch.pk}/").text


def test_a_malformed_answer_file_is_refused_and_changes_nothing(login, file_batch, lai_chau):
    client = login(lai_chau.officer)
    bad = "Số định danh;Họ tên\r\n012345678901;Nguyễn Văn An\r\n".encode()
    response = upload(client, file_batch, "tra-loi.csv", bad)
    assert response.status_code == 400
    assert 'id="file-error"' in response.text
    assert "cột" in response.text.split('id="file-error"')[1].split("</p>")[0]
    not_a_table = upload(client, file_batch, "tra-loi.pdf", b"%PDF-1.4")
    assert not_a_table.status_code == 400
    assert "Chỉ nhận tệp .csv hoặc .xlsx." in not_a_table.text
    file_batch.refresh_from_db()
    assert file_batch.status == BatchStatus.AWAITING_ANSWER
    assert not VerificationResult.objects.exists()
    assert not AuditEntry.objects.filter(action="verification.answer_file").exists()


def test_an_answer_file_over_the_limit_is_refused_before_it_is_read(login, file_batch,
                                                                   lai_chau, monkeypatch):
    from chitra.verification import run, views

    def not_reached(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file over the limit was read")

    monkeypatch.setattr(views, "MAX_FILE_BYTES", 1 << 20)
    monkeypatch.setattr(run, "record_answer_file", not_reached)
    response = upload(login(lai_chau.officer), file_batch, "tra-loi.csv",
                      b"0" * ((1 << 20) + 1))
    assert response.status_code == 400
    assert "Tệp lớn quá 1 MB" in response.text.split('id="file-error"')[1].split("</p>")[0]
    assert not VerificationResult.objects.exists()


def test_the_answer_file_is_recorded_and_rows_set_aside_are_shown(login, file_batch,
                                                                  lai_chau):
    client = login(lai_chau.officer)
    data = answer_csv(file_batch, [["12345", YES, "Người Lạ", "01/01/1960", "Nam", "", NO,
                                    "", ""]])
    response = upload(client, file_batch, "tra-loi.csv", data)
    assert response.status_code == 200
    aside = response.text.split('id="set-aside"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-row="(\d+)" data-code="(\w+)"', aside) == [("4", "id_invalid")]
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in aside
    file_batch.refresh_from_db()
    assert (file_batch.status, file_batch.people_done) == (BatchStatus.DONE, 2)
    assert set(VerificationResult.objects.values_list("outcome", flat=True)) == {Outcome.MATCH}


def test_the_police_the_batch_was_sent_to_record_their_answer(login, file_batch, lai_chau):
    response = upload(login(lai_chau.police), file_batch, "tra-loi.csv",
                      answer_csv(file_batch))
    assert response.status_code == 200
    file_batch.refresh_from_db()
    assert (file_batch.status, file_batch.people_done) == (BatchStatus.DONE, 2)
    assert VerificationResult.objects.filter(batch=file_batch).count() == 2


def test_other_police_may_not_record_the_answer(login, file_batch, dien_bien):
    response = upload(login(dien_bien.police), file_batch, "tra-loi.csv",
                      answer_csv(file_batch))
    assert response.status_code == 404
    file_batch.refresh_from_db()
    assert file_batch.status == BatchStatus.AWAITING_ANSWER
    assert not VerificationResult.objects.exists()


# --- who is due, what was paid after a death, the menu ---------------------------------------

def test_people_not_verified_in_twelve_months(login, batches, lai_chau, dien_bien):
    late = f.beneficiary("Vàng Thị Dua")  # after the batch: never verified
    page = login(lai_chau.officer).get("/verification/due/")
    assert page.status_code == 200
    shown = set(map(int, re.findall(r'<tr data-id="(\d+)"', page.text)))
    assert late.pk in shown
    assert not shown & set(Beneficiary.objects.filter(province_code=f.DIEN_BIEN)
                           .values_list("pk", flat=True))
    assert result_of("Tẩn Thị Mẩy").beneficiary_id not in shown  # verified just now
    assert login(lai_chau.bank).get("/verification/due/").status_code == 404
    assert login(lai_chau.police).get("/verification/due/").status_code == 404


def test_payments_after_death_is_the_provinces_bhxh_page(login, lai_chau):
    page = login(lai_chau.officer).get("/payments/paid-after-death/")
    assert page.status_code == 200
    assert 'id="recovery-empty"' in page.text
    for user in (lai_chau.bank, lai_chau.police, lai_chau.ward_team):
        assert login(user).get("/payments/paid-after-death/").status_code == 404


def test_payments_after_death_are_listed_with_their_amount(login, lai_chau, dien_bien):
    pom = f.beneficiary("Lò Văn Pọm")
    inh = f.beneficiary("Quàng Văn Inh", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    for province in (f.LAI_CHAU, f.DIEN_BIEN):
        cycle = payments.open_cycle(province, NOV, "officer")
        payments.compute_cycle(cycle.pk, "officer")
    PaymentItem.objects.update(status=ItemStatus.PAID)
    for person in (pom, inh):
        item = PaymentItem.objects.get(beneficiary=person)
        registry.record_deaths({person.pk: item.payment_date - timedelta(days=3)},
                               source="test", actor="officer")
    page = login(lai_chau.officer).get("/payments/paid-after-death/").text
    table = page.split('id="paid-after-death"')[1].split("</table>")[0]
    assert "Lò Văn Pọm" in table
    assert "5.250.000 ₫" in table
    assert "Quàng Văn Inh" not in page
    assert "Lò Văn Pọm" not in login(dien_bien.officer).get("/payments/paid-after-death/").text


def test_the_menu_links_verification_for_who_sees_it(login, lai_chau):
    assert 'id="nav-verification"' in login(lai_chau.officer).get("/").text
    assert 'id="nav-verification"' in login(lai_chau.police).get("/").text
    assert 'id="nav-verification"' not in login(lai_chau.bank).get("/").text
