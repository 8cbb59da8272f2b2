"""The demo has a running campaign, each ward's team and next month's payment schedule, so a
ward team user can run a payment day at once."""

from __future__ import annotations

import io
from datetime import date

from django.core.management import call_command
from django.urls import reverse

from chitra.access.models import User
from chitra.outreach.models import Campaign, PaymentSchedule, TeamMember, WorkTeam
from chitra.registry.models import PaymentPoint


def test_seed_demo_prepares_outreach_and_is_idempotent(login):
    out = io.StringIO()
    call_command("seed_demo", "--beneficiaries", "60", "--seed", "2", stdout=out)
    call_command("seed_demo", "--beneficiaries", "60", "--seed", "2", stdout=io.StringIO())
    assert "Chiến dịch / campaign" in out.getvalue()
    campaign = Campaign.objects.get()
    assert campaign.starts_on <= date.today() <= campaign.ends_on
    assert WorkTeam.objects.count() == 38  # Lai Châu's wards
    assert TeamMember.objects.filter(is_leader=True).count() == 38
    assert TeamMember.objects.filter(user__username__in=("congan", "buudien")).count() == 2
    assert PaymentSchedule.objects.count() == PaymentPoint.objects.count() == 76
    member = User.objects.get(username="congan")
    page = login(member).get(reverse("outreach_worklist")).content.decode()
    assert "data-day=" in page
