"""Issue 11, holes 5 and 7 (outreach): the SMS list and the campaign report go through the one
safe writer (a cell that a spreadsheet would run as a formula starts with an apostrophe),
and downloading the SMS list (phones of named people) leaves an audit entry."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chitra.core.models import AuditEntry
from chitra.outreach import services
from tests import factories as f

EVIL = ["=HYPERLINK(\"http://x\",\"Bấm\")", "+84 Lò Văn", "-2+3", "@SUM(A1)", "\tTab Ẩn",
        "\rXuống Dòng"]


def sms_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:], newline="")))


@pytest.fixture
def evil_people(lai_chau):
    people = []
    for i, name in enumerate(EVIL):
        person = f.beneficiary("Tạm Tên", ward_code=lai_chau.ward_code)
        person.phone, person.full_name = f"09123456{i:02d}", name  # as an import could store
        person.save(update_fields=["phone", "full_name"])
        people.append(person)
    return people


def test_sms_list_names_cannot_become_formulas(login, lai_chau, evil_people):
    rows = sms_rows(login(lai_chau.ward_team).get(reverse("outreach_sms")))
    assert rows[0] == ["so_dien_thoai", "ho_ten", "noi_dung"]
    names = {r[1] for r in rows[1:]}
    assert names == {"'" + name for name in EVIL}
    for _phone, name, text in rows[1:]:
        assert name.startswith("'")
        assert text.startswith("BHXH:")


def test_sms_list_phones_are_plain_digits(login, lai_chau):
    person = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    person.phone = "+84 912 345 678"
    person.save(update_fields=["phone"])
    rows = sms_rows(login(lai_chau.ward_team).get(reverse("outreach_sms")))
    assert rows[1][0] == "0912345678"


def test_downloading_the_sms_list_is_recorded(login, lai_chau, evil_people):
    response = login(lai_chau.ward_team).get(reverse("outreach_sms"))
    sms_rows(response)
    entry = AuditEntry.objects.get(action="download", object_type="sms_list")
    assert (entry.actor, entry.object_id) == (lai_chau.ward_team.username, lai_chau.ward_code)
    assert entry.after["file"] in response["Content-Disposition"]


def test_no_sms_list_and_no_entry_for_users_without_a_ward(login, lai_chau, dien_bien):
    for user in (lai_chau.officer, lai_chau.bank, dien_bien.viewer):
        assert login(user).get(reverse("outreach_sms")).status_code == 403
    assert not AuditEntry.objects.filter(object_type="sms_list").exists()


def test_campaign_report_cells_cannot_become_formulas(login, lai_chau):
    campaign = services.create_campaign(lai_chau.officer, name="=cmd|' /C calc'!A0",
                                        starts_on=date(2026, 6, 1), ends_on=date(2026, 10, 31))
    response = login(lai_chau.officer).get(reverse("outreach_campaign_report",
                                                   args=[campaign.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title = sheet["A1"]
    assert title.data_type == "s"
    assert title.value.startswith("'=cmd")
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
