"""Import pages: upload runs the background task, progress JSON, downloads, who may see."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chitra.access.models import Role
from chitra.registry.importing import jobs
from chitra.registry.models import Beneficiary, ImportJob, ImportStatus
from tests import factories as f
from tests.registry.fixtures.import_files import csv_text, person


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, rows, **extra):
    data = {"file": SimpleUploadedFile("danh-sach.csv", csv_text(rows).encode(), "text/csv"),
            **extra}
    return client.post(reverse("import_upload"), data)


def test_officer_upload_runs_the_job_and_shows_progress(login):
    client = login(f.user(Role.BHXH_OFFICER))
    response = upload(client, [person(), person("Lò Thị Ín", born=date(1960, 1, 1),
                                               female=True)])
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("import_detail", args=[job.pk])
    assert job.status == ImportStatus.APPLIED
    assert Beneficiary.objects.count() == 2
    status = client.get(reverse("import_status", args=[job.pk])).json()
    assert status["rows_total"] == 2
    assert status["rows_done"] == 2
    assert status["created"] == 2
    assert status["percent"] == 100
    assert status["finished"]
    page = client.get(reverse("import_detail", args=[job.pk]))
    assert b"registry/import_progress.js" in page.content
    assert b"<script>" not in page.content
    assert b" style=" not in page.content


def test_rejected_job_offers_the_error_report(login):
    client = login(f.user(Role.BHXH_APPROVER))
    upload(client, [person(benefit_amount="0")])
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REJECTED
    assert job.problems_count == 1
    assert job.problems_preview[0]["code"] == "amount_not_positive"
    page = client.get(reverse("import_detail", args=[job.pk]))
    assert "Số tiền phải lớn hơn 0." in page.content.decode()
    report = client.get(reverse("import_report", args=[job.pk]))
    assert report.status_code == 200
    assert b"".join(report.streaming_content)[:2] == b"PK"


def test_dry_run_and_refused_file_via_web(login):
    client = login(f.user(Role.BHXH_OFFICER))
    upload(client, [person()], dry_run="on")
    assert ImportJob.objects.get().status == ImportStatus.CHECKED
    assert Beneficiary.objects.count() == 0
    client.post(reverse("import_upload"), {"file": SimpleUploadedFile(
        "x.csv", "SO DINH DANH\r\nNguyÔn V¨n §øc\r\n".encode("latin-1"))})
    refused = ImportJob.objects.first()
    assert refused.status == ImportStatus.REJECTED
    assert "TCVN3" in refused.message


def test_wrong_extension_is_refused_before_storing(login):
    client = login(f.user(Role.BHXH_OFFICER))
    response = client.post(reverse("import_upload"),
                           {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert response.status_code == 200
    assert ImportJob.objects.count() == 0


def test_upload_size_limit(login, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_UPLOAD_BYTES", 100)
    client = login(f.user(Role.BHXH_OFFICER))
    response = upload(client, [person()] * 3)
    assert response.status_code == 200
    assert ImportJob.objects.count() == 0
    assert "MB" in response.content.decode()


@pytest.mark.parametrize("role", [Role.WARD_TEAM, Role.BANK_OPERATOR, Role.VIEWER])
def test_other_roles_get_403(login, role):
    client = login(f.user(role))
    assert client.get(reverse("import_upload")).status_code == 403
    assert upload(client, [person()]).status_code == 403
    assert client.get(reverse("import_template", args=["csv"])).status_code == 403
    assert ImportJob.objects.count() == 0


def test_jobs_of_another_province_are_not_visible(login):
    job = ImportJob.objects.create(file_name="x.csv", stored_path="/nonexistent",
                                   province_code="01", created_by="someone")
    client = login(f.user(Role.BHXH_OFFICER))
    assert client.get(reverse("import_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("import_status", args=[job.pk])).status_code == 404
    assert b"x.csv" not in client.get(reverse("import_upload")).content


@pytest.mark.parametrize(("fmt", "magic"), [("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK")])
def test_template_download(login, fmt, magic):
    client = login(f.user(Role.BHXH_OFFICER))
    response = client.get(reverse("import_template", args=[fmt]))
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert f'.{fmt}"' in response["Content-Disposition"]


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("import_upload"))
    assert response.status_code == 302
    assert "login" in response.url


def test_a_queued_job_runs_once(login, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = login(f.user(Role.BHXH_OFFICER))
    upload(client, [person()])
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED
    assert client.get(reverse("import_status", args=[job.pk])).json()["percent"] == 0
    jobs.run_job(job.pk)
    jobs.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.APPLIED
    assert job.created == 1
