"""Row validation: one row of cells in, one staged tuple or a list of problems out.

Pure Python over plain lookups (no database), written for the 1M-row path: the per-row work
is dictionary lookups, a few C-level string operations and the core checks.

An empty cell of an optional column means "keep what is stored": its staged value is None
(NULL). Only the explicit marker :data:`CLEAR_MARKERS` (``[xoá]`` / ``[clear]``) clears a
stored value: it stages "" (text), :data:`CLEARED_POINT` (payment point) or
:data:`CLEARED_DATE` (benefit end date), which the apply statements turn into the empty value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from chitra.core.accounts import check_account_number
from chitra.core.admin_units import current_wards, ward_for_2024_code
from chitra.core.dates import parse_date_vn as _date
from chitra.core.errors import Problem
from chitra.core.identifiers import IdProblem, Sex, check_bhxh_code, check_citizen_id
from chitra.core.money import AmountError, parse_amount
from chitra.core.text import VIETNAMESE_LETTERS, fold_key, has_invisible, legacy_encoding, nfc
from chitra.registry.importing.columns import BY_KEY, Layout
from chitra.registry.importing.reading import legacy_refusal

# The order of the staged values (and of the staging table's columns).
STAGE_COLUMNS = (
    "row_no", "citizen_id", "bhxh_code", "full_name", "name_key", "date_of_birth", "sex",
    "ward_code", "street", "phone", "payment_point_id", "benefit_type", "benefit_group",
    "amount", "start_date", "end_date", "channel", "provider_id", "account_number",
    "holder_name", "holder_name_key",
)

MONTHLY = frozenset({"pension", "monthly_allowance"})
CASH, BANK, EWALLET = "cash", "bank_account", "ewallet"
MAX_VALUE_IN_REPORT = 200
# The cell that clears a stored optional value (compared accent-, case- and space-
# insensitively: "[xoá]", "[Xóa]", "[XOA]", "[clear]"). An empty cell keeps the value.
CLEAR_MARKERS = frozenset({"[xoa]", "[clear]"})
CLEARABLE = ("bhxh_code", "street", "phone", "payment_point", "benefit_end")
CLEARED_POINT = "0"  # staged payment_point_id: no payment point (ids start at 1)
CLEARED_DATE = "0001-01-01"  # staged end_date: no end date (real dates are ≥ 1900)
_CACHE_MAX = 200_000  # entries per per-file cache of repeated values (bounds memory)


@dataclass(frozen=True)
class ProviderRef:
    id: int
    short_name: str
    kind: str  # "bank" | "ewallet"
    min_length: int
    max_length: int


@dataclass(frozen=True)
class Lookups:
    """What validation needs from the database, read once per import."""

    province_code: str
    today: date
    providers: Mapping[str, ProviderRef]  # keyed by lower-case short name and by NAPAS BIN
    payment_points: Mapping[str, int]  # code → id, points of the province
    benefit_types: Mapping[str, str]  # value and Vietnamese label → value
    channels: Mapping[str, str]


def benefit_type_names(choices: Sequence[tuple[str, str]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in choices:
        for name in (value, label, value.replace("_", " ")):
            names[name] = value
            names[fold_key(name)] = value
    return names


CHANNEL_ALIASES = {
    CASH: ("cash", "Tiền mặt", "tien mat", "TM"),
    BANK: ("bank_account", "bank", "Tài khoản ngân hàng", "Tài khoản", "Ngân hàng",
           "chuyển khoản", "TK", "ATM"),
    EWALLET: ("ewallet", "e-wallet", "wallet", "Ví điện tử", "Ví"),
}


def channel_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for value, aliases in CHANNEL_ALIASES.items():
        for a in aliases:
            names[a] = value
            names[fold_key(a)] = value
    return names


# --- fast accent-free key, equal to core.text.fold_key on NFC text -----------------------

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_MARKS = "".join(chr(c) for c in range(0x300, 0x370) if unicodedata.combining(chr(c)))
_FOLDABLE = re.compile(f"[\\x00-\\x7f{_MARKS}]*")


def fold(text: str) -> str:
    """``core.text.fold_key`` for NFC text, with a C-speed path for Latin/Vietnamese text."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    if _FOLDABLE.fullmatch(decomposed):
        key = decomposed.encode("ascii", "ignore").decode("ascii").lower()
        if "  " not in key and key == key.strip():
            return key
    return fold_key(text)


# A text value made only of printable ASCII and Vietnamese letters needs no further check;
# anything else is checked for control characters and legacy-font (TCVN3/VNI) text.
_PLAIN = re.compile("[\\x20-\\x7e" + re.escape(
    "".join(sorted(VIETNAMESE_LETTERS | {c.upper() for c in VIETNAMESE_LETTERS}))) + "]*")
_CONTROL = re.compile("[\\x00-\\x1f\\x7f]")


def is_clear_marker(cell: str) -> bool:
    """Whether ``cell`` is the explicit "clear the stored value" marker."""
    return cell[:1] == "[" and fold_key(cell).replace(" ", "") in CLEAR_MARKERS


_SEX = {"nam": Sex.MALE.value, "m": Sex.MALE.value, "male": Sex.MALE.value,
        "nữ": Sex.FEMALE.value, "nu": Sex.FEMALE.value, "f": Sex.FEMALE.value,
        "female": Sex.FEMALE.value}

_SEX_ENUM = {s.value: s for s in Sex}

_MSG: dict[str, tuple[str, str]] = {
    "required": ("Thiếu giá trị bắt buộc.", "A required value is missing."),
    "too_long": ("Giá trị quá dài (tối đa {n} ký tự).", "Value too long (at most {n} characters)."),
    "control_chars": ("Có ký tự điều khiển không hợp lệ.", "Contains control characters."),
    "bidi_chars": ("Có ký tự điều khiển hướng chữ hoặc ký tự ẩn (không được phép).",
                   "Contains bidirectional control or invisible characters (not allowed)."),
    "clear_not_allowed": ("Cột bắt buộc: không xoá được bằng [xoá].",
                          "A required column cannot be cleared with [clear]."),
    "date_format": ("Ngày không hợp lệ; dùng dạng dd/mm/yyyy.",
                    "Not a valid date; use dd/mm/yyyy."),
    "dob_future": ("Ngày sinh ở tương lai.", "Date of birth is in the future."),
    "dob_too_old": ("Ngày sinh trước năm 1900.", "Date of birth is before 1900."),
    "sex_invalid": ("Giới tính phải là Nam hoặc Nữ.", "Sex must be Nam/Nữ (M/F)."),
    "ward_unknown": ("Mã phường/xã không tồn tại.", "Unknown ward code."),
    "ward_other_province": ("Phường/xã không thuộc tỉnh đang nhập.",
                            "The ward is not in the importing province."),
    "ward_2024_unknown": ("Mã phường/xã cũ không tồn tại hoặc không còn phường/xã kế thừa.",
                          "Unknown pre-reform ward code, or it has no current successor."),
    "phone_invalid": ("Số điện thoại phải gồm 9–11 chữ số.", "Phone must be 9–11 digits."),
    "benefit_type_unknown": ("Loại chế độ không hợp lệ.", "Unknown benefit type."),
    "amount_invalid": ("Số tiền không hợp lệ (số nguyên đồng).",
                       "Not a valid amount (whole đồng)."),
    "amount_not_positive": ("Số tiền phải lớn hơn 0.", "Amount must be greater than 0."),
    "start_implausible": ("Ngày bắt đầu hưởng trước ngày sinh hoặc quá xa trong tương lai.",
                          "Benefit start is before birth or too far in the future."),
    "end_before_start": ("Ngày kết thúc trước ngày bắt đầu.", "End date is before start date."),
    "channel_unknown": ("Hình thức nhận phải là Tiền mặt, Tài khoản ngân hàng hoặc Ví điện tử.",
                        "Channel must be cash, bank_account or ewallet."),
    "cash_has_account": ("Nhận tiền mặt thì không ghi ngân hàng/số tài khoản.",
                         "Cash payment must not have a provider or account number."),
    "provider_missing": ("Cần ngân hàng/ví điện tử cho hình thức này.",
                         "A provider is required for this channel."),
    "provider_unknown": ("Ngân hàng/ví điện tử không có trong danh mục.", "Unknown provider."),
    "provider_kind_mismatch": ("Tổ chức không phù hợp hình thức nhận (ngân hàng/ví).",
                               "Provider kind does not match the channel (bank/e-wallet)."),
    "holder_missing": ("Thiếu tên chủ tài khoản.", "Account holder name is missing."),
    "payment_point_unknown": ("Mã điểm chi trả không có trong tỉnh.",
                              "Unknown payment point in this province."),
}


class RowValidator:
    """Validates rows of one file against one province's lookups."""

    _ORDER = ("citizen_id", "bhxh_code", "full_name", "date_of_birth", "sex", "ward_code",
              "ward_code_2024", "street", "phone", "benefit_type", "benefit_amount",
              "benefit_start", "benefit_end", "channel", "provider", "account_number",
              "account_holder", "payment_point")

    def __init__(self, layout: Layout, lookups: Lookups) -> None:
        self.lookups = lookups
        idx = layout.index
        # A column absent from the file reads the empty cell appended after the last one.
        self.width = max(idx.values(), default=0) + 1
        self.order = tuple(idx.get(key, self.width) for key in self._ORDER)
        self.wards_here = frozenset(
            code for code, w in current_wards().items() if w.province_code == lookups.province_code)
        self._dates: dict[str, date | None] = {}
        self._isos: dict[str, str] = {}  # the same dates as ISO text, for the staged row
        self._types = lookups.benefit_types
        self._amounts: dict[str, int] = {}
        self._ids: dict[tuple[str, int, str | None], list[IdProblem]] = {}
        self._texts: dict[str, str] = {}  # NFC of repeated free text (streets)
        # (NFC, fold key) of repeated valid names (full names, account holders)
        self._names: dict[str, tuple[str, str]] = {}

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def problem(row: int, column: str, value: str, code: str, **fmt: object) -> Problem:
        vi, en = _MSG[code]
        return Problem(row, column, value[:MAX_VALUE_IN_REPORT], code,
                       vi.format(**fmt), en.format(**fmt))

    def date(self, text: str) -> date | None:
        cache = self._dates
        try:
            return cache[text]
        except KeyError:
            if len(cache) > 100_000:
                cache.clear()
                self._isos.clear()
            d = cache[text] = _date(text)
            if d is not None:
                self._isos[text] = d.isoformat()
            return d

    def text(self, row: int, column: str, raw: str, problems: list[Problem]) -> str:
        """NFC text of a free-text column: length, control characters, legacy fonts."""
        value = nfc(raw) if raw else ""
        if _PLAIN.fullmatch(value) is None:
            if _CONTROL.search(value):
                problems.append(self.problem(row, column, raw, "control_chars"))
                return ""
            if has_invisible(value):
                problems.append(self.problem(row, column, raw, "bidi_chars"))
                return ""
            kind = legacy_encoding(value)
            if kind:
                raise legacy_refusal(kind)
        limit = BY_KEY[column].max_length
        if len(value) > limit:
            problems.append(self.problem(row, column, raw, "too_long", n=limit))
        return value

    # -- the row ----------------------------------------------------------------------------

    def validate(self, row: int, cells: Sequence[str]
                 ) -> tuple[tuple[str | None, ...] | None, list[Problem]]:
        """The staged values of a valid row (in :data:`STAGE_COLUMNS` order), or None and
        every problem of the row."""
        width = self.width
        c = list(map(str.strip, cells if len(cells) <= width else cells[:width]))
        c.extend([""] * (width + 1 - len(c)))
        (i_cid, i_bhxh, i_name, i_dob, i_sex, i_ward, i_ward24, i_street, i_phone, i_type,
         i_amount, i_start, i_end, i_channel, i_provider, i_account, i_holder,
         i_point) = self.order
        problems: list[Problem] = []
        P = self.problem
        lk = self.lookups

        cid = c[i_cid]
        bhxh: str | None = c[i_bhxh]
        if not bhxh:
            bhxh = None  # keep what is stored
        elif is_clear_marker(bhxh):
            bhxh = ""
        else:
            for p in check_bhxh_code(bhxh):
                problems.append(Problem(row, "bhxh_code", bhxh[:MAX_VALUE_IN_REPORT], p.code,
                                        p.message_vi, p.message_en))
        raw_name = c[i_name]
        names = self._names
        known = names.get(raw_name)
        if known is not None:
            name, name_key = known
        else:
            before = len(problems)
            name = self.text(row, "full_name", raw_name, problems)
            name_key = fold(name)
            if not raw_name:
                problems.append(P(row, "full_name", raw_name, "required"))
            elif is_clear_marker(raw_name):
                problems.append(P(row, "full_name", raw_name, "clear_not_allowed"))
            elif len(problems) == before and len(names) < _CACHE_MAX:
                names[raw_name] = (name, name_key)
        raw_dob = c[i_dob]
        dates = self._dates
        dob = (dates[raw_dob] if raw_dob in dates else self.date(raw_dob)) if raw_dob else None
        if dob is None:
            problems.append(P(row, "date_of_birth", raw_dob,
                              "date_format" if raw_dob else "required"))
        elif dob > lk.today:
            problems.append(P(row, "date_of_birth", raw_dob, "dob_future"))
            dob = None
        elif dob.year < 1900:
            problems.append(P(row, "date_of_birth", raw_dob, "dob_too_old"))
            dob = None
        raw_sex = c[i_sex]
        sex = _SEX.get(raw_sex.lower()) or _SEX.get(fold_key(raw_sex))
        if sex is None:
            problems.append(P(row, "sex", raw_sex, "sex_invalid" if raw_sex else "required"))
        # The check depends on the first six digits, the birth year and the sex only.
        id_key = (cid[:6], dob.year if dob else 0, sex) if (
            len(cid) == 12 and cid.isascii() and cid.isdigit()) else None
        id_problems = self._ids.get(id_key) if id_key else None
        if id_problems is None:
            id_problems = check_citizen_id(cid, dob, _SEX_ENUM.get(sex) if sex else None)
            if id_key and len(self._ids) < _CACHE_MAX:
                self._ids[id_key] = id_problems
        for p in id_problems:
            problems.append(Problem(row, "citizen_id", cid[:MAX_VALUE_IN_REPORT], p.code,
                                    p.message_vi, p.message_en))

        ward = c[i_ward]
        if ward:
            if ward not in self.wards_here:
                problems.append(P(row, "ward_code", ward, "ward_other_province"
                                  if ward in current_wards() else "ward_unknown"))
        else:
            old = c[i_ward24]
            if old:
                successor = ward_for_2024_code(old)
                if successor is None:
                    problems.append(P(row, "ward_code_2024", old, "ward_2024_unknown"))
                elif successor.code not in self.wards_here:
                    problems.append(P(row, "ward_code_2024", old, "ward_other_province"))
                else:
                    ward = successor.code
            else:
                problems.append(P(row, "ward_code", "", "required"))

        raw_street = c[i_street]
        street: str | None = self._texts.get(raw_street)
        if street is not None:
            pass
        elif not raw_street:
            pass  # None: keep what is stored
        elif is_clear_marker(raw_street):
            street = ""
        else:
            before = len(problems)
            street = self.text(row, "street", raw_street, problems)
            # only a valid value is remembered: a bad one is reported on every row
            if len(problems) == before and len(self._texts) < _CACHE_MAX:
                self._texts[raw_street] = street
        phone: str | None = c[i_phone]
        if not phone:
            phone = None
        elif is_clear_marker(phone):
            phone = ""
        else:
            digits = phone.replace(" ", "").replace(".", "").replace("-", "")
            if digits.startswith("+84"):
                digits = "0" + digits[3:]
            if not (digits.isascii() and digits.isdigit() and 9 <= len(digits) <= 11):
                problems.append(P(row, "phone", phone, "phone_invalid"))
            phone = digits

        raw_type = c[i_type]
        btype = self._types.get(raw_type)
        if btype is None and raw_type:
            btype = lk.benefit_types.get(fold_key(raw_type))
        if btype is None:
            problems.append(P(row, "benefit_type", raw_type,
                              "benefit_type_unknown" if raw_type else "required"))

        raw_amount = c[i_amount]
        amount = 0
        if not raw_amount:
            problems.append(P(row, "benefit_amount", raw_amount, "required"))
        else:
            amount = self._amounts.get(raw_amount, -1)
            if amount < 0:
                try:
                    amount = parse_amount(raw_amount)
                except AmountError:
                    problems.append(P(row, "benefit_amount", raw_amount, "amount_invalid"))
                    amount = -1
                else:
                    if len(self._amounts) < 100_000:
                        self._amounts[raw_amount] = amount
            if amount == 0:
                problems.append(P(row, "benefit_amount", raw_amount, "amount_not_positive"))

        raw_start = c[i_start]
        start = ((dates[raw_start] if raw_start in dates else self.date(raw_start))
                 if raw_start else None)
        if start is None:
            problems.append(P(row, "benefit_start", raw_start,
                              "date_format" if raw_start else "required"))
        elif (dob is not None and start < dob) or start.year > lk.today.year + 1 \
                or start.year < 1900:
            problems.append(P(row, "benefit_start", raw_start, "start_implausible"))
        raw_end = c[i_end]
        end = None
        end_cleared = False
        if raw_end and is_clear_marker(raw_end):
            end_cleared = True
        elif raw_end:
            end = self.date(raw_end)
            if end is None:
                problems.append(P(row, "benefit_end", raw_end, "date_format"))
            elif start is not None and end < start:
                problems.append(P(row, "benefit_end", raw_end, "end_before_start"))

        raw_channel = c[i_channel]
        channel = lk.channels.get(raw_channel) or lk.channels.get(fold_key(raw_channel))
        raw_provider = c[i_provider]
        account = c[i_account].replace(" ", "")
        raw_holder = c[i_holder]
        provider: ProviderRef | None = None
        holder = holder_key = ""
        if channel is None:
            problems.append(P(row, "channel", raw_channel,
                              "channel_unknown" if raw_channel else "required"))
        elif channel == CASH:
            if raw_provider or account:
                problems.append(P(row, "provider" if raw_provider else "account_number",
                                  raw_provider or account, "cash_has_account"))
        else:
            if not raw_provider:
                problems.append(P(row, "provider", "", "provider_missing"))
            else:
                provider = lk.providers.get(raw_provider.lower())
                if provider is None:
                    problems.append(P(row, "provider", raw_provider, "provider_unknown"))
                elif (provider.kind == "ewallet") != (channel == EWALLET):
                    problems.append(P(row, "provider", raw_provider, "provider_kind_mismatch"))
            if not account:
                problems.append(P(row, "account_number", "", "required"))
            elif provider is not None:
                for p in check_account_number(account, provider.min_length, provider.max_length):
                    problems.append(Problem(row, "account_number", account[:MAX_VALUE_IN_REPORT],
                                            p.code, p.message_vi, p.message_en))
            known = names.get(raw_holder)
            if known is not None:
                holder, holder_key = known
            else:
                before = len(problems)
                holder = self.text(row, "account_holder", raw_holder, problems)
                if not raw_holder:
                    problems.append(P(row, "account_holder", raw_holder, "holder_missing"))
                elif is_clear_marker(raw_holder):
                    problems.append(P(row, "account_holder", raw_holder,
                                      "clear_not_allowed"))
                else:
                    holder_key = fold(holder)
                    # the same limit for both columns, so one cache serves both
                    if (len(problems) == before and len(names) < _CACHE_MAX
                            and BY_KEY["account_holder"].max_length
                            == BY_KEY["full_name"].max_length):
                        names[raw_holder] = (holder, holder_key)

        point = c[i_point]
        point_id: int | str | None = None
        if not point:
            pass  # None: keep what is stored
        elif is_clear_marker(point):
            point_id = CLEARED_POINT
        else:
            point_id = lk.payment_points.get(point)
            if point_id is None:
                problems.append(P(row, "payment_point", point, "payment_point_unknown"))

        if problems:
            return None, problems
        isos = self._isos
        assert dob is not None
        assert start is not None
        assert btype is not None
        return (
            str(row), cid, bhxh, name, name_key, isos.get(raw_dob) or dob.isoformat(), sex,
            ward, street, phone,
            None if point_id is None else str(point_id), btype,
            "monthly" if btype in MONTHLY else "one_time", str(amount),
            isos.get(raw_start) or start.isoformat(),
            CLEARED_DATE if end_cleared else
            None if end is None else (isos.get(raw_end) or end.isoformat()), channel,
            None if provider is None else str(provider.id),
            account if provider is not None else "", holder, holder_key,
        ), problems
