"""The words of a cash list that the post office fills in and sends back (DESIGN §6, §8).

One place for the column labels and the answers, because two packages that may not import
each other use them: the list writer (:mod:`chitra.payments.export.cashlists`) prints them,
the results reader (:mod:`chitra.payments.status.cashresults`) finds them again, accents or
not. A reason for not collecting maps to the ISO 20022 reason code the status ingest
records. The deceased one is ``DEATH``, not the bank's ``MD07``: a tick on a list does not
stop the person's payments by itself (DESIGN §8). The item is not collected (rejected) and
the line is held for BHXH, whose approval confirms the death and then stops the payments as
a bank's MD07 does (``status.transitions.APPLIED_AND_HELD``).
"""

from __future__ import annotations

CODE = "Mã giao dịch"
AMOUNT = "Số tiền (đồng)"
RESULT = "Kết quả"
REASON = "Lý do"
PAID_ON = "Ngày chi"

PAID, NOT_COLLECTED = "Đã chi", "Chưa nhận"
RESULT_CHOICES = (PAID, NOT_COLLECTED)

# (what the list offers, the reason code stored, other ways people write it). The codes are
# those the payment-day page writes too (:mod:`chitra.payments.payment_day`).
REASONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Vắng mặt", "ABSENT", ("vang", "khong co mat", "di vang", "absent")),
    ("Đã chết", "DEATH", ("chet", "da mat", "mat", "qua doi", "tu vong", "deceased", "died",
                            "md07")),  # a bank's code, written by hand: still a report
    ("Từ chối nhận", "REFUSED", ("tu choi", "khong nhan", "refused")),
    ("Khác", "OTHER", ("ly do khac", "other")),
)
REASON_CHOICES = tuple(label for label, _code, _aliases in REASONS)
REASON_CODES = frozenset(code for _label, code, _aliases in REASONS)
DECEASED = "DEATH"  # at most 8 characters (a reason code)
