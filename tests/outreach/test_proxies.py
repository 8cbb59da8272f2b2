"""A proxy (giấy ủy quyền) handed in with a method change: the scanned letter is checked by
its content and kept outside MEDIA_ROOT, the period is at most 12 months (also in the
database), BHXH accepts a holder name that is the proxy's (with two approvers), and the ward
is reminded before it ends."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfWriter

from chitra.access.models import Role
from chitra.core.identifiers import Sex
from chitra.outreach import services
from chitra.outreach.models import ChangeStatus, MethodChange
from chitra.registry.models import Authorization, PaymentAccount
from tests import factories as f


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def form(**kw):
    today = timezone.localdate()
    data = {"channel": "bank_account", "provider": str(f.provider("Agribank").pk),
            "account_number": "8800205123456", "holder_name": "LO THI IN",
            "proxy_name": "Lò Thị Ín", "proxy_id": f.citizen_id_for(date(1980, 1, 1), Sex.FEMALE),
            "proxy_relation": "con gái", "proxy_from": f"{today:%d/%m/%Y}",
            "proxy_to": f"{today + timedelta(days=300):%d/%m/%Y}",
            "proxy_letter": SimpleUploadedFile("uy-quyen.pdf", PDF, "application/pdf")}
    data.update(kw)
    return data


def test_a_change_with_a_proxy_letter_passes_the_check(login, settings):
    pom = f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    client.post(reverse("outreach_method_change", args=[pom.pk]), form())
    change = MethodChange.objects.get()
    auth = Authorization.objects.get(pk=change.authorization_id)
    stored = Path(settings.VAR_DIR) / "private" / auth.letter_path
    assert stored.read_bytes() == PDF
    assert auth.letter_path.endswith(".pdf")
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing under a public media folder
    # The money goes to the proxy's account: two approvers, each with a reason.
    services.decide_method_change(f.user(Role.BHXH_APPROVER), change.pk, approve=True,
                                  note="Con gái nhận thay, đã xem giấy ủy quyền")
    assert MethodChange.objects.get().status == ChangeStatus.FIRST_APPROVED
    services.decide_method_change(f.user(Role.BHXH_APPROVER), change.pk, approve=True,
                                  note="Đồng ý")
    assert PaymentAccount.objects.get(beneficiary=pom, valid_to__isnull=True).holder_name == (
        "LO THI IN")


@pytest.mark.parametrize(("kw", "message"), [
    ({"proxy_letter": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
     "PDF, JPG hoặc PNG"),
    ({"proxy_letter": SimpleUploadedFile("x.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n",
                                         "application/pdf")}, "không đọc được"),
    ({"holder_name": "TRAN VAN KHAC"}, "không trùng tên người được ủy quyền"),
    ({"proxy_to": "01/01/2099"}, "tối đa 12 tháng"),
    ({"proxy_letter": ""}, "Cần tệp giấy ủy quyền"),
    ({"proxy_from": "hôm nay"}, "không hợp lệ"),
])
def test_a_bad_proxy_changes_nothing(login, settings, kw, message):
    pom = f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    data = form(**kw)
    if kw.get("proxy_letter") == "":
        del data["proxy_letter"]
    page = client.post(reverse("outreach_method_change", args=[pom.pk]), data, follow=True)
    assert message in page.content.decode()
    assert not MethodChange.objects.exists()
    assert not Authorization.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "authorizations").exists()
    assert not (Path(settings.VAR_DIR) / "private" / "letters").exists()


def test_more_than_a_year_is_impossible_in_the_database():
    pom = f.beneficiary("Lò Văn Pọm")
    with pytest.raises(IntegrityError), transaction.atomic():
        Authorization.objects.create(beneficiary=pom, proxy_name="x", proxy_citizen_id="x",
                                     valid_from=date(2026, 1, 1), valid_to=date(2027, 1, 3),
                                     created_by="x")


def test_the_ward_is_reminded_before_an_authorization_ends(login):
    pom = f.beneficiary("Lò Văn Pọm")
    today = timezone.localdate()
    ending = Authorization.objects.create(
        beneficiary=pom, proxy_name="Lò Thị Ín", proxy_citizen_id="x",
        valid_from=today - timedelta(days=300), valid_to=today + timedelta(days=20),
        created_by="x")
    Authorization.objects.create(beneficiary=pom, proxy_name="Còn Lâu", proxy_citizen_id="x",
                                 valid_from=today, valid_to=today + timedelta(days=200),
                                 created_by="x")
    page = login(f.user(Role.WARD_TEAM)).get(reverse("outreach_worklist")).content.decode()
    assert f'data-authorization="{ending.pk}"' in page
    assert "Còn Lâu" not in page
