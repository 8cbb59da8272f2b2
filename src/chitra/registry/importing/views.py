"""Import pages: upload, job progress, error report and template downloads (thin views)."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.registry.importing.jobs import ALLOWED_SUFFIXES, submit_import
from chitra.registry.importing.pages import STATUS_TONES, in_language, job_message, name_actors
from chitra.registry.importing.run import can_import
from chitra.registry.importing.template import template_csv, template_xlsx
from chitra.registry.models import ImportJob, ImportStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FINISHED = (ImportStatus.REJECTED, ImportStatus.CHECKED, ImportStatus.APPLIED,
            ImportStatus.FAILED)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp danh sách (.csv hoặc .xlsx)"))
    dry_run = forms.BooleanField(label=_("Chạy thử (chỉ kiểm tra, không thay đổi dữ liệu)"),
                                 required=False)
    accept_valid = forms.BooleanField(
        label=_("Nhập các dòng hợp lệ, bỏ qua các dòng lỗi"), required=False)

    def clean_file(self) -> object:
        f = self.cleaned_data["file"]
        if Path(f.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Chỉ nhận tệp .csv hoặc .xlsx."))
        return f


def _importer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    if not can_import(user):
        raise PermissionDenied
    return user


def _jobs_for(user: User) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.all()
    if not user.is_superuser:
        assert user.organization is not None
        jobs = jobs.filter(province_code=user.organization.province_code)
    return jobs


def _job(user: User, pk: int) -> ImportJob:
    return get_object_or_404(_jobs_for(user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _importer(request)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = submit_import(file_obj=upload, file_name=upload.name, actor=user,
                                dry_run=form.cleaned_data["dry_run"],
                                accept_valid=form.cleaned_data["accept_valid"])
        except DomainError as e:
            form.add_error("file", in_language(e.message_vi, e.message_en))
        else:
            return redirect("import_detail", pk=job.pk)
    jobs = _shown(list(_jobs_for(user)[:20]))
    return render(request, "registry/import_upload.html", {"form": form, "jobs": jobs})


def _shown(jobs: list[ImportJob]) -> list[ImportJob]:
    """The jobs with what the pages show of them: who by name, the status's colour."""
    name_actors(jobs, ["created_by"])
    for job in jobs:
        job.tone = STATUS_TONES.get(job.status, "neutral")  # type: ignore[attr-defined]
    return jobs


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _shown([_job(_importer(request), pk)])[0]
    return render(request, "registry/import_detail.html",
                  {"job": job, "finished": job.status in FINISHED,
                   "percent": _percent(job), "message": job_message(job.message)})


def _percent(job: ImportJob) -> int:
    if job.status in FINISHED:
        return 100
    if not job.rows_total:
        return 0
    return min(99, job.rows_done * 100 // job.rows_total)


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(_importer(request), pk)
    return JsonResponse({
        "id": job.pk, "status": job.status, "status_label": gettext(job.get_status_display()),
        "finished": job.status in FINISHED, "percent": _percent(job),
        "rows_total": job.rows_total, "rows_done": job.rows_done,
        "rows_invalid": job.rows_invalid, "created": job.created, "updated": job.updated,
        "unchanged": job.unchanged, "accounts_pending": job.accounts_pending,
        "problems": job.problems_count,
    })


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(_importer(request), pk)
    path = Path(job.error_report_path) if job.error_report_path else None
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"loi-nhap-{job.pk}.xlsx", content_type=XLSX)


@login_required
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    _importer(request)
    if fmt == "csv":
        data, ctype = template_csv(), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data, ctype = template_xlsx(), XLSX
    else:
        raise Http404
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-nguoi-huong.{fmt}"'
    return response
