"""Create the demo: organizations, users, payment points and synthetic beneficiaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from chitra.access.models import Organization, OrganizationKind, Role, User
from chitra.core import audit
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.models import PaymentProvider
from chitra.core.text import fold_key
from chitra.registry import demo
from chitra.registry.anomalies import refresh_anomalies
from chitra.registry.models import (
    Beneficiary,
    Benefit,
    Channel,
    PaymentAccount,
    PaymentPoint,
    group_of,
)

DEMO_PASSWORD = "chitra-demo-2026"  # noqa: S105 -- printed with the demo logins


@dataclass
class DemoLogins:
    password: str
    users: list[tuple[str, str]] = field(default_factory=list)  # (username, description)
    beneficiaries_created: int = 0
    password_hash: str = ""  # hashed once: argon2 is deliberately slow


def _slug(name: str) -> str:
    for prefix in ("Phường ", "Xã ", "Đặc khu "):
        name = name.removeprefix(prefix)
    return fold_key(name).replace(" ", "")


def _user(logins: DemoLogins, username: str, role: Role, org: Organization, label: str,
          superuser: bool = False) -> None:
    if not User.objects.filter(username=username).exists():
        u = User(username=username, role=role, organization=org, is_superuser=superuser,
                 is_staff=superuser)
        if not logins.password_hash:
            u.set_password(logins.password)
            logins.password_hash = u.password
        u.password = logins.password_hash
        u.save()
    logins.users.append((username, label))


@transaction.atomic
def seed_demo(province_code: str, count: int, seed: int, today: date) -> DemoLogins:
    """Idempotent: organizations and users are reused; people are added only once."""
    if province_code not in current_provinces():
        raise ValueError(f"unknown province code {province_code}")
    province = current_provinces()[province_code]
    wards = sorted((w for w in current_wards().values() if w.province_code == province_code),
                   key=lambda w: w.code)
    logins = DemoLogins(DEMO_PASSWORD)

    def org(kind: OrganizationKind, name: str, ward: str = "",
            provider: PaymentProvider | None = None) -> Organization:
        o, _ = Organization.objects.get_or_create(
            kind=kind, name=name, province_code=province_code, ward_code=ward,
            provider=provider)
        return o

    bhxh = org(OrganizationKind.BHXH_PROVINCE, f"BHXH {province}")
    _user(logins, "admin", Role.BHXH_APPROVER, bhxh, "quản trị / administrator", True)
    _user(logins, "officer", Role.BHXH_OFFICER, bhxh, "cán bộ BHXH / BHXH officer")
    _user(logins, "approver", Role.BHXH_APPROVER, bhxh, "lãnh đạo duyệt / BHXH approver")
    _user(logins, "congan", Role.POLICE_VERIFIER,
          org(OrganizationKind.POLICE, f"Công an {province}"), "công an / police verifier")
    _user(logins, "buudien", Role.POST_OFFICE_OPERATOR,
          org(OrganizationKind.POST_OFFICE, f"Bưu điện {province}"), "bưu điện / post office")
    _user(logins, "bhxhvn", Role.BHXH_NATIONAL,
          org(OrganizationKind.BHXH_NATIONAL, "BHXH Việt Nam"),
          "BHXH Việt Nam: chỉ tiêu, số liệu cả nước / national targets and figures")
    _user(logins, "lanhdao", Role.VIEWER,
          org(OrganizationKind.LEADERSHIP, f"UBND {province}"), "lãnh đạo / leadership")
    for short, _w in demo.CASHLESS:
        p = PaymentProvider.objects.get(short_name=short)
        _user(logins, fold_key(short).replace("-", ""), Role.BANK_OPERATOR,
              org(OrganizationKind.BANK, p.name, provider=p), f"{short}")
    points: dict[str, list[PaymentPoint]] = {}
    for w in wards:
        ward_org = org(OrganizationKind.WARD, f"Tổ công tác {w.name}", ward=w.code)
        _user(logins, f"tct-{_slug(w.name)}", Role.WARD_TEAM, ward_org,
              f"tổ công tác / ward team {w.name}")
        points[w.code] = [PaymentPoint.objects.get_or_create(
            code=f"DCT-{w.code}-{n}", defaults=dict(
                name=f"Điểm chi trả {w.name.split(' ', 1)[1]} {n}", province_code=province_code,
                ward_code=w.code, address=f"Bưu điện văn hoá {w.name}, điểm {n}"))[0]
            for n in (1, 2)]

    if Beneficiary.objects.filter(province_code=province_code).exists():
        return logins
    providers = {p.short_name: p.id for p in PaymentProvider.objects.all()}
    rows = list(demo.people(seed, count, [w.code for w in wards], province_code, today))
    rows = _plant_anomalies(rows)
    people = Beneficiary.objects.bulk_create([
        Beneficiary(citizen_id=p.citizen_id, bhxh_code=p.bhxh_code, full_name=p.full_name,
                    name_key=p.name_key, date_of_birth=p.date_of_birth, sex=p.sex,
                    province_code=province_code, ward_code=p.ward_code, street=p.street,
                    phone=p.phone,
                    payment_point=points[p.ward_code][i % 2] if p.channel == Channel.CASH
                    else None)
        for i, p in enumerate(rows)], batch_size=2000)
    ids = dict(Beneficiary.objects.filter(province_code=province_code)
               .values_list("citizen_id", "id"))
    Benefit.objects.bulk_create([
        Benefit(beneficiary_id=ids[p.citizen_id], benefit_type=p.benefit_type,
                group=group_of(p.benefit_type), amount=p.amount, start_date=p.benefit_start,
                end_date=p.benefit_end) for p in rows], batch_size=2000)
    PaymentAccount.objects.bulk_create([
        PaymentAccount(beneficiary_id=ids[p.citizen_id], channel=p.channel,
                       provider_id=providers[p.provider] if p.provider else None,
                       account_number=p.account_number, holder_name=p.holder_name,
                       holder_name_key=fold_key(p.holder_name), valid_from=p.benefit_start,
                       created_by="system:seed_demo") for p in rows], batch_size=2000)
    refresh_anomalies(province_code)
    audit.record("system:seed_demo", "seed_demo", "province", province_code,
                 after={"beneficiaries": len(people), "seed": seed})
    logins.beneficiaries_created = len(people)
    return logins


def _plant_anomalies(rows: list[demo.DemoPerson]) -> list[demo.DemoPerson]:
    """A few deliberate problems so the anomaly list has something to show."""
    from dataclasses import replace

    banked = [i for i, p in enumerate(rows) if p.channel == Channel.BANK_ACCOUNT]
    if len(banked) >= 4:
        a, b, c = banked[0], banked[1], banked[2]
        # b uses a's account (a relative's account): shared account + holder-name mismatch
        rows[b] = replace(rows[b], provider=rows[a].provider,
                          account_number=rows[a].account_number, holder_name=rows[a].holder_name)
        rows[c] = replace(rows[c], holder_name="TRAN VAN KHAC")
    coded = [i for i, p in enumerate(rows) if p.bhxh_code]
    if len(coded) >= 2:
        rows[coded[1]] = replace(rows[coded[1]], bhxh_code=rows[coded[0]].bhxh_code)
    return rows
