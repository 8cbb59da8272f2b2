from datetime import date

import pytest

from chitra.access.models import Role, User
from chitra.core.admin_units import current_wards
from chitra.core.identifiers import check_citizen_id
from chitra.registry.demo import people as demo_people
from chitra.registry.models import (
    Anomaly,
    AnomalyKind,
    Beneficiary,
    BenefitGroup,
    Channel,
    PaymentAccount,
)
from chitra.registry.seeding import seed_demo

TODAY = date(2026, 11, 23)


def test_same_seed_gives_same_people_and_other_seed_differs():
    wards = ["03388", "03408"]
    a = list(demo_people(7, 200, wards, "12", TODAY))
    b = list(demo_people(7, 200, wards, "12", TODAY))
    c = list(demo_people(8, 200, wards, "12", TODAY))
    assert a == b
    assert a != c
    assert len({p.citizen_id for p in a}) == 200


@pytest.fixture
def demo():
    return seed_demo("12", 400, seed=3, today=TODAY)


def test_people_are_consistent_and_realistic(demo):
    people = Beneficiary.objects.all()
    assert people.count() == 400
    lai_chau_wards = {c for c, w in current_wards().items() if w.province_code == "12"}
    for b in people:
        assert check_citizen_id(b.citizen_id, b.date_of_birth, b.sex) == [], b.citizen_id
        assert b.ward_code in lai_chau_wards
    cash = PaymentAccount.objects.filter(valid_to__isnull=True, channel=Channel.CASH).count()
    assert 0.40 <= cash / 400 <= 0.60
    groups = set(Beneficiary.objects.values_list("benefits__group", flat=True))
    assert groups == {BenefitGroup.MONTHLY, BenefitGroup.ONE_TIME}
    accented = r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]"
    assert Beneficiary.objects.filter(full_name__regex=accented).count() > 300


def test_planted_anomalies_are_flagged(demo):
    kinds = set(Anomaly.objects.values_list("kind", flat=True))
    assert kinds == {AnomalyKind.SHARED_ACCOUNT, AnomalyKind.HOLDER_NAME_MISMATCH,
                     AnomalyKind.DUPLICATE_BHXH_CODE}


def test_demo_logins_cover_every_role(demo):
    names = {u for u, _ in demo.users}
    assert {"officer", "approver", "congan", "buudien", "agribank", "vietinbank", "bidv",
            "lpbank", "hdbank", "vietcombank", "viettelmoney", "vnptmoney", "momo"} <= names
    ward_users = User.objects.filter(role=Role.WARD_TEAM)
    assert ward_users.count() == sum(1 for w in current_wards().values() if w.province_code == "12")
    assert User.objects.get(username="officer").check_password(demo.password)


def test_running_again_adds_nobody(demo):
    again = seed_demo("12", 400, seed=3, today=TODAY)
    assert again.beneficiaries_created == 0
    assert Beneficiary.objects.count() == 400


def test_unknown_province_is_refused():
    with pytest.raises(ValueError, match="unknown province"):
        seed_demo("99", 10, seed=1, today=TODAY)
