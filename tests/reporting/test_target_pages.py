"""The targets screen: BHXH Việt Nam sets a province's target, the province's BHXH office its
wards'; everyone else of the province reads; another province is not found. Bad input is shown
at its field with the values kept and writes nothing."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chitra.access.models import OrganizationKind, Role
from chitra.core.models import AuditEntry
from chitra.reporting import targets
from chitra.reporting.models import Target
from tests import factories as f

PAGE = "/reporting/p/12/targets/"


def _national():
    org = f.organization(OrganizationKind.BHXH_NATIONAL, province_code="00",
                         name="BHXH Việt Nam")
    return f.user(Role.BHXH_NATIONAL, org)


def _post(client: Client, **changes: str):
    data = {"year": "2027", "ward": "", "group": "monthly", "people": "92,5",
            "amount": "93.25", "reason": "Kế hoạch năm 2027"}
    data.update(changes)
    return client.post(PAGE + "?year=2027", data)


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select[1])


def test_bhxh_vietnam_sets_the_provinces_target_on_screen(login):
    national = _national()
    national.first_name = "Trần Thị Hạnh"
    national.save()
    client = login(national)
    page = client.get(PAGE + "?year=2027")
    assert page.status_code == 200
    assert _options(page.text, "ward") == [""]  # the province's own target only
    response = _post(client)
    assert response.status_code == 302
    assert response.url == PAGE + "?year=2027"
    target = Target.objects.get()
    assert (target.year, target.ward_code, target.people_bp, target.amount_bp, target.set_by,
            target.reason) == (2027, "", 9250, 9325, national.username, "Kế hoạch năm 2027")
    shown = client.get(response.url).text
    assert "Đã đặt chỉ tiêu: cả tỉnh, năm 2027." in shown
    in_force = shown.split('id="targets-in-force"')[1].split("</table>")[0]
    assert '<td data-label="Hàng tháng: số người" data-key="monthly-people">&gt; 92,5 %' in in_force
    assert "&gt; 93,25 %" in in_force
    history = shown.split('id="target-history"')[1]
    assert "Trần Thị Hạnh" in history
    assert "Kế hoạch năm 2027" in history
    assert 'data-state="in-force"' in history


def test_the_provinces_office_sets_a_wards_target_and_the_old_one_stays_in_history(login):
    officer = f.user(Role.BHXH_OFFICER)
    client = login(officer)
    options = _options(client.get(PAGE).text, "ward")
    assert "" not in options
    assert f.DOAN_KET in options
    assert f.TAN_PHONG in options
    assert _post(client, ward=f.DOAN_KET, people="95", amount="95").status_code == 302
    assert _post(client, ward=f.DOAN_KET, people="97", amount="96",
                 reason="Điều chỉnh").status_code == 302
    old, current = Target.objects.order_by("id")
    assert old.replaced_at is not None
    assert current.replaced_at is None
    assert targets.goal(2027, "12", f.DOAN_KET, "monthly") == targets.Goal(9700, 9600, "ward")
    text = client.get(PAGE + "?year=2027").text
    row = text.split(f'<tr data-code="{f.DOAN_KET}">')[1].split("</tr>")[0]
    assert "&gt; 97 %" in row
    assert "&gt; 96 %" in row
    assert "riêng của phường/xã" in row
    other = text.split(f'<tr data-code="{f.TAN_PHONG}">')[1].split("</tr>")[0]
    assert "theo kế hoạch" in other
    assert "&gt; 90 %" in other
    assert "100 %" in other
    history = text.split('id="target-history"')[1]
    assert history.count('data-state="replaced"') == 1
    assert "Thay thế lúc" in history
    assert "Điều chỉnh" in history
    assert AuditEntry.objects.filter(action="target.set").count() == 2


def test_the_change_link_fills_the_form_with_the_target_in_force(login):
    officer = f.user(Role.BHXH_OFFICER)
    targets.set_target(officer, targets.TargetChange(2027, "12", f.DOAN_KET, "one_time",
                                                     9925, 9950))
    text = login(officer).get(f"{PAGE}?year=2027&ward={f.DOAN_KET}&group=one_time").text
    form = text.split('id="target-form"')[1].split("</form>")[0]
    assert 'name="people" value="99,25"' in form
    assert 'name="amount" value="99,5"' in form
    assert f'<option value="{f.DOAN_KET}" selected>' in form
    assert '<option value="one_time" selected>' in form


def test_an_officer_may_not_set_the_provinces_own_target(login):
    response = _post(login(f.user(Role.BHXH_OFFICER)), ward="")
    assert response.status_code == 400
    assert "Chọn phường/xã: chỉ tiêu của cả tỉnh do BHXH Việt Nam đặt." in response.text
    assert not Target.objects.exists()


def test_bad_input_is_shown_at_each_field_with_the_values_kept(login):
    client = login(f.user(Role.BHXH_OFFICER))
    response = _post(client, ward="00004", group="yearly", people="9O", amount="100,5",
                     year="1999", reason="x" * 301)  # 00004: a ward of Hà Nội
    assert response.status_code == 400
    text = response.text
    for field in ("year", "ward", "group", "people", "amount", "reason"):
        assert f'id="id_{field}_error"' in text, field
        assert f'href="#id_{field}"' in text.split('id="error-summary"')[1].split("</div>")[0]
    assert 'name="people" value="9O"' in text
    assert 'name="amount" value="100,5"' in text
    assert 'name="year" value="1999"' in text
    assert not Target.objects.exists()


def test_an_empty_post_asks_for_every_field(login):
    response = login(_national()).post(PAGE, {})
    assert response.status_code == 400
    for field in ("year", "people", "amount"):
        assert f'id="id_{field}_error"' in response.text
    assert not Target.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_its_answer(login, role):
    """Readers of the province see the page without a form and are refused a POST (403);
    a bank, and a ward's team (every ward's targets and who set them are on the page), do
    not see it (404); who may set, sets."""
    user = _national() if role == Role.BHXH_NATIONAL else f.user(role)
    client = login(user)
    page = client.get(PAGE)
    data = {"year": "2027", "ward": "" if role == Role.BHXH_NATIONAL else f.DOAN_KET,
            "group": "monthly", "people": "91", "amount": "91"}
    if role in (Role.BANK_OPERATOR, Role.WARD_TEAM):  # a ward sees its own ward's page only
        assert page.status_code == 404
        assert client.post(PAGE, data).status_code == 404
    elif role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.BHXH_NATIONAL):
        assert page.status_code == 200
        assert 'id="target-form"' in page.text
        assert client.post(PAGE, data).status_code == 302
        assert Target.objects.get().people_bp == 9100
        return
    else:
        assert page.status_code == 200
        assert 'id="target-form"' not in page.text
        assert 'id="read-only"' in page.text
        assert client.post(PAGE, data).status_code == 403
    assert not Target.objects.exists()


@pytest.mark.parametrize("who", ["officer", "viewer", "ward_team"])
def test_another_province_is_not_found(login, who):
    org_kind = {"officer": OrganizationKind.BHXH_PROVINCE, "viewer": OrganizationKind.LEADERSHIP,
                "ward_team": OrganizationKind.WARD}[who]
    role = {"officer": Role.BHXH_OFFICER, "viewer": Role.VIEWER,
            "ward_team": Role.WARD_TEAM}[who]
    org = f.organization(org_kind, province_code=f.DIEN_BIEN,
                         ward_code=f.DIEN_BIEN_PHU if who == "ward_team" else "")
    client = login(f.user(role, org))
    assert client.get(PAGE).status_code == 404
    assert _post(client, ward=f.DOAN_KET).status_code == 404
    assert client.get("/reporting/p/99/targets/").status_code == 404
    assert not Target.objects.exists()


def test_bhxh_vietnam_sets_no_wards_target_even_by_a_forged_post(login):
    response = _post(login(_national()), ward=f.DOAN_KET)
    assert response.status_code == 400
    assert 'id="id_ward_error"' in response.text
    assert not Target.objects.exists()


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(f.user(Role.BHXH_OFFICER))
    assert client.get(PAGE).status_code == 200
    response = _post(client, ward=f.DOAN_KET)
    assert response.status_code == 403
    assert not Target.objects.exists()


def test_a_bad_year_in_the_address_shows_this_year(login):
    client = login(f.user(Role.VIEWER))
    for query in ("?year=1999", "?year=abcd", "?year=<script>", "?year=20277"):
        response = client.get(PAGE + query)
        assert response.status_code == 200
        assert response.context["year"] >= 2026


def test_the_page_asks_the_same_queries_whatever_the_number_of_targets(login):
    officer = f.user(Role.BHXH_OFFICER)
    client = login(officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PAGE + "?year=2027").status_code == 200
        return len(ctx.captured_queries)

    targets.set_target(officer, targets.TargetChange(2027, "12", f.DOAN_KET, "monthly", 9100,
                                                     9100))
    before = queries()
    for ward in (f.DOAN_KET, f.TAN_PHONG):
        for group in ("monthly", "one_time"):
            targets.set_target(officer, targets.TargetChange(2027, "12", ward, group, 9500,
                                                             9500))
    assert queries() == before


def test_the_province_dashboard_links_to_its_targets(login):
    text = login(f.user(Role.BHXH_OFFICER)).get("/reporting/p/12/").text
    assert f'href="{PAGE}"' in text.split('id="targets-link"')[1].split("</p>")[0]
    ward = login(f.user(Role.BHXH_OFFICER)).get(f"/reporting/p/12/w/{f.DOAN_KET}/").text
    assert 'id="targets-link"' not in ward
