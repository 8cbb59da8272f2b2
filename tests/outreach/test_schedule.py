"""Payment days: the post office schedules its points; a payment day's worklist lists the cash
recipients expected there; those missed there come up for a home visit; a referral's
deadline is the day before the ward's next payment."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from chitra.access.models import Role
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.models import PaymentSchedule, Referral
from chitra.outreach.services import ContactInput, record_contact
from chitra.registry.models import Beneficiary
from tests import factories as f


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def test_a_payment_day_lists_who_is_expected_there(login):
    point, other_point = f.payment_point(), f.payment_point()
    expected = f.beneficiary("Lò Văn Pọm")
    elsewhere = f.beneficiary("Tẩn Thị Mẩy")
    Beneficiary.objects.filter(pk=expected.pk).update(payment_point=point)
    Beneficiary.objects.filter(pk=elsewhere.pk).update(payment_point=other_point)
    day = services.schedule_payment_day(f.user(Role.POST_OFFICE_OPERATOR), point_id=point.pk,
                                        day=tomorrow(), opens_at=time(7, 30),
                                        closes_at=time(11, 0))
    client = login(f.user(Role.WARD_TEAM))
    page = client.get(reverse("outreach_worklist")).content.decode()
    assert f'data-day="{day.pk}"' in page
    page = client.get(reverse("outreach_worklist") + f"?day={day.pk}").content.decode()
    assert f'data-beneficiary="{expected.pk}"' in page
    assert f'data-beneficiary="{elsewhere.pk}"' not in page
    assert client.get(reverse("outreach_worklist") + "?day=999999").status_code == 404


def test_missed_at_the_point_means_a_home_visit(login):
    point = f.payment_point()
    missed, met = f.beneficiary("Lò Văn Vắng"), f.beneficiary("Lò Văn Gặp")
    member = f.user(Role.WARD_TEAM)
    now = timezone.now()
    for person, outcome in ((missed, "not_present"), (met, "refuses")):
        record_contact(member, ContactInput(
            client_ref=str(uuid.uuid4()), beneficiary_id=person.pk, contacted_at=now,
            place="payment_point", payment_point_id=point.pk, outcome=outcome,
            reason="không muốn" if outcome == "refuses" else ""))
    page = login(member).get(reverse("outreach_worklist") + "?home=1").content.decode()
    assert f'data-beneficiary="{missed.pk}"' in page
    assert f'data-beneficiary="{met.pk}"' not in page


def test_the_referral_deadline_is_before_the_next_payment_day():
    point = f.payment_point()
    person = f.beneficiary("Lò Văn Pọm")
    soon = tomorrow() + timedelta(days=2)
    services.schedule_payment_day(f.user(Role.BHXH_OFFICER), point_id=point.pk, day=soon,
                                  opens_at=time(7, 30), closes_at=time(11, 0))
    record_contact(f.user(Role.WARD_TEAM), ContactInput(
        client_ref=str(uuid.uuid4()), beneficiary_id=person.pk,
        contacted_at=timezone.now(), place="home", outcome="agreed",
        refer_to_provider_id=f.provider().pk))
    referral = Referral.objects.get()
    today = timezone.localdate()
    assert referral.deadline == min(soon, services.next_transfer_date("12", today)) - timedelta(
        days=1)


def test_only_the_post_office_or_bhxh_schedules_and_windows_go_forward():
    point = f.payment_point()
    with pytest.raises(DomainError):
        services.schedule_payment_day(f.user(Role.WARD_TEAM), point_id=point.pk,
                                      day=tomorrow(), opens_at=time(7), closes_at=time(9))
    with pytest.raises(DomainError) as e:
        services.schedule_payment_day(f.user(Role.POST_OFFICE_OPERATOR), point_id=point.pk,
                                      day=tomorrow(), opens_at=time(9), closes_at=time(7))
    assert e.value.code == "invalid_window"
    assert not PaymentSchedule.objects.exists()


def test_schedule_from_the_command_line():
    point = f.payment_point()
    out = io.StringIO()
    call_command("schedule", "add", "--point", point.code, "--day", "05/12/2026", "--from",
                 "07:30", "--to", "11:00", "--as", f.user(Role.POST_OFFICE_OPERATOR).username,
                 stdout=out)
    assert "05/12/2026 07:30–11:00" in out.getvalue()
    assert PaymentSchedule.objects.get().day == datetime(2026, 12, 5).date()
    with pytest.raises(CommandError, match="HH:MM"):
        call_command("schedule", "add", "--point", point.code, "--day", "05/12/2026",
                     "--from", "7h30", "--as", f.user(Role.BHXH_OFFICER).username)
