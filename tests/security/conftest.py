"""Two provinces, each with its own users of every role and its own Agribank, post office and
police: what the attack run of issue 11 used. A test acts as one province's user and checks
that the other province's objects stay out of reach."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from chitra.access.models import Organization, OrganizationKind, Role, User
from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD, make_demo_keystore
from chitra.payments.models import ProvincePaymentRule
from tests import factories as f


@dataclass
class Province:
    code: str
    ward_code: str
    officer: User
    approver: User
    ward_team: User
    bank: User  # Agribank's operator in this province
    other_bank: User  # BIDV's operator in this province
    post_office: User
    police: User
    viewer: User

    def users(self) -> list[User]:
        return [self.officer, self.approver, self.ward_team, self.bank, self.other_bank,
                self.post_office, self.police, self.viewer]


def _province(code: str, ward: str, tag: str) -> Province:
    def org(kind: OrganizationKind, provider: str | None = None) -> Organization:
        return f.organization(kind, province_code=code,
                              ward_code=ward if kind == OrganizationKind.WARD else "",
                              provider=f.provider(provider) if provider else None)

    bhxh = org(OrganizationKind.BHXH_PROVINCE)

    def user(role: Role, o: Organization, name: str) -> User:
        return f.user(role, o, username=f"{tag}-{name}")

    return Province(
        code=code, ward_code=ward,
        officer=user(Role.BHXH_OFFICER, bhxh, "officer"),
        approver=user(Role.BHXH_APPROVER, bhxh, "approver"),
        ward_team=user(Role.WARD_TEAM, org(OrganizationKind.WARD), "tct"),
        bank=user(Role.BANK_OPERATOR, org(OrganizationKind.BANK, "Agribank"), "agribank"),
        other_bank=user(Role.BANK_OPERATOR, org(OrganizationKind.BANK, "BIDV"), "bidv"),
        post_office=user(Role.POST_OFFICE_OPERATOR, org(OrganizationKind.POST_OFFICE),
                         "buudien"),
        police=user(Role.POLICE_VERIFIER, org(OrganizationKind.POLICE), "congan"),
        viewer=user(Role.VIEWER, org(OrganizationKind.LEADERSHIP), "lanhdao"),
    )


@pytest.fixture(scope="session")
def office_keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("keys") / "office.p12")


@pytest.fixture
def paying_offices(settings, office_keystore: Path) -> list[ProvincePaymentRule]:
    """Both provinces' paying accounts and the signing key, as operators set them up."""
    settings.KEYSTORE_PATH = office_keystore
    settings.KEYSTORE_PASSWORD = DEMO_KEYSTORE_PASSWORD
    return [ProvincePaymentRule.objects.create(
        province_code=code, debtor_name=f"BẢO HIỂM XÃ HỘI TỈNH {code}",
        debtor_account=f"88002010012{code}", debtor_agent_bic="VBAAVNVX")
        for code in (f.LAI_CHAU, f.DIEN_BIEN)]
