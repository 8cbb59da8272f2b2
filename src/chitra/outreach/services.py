"""Use cases of the field work: record a contact, refer to a provider, move a referral on,
submit and decide a payment-method change. Each one checks who may do it, validates first
and runs in one transaction; views, API and CLI only call these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role, User
from chitra.access.scoping import bhxh_province, scope_of
from chitra.core import audit
from chitra.core.accounts import check_account_number
from chitra.core.admin_units import current_wards, ward_name
from chitra.core.errors import DomainError, NotInScope, Problem
from chitra.core.models import AuditEntry, PaymentProvider, ProviderKind
from chitra.core.text import fold_key, nfc
from chitra.outreach import letters
from chitra.outreach.models import (
    AWAITING_DECISION,
    OPEN_REFERRAL_STATUSES,
    REVIEW_OUTCOMES,
    Campaign,
    ChangeStatus,
    Contact,
    ContactOutcome,
    ContactPlace,
    MemberKind,
    MethodChange,
    PaymentSchedule,
    Referral,
    ReferralStatus,
    ReviewState,
    TeamMember,
    WardTarget,
    WorkTeam,
)
from chitra.payments import calendar
from chitra.payments.models import CycleStatus, PaymentCycle
from chitra.registry.models import (
    Authorization,
    Beneficiary,
    BeneficiaryStatus,
    Channel,
    PaymentAccount,
    PaymentPoint,
)
from chitra.registry.services import (
    add_authorization,
    record_payment_account,
    stop_payment,
)


class OutreachForbidden(DomainError):
    http_status = 403

    def __init__(self) -> None:
        super().__init__("outreach_forbidden", "Bạn không có quyền làm việc này.",
                         "You may not do this.")


def team_ward(user: User) -> str | None:
    """The ward whose worklist ``user`` works: the ward's own staff, or a member of its work
    team from another organization (police, BHXH, post office, bank)."""
    scope = scope_of(user)
    if user.role == Role.WARD_TEAM and scope.ward_code:
        return scope.ward_code
    if not user.is_active:
        return None
    return (TeamMember.objects.filter(user=user).values_list("team__ward_code", flat=True)
            .first())


def _ward_member(user: User, beneficiary: Beneficiary) -> None:
    """Work team members act on their ward's people; BHXH staff on their province's."""
    if team_ward(user) == beneficiary.ward_code:
        return
    if bhxh_province(user) == beneficiary.province_code:
        return
    if user.is_superuser:
        return
    raise OutreachForbidden()


def _bhxh(user: User, province_code: str) -> None:
    if user.is_superuser or bhxh_province(user) == province_code:
        return
    raise OutreachForbidden()


def desk_of(user: User) -> tuple[int, str] | None:
    """The provider and province whose referrals ``user`` works (a bank's operator in one
    province: Agribank Lai Châu is not Agribank Điện Biên), or ``None``."""
    scope = scope_of(user)
    if user.role != Role.BANK_OPERATOR or scope.provider_id is None or not scope.province_code:
        return None
    return scope.provider_id, scope.province_code


def desk_referrals(user: User) -> QuerySet[Referral]:
    """The referrals on ``user``'s desk: to its provider, of people of its province."""
    desk = desk_of(user)
    if desk is None:
        return Referral.objects.none()
    provider_id, province_code = desk
    return Referral.objects.filter(provider_id=provider_id,
                                   beneficiary__province_code=province_code)


def _provider_desk(user: User, referral: Referral) -> None:
    """Another provider's or another province's referral is not found (404), not refused."""
    if user.is_superuser:
        return
    if desk_of(user) != (referral.provider_id, referral.beneficiary.province_code):
        raise NotInScope()


# --- when the next payment is ------------------------------------------------------------------

def next_transfer_date(province_code: str, today: date) -> date:
    """The transfer date of the first cycle a change made today can still reach: the first
    month from today's on whose cycle is not computed yet and whose transfer day is ahead."""
    taken = set(PaymentCycle.objects.filter(province_code=province_code,
                                            period__gte=today.replace(day=1))
                .exclude(status=CycleStatus.OPEN).values_list("period", flat=True))
    period = today.replace(day=1)
    while period in taken or calendar.transfer_date(period) <= today:
        period = (period + timedelta(days=32)).replace(day=1)
    return calendar.transfer_date(period)


def next_payment_date(province_code: str, ward_code: str, today: date) -> date:
    """The ward's next payment: its next scheduled payment-point day or the next account
    transfer, whichever comes first (a new card must be in hand before it)."""
    transfer = next_transfer_date(province_code, today)
    scheduled = (PaymentSchedule.objects.filter(ward_code=ward_code, day__gt=today)
                 .order_by("day").values_list("day", flat=True).first())
    return min(transfer, scheduled) if scheduled else transfer


@transaction.atomic
def schedule_payment_day(user: User, *, point_id: int, day: date, opens_at: time,
                         closes_at: time) -> PaymentSchedule:
    """The post office (or BHXH) of the province sets when a payment point opens (a day
    already set for the point gets the new hours)."""
    point = PaymentPoint.objects.filter(pk=point_id).first()
    if point is None:
        raise InvalidInput([_problem("point", "payment_point", "Không có điểm chi trả này.",
                                     "No such payment point.", point_id)])
    _may_schedule(user, point.province_code)
    _refuse_if(_window_problems(opens_at, closes_at))
    row, _created = PaymentSchedule.objects.update_or_create(
        payment_point=point, day=day,
        defaults={"ward_code": point.ward_code, "opens_at": opens_at, "closes_at": closes_at,
                  "created_by": user.username})
    audit.record(user.username, "outreach.schedule", "payment_point", point.pk,
                 after={"day": day.isoformat(), "opens": opens_at.isoformat(),
                        "closes": closes_at.isoformat()})
    return row


# --- contacts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContactInput:
    """What the phone form sends. ``client_ref`` is made on the phone, once per entry."""

    client_ref: str
    beneficiary_id: int
    contacted_at: datetime
    place: str
    outcome: str
    payment_point_id: int | None = None
    reason: str = ""
    notes: str = ""
    follow_up_on: date | None = None
    refer_to_provider_id: int | None = None  # with "agreed": open a referral there


def record_contact(user: User, data: ContactInput, now: datetime | None = None
                   ) -> tuple[Contact, bool]:
    """Store a contact (and, when the person agreed, the referral). Sending the same entry
    again (same ``client_ref``) stores nothing more: returns ``(contact, False)``."""
    now = now or timezone.now()
    try:
        ref = uuid.UUID(str(data.client_ref))
    except ValueError:
        raise _invalid("client_ref", "Mã phiếu không hợp lệ.", "Invalid entry id.") from None
    existing = Contact.objects.filter(client_ref=ref).first()
    if existing is not None:
        if existing.recorded_by != user.username:
            raise OutreachForbidden()
        return existing, False
    person = Beneficiary.objects.filter(pk=data.beneficiary_id).first()
    if person is None:
        raise _invalid("beneficiary", "Không có người hưởng này.", "No such beneficiary.")
    _ward_member(user, person)
    _check_contact(data, person, now)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                client_ref=ref, beneficiary=person, ward_code=person.ward_code,
                contacted_at=data.contacted_at, place=data.place,
                payment_point_id=data.payment_point_id, outcome=data.outcome,
                reason=nfc(data.reason.strip())[:300], notes=nfc(data.notes.strip())[:2000],
                follow_up_on=data.follow_up_on, recorded_by=user.username,
                review=ReviewState.WAITING if data.outcome in REVIEW_OUTCOMES else "")
            if data.outcome == ContactOutcome.AGREED and data.refer_to_provider_id:
                _refer(user, person, data.refer_to_provider_id, contact, now.date())
            audit.record(user.username, "outreach.contact", "beneficiary", person.pk,
                         after={"outcome": data.outcome, "place": data.place,
                                "client_ref": str(ref)})
    except IntegrityError:  # the same entry arriving twice at once: the first one won
        contact = Contact.objects.get(client_ref=ref)
        return contact, False
    return contact, True


def _check_contact(data: ContactInput, person: Beneficiary, now: datetime) -> None:
    if data.place not in ContactPlace.values:
        raise _invalid("place", "Nơi gặp không hợp lệ.", "Unknown place.")
    if data.outcome not in ContactOutcome.values:
        raise _invalid("outcome", "Kết quả không hợp lệ.", "Unknown outcome.")
    if data.contacted_at > now + timedelta(minutes=10):
        raise _invalid("contacted_at", "Thời điểm gặp ở tương lai.",
                       "The contact is in the future.")
    if data.contacted_at < now - timedelta(days=60):
        raise _invalid("contacted_at", "Thời điểm gặp quá 60 ngày trước.",
                       "The contact is more than 60 days old.")
    if data.outcome == ContactOutcome.REFUSES and not data.reason.strip():
        raise _invalid("reason", "Cần ghi lý do từ chối.", "Give the reason for refusing.")
    if data.follow_up_on is not None and data.follow_up_on < data.contacted_at.date():
        raise _invalid("follow_up_on", "Ngày hẹn lại trước ngày gặp.",
                       "The follow-up date is before the contact.")
    if data.place == ContactPlace.PAYMENT_POINT:
        if data.payment_point_id is None or not PaymentPoint.objects.filter(
                pk=data.payment_point_id, ward_code=person.ward_code).exists():
            raise _invalid("payment_point", "Chọn điểm chi trả của phường/xã.",
                           "Choose one of the ward's payment points.")
    elif data.payment_point_id is not None:
        raise _invalid("payment_point", "Điểm chi trả chỉ ghi khi gặp tại điểm chi trả.",
                       "A payment point only goes with a contact at a payment point.")
    if data.refer_to_provider_id and data.outcome != ContactOutcome.AGREED:
        raise _invalid("provider", "Chỉ giới thiệu khi người hưởng đồng ý mở tài khoản.",
                       "Refer only when the person agreed to open an account.")


def _invalid(field: str, vi: str, en: str) -> DomainError:
    return DomainError(f"invalid_{field}", vi, en)


# --- referrals -----------------------------------------------------------------------------------

def _refer(user: User, person: Beneficiary, provider_id: int, contact: Contact | None,
           today: date) -> Referral:
    provider = PaymentProvider.objects.filter(pk=provider_id).first()
    if provider is None:
        raise _invalid("provider", "Không có ngân hàng/ví này.", "No such bank or e-wallet.")
    if Referral.objects.filter(beneficiary=person, status__in=OPEN_REFERRAL_STATUSES).exists():
        raise DomainError("referral_open", "Người này đã có một giới thiệu đang mở.",
                          "This person already has an open referral.")
    return Referral.objects.create(
        beneficiary=person, provider=provider, contact=contact, ward_code=person.ward_code,
        deadline=next_payment_date(person.province_code, person.ward_code, today)
        - timedelta(days=1),
        requested_by=user.username)


@transaction.atomic
def mark_account_opened(user: User, referral_id: int, account_number: str, *,
                        waives_card_fee: bool = False, waives_account_fee: bool = False,
                        waives_transfer_fee: bool = False) -> Referral:
    referral = (Referral.objects.select_for_update(of=("self",))
                .select_related("provider", "beneficiary").filter(pk=referral_id).first())
    if referral is None:
        raise NotInScope()
    _provider_desk(user, referral)
    if referral.status != ReferralStatus.REQUESTED:
        raise DomainError("referral_state", "Giới thiệu này không ở bước chờ mở tài khoản.",
                          "This referral is not waiting for an account.")
    account_number = account_number.replace(" ", "")
    problems = check_account_number(account_number, referral.provider.account_min_length,
                                    referral.provider.account_max_length)
    if problems:
        raise DomainError(problems[0].code, problems[0].message_vi, problems[0].message_en)
    referral.status = ReferralStatus.ACCOUNT_OPENED
    referral.account_number = account_number
    referral.opened_by, referral.opened_at = user.username, timezone.now()
    referral.waives_card_fee = waives_card_fee
    referral.waives_account_fee = waives_account_fee
    referral.waives_transfer_fee = waives_transfer_fee
    referral.save()
    audit.record(user.username, "outreach.referral_opened", "referral", referral.pk,
                 after={"provider": referral.provider.short_name})
    return referral


@transaction.atomic
def mark_card_delivered(user: User, referral_id: int) -> Referral:
    referral = (Referral.objects.select_for_update(of=("self",)).select_related("beneficiary")
                .filter(pk=referral_id).first())
    if referral is None:
        raise NotInScope()
    _provider_desk(user, referral)
    if referral.status != ReferralStatus.ACCOUNT_OPENED:
        raise DomainError("referral_state", "Chưa mở tài khoản nên chưa giao thẻ được.",
                          "The account is not open yet.")
    referral.status = ReferralStatus.CARD_DELIVERED
    referral.delivered_at = timezone.now()
    referral.save(update_fields=["status", "delivered_at"])
    audit.record(user.username, "outreach.card_delivered", "referral", referral.pk)
    return referral


def is_overdue(referral: Referral, today: date) -> bool:
    return referral.status in OPEN_REFERRAL_STATUSES and referral.deadline < today


# --- method changes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProxyInput:
    """A giấy ủy quyền handed in with the change: the proxy and the scanned letter."""

    name: str
    citizen_id: str
    relationship: str
    valid_from: date
    valid_to: date
    letter: bytes


def holder_is_beneficiary(change: MethodChange) -> bool:
    """Whether the money goes to an account in the beneficiary's own name (accent-, case-
    and space-insensitive). Cash has no holder: it is the beneficiary's."""
    if change.channel == Channel.CASH:
        return True
    return fold_key(change.holder_name) == change.beneficiary.name_key


def needs_two_approvers(change: MethodChange) -> bool:
    """Money moved to someone else's account is shown red and needs two approvers."""
    return not holder_is_beneficiary(change)


@transaction.atomic
def submit_method_change(user: User, beneficiary_id: int, *, channel: str,
                         provider_id: int | None = None, account_number: str = "",
                         holder_name: str = "", authorization_id: int | None = None,
                         referral_id: int | None = None,
                         proxy: ProxyInput | None = None) -> MethodChange:
    person = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if person is None:
        raise NotInScope()
    _ward_member(user, person)
    if channel not in Channel.values:
        raise _invalid("channel", "Hình thức nhận không hợp lệ.", "Unknown channel.")
    provider = None
    account_number = account_number.replace(" ", "")
    holder_name = nfc(holder_name.strip())
    if channel != Channel.CASH:
        provider = (PaymentProvider.objects.filter(pk=provider_id).first()
                    if provider_id is not None else None)
        if provider is None or not holder_name:
            raise DomainError("account_incomplete",
                              "Cần tổ chức, số tài khoản và tên chủ tài khoản.",
                              "Provider, account number and holder name are required.")
        if (provider.kind == ProviderKind.EWALLET) != (channel == Channel.EWALLET):
            raise _invalid("provider", "Loại tổ chức không khớp hình thức nhận.",
                           "The provider does not match the channel.")
        problems = check_account_number(account_number, provider.account_min_length,
                                        provider.account_max_length)
        if problems:
            raise DomainError(problems[0].code, problems[0].message_vi, problems[0].message_en)
    authorization = None
    if authorization_id is not None:
        authorization = Authorization.objects.filter(pk=authorization_id,
                                                     beneficiary=person).first()
        if authorization is None:
            raise _invalid("authorization", "Giấy ủy quyền không phải của người này.",
                           "The authorization is not this person's.")
    if referral_id is not None and not Referral.objects.filter(
            pk=referral_id, beneficiary=person).exists():
        raise _invalid("referral", "Giới thiệu không phải của người này.",
                       "The referral is not this person's.")
    if proxy is not None and authorization is not None:
        raise _invalid("authorization", "Chọn giấy ủy quyền có sẵn hoặc nộp giấy mới.",
                       "Give an existing authorization or a new one, not both.")
    proxy_name = proxy.name if proxy is not None else (
        authorization.proxy_name if authorization is not None else None)
    if (provider is not None and proxy_name is not None
            and fold_key(holder_name) not in (person.name_key, fold_key(proxy_name))):
        raise DomainError(
            "proxy_name_mismatch",
            f"Tên chủ tài khoản ({holder_name}) không trùng tên người được ủy quyền "
            f"({nfc(proxy_name)}) hay tên người hưởng.",
            f"The account holder ({holder_name}) is neither the proxy named in the "
            f"authorization ({nfc(proxy_name)}) nor the beneficiary.")
    if MethodChange.objects.filter(beneficiary=person, status__in=AWAITING_DECISION).exists():
        raise DomainError("change_pending", "Người này đã có một đề nghị đang chờ duyệt.",
                          "A change for this person is already waiting.")
    if proxy is not None:  # last: every other check has passed before a file is written
        letter = letters.clean_letter(proxy.letter)
        authorization = add_authorization(
            person, proxy_name=proxy.name, proxy_citizen_id=proxy.citizen_id,
            relationship=proxy.relationship[:60], valid_from=proxy.valid_from,
            valid_to=proxy.valid_to, actor=user.username)
        authorization.letter_path = letters.store_letter(letter)
        authorization.save(update_fields=["letter_path"])
    change = MethodChange.objects.create(
        beneficiary=person, ward_code=person.ward_code, channel=channel, provider=provider,
        account_number=account_number if provider else "",
        holder_name=holder_name if provider else "",
        authorization=authorization, referral_id=referral_id,
        submitted_by=user.username)
    audit.record(user.username, "outreach.method_change_submitted", "beneficiary", person.pk,
                 after={"change": change.pk, "channel": channel,
                        "two_approvers": needs_two_approvers(change)})
    return change


def change_problems(change: MethodChange, today: date) -> list[str]:
    """What BHXH's check finds (empty: fine). A holder name that is not the beneficiary's
    (accent-insensitive) must be the name of the proxy of an authorization valid today (the
    change's own, if it has one); the account must not be anyone else's current account."""
    found: list[str] = []
    person = change.beneficiary
    if change.channel == Channel.CASH:
        return found
    if not holder_is_beneficiary(change):
        holder = fold_key(change.holder_name)
        valid = Authorization.objects.filter(beneficiary=person, valid_from__lte=today,
                                             valid_to__gte=today)
        if change.authorization_id:
            valid = valid.filter(pk=change.authorization_id)
        if not any(fold_key(name) == holder for name in valid.values_list("proxy_name",
                                                                          flat=True)):
            found.append("holder_name_mismatch")
    if PaymentAccount.objects.filter(
            valid_to__isnull=True, provider_id=change.provider_id,
            account_number=change.account_number).exclude(beneficiary=person).exists():
        found.append("account_used_by_another")
    return found


_PROBLEM_TEXT = {
    "holder_name_mismatch": ("Tên chủ tài khoản khác tên người hưởng và không trùng tên người "
                             "được ủy quyền trong giấy ủy quyền còn hiệu lực.",
                             "The holder name differs from the beneficiary's and is not the "
                             "proxy named in a valid authorization."),
    "account_used_by_another": ("Tài khoản đang dùng để nhận tiền cho người khác.",
                                "The account is another beneficiary's current account."),
}


@transaction.atomic
def decide_method_change(user: User, change_id: int, *, approve: bool, note: str = "",
                         today: date | None = None) -> MethodChange:
    """BHXH approves (the new account becomes current: the next cycle computed pays it) or
    rejects (always with the reason). Approval is refused while the check finds a problem.
    A change that moves the money to an account not in the beneficiary's name needs two
    approvers, neither the maker, each giving a reason: the first approval leaves it
    waiting for the second."""
    today = today or timezone.localdate()
    change = (MethodChange.objects.select_for_update(of=("self",))
              .select_related("beneficiary", "provider").filter(pk=change_id).first())
    if change is None:
        raise NotInScope()
    _bhxh(user, change.beneficiary.province_code)
    if change.status not in AWAITING_DECISION:
        raise DomainError("change_state", "Đề nghị này đã được xử lý.",
                          "This change was already decided.")
    if user.username == change.submitted_by:
        raise DomainError("maker_checker", "Người đề nghị không tự duyệt được.",
                          "Whoever submitted a change cannot decide it.")
    if user.username == change.first_approved_by:
        raise DomainError("second_approver",
                          "Đã duyệt lần một: cần một người duyệt khác quyết định.",
                          "You gave the first approval: another approver must decide.")
    note = nfc(note.strip())[:300]
    if not approve and not note:  # a refusal is explained to the ward (issue 14)
        raise DomainError("rejection_reason", "Cần ghi lý do không duyệt.",
                          "Give the reason for refusing.")
    if approve:
        problems = change_problems(change, today)
        if problems:
            vi, en = _PROBLEM_TEXT[problems[0]]
            raise DomainError(problems[0], vi, en)
        if needs_two_approvers(change):
            if not note:
                raise DomainError(
                    "approval_reason",
                    "Tiền chuyển vào tài khoản không đứng tên người hưởng: cần ghi lý do duyệt.",
                    "The money goes to an account not in the beneficiary's name: give the "
                    "reason for approving.")
            if change.status == ChangeStatus.SUBMITTED:
                return _first_approval(user, change, note)
        _apply(user, change, today)
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by, change.decided_at = user.username, timezone.now()
    change.decision_note = note
    change.save()
    audit.record(user.username, "outreach.method_change_decided", "beneficiary",
                 change.beneficiary_id, after={"change": change.pk, "approved": approve,
                                               "note": note})
    return change


def _first_approval(user: User, change: MethodChange, reason: str) -> MethodChange:
    change.status = ChangeStatus.FIRST_APPROVED
    change.first_approved_by, change.first_approved_at = user.username, timezone.now()
    change.first_approval_reason = reason
    change.save(update_fields=["status", "first_approved_by", "first_approved_at",
                               "first_approval_reason"])
    audit.record(user.username, "outreach.method_change_first_approval", "beneficiary",
                 change.beneficiary_id, after={"change": change.pk, "reason": reason})
    return change


def _apply(user: User, change: MethodChange, today: date) -> None:
    current = PaymentAccount.objects.filter(beneficiary=change.beneficiary,
                                            valid_to__isnull=True).first()
    valid_from = today if current is None or current.valid_from < today else (
        current.valid_from + timedelta(days=1))
    record_payment_account(
        change.beneficiary, channel=Channel(change.channel), provider=change.provider,
        account_number=change.account_number, holder_name=change.holder_name,
        valid_from=valid_from, actor=change.submitted_by, approved_by=user.username,
        reason="đổi phương thức nhận / payment method changed")


def may_see_change(user: User, change: MethodChange) -> bool:
    """BHXH of the beneficiary's province, and the ward team that submitted it."""
    if user.is_superuser:
        return True
    if bhxh_province(user) is not None:
        return bhxh_province(user) == change.beneficiary.province_code
    return team_ward(user) == change.ward_code


@transaction.atomic
def open_proxy_letter(user: User, change_id: int) -> tuple[letters.Letter, str]:
    """The change's authorization letter and a file name to serve it under; the download is
    recorded. Anyone else, or a change without a letter, finds nothing (:class:`NotInScope`)."""
    change = (MethodChange.objects.select_related("beneficiary", "authorization")
              .filter(pk=change_id).first())
    if change is None or not may_see_change(user, change) or change.authorization is None:
        raise NotInScope()
    letter = letters.read_letter(change.authorization.letter_path)
    if letter is None:
        raise NotInScope()
    name = f"giay-uy-quyen-{change.pk}{letter.suffix}"
    audit.record_download(user.username, "proxy_letter", change.pk, name,
                          authorization=change.authorization_id)
    return letter, name


# --- campaigns -----------------------------------------------------------------------------------

@transaction.atomic
def create_campaign(user: User, *, name: str, starts_on: date, ends_on: date,
                    peak_starts_on: date | None = None, peak_ends_on: date | None = None,
                    province_code: str | None = None, target_monthly_pct: int = 90,
                    target_one_time_pct: int = 100) -> Campaign:
    """BHXH of the province starts a campaign; every problem of its fields is reported at
    once (:func:`campaign_problems`) and nothing is made while there is one."""
    province = province_code or scope_of(user).province_code or ""
    _bhxh(user, province)
    name = nfc(name.strip())
    _refuse_if(campaign_problems(
        name=name, starts_on=starts_on, ends_on=ends_on, peak_starts_on=peak_starts_on,
        peak_ends_on=peak_ends_on, target_monthly_pct=target_monthly_pct,
        target_one_time_pct=target_one_time_pct))
    campaign = Campaign.objects.create(name=name, province_code=province, starts_on=starts_on,
                                       ends_on=ends_on, peak_starts_on=peak_starts_on,
                                       peak_ends_on=peak_ends_on, created_by=user.username,
                                       target_monthly_pct=target_monthly_pct,
                                       target_one_time_pct=target_one_time_pct)
    audit.record(user.username, "outreach.campaign_created", "campaign", campaign.pk,
                 after={"name": name, "from": starts_on.isoformat(), "to": ends_on.isoformat()})
    return campaign


def may_see_campaign(user: User, campaign: Campaign) -> str | None:
    """The ward ``user`` sees the campaign for (``None``: every ward of the province)."""
    scope = scope_of(user)
    if user.is_superuser:
        return None
    if scope.province_code != campaign.province_code:
        raise OutreachForbidden()
    if user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.VIEWER):
        return None
    if user.role == Role.WARD_TEAM and scope.ward_code:
        return scope.ward_code
    raise OutreachForbidden()


# --- reports that stop payment ------------------------------------------------------------------

_STOP_AS = {ContactOutcome.DECEASED: (BeneficiaryStatus.DECEASED, "Tổ công tác báo đã mất"),
            ContactOutcome.MOVED: (BeneficiaryStatus.SUSPENDED, "Tổ công tác báo đã chuyển đi"),
            ContactOutcome.NOT_FOUND: (BeneficiaryStatus.SUSPENDED,
                                       "Tổ công tác không tìm thấy người hưởng")}


@transaction.atomic
def review_report(user: User, contact_id: int, *, confirm: bool) -> Contact:
    """BHXH confirms a deceased / moved / not-found report (payment stops from the next cycle
    computed) or dismisses it."""
    contact = Contact.objects.select_for_update().select_related("beneficiary").get(
        pk=contact_id)
    _bhxh(user, contact.beneficiary.province_code)
    if contact.review != ReviewState.WAITING:
        raise DomainError("report_state", "Báo cáo này đã được xử lý.",
                          "This report was already reviewed.")
    if confirm:
        status, why = _STOP_AS[ContactOutcome(contact.outcome)]
        stop_payment(contact.beneficiary, status=status, actor=user.username,
                     reason=f"{why} ngày {contact.contacted_at:%d/%m/%Y}; "
                            f"BHXH xác nhận ({user.username})")
    contact.review = ReviewState.CONFIRMED if confirm else ReviewState.DISMISSED
    contact.reviewed_by, contact.reviewed_at = user.username, timezone.now()
    contact.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    audit.record(user.username, "outreach.report_reviewed", "beneficiary",
                 contact.beneficiary_id, after={"contact": contact.pk, "confirmed": confirm,
                                                "outcome": contact.outcome})
    return contact


# --- work teams ---------------------------------------------------------------------------------

@transaction.atomic
def add_team_member(user: User, *, ward_code: str, member: User, kind: str,
                    leader: bool = False) -> TeamMember:
    """BHXH puts ``member`` on the ward's work team (made on first use); one leader a team."""
    ward = current_wards().get(ward_code)
    if ward is None:
        raise InvalidInput([_problem("ward", "ward", "Không có phường/xã này.", "No such ward.",
                                     ward_code)])
    _bhxh(user, ward.province_code)
    problems = []
    if kind not in MemberKind.values:
        problems.append(_problem("kind", "kind", "Vai trò trong tổ không hợp lệ.",
                                 "Unknown member kind.", kind))
    if (not member.is_active or member.organization is None
            or member.organization.province_code != ward.province_code):
        problems.append(_problem("member", "member",
                                 "Thành viên phải là người dùng đang hoạt động của một tổ chức "
                                 "trong tỉnh.", "The member must be an active user of an "
                                 "organization of the province.", member.username))
    _refuse_if(problems)
    team, _created = WorkTeam.objects.get_or_create(
        ward_code=ward_code, defaults={"province_code": ward.province_code,
                                       "name": f"Tổ công tác {ward_name(ward_code)}"})
    if leader:
        TeamMember.objects.filter(team=team, is_leader=True).update(is_leader=False)
    row, _created = TeamMember.objects.update_or_create(
        team=team, user=member, defaults={"kind": kind, "is_leader": leader})
    audit.record(user.username, "outreach.team_member", "work_team", team.pk,
                 after={"user": member.username, "kind": kind, "leader": leader})
    return row


REMIND_BEFORE = timedelta(days=30)


def expiring_authorizations(ward_code: str, today: date) -> QuerySet[Authorization]:
    """Authorizations of the ward's people that end within :data:`REMIND_BEFORE` (a new
    letter is needed before the proxy may collect again)."""
    return (Authorization.objects.filter(beneficiary__ward_code=ward_code,
                                         valid_to__gte=today, valid_to__lte=today + REMIND_BEFORE)
            .select_related("beneficiary").order_by("valid_to"))


@transaction.atomic
def set_ward_target(user: User, campaign: Campaign, *, ward_code: str, monthly_pct: int,
                    one_time_pct: int) -> WardTarget:
    """The province sets a ward's own targets (percent cashless, per benefit group); the
    audit entries keep every earlier value (:func:`ward_target_history`)."""
    _bhxh(user, campaign.province_code)
    problems = []
    ward = current_wards().get(ward_code)
    if ward is None:
        problems.append(_problem("ward_code", "ward", "Không có phường/xã mã này.",
                                 "No ward has this code.", ward_code))
    elif ward.province_code != campaign.province_code:
        problems.append(_problem("ward_code", "ward", "Phường/xã không thuộc tỉnh của chiến dịch.",
                                 "The ward is not in the campaign's province.", ward_code))
    problems += _percent_problems(monthly_pct=monthly_pct, one_time_pct=one_time_pct)
    _refuse_if(problems)
    before = (WardTarget.objects.filter(campaign=campaign, ward_code=ward_code)
              .values("target_monthly_pct", "target_one_time_pct").first())
    row, _created = WardTarget.objects.update_or_create(
        campaign=campaign, ward_code=ward_code,
        defaults={"target_monthly_pct": monthly_pct, "target_one_time_pct": one_time_pct})
    audit.record(user.username, "outreach.ward_target", "campaign", campaign.pk,
                 before=None if before is None else {
                     "ward": ward_code, "monthly": before["target_monthly_pct"],
                     "one_time": before["target_one_time_pct"]},
                 after={"ward": ward_code, "monthly": monthly_pct, "one_time": one_time_pct})
    return row


# --- set-up on screen and on the command line (issue 14): the same checks for both ----------

class InvalidInput(DomainError):
    """Input refused with every problem found at once, each at its field
    (``Problem.column``); nothing was changed. The message joins them all (for the CLI)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].code, " ".join(p.message_vi for p in problems),
                         " ".join(p.message_en for p in problems))
        self.problems = problems


def _problem(column: str, code: str, vi: str, en: str, value: object = "") -> Problem:
    return Problem(None, column, str(value), f"invalid_{code}", vi, en)


def _refuse_if(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInput(problems)


def _bhxh_in(user: User, province_code: str) -> None:
    """BHXH staff of the province: another province's object is not found (404), anybody
    without BHXH work is refused (403)."""
    if user.is_superuser:
        return
    mine = bhxh_province(user)
    if mine is None:
        raise OutreachForbidden()
    if mine != province_code:
        raise NotInScope()


def _percent_problems(**values: int) -> list[Problem]:
    return [_problem(column, "target", "Chỉ tiêu là phần trăm từ 0 đến 100.",
                     "Targets are percentages from 0 to 100.", pct)
            for column, pct in values.items() if not 0 <= pct <= 100]


def campaign_problems(*, name: str, starts_on: date, ends_on: date,
                      peak_starts_on: date | None, peak_ends_on: date | None,
                      target_monthly_pct: int, target_one_time_pct: int) -> list[Problem]:
    """Everything wrong with a campaign's fields (empty: fine), each at its field."""
    found = []
    if not name or len(name) > 200:
        found.append(_problem("name", "name", "Cần tên chiến dịch (tối đa 200 ký tự).",
                              "A campaign name of at most 200 characters is required.", name))
    if ends_on < starts_on:
        found.append(_problem("ends_on", "dates", "Ngày kết thúc trước ngày bắt đầu.",
                              "The end is before the start.", ends_on))
    if (peak_starts_on is None) != (peak_ends_on is None) or (
            peak_starts_on and peak_ends_on and not (
                starts_on <= peak_starts_on <= peak_ends_on <= ends_on)):
        found.append(_problem("peak_starts_on", "peak",
                              "Đợt cao điểm phải nằm trong thời gian chiến dịch.",
                              "The peak window must lie inside the campaign.", peak_starts_on))
    return found + _percent_problems(target_monthly_pct=target_monthly_pct,
                                     target_one_time_pct=target_one_time_pct)


def _plain(values: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, date | time) else v for k, v in values.items()}


@transaction.atomic
def update_campaign(user: User, campaign_id: int, *, name: str, starts_on: date,
                    ends_on: date, peak_starts_on: date | None, peak_ends_on: date | None,
                    target_monthly_pct: int, target_one_time_pct: int) -> Campaign:
    """BHXH of the campaign's province changes its name, dates or targets (the same checks
    as :func:`create_campaign`)."""
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotInScope()
    _bhxh_in(user, campaign.province_code)
    name = nfc(name.strip())
    fields: dict[str, object] = {
        "name": name, "starts_on": starts_on, "ends_on": ends_on,
        "peak_starts_on": peak_starts_on, "peak_ends_on": peak_ends_on,
        "target_monthly_pct": target_monthly_pct, "target_one_time_pct": target_one_time_pct}
    _refuse_if(campaign_problems(
        name=name, starts_on=starts_on, ends_on=ends_on, peak_starts_on=peak_starts_on,
        peak_ends_on=peak_ends_on, target_monthly_pct=target_monthly_pct,
        target_one_time_pct=target_one_time_pct))
    before = {k: getattr(campaign, k) for k in fields}
    for k, v in fields.items():
        setattr(campaign, k, v)
    campaign.save(update_fields=list(fields))
    audit.record(user.username, "outreach.campaign_changed", "campaign", campaign.pk,
                 before=_plain(before), after=_plain(fields))
    return campaign


def ward_target_history(campaign: Campaign, limit: int = 100) -> list[AuditEntry]:
    """Who set which ward target when, newest first (the audit log keeps every value)."""
    return list(AuditEntry.objects.filter(object_type="campaign", object_id=str(campaign.pk),
                                          action="outreach.ward_target").order_by("-id")[:limit])


@transaction.atomic
def remove_team_member(user: User, member_id: int) -> TeamMember:
    """BHXH of the province takes someone off a ward's work team."""
    row = (TeamMember.objects.select_for_update(of=("self",)).select_related("team", "user")
           .filter(pk=member_id).first())
    if row is None:
        raise NotInScope()
    _bhxh_in(user, row.team.province_code)
    team_id = row.team_id
    row.delete()
    audit.record(user.username, "outreach.team_member_removed", "work_team", team_id,
                 before={"user": row.user.username, "kind": row.kind, "leader": row.is_leader})
    return row


def schedule_province(user: User) -> str | None:
    """The province whose payment days ``user`` sets: BHXH staff of the provincial office or
    an operator of the province's post office; ``None`` for anybody else."""
    if (province := bhxh_province(user)) is not None:
        return province
    org = user.organization
    if (user.is_active and user.role == Role.POST_OFFICE_OPERATOR and org is not None
            and org.kind == OrganizationKind.POST_OFFICE):
        return org.province_code
    return None


def _may_schedule(user: User, province_code: str) -> None:
    if user.is_superuser:
        return
    mine = schedule_province(user)
    if mine is None:
        raise OutreachForbidden()
    if mine != province_code:
        raise NotInScope()


def _window_problems(opens_at: time, closes_at: time) -> list[Problem]:
    if closes_at <= opens_at:
        return [_problem("closes_at", "window", "Giờ đóng phải sau giờ mở.",
                         "Closing must follow opening.", closes_at)]
    return []


def _locked_day(user: User, schedule_id: int) -> PaymentSchedule:
    row = (PaymentSchedule.objects.select_for_update(of=("self",))
           .select_related("payment_point").filter(pk=schedule_id).first())
    if row is None:
        raise NotInScope()
    _may_schedule(user, row.payment_point.province_code)
    return row


@transaction.atomic
def update_payment_day(user: User, schedule_id: int, *, day: date, opens_at: time,
                       closes_at: time) -> PaymentSchedule:
    """Move a payment day or change its hours (one day a point: a day the point already has
    is refused)."""
    row = _locked_day(user, schedule_id)
    problems = _window_problems(opens_at, closes_at)
    if day != row.day and PaymentSchedule.objects.filter(
            payment_point_id=row.payment_point_id, day=day).exists():
        problems.append(_problem("day", "day", "Điểm chi trả này đã có lịch ngày đó.",
                                 "This payment point is already open that day.", day))
    _refuse_if(problems)
    before = _plain({"day": row.day, "opens": row.opens_at, "closes": row.closes_at})
    row.day, row.opens_at, row.closes_at = day, opens_at, closes_at
    row.save(update_fields=["day", "opens_at", "closes_at"])
    audit.record(user.username, "outreach.schedule_changed", "payment_point",
                 row.payment_point_id, before=before,
                 after=_plain({"day": day, "opens": opens_at, "closes": closes_at}))
    return row


@transaction.atomic
def remove_payment_day(user: User, schedule_id: int) -> PaymentSchedule:
    """Take a payment day off the schedule."""
    row = _locked_day(user, schedule_id)
    point_id = row.payment_point_id
    row.delete()
    audit.record(user.username, "outreach.schedule_removed", "payment_point", point_id,
                 before=_plain({"day": row.day, "opens": row.opens_at, "closes": row.closes_at}))
    return row
