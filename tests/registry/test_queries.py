from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chitra.access.models import OrganizationKind, Role
from chitra.core.errors import NotInScope
from chitra.registry.models import BenefitType, Channel, PaymentAccount
from chitra.registry.queries import (
    Search,
    beneficiaries_visible_to,
    cashless_summary,
    get_beneficiary_for,
    search_beneficiaries,
    wards_for,
)
from tests import factories as f


def _ward_user(ward_code=f.DOAN_KET):
    org = f.organization(OrganizationKind.WARD, ward_code=ward_code)
    return f.user(Role.WARD_TEAM, org)


def test_ward_user_sees_only_their_ward():
    mine = f.beneficiary("Lò Thị Mai", ward_code=f.DOAN_KET)
    f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG)
    assert list(beneficiaries_visible_to(_ward_user())) == [mine]


def test_province_officer_sees_their_province_only():
    here = f.beneficiary("Lò Thị Mai")
    elsewhere = f.beneficiary("Trần Văn Nam")
    elsewhere.province_code = "01"
    elsewhere.save()
    assert list(beneficiaries_visible_to(f.user(Role.BHXH_OFFICER))) == [here]


@pytest.mark.parametrize("role", [Role.BANK_OPERATOR, Role.VIEWER, Role.POST_OFFICE_OPERATOR])
def test_roles_without_people_see_nobody(role):
    f.beneficiary()
    assert not beneficiaries_visible_to(f.user(role)).exists()


def test_out_of_scope_beneficiary_is_refused_like_a_missing_one():
    other = f.beneficiary(ward_code=f.TAN_PHONG)
    user = _ward_user()
    with pytest.raises(NotInScope):
        get_beneficiary_for(user, other.pk)
    with pytest.raises(NotInScope):
        get_beneficiary_for(user, other.pk + 1000)


@pytest.mark.parametrize("typed",
                         ["nguyen van duc", "NGUYEN  VAN DUC", "van đuc", "Nguyễn Văn Đức"])
def test_name_search_ignores_accents_case_and_spaces(typed):
    duc = f.beneficiary("Nguyễn Văn Đức")
    f.beneficiary("Nguyễn Văn Dũng")
    assert list(search_beneficiaries(f.user(), Search(text=typed))) == [duc]


def test_search_by_full_personal_id_and_legacy_code_is_exact():
    a = f.beneficiary("Lò Thị Mai", bhxh_code="1234567890")
    f.beneficiary("Lò Thị Mai", bhxh_code="1234567891")
    officer = f.user()
    assert list(search_beneficiaries(officer, Search(text=a.citizen_id))) == [a]
    assert list(search_beneficiaries(officer, Search(text="1234567890"))) == [a]
    assert not search_beneficiaries(officer, Search(text=a.citizen_id[:11])).exists()


def test_filters_by_ward_current_channel_and_benefit_type():
    cash = f.beneficiary("Lò Thị Mai")
    bank = f.beneficiary("Lò Văn Pọm", channel=Channel.BANK_ACCOUNT)
    sick = f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG, benefit_type=BenefitType.SICKNESS)
    officer = f.user()
    assert list(search_beneficiaries(officer, Search(channel="bank_account"))) == [bank]
    assert list(search_beneficiaries(officer, Search(ward_code=f.TAN_PHONG))) == [sick]
    assert list(search_beneficiaries(officer, Search(benefit_type="sickness"))) == [sick]
    assert set(search_beneficiaries(officer, Search(channel="cash"))) == {cash, sick}


def test_channel_is_that_of_the_current_account():
    b = f.beneficiary("Lò Thị Mai", channel=Channel.BANK_ACCOUNT)
    PaymentAccount.objects.filter(beneficiary=b).update(valid_to=date(2024, 12, 31))
    PaymentAccount.objects.create(beneficiary=b, channel=Channel.CASH, valid_from=date(2025, 1, 1),
                                  created_by="test")
    row = search_beneficiaries(f.user(), Search()).get()
    assert row.current_channel == "cash"


def test_a_ward_user_can_only_filter_by_their_ward():
    assert [code for code, _ in wards_for(_ward_user())] == [f.DOAN_KET]
    codes = {code for code, _ in wards_for(f.user())}
    assert {f.DOAN_KET, f.TAN_PHONG} <= codes
    assert all(code for code in codes)


def test_cashless_summary_counts_per_ward_and_group():
    f.beneficiary("A", channel=Channel.BANK_ACCOUNT)
    f.beneficiary("B", channel=Channel.EWALLET, provider_name="MoMo")
    f.beneficiary("C")
    f.beneficiary("D", ward_code=f.TAN_PHONG, benefit_type=BenefitType.UNEMPLOYMENT)
    summary = cashless_summary(f.user())
    assert summary.beneficiaries == 4
    wards = {w.ward_code: w for w in summary.wards}
    assert (wards[f.DOAN_KET].monthly.total, wards[f.DOAN_KET].monthly.cashless) == (3, 2)
    assert wards[f.DOAN_KET].monthly.cashless_share == 66.7
    assert wards[f.TAN_PHONG].one_time.cash == 1
    assert wards[f.TAN_PHONG].one_time.cashless_share == 0
    assert summary.monthly.total == 3
    assert summary.one_time.total == 1
    assert wards[f.DOAN_KET].ward_name == "Phường Đoàn Kết"


def test_cashless_summary_ignores_closed_accounts():
    b = f.beneficiary("A", channel=Channel.BANK_ACCOUNT)
    PaymentAccount.objects.filter(beneficiary=b).update(valid_to=date(2024, 12, 31))
    PaymentAccount.objects.create(beneficiary=b, channel=Channel.CASH, valid_from=date(2025, 1, 1),
                                  created_by="test")
    assert cashless_summary(f.user()).monthly.cashless == 0


def test_cashless_summary_is_scoped():
    f.beneficiary("A")
    f.beneficiary("B", ward_code=f.TAN_PHONG)
    assert cashless_summary(_ward_user()).beneficiaries == 1
    assert cashless_summary(f.user(Role.VIEWER)).beneficiaries == 2
    assert cashless_summary(f.user(Role.BANK_OPERATOR)).beneficiaries == 0
    other = f.user(Role.BHXH_OFFICER, f.organization(province_code="01"))
    assert cashless_summary(other).beneficiaries == 0


def test_cashless_summary_query_count_does_not_grow_with_people():
    for i in range(3):
        f.beneficiary(f"Người {i}")
    user = f.user()
    with CaptureQueriesContext(connection) as few:
        cashless_summary(user)
    for i in range(10):
        f.beneficiary(f"Người thêm {i}", ward_code=f.TAN_PHONG, channel=Channel.BANK_ACCOUNT)
    with CaptureQueriesContext(connection) as many:
        cashless_summary(user)
    assert len(many) == len(few) <= 3
