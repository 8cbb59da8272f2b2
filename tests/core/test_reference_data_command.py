"""`chitra load_reference_data`, documented in the README, is found and loads administrative
units and payment providers; run again it adds nothing (issue 12: its folder was one level
too deep, so `chitra` did not know it)."""

from __future__ import annotations

import io

from django.core.management import call_command

from chitra.core.models import AdminEra, AdminLevel, AdminUnit, PaymentProvider
from tests.test_readme_commands import chitra, private_database, shell


def load() -> str:
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int]:
    return AdminUnit.objects.count(), PaymentProvider.objects.count()


def test_the_command_loads_what_is_missing_once():
    full = counts()  # the migration loaded it already
    assert full[0] > 3321
    assert full[1] > 0
    lai_chau = AdminUnit.objects.filter(era=AdminEra.CURRENT, level=AdminLevel.WARD,
                                        province_code="12")
    wards = lai_chau.count()
    lai_chau.delete()
    providers = PaymentProvider.objects.all().delete()[0]

    assert f"{wards} đơn vị hành chính, {providers} ngân hàng/ví" in load()
    assert counts() == full
    assert "0 đơn vị hành chính, 0 ngân hàng/ví" in load()
    assert counts() == full


COUNTS = ("import json; from chitra.core.models import AdminUnit, PaymentProvider; "
          "print(json.dumps([AdminUnit.objects.count(), PaymentProvider.objects.count()]))")


def test_the_console_script_loads_and_is_idempotent(tmp_path):
    with private_database(tmp_path) as env:
        chitra(env, "migrate", "-v0")
        migrated = shell(env, COUNTS)
        shell(env, "import json; from chitra.core.models import PaymentProvider; "
                   "print(json.dumps(PaymentProvider.objects.all().delete()[0]))")
        assert shell(env, COUNTS) == [migrated[0], 0]

        first = chitra(env, "load_reference_data")
        assert f"0 đơn vị hành chính, {migrated[1]} ngân hàng/ví" in first
        assert shell(env, COUNTS) == migrated
        again = chitra(env, "load_reference_data")
        assert "0 đơn vị hành chính, 0 ngân hàng/ví" in again
        assert shell(env, COUNTS) == migrated
