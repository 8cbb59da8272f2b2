"""The worklist and contact form for a phone (issue 14): call links, addresses, the team by
name, a search that never puts an ID in a URL, the Excel export scoped to the ward, the
offline worker's script, and values kept when the form is refused."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chitra.access.models import OrganizationKind, Role
from chitra.core.models import AuditEntry
from chitra.outreach import services
from chitra.outreach.models import Contact
from chitra.outreach.views_worklist import offline_key
from chitra.outreach.worklist import matching, search_key, tel_href, worklist
from chitra.registry.models import Beneficiary, Channel
from tests import factories as f


@pytest.fixture
def ward():
    return f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET, name="UBND phường Đoàn Kết")


@pytest.fixture
def member(ward):
    return f.user(Role.WARD_TEAM, ward, username="tct.doanket.07")


@pytest.fixture
def pom() -> Beneficiary:
    b = f.beneficiary("Lò Văn Pọm")
    Beneficiary.objects.filter(pk=b.pk).update(phone="0912 345 678", street="Bản Sang, tổ 3")
    b.refresh_from_db()
    return b


def page(client, **kw) -> str:  # type: ignore[no-untyped-def]
    return client.get(reverse("outreach_worklist"), **kw).content.decode()


def test_tel_links_keep_only_digits_and_a_leading_plus():
    assert tel_href("0912 345 678") == "tel:0912345678"
    assert tel_href(" +84 (912) 345-678") == "tel:+84912345678"
    assert tel_href("") == tel_href("không có") == ""


def test_a_row_has_a_call_link_and_the_address(login, member, pom):
    html = page(login(member))
    row = re.search(rf'<tr data-beneficiary="{pom.pk}".*?</tr>', html, re.S)
    assert row is not None
    assert 'href="tel:0912345678"' in row[0]
    assert "Bản Sang, tổ 3" in row[0]
    assert "Đoàn Kết" in row[0]


def test_the_team_is_shown_by_names_never_usernames(login, member, pom):
    named = f.user(Role.POLICE_VERIFIER, username="ca.doanket.hung")
    named.first_name, named.last_name = "Hùng", "Lò Văn"
    named.save()
    nameless = f.user(Role.POST_OFFICE_OPERATOR, username="bd.doanket.x")
    officer = f.user(Role.BHXH_OFFICER)
    services.add_team_member(officer, ward_code=f.DOAN_KET, member=named, kind="police",
                             leader=True)
    services.add_team_member(officer, ward_code=f.DOAN_KET, member=nameless, kind="post_office")
    html = page(login(member))
    team = re.search(r'<p class="muted small" id="team">(.*?)</p>', html, re.S)
    assert team is not None
    assert named.get_full_name() in team[1]
    assert "Bưu điện" in team[1]
    for username in ("ca.doanket.hung", "bd.doanket.x"):
        assert username not in html


def test_no_internal_names_on_the_pages_of_a_ward_team(login, member, pom):
    client = login(member)
    services.record_contact(member, services.ContactInput(
        client_ref=str(uuid.uuid4()), beneficiary_id=pom.pk, contacted_at=timezone.now(),
        place="home", outcome="needs_proxy"))
    for html in (page(client),
                 client.get(reverse("outreach_contact", args=[pom.pk])).content.decode()):
        for internal in ("citizen_id", "needs_proxy<", "not_present<", ">home<"):
            assert internal not in html
    assert "Cần người được ủy quyền" in page(client)


def test_a_team_member_who_sees_masked_ids_finds_no_full_id_in_the_page(login, pom):
    postman = f.user(Role.POST_OFFICE_OPERATOR, username="bd.doanket.y")
    services.add_team_member(f.user(Role.BHXH_OFFICER), ward_code=f.DOAN_KET, member=postman,
                             kind="post_office")
    client = login(postman)
    for html in (page(client),
                 client.get(reverse("outreach_contact", args=[pom.pk])).content.decode()):
        assert f'data-beneficiary="{pom.pk}"' in html or pom.full_name in html
        assert pom.citizen_id not in html
        assert pom.citizen_id[-4:] in html
    response = client.get(reverse("outreach_worklist_xlsx"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [c for r in book.active.iter_rows(values_only=True) for c in r if c]
    assert pom.citizen_id not in cells
    assert any(str(c).endswith(pom.citizen_id[-4:]) for c in cells)


def test_the_search_key_holds_only_what_the_user_may_see(pom):
    masked = search_key(pom, show_ids=False)
    assert masked.startswith("lo van pom 0912345678")
    assert pom.citizen_id not in masked
    assert masked.endswith(pom.citizen_id[-4:])
    assert pom.citizen_id in search_key(pom, show_ids=True)


@pytest.mark.parametrize("query", ["lo van pom", "LÒ VĂN", "0912 345", "FULL_ID"])
def test_a_posted_search_finds_by_name_id_or_phone(login, member, pom, query):
    f.beneficiary("Tẩn Thị Mẩy")
    query = pom.citizen_id if query == "FULL_ID" else query
    response = login(member).post(reverse("outreach_worklist"), {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr data-beneficiary=") == 1
    assert f'data-beneficiary="{pom.pk}"' in html
    urls = re.findall(r'(?:href|action|src)="([^"]*)"', html)
    assert not [u for u in urls if pom.citizen_id in u]


def test_a_search_matches_no_one_on_partial_ids_or_hostile_text(member, pom):
    rows = worklist(f.DOAN_KET, date.today())
    assert matching(rows, pom.citizen_id[:6]).count() == 0  # an ID matches whole only
    assert matching(rows, "' OR 1=1 --").count() == 0
    assert matching(rows, "%").count() == 0


def test_the_search_form_posts_with_a_csrf_token(login, member, pom):
    html = page(login(member))
    form = re.search(r'<form method="(\w+)" class="card worklist-search"[^>]*>(.*?)</form>',
                     html, re.S)
    assert form is not None
    assert form[1] == "post"
    assert 'name="csrfmiddlewaretoken"' in form[2]


def test_counts_use_the_thousand_separator(login, member, pom, monkeypatch):
    from chitra.outreach import views_worklist

    monkeypatch.setattr(views_worklist, "MAX_ROWS", 1)
    f.beneficiary("Tẩn Thị Mẩy")
    html = page(login(member))
    count = re.search(r'id="worklist-count">(.*?)</p>', html, re.S)
    assert count is not None
    assert "2 người" in count[1]
    assert "hiện 1 người đầu" in count[1]


def test_the_pages_name_the_users_offline_cache_without_the_username(login, member, pom):
    other = f.user(Role.WARD_TEAM, member.organization, username="tct.doanket.08")
    assert offline_key(member) != offline_key(other)
    html = page(login(member))
    assert f'data-key="{offline_key(member)}"' in html
    assert f"sw.js?k={offline_key(member)}" in html
    form = login(member).get(reverse("outreach_contact", args=[pom.pk])).content.decode()
    assert f'data-key="{offline_key(member)}"' in form


def test_the_offline_worker_is_served_under_outreach(client):
    response = client.get(reverse("outreach_worklist_sw"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/outreach/"
    assert reverse("outreach_worklist_sw") == "/outreach/sw.js"
    assert b"chitra-outreach-" in response.content


def test_the_excel_worklist_is_the_wards_with_phone_address_and_status(login, member, pom):
    f.beneficiary("Có Tài Khoản", channel=Channel.BANK_ACCOUNT)
    other = f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    hostile = f.beneficiary("Lò Thị Ín")
    Beneficiary.objects.filter(pk=hostile.pk).update(phone="+84 912 000 111",
                                                     street="=HYPERLINK(\"x\")")
    services.record_contact(member, services.ContactInput(
        client_ref=str(uuid.uuid4()), beneficiary_id=pom.pk, contacted_at=timezone.now(),
        place="home", outcome="needs_proxy"))
    html = page(login(member))
    assert f'href="{reverse("outreach_worklist_xlsx")}"' in html
    response = login(member).get(reverse("outreach_worklist_xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:5] == ("Họ tên", "Ngày sinh", "Số định danh", "Điện thoại", "Địa chỉ")
    by_name = {r[0]: r for r in rows[2:]}
    assert set(by_name) == {"Lò Văn Pọm", "Lò Thị Ín"}  # cash recipients of the ward only
    assert other.full_name not in by_name
    row = by_name["Lò Văn Pọm"]
    assert row[2] == pom.citizen_id  # the ward team sees whole IDs (access.scoping)
    assert row[3] == "0912 345 678"
    assert row[4].startswith("Bản Sang, tổ 3")
    assert row[10] == "Cần người được ủy quyền"
    assert by_name["Lò Thị Ín"][3] == "'+84 912 000 111"  # no formula
    assert by_name["Lò Thị Ín"][4].startswith("'=")
    assert AuditEntry.objects.filter(action="download", object_type="worklist").count() == 1


@pytest.mark.parametrize("role", [Role.BHXH_OFFICER, Role.BANK_OPERATOR, Role.VIEWER])
def test_other_roles_get_no_excel_worklist(login, role, pom):
    assert login(f.user(role)).get(reverse("outreach_worklist_xlsx")).status_code == 403


def test_another_wards_payment_day_is_not_found_in_the_export(login, member, pom):
    client = login(member)
    assert client.get(reverse("outreach_worklist_xlsx") + "?day=999999").status_code == 404
    assert client.get(reverse("outreach_worklist_xlsx") + "?day=1;DROP").status_code == 404
    assert client.get(reverse("outreach_worklist") + "?day=abc").status_code == 404


def test_a_refused_form_keeps_what_was_entered(login, member, pom):
    url = reverse("outreach_contact", args=[pom.pk])
    response = login(member).post(url, {
        "client_ref": str(uuid.uuid4()), "contacted_at": "2026-05-04T09:30",
        "place": "home", "outcome": "refuses", "notes": "Hẹn chiều mai", "reason": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="refuses" selected>' in html
    assert "Hẹn chiều mai</textarea>" in html
    assert 'value="2026-05-04T09:30"' in html
    assert not Contact.objects.exists()


def test_an_impossible_follow_up_date_is_refused_not_a_crash(login, member, pom):
    url = reverse("outreach_contact", args=[pom.pk])
    response = login(member).post(url, {
        "client_ref": str(uuid.uuid4()), "contacted_at": "2026-05-04T09:30",
        "place": "home", "outcome": "not_present", "follow_up_on": "2026-02-30"})
    assert response.status_code == 200
    assert "Ngày hẹn lại không hợp lệ." in response.content.decode()
    assert not Contact.objects.exists()


def test_english_mode_shows_english_labels_statuses_and_excel_headers(login, member, pom):
    client = login(member)
    services.record_contact(member, services.ContactInput(
        client_ref=str(uuid.uuid4()), beneficiary_id=pom.pk, contacted_at=timezone.now(),
        place="home", outcome="needs_proxy"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/outreach/"})
    html = page(client)
    for english in ("Outreach worklist", "Full name", "Phone", "Address", "Needs a proxy",
                    "under 70", "Record", "Home visits due"):
        assert english in html, english
    for vietnamese in ("Cần người được ủy quyền", "dưới 70 tuổi", "Họ tên"):
        assert vietnamese not in html
    form = client.get(reverse("outreach_contact", args=[pom.pk])).content.decode()
    assert ">Save</button>" in form
    response = client.get(reverse("outreach_worklist_xlsx"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:5] == ("Full name", "Date of birth", "Personal ID", "Phone", "Address")
    assert rows[2][10] == "Needs a proxy"
