"""Issue 11, hole 3: a pension redirected through a fake proxy letter.

The attack: any upload whose first bytes looked like PNG/JPEG/PDF was kept (under MEDIA_ROOT),
the approver never saw it, the proxy's name was never compared with the account holder, and
one approval moved the money. Now a letter is decoded and re-encoded (images) or parsed
(PDFs), polyglots are refused, the approver sees it beside the change through a scoped view,
the proxy must be the holder, and money to someone else's account needs two approvers.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from chitra.core.errors import DomainError
from chitra.core.identifiers import Sex
from chitra.core.models import AuditEntry
from chitra.outreach import letters, services
from chitra.outreach.models import ChangeStatus, MethodChange
from chitra.registry.models import Authorization, Channel, PaymentAccount
from tests import factories as f
from tests.security.conftest import Province

# --- files --------------------------------------------------------------------------------------


def pdf_bytes(edit=None) -> bytes:  # type: ignore[no-untyped-def]
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if edit is not None:
        edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (60, 40), **save) -> bytes:  # type: ignore[no-untyped-def]
    img = Image.new("RGB", size, (250, 250, 240))
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG header that declares a huge picture (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (letters.PNG_MAGIC + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + _chunk(b"IEND", b""))


def _with_js(w: PdfWriter) -> None:
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('x');")})
    w._root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): ArrayObject([
            TextStringObject("x"), w._add_object(script)])})})


def _with_open_action(w: PdfWriter) -> None:
    w._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("http://x")})


def _with_attachment(w: PdfWriter) -> None:
    w.add_attachment("payload.exe", b"MZ not really")


def _with_launch(w: PdfWriter) -> None:
    w.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc")})})


def _encrypted(w: PdfWriter) -> None:
    w.encrypt("mat-khau")


def _zip() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("index.html", "<script>alert(1)</script>")
    return out.getvalue()


def _png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    return image_bytes("PNG", pnginfo=info)


REFUSED = {
    "pdf with javascript": pdf_bytes(_with_js),
    "pdf with an open action": pdf_bytes(_with_open_action),
    # the name written with a #xx escape: only parsing the objects finds it
    "pdf with an escaped open action": pdf_bytes(_with_open_action).replace(
        b"/OpenAction", b"/Open#41ction"),
    "pdf with an embedded file": pdf_bytes(_with_attachment),
    "pdf with a launch action": pdf_bytes(_with_launch),
    "encrypted pdf": pdf_bytes(_encrypted),
    "pdf with content after %%EOF": pdf_bytes() + b"<html><script>alert(1)</script></html>",
    "pdf with a zip after it": pdf_bytes() + _zip(),
    "pdf with no page": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "jpeg magic then a pdf": b"\xff\xd8\xff\xe0" + pdf_bytes(),
    "png that also carries a pdf": _png_with_text("%PDF-1.7 1 0 obj <</JS (x)>>"),
    "png with a zip appended": image_bytes("PNG") + _zip(),
    "jpeg with html in its comment": image_bytes("JPEG", comment=b"<script>alert(1)</script>"),
    "decompression bomb": png_claiming(50_000, 50_000),
    "broken png": letters.PNG_MAGIC + b"\x00" * 200,
    "html": b"<html><body>giay uy quyen</body></html>",
    "svg": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_letter_that_is_not_a_plain_image_or_pdf_is_refused(name):
    with pytest.raises(DomainError) as e:
        letters.clean_letter(REFUSED[name])
    assert e.value.code in ("letter_type", "letter_size")


def test_a_letter_over_the_size_limit_is_refused():
    with pytest.raises(DomainError) as e:
        letters.clean_letter(pdf_bytes() + b" " * letters.MAX_LETTER_BYTES)
    assert e.value.code == "letter_size"


def test_a_photo_is_re_encoded_without_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "MayAnhBiMat"  # Make
    exif[0x0132] = "2026:01:01 10:00:00"
    photo = image_bytes("JPEG", size=(300, 200), exif=exif.tobytes(), comment=b"ghi chu rieng")
    kept = letters.clean_letter(photo)
    assert (kept.suffix, kept.content_type) == (".jpg", "image/jpeg")
    assert kept.data != photo
    assert b"MayAnhBiMat" not in kept.data
    assert b"Exif" not in kept.data
    assert b"ghi chu rieng" not in kept.data
    with Image.open(io.BytesIO(kept.data)) as again:
        assert (again.format, again.size) == ("JPEG", (300, 200))


def test_a_png_stays_a_png_and_a_clean_pdf_is_kept_as_sent():
    png = letters.clean_letter(_png_with_text("scanned by phone"))
    assert png.suffix == ".png"
    assert b"scanned by phone" not in png.data
    pdf = pdf_bytes()
    assert letters.clean_letter(pdf) == letters.Letter(pdf, ".pdf")


# --- on screen ----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def change_form(holder: str = "LO THI IN", letter: bytes | None = None,
                proxy: str = "Lò Thị Ín", name: str = "uy-quyen.png") -> dict[str, object]:
    today = timezone.localdate()
    return {"channel": "bank_account", "provider": str(f.provider("Agribank").pk),
            "account_number": "8800205123456", "holder_name": holder,
            "proxy_name": proxy, "proxy_id": f.citizen_id_for(date(1980, 1, 1), Sex.FEMALE),
            "proxy_relation": "con gái", "proxy_from": f"{today:%d/%m/%Y}",
            "proxy_to": f"{today + timedelta(days=300):%d/%m/%Y}",
            "proxy_letter": SimpleUploadedFile(name, letter or image_bytes(), "image/png")}


def submit(login, p: Province, **kw) -> MethodChange:  # type: ignore[no-untyped-def]
    person = f.beneficiary("Lò Văn Pọm", ward_code=p.ward_code, province_code=p.code)
    login(p.ward_team).post(reverse("outreach_method_change", args=[person.pk]),
                            change_form(**kw))
    return MethodChange.objects.get(beneficiary=person)


def test_a_polyglot_upload_changes_nothing(login, lai_chau, settings):
    person = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    page = login(lai_chau.ward_team).post(
        reverse("outreach_method_change", args=[person.pk]),
        change_form(letter=REFUSED["png that also carries a pdf"]), follow=True)
    assert "không được nhận" in page.content.decode()
    assert not MethodChange.objects.exists()
    assert not Authorization.objects.exists()
    assert not (Path(settings.VAR_DIR) / "private" / "letters").exists()


def test_the_proxy_must_be_the_account_holder(login, lai_chau):
    person = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    page = login(lai_chau.ward_team).post(
        reverse("outreach_method_change", args=[person.pk]),
        change_form(holder="NGUYEN VAN LA"), follow=True).content.decode()
    assert "không trùng tên người được ủy quyền" in page
    assert not MethodChange.objects.exists()
    assert not Authorization.objects.exists()


def test_the_letter_is_kept_outside_media_and_served_only_in_scope(login, lai_chau, dien_bien,
                                                                    settings):
    change = submit(login, lai_chau)
    letter_path = Authorization.objects.get(pk=change.authorization_id).letter_path
    kept = Path(settings.VAR_DIR) / "private" / letter_path
    assert kept.is_file()
    assert not Path(settings.MEDIA_ROOT).exists()
    url = reverse("outreach_method_change_letter", args=[change.pk])
    for user in (lai_chau.officer, lai_chau.approver, lai_chau.ward_team):
        response = login(user).get(url)
        assert response.status_code == 200, user.username
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.content == kept.read_bytes()
    others = [u for u in lai_chau.users() if u not in (lai_chau.officer, lai_chau.approver,
                                                         lai_chau.ward_team)]
    for user in others + dien_bien.users():
        assert login(user).get(url).status_code == 404, user.username
    downloads = AuditEntry.objects.filter(action="download", object_type="proxy_letter",
                                          object_id=str(change.pk))
    assert sorted(downloads.values_list("actor", flat=True)) == sorted(
        u.username for u in (lai_chau.officer, lai_chau.approver, lai_chau.ward_team))
    assert downloads.first().after["file"].endswith(".png")


def test_the_approver_sees_the_letter_beside_a_red_change(login, lai_chau):
    change = submit(login, lai_chau)
    client = login(lai_chau.approver)
    queue = client.get(reverse("outreach_method_changes")).content.decode()
    assert f'data-change="{change.pk}" class="change-red" data-red="1"' in queue
    assert "Tài khoản không đứng tên người hưởng" in queue
    page = client.get(reverse("outreach_method_change_decide", args=[change.pk])).content.decode()
    letter_url = reverse("outreach_method_change_letter", args=[change.pk])
    assert f'<img src="{letter_url}"' in page
    assert 'id="proxy-name">Lò Thị Ín<' in page
    assert 'data-red="1"' in page
    assert "/media/" not in page


def test_money_to_someone_else_needs_two_approvers_with_reasons(login, lai_chau):
    change = submit(login, lai_chau)
    first, second = lai_chau.approver, lai_chau.officer
    url = reverse("outreach_method_change_decide", args=[change.pk])
    login(first).post(url, {"decision": "approve"})  # no reason: refused
    assert MethodChange.objects.get().status == ChangeStatus.SUBMITTED
    login(first).post(url, {"decision": "approve", "note": "Đã gọi điện xác minh",
                            "confirmed": "1"})
    change.refresh_from_db()
    assert (change.status, change.first_approved_by) == (ChangeStatus.FIRST_APPROVED,
                                                         first.username)
    on_cash = PaymentAccount.objects.get(beneficiary=change.beneficiary, valid_to__isnull=True)
    assert on_cash.channel == Channel.CASH  # nothing moved yet
    with pytest.raises(DomainError) as e:  # the first approver cannot give the second
        services.decide_method_change(first, change.pk, approve=True, note="lần nữa")
    assert e.value.code == "second_approver"
    with pytest.raises(DomainError) as e:  # the maker cannot either
        services.decide_method_change(lai_chau.ward_team, change.pk, approve=True, note="x")
    login(second).post(url, {"decision": "approve"})  # the second needs a reason too
    assert MethodChange.objects.get().status == ChangeStatus.FIRST_APPROVED
    login(second).post(url, {"decision": "approve", "note": "Giấy ủy quyền hợp lệ",
                             "confirmed": "1"})
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decision_note) == (
        ChangeStatus.APPROVED, second.username, "Giấy ủy quyền hợp lệ")
    current = PaymentAccount.objects.get(beneficiary=change.beneficiary, valid_to__isnull=True)
    assert (current.holder_name, current.approved_by) == ("LO THI IN", second.username)
    assert AuditEntry.objects.filter(action="outreach.method_change_first_approval",
                                     actor=first.username).exists()


def test_the_database_refuses_one_person_approving_twice(login, lai_chau):
    change = submit(login, lai_chau)
    services.decide_method_change(lai_chau.approver, change.pk, approve=True, note="lý do")
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodChange.objects.filter(pk=change.pk).update(
            status=ChangeStatus.APPROVED, decided_by=lai_chau.approver.username,
            decision_note="x")


def test_an_unrelated_authorization_does_not_clear_a_stranger_as_holder(lai_chau):
    person = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    today = timezone.localdate()
    Authorization.objects.create(beneficiary=person, proxy_name="Lò Thị Ín",
                                 proxy_citizen_id="x", valid_from=today,
                                 valid_to=today + timedelta(days=100), created_by="x")
    change = services.submit_method_change(
        lai_chau.ward_team, person.pk, channel=Channel.BANK_ACCOUNT,
        provider_id=f.provider().pk, account_number="8800205123456",
        holder_name="KE GIAN MAO")
    assert services.change_problems(change, today) == ["holder_name_mismatch"]
    for approver in (lai_chau.approver, lai_chau.officer):
        with pytest.raises(DomainError) as e:
            services.decide_method_change(approver, change.pk, approve=True, note="x")
        assert e.value.code == "holder_name_mismatch"
    assert PaymentAccount.objects.get(beneficiary=person, valid_to__isnull=True).channel == (
        Channel.CASH)


def test_an_own_name_change_needs_one_approver_and_no_reason(lai_chau):
    person = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    change = services.submit_method_change(
        lai_chau.ward_team, person.pk, channel=Channel.BANK_ACCOUNT,
        provider_id=f.provider().pk, account_number="8800205123456", holder_name="lo van pom")
    assert not services.needs_two_approvers(change)
    services.decide_method_change(lai_chau.approver, change.pk, approve=True)
    assert MethodChange.objects.get().status == ChangeStatus.APPROVED
