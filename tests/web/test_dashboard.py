import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chitra.access.models import OrganizationKind, Role
from chitra.registry.models import BenefitType, Channel
from tests import factories as f


def _ward_user(ward_code=f.DOAN_KET):
    return f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=ward_code))


def _people():
    f.beneficiary("Lò Thị Mai", channel=Channel.BANK_ACCOUNT)
    f.beneficiary("Nguyễn Văn Đức")
    f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG, benefit_type=BenefitType.MATERNITY,
                  channel=Channel.EWALLET, provider_name="MoMo")


def test_dashboard_needs_login(client):
    assert client.get("/").status_code == 302


def test_province_officer_sees_counts_and_shares_per_ward(login):
    _people()
    response = login(f.user()).get("/")
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.beneficiaries == 3
    assert (summary.monthly.cashless, summary.monthly.total) == (1, 2)
    assert (summary.one_time.cashless, summary.one_time.total) == (1, 1)
    text = response.text
    assert "Phường Đoàn Kết" in text
    assert "Phường Tân Phong" in text
    assert '<p class="kpi-value" id="kpi-monthly">50,0 %</p>' in text


def test_ward_user_sees_only_their_ward(login):
    _people()
    response = login(_ward_user()).get("/")
    assert response.context["summary"].beneficiaries == 2
    assert "Phường Tân Phong" not in response.text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.POST_OFFICE_OPERATOR])
def test_aggregate_roles_see_province_aggregates_but_no_names(login, role):
    _people()
    response = login(f.user(role)).get("/")
    assert response.context["summary"].beneficiaries == 3
    assert "Lò Thị Mai" not in response.text
    assert 'href="/beneficiaries/"' not in response.text.split("</nav>")[1]


def test_leadership_of_another_province_sees_nothing_of_this_one(login):
    _people()
    org = f.organization(OrganizationKind.LEADERSHIP, province_code="01")
    response = login(f.user(Role.VIEWER, org)).get("/")
    assert response.context["summary"].beneficiaries == 0


def test_bank_user_sees_their_provider_and_no_people(login):
    _people()
    response = login(f.user(Role.BANK_OPERATOR)).get("/")
    assert response.status_code == 200
    assert response.context["summary"].beneficiaries == 0
    assert "Agribank" in response.text
    assert "Phường Đoàn Kết" not in response.text


def test_dashboard_query_count_does_not_grow_with_people(login):
    client = login(f.user())
    _people()
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for i in range(20):
        f.beneficiary(f"Người {i}", ward_code=f.TAN_PHONG)
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)
