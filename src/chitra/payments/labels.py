"""What the payments screens and sheets show instead of an internal name (issue 14, broken 5).

- :data:`REASONS`: the ISO 20022 ExternalStatusReason1Code codes a bank may send in a
  pain.002 or camt.054 (every code the status transitions know, and the common others), and
  the codes of the post office's cash results (:mod:`chitra.payments.cashform`), each with
  its meaning in Vietnamese and English. :func:`reason_label` gives "meaning (CODE)"; a code
  not in the table is shown as it came.
- :func:`actor_label`: ``system:seed_demo`` and the like, for the username column.
- :func:`column_label`: the column names that file readers put in their problems
  (``end_to_end_id``, ``EndToEndId``, ``Sts``…).
- :func:`source_label`: a status file's source (``pain002`` → "pain.002 (ngân hàng)").

Each text is a (Vietnamese, English) pair, chosen by the language code given: the codes are
a reference table, not UI sentences, so they live here rather than in the catalogue.
Pure: no Django, no database.
"""

from __future__ import annotations

from chitra.payments import cashform

Pair = tuple[str, str]

REASONS: dict[str, Pair] = {
    # Accounts
    "AC01": ("Số tài khoản không đúng", "Incorrect account number"),
    "AC02": ("Số tài khoản chuyển tiền không hợp lệ", "Invalid debtor account number"),
    "AC03": ("Số tài khoản người nhận không hợp lệ", "Invalid creditor account number"),
    "AC04": ("Tài khoản đã đóng", "Account closed"),
    "AC05": ("Tài khoản chuyển tiền đã đóng", "Debtor account closed"),
    "AC06": ("Tài khoản bị phong toả", "Account blocked"),
    "AC07": ("Tài khoản người nhận đã đóng", "Creditor account closed"),
    "AC13": ("Loại tài khoản chuyển tiền không hợp lệ", "Invalid debtor account type"),
    "AC14": ("Ngân hàng trung gian không hợp lệ", "Invalid agent"),
    "AC15": ("Thông tin tài khoản đã thay đổi", "Account details changed"),
    "AG01": ("Tài khoản không được nhận loại giao dịch này",
             "Transaction forbidden on this account"),
    "AG02": ("Mã nghiệp vụ ngân hàng không hợp lệ", "Invalid bank operation code"),
    # Amounts
    "AM01": ("Số tiền bằng không", "Zero amount"),
    "AM02": ("Số tiền vượt mức cho phép", "Amount not allowed"),
    "AM03": ("Loại tiền không được phép", "Currency not allowed"),
    "AM04": ("Tài khoản chi không đủ tiền", "Insufficient funds"),
    "AM05": ("Giao dịch trùng lặp", "Duplication"),
    "AM09": ("Số tiền không đúng", "Wrong amount"),
    "AM10": ("Tổng kiểm soát không khớp", "Invalid control sum"),
    # Parties
    "BE01": ("Tên người nhận không khớp với chủ tài khoản", "Inconsistent with end customer"),
    "BE04": ("Thiếu địa chỉ người nhận", "Missing creditor address"),
    "BE05": ("Bên lập lệnh không được nhận diện", "Unrecognised initiating party"),
    "RC01": ("Mã ngân hàng không đúng", "Bank identifier incorrect"),
    "RR01": ("Thiếu tài khoản hoặc định danh bên chuyển",
             "Missing debtor account or identification"),
    "RR02": ("Thiếu tên hoặc địa chỉ bên chuyển", "Missing debtor name or address"),
    "RR03": ("Thiếu tên hoặc địa chỉ người nhận", "Missing creditor name or address"),
    "RR04": ("Lý do theo quy định pháp luật", "Regulatory reason"),
    # Mandates and the person
    "MD01": ("Không có uỷ quyền", "No mandate"),
    "MD06": ("Người nhận yêu cầu hoàn tiền", "Refund requested by end customer"),
    "MD07": ("Người hưởng đã chết", "End customer deceased"),
    # Processing
    "CUST": ("Theo yêu cầu của khách hàng", "Requested by customer"),
    "DUPL": ("Lệnh chi trùng", "Duplicate payment"),
    "ED05": ("Thanh toán bù trừ không thành công", "Settlement failed"),
    "FF01": ("Tệp sai định dạng", "Invalid file format"),
    "FOCR": ("Huỷ theo yêu cầu huỷ lệnh", "Following cancellation request"),
    "MS02": ("Lý do khác (phía khách hàng)", "Reason not specified (customer)"),
    "MS03": ("Lý do khác (phía ngân hàng)", "Reason not specified (agent)"),
    "NARR": ("Xem ghi chú kèm theo", "See the narrative"),
    "NOAS": ("Khách hàng không phản hồi", "No answer from customer"),
    "NOOR": ("Ngân hàng không nhận được lệnh gốc", "No original transaction received"),
    "TM01": ("Nhận sau giờ chốt", "After cut-off time"),
    # What the bank's status lines carry where a reason would be
    "RTRN": ("Tiền bị hoàn trả", "Returned"),
    "BLCK": ("Ngân hàng giữ lại", "Blocked by the bank"),
    # The post office's cash results (cashform.REASONS)
    "ABSENT": ("Vắng mặt", "Absent"),
    cashform.DECEASED: ("Bưu điện báo đã chết", "Reported deceased by the post office"),
    "REFUSED": ("Từ chối nhận", "Refused to collect"),
    "OTHER": ("Lý do khác", "Other reason"),
}

SYSTEM_PREFIX = "system:"
SYSTEM_ACTORS: dict[str, Pair] = {
    "seed_demo": ("Hệ thống (dữ liệu mẫu)", "System (demo data)"),
}
SYSTEM: Pair = ("Hệ thống", "System")

COLUMNS: dict[str, Pair] = {
    "end_to_end_id": ("Mã giao dịch", "Transaction code"),
    "endtoendid": ("Mã giao dịch", "Transaction code"),
    "amount": ("Số tiền", "Amount"),
    "amt": ("Số tiền", "Amount"),
    "result": ("Kết quả", "Result"),
    "reason": ("Lý do", "Reason"),
    "paid_on": ("Ngày chi", "Payment date"),
    "sts": ("Mã trạng thái", "Status code"),
    "orgnlmsgid": ("Mã tệp lệnh chi gốc", "Original payment file ID"),
    "item": ("Khoản chi", "Payment item"),
}

SOURCES: dict[str, Pair] = {
    "pain002": ("Báo cáo trạng thái của ngân hàng (pain.002)", "Bank status report (pain.002)"),
    "camt054": ("Báo có / báo nợ của ngân hàng (camt.054)",
                "Bank credit/debit notification (camt.054)"),
    "cash": ("Kết quả chi tiền mặt", "Cash payment results"),
}


def pick(pair: Pair, lang: str | None) -> str:
    return pair[1] if (lang or "").startswith("en") else pair[0]


def reason_meaning(code: str | None, lang: str | None) -> str:
    """The meaning of ``code`` alone ("" for an unknown or empty code)."""
    pair = REASONS.get((code or "").strip().upper())
    return pick(pair, lang) if pair else ""


def reason_label(code: str | None, lang: str | None) -> str:
    """``AC04`` → "Tài khoản đã đóng (AC04)"; an unknown code as it came; "" for none."""
    code = (code or "").strip()
    meaning = reason_meaning(code, lang)
    return f"{meaning} ({code})" if meaning else code


def actor_label(actor: str | None, lang: str | None) -> str:
    """A username as it is; ``system:<job>`` as the system's name (and the job's, if known)."""
    actor = actor or ""
    if not actor.startswith(SYSTEM_PREFIX):
        return actor
    return pick(SYSTEM_ACTORS.get(actor.removeprefix(SYSTEM_PREFIX), SYSTEM), lang)


def column_label(column: str | None, lang: str | None) -> str:
    """A file reader's column name in words; another name (a file's own header) as it is."""
    column = column or ""
    pair = COLUMNS.get(column.strip().lower())
    return pick(pair, lang) if pair else column


def source_label(source: str | None, lang: str | None) -> str:
    pair = SOURCES.get(source or "")
    return pick(pair, lang) if pair else (source or "")
