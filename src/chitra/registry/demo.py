"""Synthetic, reproducible demo data: same seed → same people (issue 2 item 7)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from chitra.core.identifiers import Sex, century_sex_digit
from chitra.core.text import fold_key, nfc
from chitra.registry.models import BenefitType, Channel

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
            "Lò", "Tẩn", "Vàng", "Giàng", "Lù", "Sùng", "Tao", "Lường", "Điêu", "Hà"]
MIDDLE_MALE = ["Văn", "Đức", "Minh", "Quang", "A", "Xuân", "Hữu", "Công"]
MIDDLE_FEMALE = ["Thị", "Thu", "Ngọc", "Thanh", "Mỹ", "Thị Thu"]
GIVEN_MALE = ["Đức", "Hùng", "Dũng", "Thắng", "Tuấn", "Sử", "Pọm", "Chá", "Dình", "Phong",
              "Hoà", "Long", "Khải", "Lợi", "Nam", "Sơn", "Tiến", "Vượng"]
GIVEN_FEMALE = ["Lan", "Hương", "Thuỷ", "Mai", "Hoa", "Mẩy", "Ín", "Pham", "Xuân", "Hằng",
                "Nguyệt", "Loan", "Yến", "Thảo", "Dung", "Hà"]
STREETS = ["Tổ 1", "Tổ 2", "Tổ 5", "Bản Thành Công", "Bản Nậm Loỏng", "Đường Trần Hưng Đạo",
           "Đường Lê Duẩn", "Bản Sin Suối Hồ", "Bản Lản Nhì Thàng", "Đường 30/4"]

# (benefit type, weight, amount range in đồng)
BENEFIT_MIX: list[tuple[BenefitType, int, tuple[int, int]]] = [
    (BenefitType.PENSION, 62, (3_000_000, 15_000_000)),
    (BenefitType.MONTHLY_ALLOWANCE, 18, (1_500_000, 5_000_000)),
    (BenefitType.UNEMPLOYMENT, 6, (2_500_000, 8_000_000)),
    (BenefitType.LUMP_SUM, 4, (20_000_000, 180_000_000)),
    (BenefitType.SICKNESS, 3, (500_000, 3_000_000)),
    (BenefitType.MATERNITY, 4, (10_000_000, 30_000_000)),
    (BenefitType.CONVALESCENCE, 1, (1_000_000, 2_500_000)),
    (BenefitType.FUNERAL, 1, (4_000_000, 4_680_000)),
    (BenefitType.SURVIVOR_LUMP_SUM, 1, (10_000_000, 60_000_000)),
]
# Cashless providers in the Lai Châu plan, weighted by how common they are there.
CASHLESS = [("Agribank", 30), ("BIDV", 20), ("VietinBank", 15), ("LPBank", 12),
            ("Vietcombank", 8), ("HDBank", 5), ("ViettelMoney", 5), ("VNPTMoney", 3),
            ("MoMo", 2)]
ACCOUNT_LENGTH = {"Agribank": 13, "BIDV": 12, "VietinBank": 12, "LPBank": 12,
                  "Vietcombank": 13, "HDBank": 14}


@dataclass(frozen=True)
class DemoPerson:
    citizen_id: str
    bhxh_code: str
    full_name: str
    name_key: str
    date_of_birth: date
    sex: Sex
    ward_code: str
    street: str
    phone: str
    benefit_type: BenefitType
    amount: int
    benefit_start: date
    benefit_end: date | None
    channel: Channel
    provider: str
    account_number: str
    holder_name: str


def _round(amount: int, step: int = 1000) -> int:
    return amount - amount % step


def people(seed: int, count: int, ward_codes: list[str], province_code: str,
           today: date) -> Iterator[DemoPerson]:
    rng = random.Random(seed)  # noqa: S311 -- reproducible demo data, not secrets
    types, weights = zip(*[(t, w) for t, w, _ in BENEFIT_MIX], strict=True)
    ranges = {t: r for t, _, r in BENEFIT_MIX}
    providers, pweights = zip(*CASHLESS, strict=True)
    cash_share = rng.uniform(0.45, 0.55)
    for i in range(count):
        sex = Sex.MALE if rng.random() < 0.55 else Sex.FEMALE
        btype: BenefitType = rng.choices(types, weights)[0]
        monthly = btype in (BenefitType.PENSION, BenefitType.MONTHLY_ALLOWANCE)
        age = rng.randint(56, 88) if btype == BenefitType.PENSION else rng.randint(22, 70)
        dob = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        name = nfc(" ".join([
            rng.choice(SURNAMES),
            rng.choice(MIDDLE_MALE if sex == Sex.MALE else MIDDLE_FEMALE),
            rng.choice(GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE)]))
        # Personal ID: province of birth, century+sex, birth year, 6 digits unique per seed.
        cid = (f"0{province_code}{century_sex_digit(dob, sex)}{dob.year % 100:02d}"
               f"{(seed * 7919 + i) % 1_000_000:06d}")
        lo, hi = ranges[btype]
        start = (today.replace(day=1) - timedelta(days=rng.randint(30, 3650) if monthly
                                                   else rng.randint(0, 60))).replace(day=1)
        channel, provider, account, holder = Channel.CASH, "", "", ""
        if rng.random() >= cash_share:
            provider = rng.choices(providers, pweights)[0]
            channel = Channel.BANK_ACCOUNT if provider in ACCOUNT_LENGTH else Channel.EWALLET
            length = ACCOUNT_LENGTH.get(provider, 10)
            account = ("0" + "".join(rng.choice("0123456789") for _ in range(9))
                       if channel == Channel.EWALLET
                       else "".join(rng.choice("0123456789") for _ in range(length)))
            holder = fold_key(name).upper() if rng.random() < 0.6 else name
        yield DemoPerson(
            citizen_id=cid,
            bhxh_code=f"{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.7 else "",
            full_name=name, name_key=fold_key(name), date_of_birth=dob, sex=sex,
            ward_code=rng.choice(ward_codes), street=rng.choice(STREETS),
            phone="09" + "".join(rng.choice("0123456789") for _ in range(8)),
            benefit_type=btype, amount=_round(rng.randint(lo, hi)), benefit_start=start,
            benefit_end=None if monthly else start + timedelta(days=rng.randint(0, 180)),
            channel=channel, provider=provider, account_number=account, holder_name=holder)
