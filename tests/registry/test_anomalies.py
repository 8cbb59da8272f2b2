from chitra.registry.anomalies import refresh_anomalies
from chitra.registry.models import Anomaly, AnomalyKind, Channel
from tests import factories as f


def kinds(b):
    return set(Anomaly.objects.filter(beneficiary=b).values_list("kind", flat=True))


def test_account_shared_by_two_beneficiaries_flags_both():
    a = f.beneficiary("Lò Văn Pọm", channel=Channel.BANK_ACCOUNT, account_number="1234567890123")
    b = f.beneficiary("Lò Thị Ín", channel=Channel.BANK_ACCOUNT, account_number="1234567890123",
                      holder_name="Lò Văn Pọm")
    alone = f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT)
    refresh_anomalies()
    assert AnomalyKind.SHARED_ACCOUNT in kinds(a)
    assert AnomalyKind.SHARED_ACCOUNT in kinds(b)
    assert kinds(alone) == set()


def test_holder_name_compared_without_accents_case_or_tone_placement():
    same = f.beneficiary("Nguyễn Thị Thuỷ Hoà", channel=Channel.BANK_ACCOUNT,
                         holder_name="NGUYEN THI THUY HOA")
    other = f.beneficiary("Đặng Văn Đức", channel=Channel.BANK_ACCOUNT,
                          holder_name="DANG VAN DUNG")
    refresh_anomalies()
    assert kinds(same) == set()
    assert kinds(other) == {AnomalyKind.HOLDER_NAME_MISMATCH}


def test_duplicate_bhxh_code_flags_each_holder():
    a = f.beneficiary("Vàng A Sử", bhxh_code="1234567890")
    b = f.beneficiary("Vàng A Dình", bhxh_code="1234567890")
    c = f.beneficiary("Vàng A Chá", bhxh_code="1234567891")
    refresh_anomalies()
    assert kinds(a) == kinds(b) == {AnomalyKind.DUPLICATE_BHXH_CODE}
    assert kinds(c) == set()


def test_refresh_clears_flags_that_no_longer_hold():
    a = f.beneficiary("Vàng A Sử", bhxh_code="1234567890")
    f.beneficiary("Vàng A Dình", bhxh_code="1234567890")
    refresh_anomalies()
    a.bhxh_code = "1111111111"
    a.save()
    refresh_anomalies()
    assert kinds(a) == set()
