from __future__ import annotations

from pathlib import Path

import pytest

from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD, make_demo_keystore
from chitra.payments.models import ProvincePaymentRule


@pytest.fixture(scope="session")
def office_keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("keys") / "office.p12")


@pytest.fixture
def paying_office(settings, office_keystore: Path) -> ProvincePaymentRule:
    """Lai Châu's paying account and signing key, as an operator sets them up."""
    settings.KEYSTORE_PATH = office_keystore
    settings.KEYSTORE_PASSWORD = DEMO_KEYSTORE_PASSWORD
    return ProvincePaymentRule.objects.create(
        province_code="12", debtor_name="BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU",
        debtor_account="8800201001234", debtor_agent_bic="VBAAVNVX")
