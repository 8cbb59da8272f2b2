"""Issue 14, broken 5, on the import and account-change pages: people by name (never a
username, "Hệ thống" for the system), one language at a time, and a confirmation before an
account change is approved or rejected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chitra.access.models import Role, User
from chitra.registry.importing import jobs
from chitra.registry.models import (
    AccountChangeStatus,
    Beneficiary,
    Channel,
    ImportJob,
    ImportStatus,
    PaymentAccount,
    PendingAccountChange,
)
from tests import factories as f
from tests.registry.fixtures.import_files import csv_text, person

LIST = "account_changes"


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def propose(person: Beneficiary, made_by: str, *, holder: str | None = None,
            number: str = "123456789012", job: ImportJob | None = None
            ) -> PendingAccountChange:
    """A bank account an import proposes for ``person`` (in their name unless ``holder``)."""
    current = PaymentAccount.objects.get(beneficiary=person, valid_to__isnull=True)
    return PendingAccountChange.objects.create(
        beneficiary=person, replaces=current, channel=Channel.BANK_ACCOUNT,
        provider=f.provider("BIDV"), account_number=number,
        holder_name=holder or person.full_name, import_job=job, made_by=made_by,
        made_at=timezone.now() - timedelta(hours=1))


def current_account(person: Beneficiary) -> PaymentAccount:
    return PaymentAccount.objects.get(beneficiary=person, valid_to__isnull=True)


@pytest.fixture
def officer(lai_chau):
    return named(lai_chau.officer, "Lò Thị", "Hoa")


@pytest.fixture
def approver(lai_chau):
    return named(lai_chau.approver, "Tòng Văn", "Minh")


@pytest.fixture
def pom() -> Beneficiary:
    return f.beneficiary("Lò Văn Pọm")


def decide(client, change: PendingAccountChange, **data: str):
    return client.post(reverse("account_change_decide", args=[change.pk]), data)


# --- names, not usernames --------------------------------------------------------------------

def test_the_list_shows_who_imported_by_name(officer, approver, pom, login):
    propose(pom, officer.username)
    page = login(approver).get(reverse(LIST)).content.decode()
    assert "Lò Thị Hoa" in page
    assert officer.username not in page


def test_the_first_approver_shows_by_name(officer, approver, pom, lai_chau, login):
    change = propose(pom, officer.username, holder="LO THI XA")
    change.status = AccountChangeStatus.FIRST_APPROVED
    change.first_approved_by, change.first_approved_at = approver.username, timezone.now()
    change.first_approval_reason = "con gái nhận hộ"
    change.save()
    second = named(f.user(Role.BHXH_APPROVER, approver.organization, username="lc-duyet-2"),
                   "Lường Thị", "Sen")
    page = login(second).get(reverse(LIST)).content.decode()
    assert "Duyệt lần một: Tòng Văn Minh" in page
    assert approver.username not in page
    confirm = decide(login(second), change, decision="approve", reason="đã gọi").content
    assert "Tòng Văn Minh".encode() in confirm
    assert approver.username.encode() not in confirm


def test_a_system_actor_shows_as_the_system(approver, pom, login):
    job = ImportJob.objects.create(file_name="demo.csv", stored_path="", province_code=f.LAI_CHAU,
                                   created_by="system:seed_demo", status=ImportStatus.APPLIED)
    propose(pom, "system:seed_demo", job=job)
    client = login(approver)
    for url in (reverse(LIST), reverse("import_upload"), reverse("import_detail",
                                                                 args=[job.pk])):
        page = client.get(url).content.decode()
        assert "Hệ thống" in page, url
        assert "system:" not in page, url


def test_a_user_without_a_name_shows_the_username(approver, pom, lai_chau, login):
    propose(pom, lai_chau.officer.username)  # no first or last name
    assert lai_chau.officer.username in login(approver).get(reverse(LIST)).content.decode()


def test_names_are_read_in_one_query_whatever_the_rows(officer, approver, login):
    client = login(approver)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(LIST)).status_code == 200
        return len(ctx.captured_queries)

    propose(f.beneficiary("Lò Văn Một"), officer.username)
    one = queries()
    for i, name in enumerate(["Lò Văn Hai", "Lò Văn Ba", "Lò Văn Bốn"]):
        importer = f.user(Role.BHXH_OFFICER, officer.organization, username=f"lc-imp-{i}")
        propose(f.beneficiary(name), importer.username, number=f"99887766{i}")
    assert queries() == one


def test_the_upload_page_names_the_importer(officer, login):
    ImportJob.objects.create(file_name="ds.csv", stored_path="", province_code=f.LAI_CHAU,
                             created_by=officer.username, status=ImportStatus.APPLIED)
    page = login(officer).get(reverse("import_upload")).content.decode()
    assert "Lò Thị Hoa" in page
    assert officer.username not in page.split("<main", 1)[-1]


# --- one language at a time ------------------------------------------------------------------

def test_english_mode_shows_english_labels(officer, approver, pom, login, client):
    propose(pom, officer.username)
    client.cookies["django_language"] = "en"
    page = login(approver).get(reverse(LIST)).content.decode()
    assert "Account changes awaiting approval (from imports)" in page
    assert "Imported by" in page
    assert "Nhập bởi" not in page
    assert "Lò Thị Hoa" in page  # a name is a name in both languages


def test_a_refused_file_says_why_in_the_pages_language(officer, login, client):
    job = ImportJob.objects.create(
        file_name="x.csv", stored_path="", province_code=f.LAI_CHAU,
        created_by=officer.username, status=ImportStatus.REJECTED,
        message="Tệp rỗng hoặc không có dòng tiêu đề.\nThe file is empty.")
    url = reverse("import_detail", args=[job.pk])
    vi = login(officer).get(url).content.decode()
    assert "Tệp rỗng hoặc không có dòng tiêu đề." in vi
    assert "The file is empty." not in vi
    client.cookies["django_language"] = "en"
    en = client.get(url).content.decode()
    assert "The file is empty." in en
    assert "Tệp rỗng" not in en


def test_a_system_failure_is_told_in_one_language(officer, login):
    job = ImportJob.objects.create(
        file_name="x.csv", stored_path="", province_code=f.LAI_CHAU,
        created_by=officer.username, status=ImportStatus.FAILED,
        message="Lỗi hệ thống khi nhập; đã ghi nhật ký. / System error; logged.")
    page = login(officer).get(reverse("import_detail", args=[job.pk])).content.decode()
    assert "Lỗi hệ thống khi nhập; đã ghi nhật ký." in page
    assert "System error" not in page


def test_an_upload_refusal_is_in_one_language(officer, login, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 100)
    data = {"file": SimpleUploadedFile("ds.csv", csv_text([person()] * 3).encode(),
                                       "text/csv")}
    page = login(officer).post(reverse("import_upload"), data).content.decode()
    assert "Tệp lớn hơn" in page
    assert "The file is over" not in page
    assert ImportJob.objects.count() == 0


# --- confirmation before a decision ----------------------------------------------------------

def test_approving_asks_for_confirmation_first(officer, approver, pom, login):
    change = propose(pom, officer.username)
    before = current_account(pom).pk
    client = login(approver)
    confirm = decide(client, change, decision="approve", reason="đã gọi điện")
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert 'id="confirm-form"' in page
    assert 'name="confirmed" value="1"' in page
    assert 'value="đã gọi điện"' in page
    change.refresh_from_db()
    assert change.status == AccountChangeStatus.PENDING
    assert current_account(pom).pk == before
    done = decide(client, change, decision="approve", reason="đã gọi điện", confirmed="1")
    assert done.status_code == 302
    assert current_account(pom).account_number == "123456789012"
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (AccountChangeStatus.APPROVED,
                                                  approver.username)


def test_rejecting_asks_for_confirmation_first(officer, approver, pom, login):
    change = propose(pom, officer.username)
    client = login(approver)
    page = decide(client, change, decision="reject").content.decode()
    assert "Xác nhận không duyệt" in page
    change.refresh_from_db()
    assert change.status == AccountChangeStatus.PENDING
    decide(client, change, decision="reject", reason="sai số", confirmed="1")
    change.refresh_from_db()
    assert (change.status, change.decision_note) == (AccountChangeStatus.REJECTED, "sai số")
    assert current_account(pom).channel == Channel.CASH


def test_a_first_approval_is_announced_and_needs_the_reason(officer, approver, pom, login):
    change = propose(pom, officer.username, holder="LO THI XA")
    page = decide(login(approver), change, decision="approve").content.decode()
    assert 'id="confirm-reason"' in page
    assert "required" in page.split('id="confirm-reason"', 1)[1].split(">", 1)[0]
    assert "lần duyệt thứ nhất" in page
    change.refresh_from_db()
    assert change.status == AccountChangeStatus.PENDING


@pytest.mark.parametrize("data", [
    {"decision": "drop table", "confirmed": "1"},
    {"confirmed": "1"},
    {"decision": "approve", "reason": "x" * 301, "confirmed": "1"},
])
def test_bad_input_changes_nothing_and_says_why(officer, approver, pom, login, data):
    change = propose(pom, officer.username)
    client = login(approver)
    response = decide(client, change, **data)
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == AccountChangeStatus.PENDING
    assert current_account(pom).channel == Channel.CASH
    page = client.get(reverse(LIST)).content.decode()
    assert 'class="msg-error"' in page


def test_a_decided_change_is_not_decided_again(officer, approver, pom, login):
    change = propose(pom, officer.username)
    client = login(approver)
    decide(client, change, decision="reject", confirmed="1")
    again = decide(client, change, decision="approve", confirmed="1")
    assert again.status_code == 302
    assert "Thay đổi này đã được xử lý." in client.get(reverse(LIST)).content.decode()
    assert current_account(pom).channel == Channel.CASH


def test_an_officer_cannot_reach_the_confirmation(officer, pom, lai_chau, login):
    change = propose(pom, "someone-else")
    assert decide(login(lai_chau.officer), change, decision="approve").status_code == 403


def test_another_province_gets_404_at_the_confirmation(officer, pom, dien_bien, login):
    change = propose(pom, officer.username)
    response = decide(login(dien_bien.approver), change, decision="approve")
    assert response.status_code == 404
    assert "Lò Văn Pọm" not in response.content.decode()
