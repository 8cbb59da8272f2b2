"""The ward team's worklist: the ward's cash recipients, most urgent first, with their last
contact — one query, ordered in the database."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace

from chitra.core.text import fold_key
from chitra.outreach.models import (
    OPEN_REFERRAL_STATUSES,
    Contact,
    ContactOutcome,
    ContactPlace,
    Referral,
)
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitGroup,
    BenefitStatus,
    Channel,
    PaymentAccount,
)

YOUNG_BEFORE_AGE = 70  # younger pensioners are likelier to open an account (the plan's order)
FAILED_WITHIN = timedelta(days=92)  # "a recent failed bank payment": the last three cycles


def cash_recipients(ward_code: str) -> QuerySet[Beneficiary]:
    """Active beneficiaries of the ward whose current account is cash."""
    on_cash = PaymentAccount.objects.filter(beneficiary=OuterRef("pk"), valid_to__isnull=True,
                                            channel=Channel.CASH)
    return Beneficiary.objects.filter(ward_code=ward_code, status=BeneficiaryStatus.ACTIVE
                                      ).filter(Exists(on_cash))


def worklist(ward_code: str, today: date, *, point_id: int | None = None,
             home_visits: bool = False) -> QuerySet[Beneficiary]:
    """Cash recipients of the ward annotated with ``one_time``, ``young``,
    ``failed_recently``, ``priority`` (higher first), ``last_contact_at``, ``last_outcome``,
    ``last_place`` and their open referral's ``referral_status`` / ``referral_deadline``.
    Never contacted come before contacted at equal priority.

    ``point_id``: only those who collect at that payment point (a payment day's list);
    ``home_visits``: only those last missed at their payment point (to visit at home)."""
    one_time = Benefit.objects.filter(beneficiary=OuterRef("pk"), group=BenefitGroup.ONE_TIME,
                                      status=BenefitStatus.ACTIVE)
    # The closed attempts (rejected, but not as a duplicate: that payment was made; or
    # returned) of the person's province's recent cycles, each cycle's looked up by person in
    # the closed items' index (items have no index by person).
    failed = PaymentItem.objects.filter(
        closed=True, beneficiary=OuterRef("pk"), cycle__province_code=OuterRef("province_code"),
        cycle__period__gte=(today - FAILED_WITHIN).replace(day=1),
        status__in=(ItemStatus.REJECTED, ItemStatus.RETURNED))
    # born after this day: younger than YOUNG_BEFORE_AGE (29 February counts as 1 March)
    young_born_after = (date(today.year - YOUNG_BEFORE_AGE, 3, 1)
                        if (today.month, today.day) == (2, 29)
                        else today.replace(year=today.year - YOUNG_BEFORE_AGE))
    last = Contact.objects.filter(beneficiary=OuterRef("pk")).order_by("-contacted_at", "-id")

    def points(condition: Q | Exists, weight: int) -> Case:
        return Case(When(condition, then=Value(weight)), default=Value(0),
                    output_field=IntegerField())

    young = Q(date_of_birth__gt=young_born_after)
    referral = Referral.objects.filter(beneficiary=OuterRef("pk"),
                                       status__in=OPEN_REFERRAL_STATUSES).order_by("-id")
    people = cash_recipients(ward_code)
    if point_id is not None:
        people = people.filter(payment_point_id=point_id)
    rows = (people
            .annotate(one_time=Exists(one_time), failed_recently=Exists(failed),
                      young=Case(When(young, then=Value(True)), default=Value(False),
                                 output_field=BooleanField()),
                      priority=points(Exists(failed), 4) + points(Exists(one_time), 2)
                      + points(young, 1),
                      last_contact_at=Subquery(last.values("contacted_at")[:1]),
                      last_outcome=Coalesce(Subquery(last.values("outcome")[:1]), Value("")),
                      last_place=Coalesce(Subquery(last.values("place")[:1]), Value("")),
                      referral_status=Subquery(referral.values("status")[:1]),
                      referral_deadline=Subquery(referral.values("deadline")[:1]))
            .order_by("-priority", F("last_contact_at").asc(nulls_first=True), "name_key",
                      "id"))
    if home_visits:
        rows = rows.filter(last_outcome=ContactOutcome.NOT_PRESENT,
                           last_place=ContactPlace.PAYMENT_POINT)
    return rows


_NOT_DIGITS = re.compile(r"\D")
MIN_DIGITS = 4  # a shorter run of digits in a search is not an ID or a phone
_PHONE_MARKS = re.compile(r"[\s.\-()+]")


def tel_href(phone: str) -> str:
    """The ``tel:`` link of a phone number as typed (``0912 345 678`` → ``tel:0912345678``,
    ``+84 912…`` keeps its ``+``); empty when there is no number."""
    digits = _NOT_DIGITS.sub("", phone)
    if not digits:
        return ""
    return f"tel:{'+' if phone.strip().startswith('+') else ''}{digits}"


def search_key(person: Beneficiary, *, show_ids: bool) -> str:
    """What the phone's search box matches a row against: the name without accents, the
    phone's digits and the identifiers the user may see (only the last four digits of a
    masked ID, the ones on the screen)."""
    ids = [person.citizen_id, person.bhxh_code] if show_ids else [person.citizen_id[-4:]]
    return " ".join([person.name_key, _NOT_DIGITS.sub("", person.phone), *filter(None, ids)])


def matching(rows: QuerySet[Beneficiary], query: str) -> QuerySet[Beneficiary]:
    """``rows`` narrowed to a search typed on the worklist (POSTed: never in a URL): a name
    without accents, a citizen ID or BHXH code (exact), or part of a phone number."""
    key = fold_key(query)[:100]
    digits = _NOT_DIGITS.sub("", query)
    wanted = Q(name_key__contains=key) if key else Q(pk__in=[])
    if len(digits) >= MIN_DIGITS and len(digits) == len(_PHONE_MARKS.sub("", query)):
        phone: F | Replace = F("phone")
        for mark in (" ", ".", "-", "(", ")", "+"):
            phone = Replace(phone, Value(mark), Value(""))
        rows = rows.annotate(phone_digits=phone)
        wanted |= (Q(citizen_id=digits) | Q(bhxh_code=digits) | Q(phone_digits__contains=digits))
    return rows.filter(wanted)
