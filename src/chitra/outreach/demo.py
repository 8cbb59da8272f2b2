"""Outreach part of the demo: a running campaign, each ward's work team, and the payment
schedule of every payment point for the coming month. Idempotent."""

from __future__ import annotations

from datetime import date, time, timedelta

from chitra.access.models import Role, User
from chitra.core.admin_units import current_wards, ward_name
from chitra.outreach.models import Campaign, MemberKind, PaymentSchedule, TeamMember, WorkTeam
from chitra.payments import calendar
from chitra.registry.models import PaymentPoint


def seed_outreach_demo(province_code: str, today: date) -> Campaign:
    year = today.year if today.month >= 6 else today.year - 1
    campaign, _ = Campaign.objects.get_or_create(
        province_code=province_code, name=f"Chi trả không dùng tiền mặt {year}–{year + 1}",
        defaults={"starts_on": date(year, 6, 1), "ends_on": date(year + 1, 5, 31),
                  "peak_starts_on": date(year, 6, 1), "peak_ends_on": date(year, 10, 31),
                  "created_by": "system:seed_demo"})
    wards = sorted(c for c, w in current_wards().items() if w.province_code == province_code)
    helpers = list(User.objects.filter(
        username__in=("congan", "buudien")).order_by("username"))
    for n, ward in enumerate(wards):
        team, _ = WorkTeam.objects.get_or_create(
            ward_code=ward, defaults={"province_code": province_code,
                                      "name": f"Tổ công tác {ward_name(ward)}"})
        for user in User.objects.filter(role=Role.WARD_TEAM, organization__ward_code=ward):
            TeamMember.objects.get_or_create(team=team, user=user, defaults={
                "kind": MemberKind.CULTURE_SOCIAL, "is_leader": True})
        if n == 0:  # the police verifier and the post office join the first ward's team
            for user in helpers:
                TeamMember.objects.get_or_create(team=team, user=user, defaults={
                    "kind": MemberKind.POLICE if user.role == Role.POLICE_VERIFIER
                    else MemberKind.POST_OFFICE})
    period = (today.replace(day=1) + timedelta(days=32)).replace(day=1)  # next month
    for point in PaymentPoint.objects.filter(province_code=province_code):
        day = calendar.payment_point_date(period, calendar.default_ward_day(wards,
                                                                             point.ward_code))
        PaymentSchedule.objects.get_or_create(
            payment_point=point, day=day, defaults={
                "ward_code": point.ward_code, "opens_at": time(7, 30),
                "closes_at": time(11, 0), "created_by": "system:seed_demo"})
    return campaign
