import pytest
from django.urls import reverse

from chitra.access.models import OrganizationKind, Role
from chitra.access.scoping import (
    bhxh_province,
    scope_of,
    sees_full_account_numbers,
    sees_full_citizen_ids,
)
from tests import factories as f


def test_ward_user_is_limited_to_their_ward():
    s = scope_of(f.user(Role.WARD_TEAM))
    assert (s.province_code, s.ward_code, s.sees_people) == ("12", f.DOAN_KET, True)


@pytest.mark.parametrize("role", [Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.POLICE_VERIFIER])
def test_province_roles_see_the_province(role):
    s = scope_of(f.user(role))
    assert (s.province_code, s.ward_code, s.sees_people) == ("12", None, True)


def test_bank_user_sees_no_people_only_its_provider():
    u = f.user(Role.BANK_OPERATOR)
    s = scope_of(u)
    assert s.sees_people is False
    assert s.provider_id == u.organization.provider_id


@pytest.mark.parametrize("role", [Role.VIEWER, Role.POST_OFFICE_OPERATOR])
def test_aggregate_roles_see_no_people(role):
    assert scope_of(f.user(role)).sees_people is False


def test_ward_role_in_a_province_org_gets_nothing_extra():
    # A role that does not fit its organization's kind must not widen the scope.
    org = f.organization()  # BHXH province
    s = scope_of(f.user(Role.WARD_TEAM, org=org))
    assert s.sees_people is False


def test_inactive_user_sees_nothing():
    u = f.user(Role.BHXH_OFFICER)
    u.is_active = False
    assert scope_of(u).sees_people is False


@pytest.mark.parametrize(("role", "citizen_ids", "accounts"), [
    (Role.BHXH_OFFICER, True, True), (Role.BHXH_APPROVER, True, True),
    (Role.WARD_TEAM, True, False), (Role.POLICE_VERIFIER, True, False),
    (Role.BANK_OPERATOR, False, False), (Role.VIEWER, False, False),
    (Role.POST_OFFICE_OPERATOR, False, False)])
def test_who_sees_whole_identifiers(role, citizen_ids, accounts):
    u = f.user(role)
    assert sees_full_citizen_ids(u) is citizen_ids
    assert sees_full_account_numbers(u) is accounts


@pytest.mark.parametrize("kind", [OrganizationKind.BANK, OrganizationKind.WARD,
                                  OrganizationKind.POLICE, OrganizationKind.LEADERSHIP])
def test_a_bhxh_role_outside_a_bhxh_office_does_no_bhxh_work(login, kind):
    org = f.organization(kind, ward_code=f.DOAN_KET if kind == OrganizationKind.WARD else "",
                         provider=f.provider("Agribank") if kind == OrganizationKind.BANK
                         else None)
    misfiled = f.user(Role.BHXH_APPROVER, org)
    assert bhxh_province(misfiled) is None
    client = login(misfiled)
    assert client.get(reverse("outreach_method_changes")).status_code == 403
    assert client.get(reverse("outreach_reports")).status_code == 403


def test_a_bhxh_office_user_works_for_its_province():
    assert bhxh_province(f.user(Role.BHXH_OFFICER)) == f.LAI_CHAU
    assert bhxh_province(f.user(Role.WARD_TEAM)) is None
