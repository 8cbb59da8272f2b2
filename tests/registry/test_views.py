from datetime import date

import pytest
from django.urls import reverse

from chitra.access.models import OrganizationKind, Role
from chitra.core.identifiers import mask
from chitra.registry.models import Anomaly, AnomalyKind, Authorization, Channel, PaymentAccount
from tests import factories as f


def _ward_user(ward_code=f.DOAN_KET):
    return f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=ward_code))


def _detail(b):
    return reverse("beneficiary_detail", args=[b.pk])


LIST = "/beneficiaries/"


def _search(client, **params):
    """The search form: POSTed, then the list at ``?s=<token>`` (no search text in the URL)."""
    return client.post(LIST, params, follow=True)


def test_pages_need_login(client):
    b = f.beneficiary()
    for url in (LIST, _detail(b)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_unaccented_search_finds_accented_name(login):
    duc = f.beneficiary("Nguyễn Văn Đức")
    f.beneficiary("Lò Thị Mai")
    response = _search(login(_ward_user()), q="nguyen van duc")
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [duc]
    assert "Nguyễn Văn Đức" in response.text
    assert "Lò Thị Mai" not in response.text


def test_list_shows_only_the_ward_users_ward(login):
    f.beneficiary("Lò Thị Mai", ward_code=f.DOAN_KET)
    f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG)
    client = login(_ward_user())
    response = client.get(LIST)
    assert "Lò Thị Mai" in response.text
    assert "Tao Văn Sơn" not in response.text
    # Asking for another ward's filter does not widen the scope.
    response = _search(client, ward=f.TAN_PHONG)
    assert "Tao Văn Sơn" not in response.text


def test_ward_user_cannot_open_another_wards_beneficiary(login):
    other = f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG)
    response = login(_ward_user()).get(_detail(other))
    assert response.status_code == 404
    assert "Tao Văn Sơn" not in response.text
    assert other.citizen_id not in response.text


def test_officer_of_another_province_cannot_open_beneficiary(login):
    b = f.beneficiary()
    officer = f.user(Role.BHXH_OFFICER, f.organization(province_code="01"))
    assert login(officer).get(_detail(b)).status_code == 404
    assert b.full_name not in login(officer).get(LIST).text


@pytest.mark.parametrize("role", [Role.BANK_OPERATOR, Role.VIEWER, Role.POST_OFFICE_OPERATOR])
def test_roles_without_people_get_no_list_and_no_detail(login, role):
    b = f.beneficiary("Nguyễn Văn Đức")
    client = login(f.user(role))
    response = _search(client, q="nguyen")
    assert response.status_code == 200
    assert "Nguyễn Văn Đức" not in response.text
    assert 'id="no-people"' in response.text
    assert client.get(_detail(b)).status_code == 404


def test_list_query_count_is_constant(login, django_assert_max_num_queries):
    client = login(f.user())
    for i in range(3):
        f.beneficiary(f"Người {i}", channel=Channel.BANK_ACCOUNT)
    url = client.post(LIST, {"q": "nguoi"})["Location"]
    with django_assert_max_num_queries(8) as few:
        client.get(url)
    for i in range(60):
        f.beneficiary(f"Người thêm {i}", channel=Channel.BANK_ACCOUNT if i % 2 else Channel.CASH)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 63


def test_list_is_paginated_and_keeps_the_query(login):
    for i in range(51):
        f.beneficiary(f"Lò Văn {i:02d}")
    client = login(f.user())
    first = _search(client, q="lo van")
    [(url, _)] = first.redirect_chain
    assert f'href="{url.removeprefix(LIST)}&amp;page=2"' in first.text
    assert "lo+van" not in first.text
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_detail_shows_benefits_account_history_authorizations_and_anomalies(login):
    b = f.beneficiary("Nguyễn Văn Đức", amount=5_250_000, channel=Channel.BANK_ACCOUNT,
                      account_number="1234567890123")
    PaymentAccount.objects.filter(beneficiary=b).update(valid_to=date(2025, 6, 30),
                                                        closed_reason="AC04 tài khoản đã đóng")
    PaymentAccount.objects.create(beneficiary=b, channel=Channel.CASH, valid_from=date(2025, 7, 1),
                                  created_by="canbo.phuong", approved_by="lanhdao.bhxh")
    Authorization.objects.create(beneficiary=b, proxy_name="Nguyễn Thị Hoa",
                                 proxy_citizen_id="012190000123", proxy_relationship="Con gái",
                                 valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31),
                                 created_by="x")
    Anomaly.objects.create(beneficiary=b, kind=AnomalyKind.HOLDER_NAME_MISMATCH,
                           detail="Tên chủ tài khoản: NGUYEN VAN DUNG")
    response = login(_ward_user()).get(_detail(b))
    text = response.text
    assert response.status_code == 200
    assert "5.250.000 ₫" in text
    assert "14/03/1958" in text
    assert "01/07/2025" in text
    assert "30/06/2025" in text
    assert "AC04 tài khoản đã đóng" in text
    assert "canbo.phuong" in text
    assert "lanhdao.bhxh" in text
    assert "Nguyễn Thị Hoa" in text
    assert "01/01/2025 – 31/12/2025" in text
    assert "NGUYEN VAN DUNG" in text
    accounts = list(response.context["accounts"])
    assert accounts[0].valid_to is None  # current first
    assert text.index("Tiền mặt") < text.index("*********0123")  # ward users: masked account


@pytest.mark.parametrize("role", list(Role))
def test_identifiers_shown_whole_only_to_roles_that_need_them(login, role):
    b = f.beneficiary(channel=Channel.BANK_ACCOUNT, account_number="9876543210123",
                      bhxh_code="1234567890")
    user = f.user(role)
    response = login(user).get(_detail(b))
    if role in (Role.BANK_OPERATOR, Role.VIEWER, Role.POST_OFFICE_OPERATOR,
                Role.BHXH_NATIONAL):  # figures only, no one's name
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert b.citizen_id in response.text
        whole_account = role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER)
        assert ("9876543210123" in response.text) is whole_account
        assert ("*********0123" in response.text) is not whole_account
    assert (b.citizen_id in login(user).get(LIST).text) == (response.status_code == 200)


def test_identifiers_masked_when_role_does_not_need_them(login, monkeypatch):
    # No role that sees people lacks whole IDs today; force the path to prove the templates.
    for module in ("chitra.registry.views", "chitra.web.views_beneficiary"):
        monkeypatch.setattr(f"{module}.sees_full_citizen_ids", lambda user: False)
        monkeypatch.setattr(f"{module}.sees_full_account_numbers", lambda user: False)
    b = f.beneficiary(channel=Channel.BANK_ACCOUNT, account_number="9876543210123",
                      bhxh_code="1234567890")
    Authorization.objects.create(beneficiary=b, proxy_name="Nguyễn Thị Hoa",
                                 proxy_citizen_id="012190000123", valid_from=date(2025, 1, 1),
                                 valid_to=date(2025, 12, 31), created_by="x")
    client = login(f.user())
    detail = client.get(_detail(b)).text
    for secret in (b.citizen_id, "9876543210123", "1234567890", "012190000123"):
        assert secret not in detail
        assert mask(secret) in detail
    listing = client.get(LIST).text
    assert b.citizen_id not in listing
    assert mask(b.citizen_id) in listing


def test_superuser_sees_everything_unmasked(login, django_user_model):
    b = f.beneficiary()
    admin = django_user_model.objects.create_superuser("root", password=f.PASSWORD)
    assert b.citizen_id in login(admin).get(_detail(b)).text
