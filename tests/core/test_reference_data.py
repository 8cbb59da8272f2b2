import pytest
from django.db import IntegrityError, transaction

from chitra.core import audit
from chitra.core.admin_units import (
    citizen_id_province_codes,
    current_provinces,
    current_wards,
    legacy_provinces,
    ward_for_2024_code,
)
from chitra.core.models import AdminEra, AdminLevel, AdminUnit, AuditEntry, PaymentProvider


def test_current_and_pre_reform_counts():
    assert len(current_provinces()) == 34
    assert len(current_wards()) == 3321
    assert len(legacy_provinces()) == 63
    assert current_provinces()["12"] == "Tỉnh Lai Châu"


def test_reference_data_is_in_the_database():
    units = AdminUnit.objects
    assert units.filter(era=AdminEra.CURRENT, level=AdminLevel.WARD).count() == 3321
    assert units.filter(era=AdminEra.LEGACY, level=AdminLevel.DISTRICT).count() == 696
    assert units.filter(era=AdminEra.LEGACY, level=AdminLevel.PROVINCE).count() == 63


def test_2024_ward_resolves_forward():
    # Phường Quyết Thắng (TP Lai Châu, 03386) became part of Phường Đoàn Kết (03388).
    ward = ward_for_2024_code("03386")
    assert ward is not None
    assert ward.name == "Phường Đoàn Kết"
    assert ward.province_code == "12"
    old_kon_tum = AdminUnit.objects.get(era="2024", level="province", code="62")
    assert old_kon_tum.successor_code == "51"  # merged into Quảng Ngãi


def test_citizen_id_provinces_include_merged_ones():
    assert {"001", "012", "062", "096"} <= citizen_id_province_codes()
    assert "099" not in citizen_id_province_codes()


def test_plan_banks_and_wallets_present_with_bins():
    rows = {p.short_name: p for p in PaymentProvider.objects.all()}
    for name, bin_ in [("VietinBank", "970415"), ("BIDV", "970418"), ("Agribank", "970405"),
                       ("LPBank", "970449"), ("HDBank", "970437"), ("Vietcombank", "970436"),
                       ("ViettelMoney", "971005"), ("VNPTMoney", "971011")]:
        assert rows[name].napas_bin == bin_
    assert "MoMo" in rows
    assert rows["Agribank"].bic == "VBAAVNVX"


def test_audit_log_is_append_only_in_the_database():
    entry = audit.record("officer", "test", "x", 1, after={"a": 1})
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"


def test_check_constraint_refuses_unknown_era():
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminUnit.objects.create(era="1999", level="ward", code="1", name="x", province_code="1")
