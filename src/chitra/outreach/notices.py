"""Notices to cash recipients in plain Vietnamese: when and where to collect, and how to open
an account. The letter keeps its diacritics; the SMS is folded to ASCII (one unaccented SMS
costs a third of an accented one, and every phone shows it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from chitra.core.text import to_ascii
from chitra.outreach.models import PaymentSchedule
from chitra.registry.models import Beneficiary

HOW_TO_OPEN = ("Mở tài khoản ngân hàng hoặc ví điện tử miễn phí, mang theo căn cước công dân; "
               "tổ công tác phường/xã sẽ hỗ trợ. Sau khi mở, báo tổ công tác để nhận lương hưu, "
               "trợ cấp qua tài khoản, không phải đến điểm chi trả.")
SMS_MAX = 320  # two concatenated unaccented SMS


@dataclass(frozen=True)
class Notice:
    beneficiary_id: int
    full_name: str
    phone: str
    letter: str
    sms: str


def _when(day: PaymentSchedule | None) -> str:
    if day is None:
        return "theo lịch chi trả của phường/xã"
    return (f"ngày {day.day:%d/%m/%Y}, từ {day.opens_at:%H:%M} đến {day.closes_at:%H:%M}, "
            f"tại {day.payment_point.name}"
            + (f" ({day.payment_point.address})" if day.payment_point.address else ""))


def notice_for(person: Beneficiary, day: PaymentSchedule | None) -> Notice:
    when = _when(day)
    letter = (f"Kính gửi ông/bà {person.full_name},\n\n"
              f"Bảo hiểm xã hội tỉnh trân trọng thông báo: kỳ chi trả tới, ông/bà nhận tiền "
              f"{when}.\n\n{HOW_TO_OPEN}\n\nTrân trọng.")
    sms = to_ascii(f"BHXH: Ong/ba {person.full_name} nhan tien {when}. Mo tai khoan mien phi "
                   f"de nhan qua ngan hang, lien he to cong tac phuong/xa.")
    return Notice(person.pk, person.full_name, person.phone, letter, sms[:SMS_MAX])


def notices(people: Iterable[Beneficiary],
            days_by_point: dict[int, PaymentSchedule]) -> Iterator[Notice]:
    for person in people:
        yield notice_for(person, days_by_point.get(person.payment_point_id or 0))
