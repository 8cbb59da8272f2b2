"""Valid objects for tests, built directly (STYLE §8). Each call makes distinct people."""

from __future__ import annotations

import functools
import itertools
from datetime import date

from django.contrib.auth.hashers import make_password

from chitra.access.models import Organization, OrganizationKind, Role, User
from chitra.core.identifiers import Sex, century_sex_digit
from chitra.core.models import PaymentProvider
from chitra.core.text import fold_key, nfc
from chitra.registry.models import (
    Beneficiary,
    Benefit,
    BenefitType,
    Channel,
    PaymentAccount,
    PaymentPoint,
    VerificationStamp,
    group_of,
)

LAI_CHAU = "12"
DIEN_BIEN = "11"
DIEN_BIEN_PHU = "03127"  # Phường Điện Biên Phủ, Điện Biên
DOAN_KET = "03388"  # Phường Đoàn Kết, Lai Châu
TAN_PHONG = "03408"  # Phường Tân Phong, Lai Châu
PASSWORD = "mật-khẩu-thử-1"

_seq = itertools.count(1)


def citizen_id_for(dob: date, sex: Sex, province: str = "012") -> str:
    return f"{province}{century_sex_digit(dob, sex)}{dob.year % 100:02d}{next(_seq):06d}"


def organization(kind: OrganizationKind = OrganizationKind.BHXH_PROVINCE, *,
                 province_code: str = LAI_CHAU, ward_code: str = "",
                 provider: PaymentProvider | None = None, name: str = "") -> Organization:
    return Organization.objects.create(
        name=name or f"{kind.label} {next(_seq)}", kind=kind, province_code=province_code,
        ward_code=ward_code, provider=provider)


def user(role: Role = Role.BHXH_OFFICER, org: Organization | None = None,
         username: str = "") -> User:
    if org is None:
        kind = {
            Role.WARD_TEAM: OrganizationKind.WARD,
            Role.BANK_OPERATOR: OrganizationKind.BANK,
            Role.POST_OFFICE_OPERATOR: OrganizationKind.POST_OFFICE,
            Role.POLICE_VERIFIER: OrganizationKind.POLICE,
            Role.VIEWER: OrganizationKind.LEADERSHIP,
            Role.BHXH_NATIONAL: OrganizationKind.BHXH_NATIONAL,
        }.get(role, OrganizationKind.BHXH_PROVINCE)
        org = organization(
            kind, ward_code=DOAN_KET if kind == OrganizationKind.WARD else "",
            provider=provider("Agribank") if kind == OrganizationKind.BANK else None)
    # Argon2 is slow on purpose: hash the test password once, give every user that hash.
    return User.objects.create(
        username=username or f"user{next(_seq)}", password=_password_hash(),
        organization=org, role=role)


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


def provider(short_name: str = "Agribank") -> PaymentProvider:
    return PaymentProvider.objects.get(short_name=short_name)


def payment_point(ward_code: str = DOAN_KET, province_code: str = LAI_CHAU) -> PaymentPoint:
    n = next(_seq)
    return PaymentPoint.objects.create(code=f"DCT{n:05d}", name=f"Điểm chi trả số {n}",
                                       province_code=province_code, ward_code=ward_code)


def stamp_of(person: Beneficiary) -> str | None:
    """The outcome of ``person``'s last verification, None if never verified."""
    return (VerificationStamp.objects.filter(beneficiary=person)
            .values_list("outcome", flat=True).first())


def beneficiary(full_name: str = "Nguyễn Văn Đức", *, ward_code: str = DOAN_KET,
                dob: date = date(1958, 3, 14), sex: Sex = Sex.MALE,
                bhxh_code: str = "", channel: Channel = Channel.CASH,
                provider_name: str = "Agribank", account_number: str = "",
                holder_name: str | None = None, amount: int = 5_250_000,
                benefit_type: BenefitType = BenefitType.PENSION,
                province_code: str = LAI_CHAU) -> Beneficiary:
    name = nfc(full_name)
    b = Beneficiary.objects.create(
        citizen_id=citizen_id_for(dob, sex, f"0{province_code}"), bhxh_code=bhxh_code,
        full_name=name, name_key=fold_key(name), date_of_birth=dob, sex=sex,
        province_code=province_code,
        ward_code=ward_code, street="Tổ 1")
    Benefit.objects.create(beneficiary=b, benefit_type=benefit_type,
                           group=group_of(benefit_type), amount=amount,
                           start_date=date(2020, 1, 1))
    if channel == Channel.CASH:
        PaymentAccount.objects.create(beneficiary=b, channel=channel,
                                      valid_from=date(2020, 1, 1), created_by="test")
    else:
        PaymentAccount.objects.create(
            beneficiary=b, channel=channel, provider=provider(provider_name),
            account_number=account_number or f"{next(_seq):013d}",
            holder_name=name if holder_name is None else holder_name,
            holder_name_key=fold_key(name if holder_name is None else holder_name),
            valid_from=date(2020, 1, 1), created_by="test")
    return b
