"""Set-up screens (issue 14): campaigns, ward targets, work teams and payment days made and
changed on screen, with the same services (so the same checks) as the commands; every problem
at its field with the values kept, nothing changed on bad input, removals confirmed, another
province's objects not found and roles that may not refused."""

from __future__ import annotations

import io
import re
from datetime import date, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role
from chitra.core.models import AuditEntry
from chitra.outreach import services
from chitra.outreach.models import Campaign, PaymentSchedule, TeamMember, WardTarget
from tests import factories as f


def errors_at(page: str) -> set[str]:
    return set(re.findall(r'data-error-for="([^"]+)"', page))


def other_officer():
    return f.user(Role.BHXH_OFFICER, org=f.organization(province_code=f.DIEN_BIEN))


@pytest.fixture
def officer():
    return f.user(Role.BHXH_OFFICER)


@pytest.fixture
def campaign(officer):
    return services.create_campaign(officer, name="Chiến dịch 2026", starts_on=date(2026, 6, 1),
                                    ends_on=date(2026, 10, 31))


CAMPAIGN = {"name": "Không tiền mặt 2026", "starts_on": "01/06/2026", "ends_on": "31/10/2026",
            "peak_starts_on": "01/07/2026", "peak_ends_on": "31/08/2026",
            "target_monthly_pct": "92", "target_one_time_pct": "100"}


# --- campaigns ----------------------------------------------------------------------------------

def test_an_officer_creates_a_campaign_on_screen(login, officer):
    client = login(officer)
    assert client.get(reverse("outreach_setup_campaign_new")).status_code == 200
    response = client.post(reverse("outreach_setup_campaign_new"), CAMPAIGN)
    c = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach_campaign", args=[c.pk])
    assert (c.name, c.province_code, c.starts_on, c.peak_ends_on, c.target_monthly_pct) == (
        "Không tiền mặt 2026", f.LAI_CHAU, date(2026, 6, 1), date(2026, 8, 31), 92)
    assert AuditEntry.objects.filter(action="outreach.campaign_created",
                                     object_id=str(c.pk), actor=officer.username).exists()


def test_malformed_dates_are_shown_at_their_fields_and_values_kept(login, officer):
    page = login(officer).post(reverse("outreach_setup_campaign_new"), {
        **CAMPAIGN, "name": "", "starts_on": "2026/13/01", "ends_on": "31-02-2026",
        "target_monthly_pct": "chín mươi"}).content.decode()
    assert errors_at(page) == {"name", "starts_on", "ends_on", "target_monthly_pct"}
    assert 'value="2026/13/01"' in page
    assert 'value="31-02-2026"' in page
    assert 'value="01/07/2026"' in page  # the good values stay too
    assert "dd/mm/yyyy" in page
    assert not Campaign.objects.exists()


def test_every_rule_broken_is_reported_at_once(login, officer):
    page = login(officer).post(reverse("outreach_setup_campaign_new"), {
        **CAMPAIGN, "starts_on": "01/06/2026", "ends_on": "01/05/2026",
        "peak_starts_on": "01/07/2026", "peak_ends_on": "",
        "target_monthly_pct": "-5", "target_one_time_pct": "101"}).content.decode()
    assert errors_at(page) == {"ends_on", "peak_starts_on", "target_monthly_pct",
                               "target_one_time_pct"}
    assert "Ngày kết thúc trước ngày bắt đầu." in page
    assert "Chỉ tiêu là phần trăm từ 0 đến 100." in page
    assert not Campaign.objects.exists()


def test_an_officer_edits_a_campaign_and_the_change_is_audited(login, officer, campaign):
    url = reverse("outreach_setup_campaign_edit", args=[campaign.pk])
    client = login(officer)
    page = client.get(url).content.decode()
    assert 'value="01/06/2026"' in page  # dates shown as the office writes them
    client.post(url, {**CAMPAIGN, "name": "Chiến dịch 2026 (gia hạn)", "ends_on": "30/11/2026",
                      "peak_starts_on": "", "peak_ends_on": "", "target_monthly_pct": "95"})
    campaign.refresh_from_db()
    assert (campaign.name, campaign.ends_on, campaign.target_monthly_pct) == (
        "Chiến dịch 2026 (gia hạn)", date(2026, 11, 30), 95)
    entry = AuditEntry.objects.get(action="outreach.campaign_changed")
    assert entry.before["ends_on"] == "2026-10-31"
    assert entry.after["ends_on"] == "2026-11-30"
    page = client.post(url, {**CAMPAIGN, "ends_on": "01/01/2026"}).content.decode()
    assert errors_at(page) == {"ends_on", "peak_starts_on"}
    campaign.refresh_from_db()
    assert campaign.ends_on == date(2026, 11, 30)


def test_campaign_set_up_is_the_provinces_bhxh_only(login, campaign):
    for url in (reverse("outreach_setup_campaign_edit", args=[campaign.pk]),
                reverse("outreach_setup_targets", args=[campaign.pk])):
        assert login(other_officer()).get(url).status_code == 404
        assert login(other_officer()).post(url, CAMPAIGN).status_code == 404
        for role in (Role.WARD_TEAM, Role.VIEWER, Role.POST_OFFICE_OPERATOR):
            assert login(f.user(role)).get(url).status_code == 403
    assert login(f.user(Role.WARD_TEAM)).post(reverse("outreach_setup_campaign_new"),
                                               CAMPAIGN).status_code == 403
    assert Campaign.objects.count() == 1
    assert Campaign.objects.get().name == "Chiến dịch 2026"


def test_the_campaign_pages_link_to_the_set_up(login, officer, campaign):
    client = login(officer)
    page = client.get(reverse("outreach_campaigns")).content.decode()
    for name in ("outreach_setup_campaign_new", "outreach_setup_teams",
                 "outreach_setup_schedules"):
        assert f'href="{reverse(name)}"' in page
    page = client.get(reverse("outreach_campaign", args=[campaign.pk])).content.decode()
    assert reverse("outreach_setup_targets", args=[campaign.pk]) in page
    assert reverse("outreach_setup_campaign_edit", args=[campaign.pk]) in page
    page = login(f.user(Role.WARD_TEAM)).get(reverse("outreach_campaigns")).content.decode()
    assert 'id="setup-links"' not in page


def test_campaign_edit_from_the_command_line(officer, campaign):
    call_command("campaign", "edit", str(campaign.pk), "--to", "15/11/2026", "--monthly", "93",
                 "--as", officer.username, stdout=io.StringIO())
    campaign.refresh_from_db()
    assert (campaign.ends_on, campaign.target_monthly_pct, campaign.name) == (
        date(2026, 11, 15), 93, "Chiến dịch 2026")
    with pytest.raises(CommandError, match="percentages"):
        call_command("campaign", "edit", str(campaign.pk), "--one-time", "150", "--as",
                     officer.username)
    with pytest.raises(CommandError):
        call_command("campaign", "edit", str(campaign.pk), "--to", "01/01/2026",
                     "--as", other_officer().username)


# --- ward targets -------------------------------------------------------------------------------

def test_an_officer_sets_a_ward_target_and_sees_its_history(login, officer, campaign):
    url = reverse("outreach_setup_targets", args=[campaign.pk])
    client = login(officer)
    page = client.get(url).content.decode()
    assert f'data-ward="{f.DOAN_KET}"' in page
    assert f'data-ward="{f.TAN_PHONG}"' in page
    assert f'data-ward="{f.DIEN_BIEN_PHU}"' not in page  # only the province's wards
    for monthly in ("95", "97"):
        response = client.post(url, {"ward_code": f.DOAN_KET, "monthly_pct": monthly,
                                     "one_time_pct": "100"})
        assert response.status_code == 302
    assert WardTarget.objects.get().target_monthly_pct == 97
    page = client.get(url).content.decode()
    history = page.split('id="target-history"')[1]
    assert "95% / 100%" in history
    assert "97% / 100%" in history
    assert officer.username in history


@pytest.mark.parametrize(("data", "fields"), [
    ({"ward_code": "99999", "monthly_pct": "95", "one_time_pct": "100"}, {"ward_code"}),
    ({"ward_code": f.DIEN_BIEN_PHU, "monthly_pct": "95", "one_time_pct": "100"}, {"ward_code"}),
    ({"ward_code": f.DOAN_KET, "monthly_pct": "-1", "one_time_pct": "101"},
     {"monthly_pct", "one_time_pct"}),
    ({"ward_code": "", "monthly_pct": "9,5", "one_time_pct": ""},
     {"ward_code", "monthly_pct", "one_time_pct"}),
    ({"ward_code": "<script>", "monthly_pct": "50", "one_time_pct": "50"}, {"ward_code"}),
])
def test_a_bad_ward_target_changes_nothing(login, officer, campaign, data, fields):
    services.set_ward_target(officer, campaign, ward_code=f.DOAN_KET, monthly_pct=91,
                             one_time_pct=100)
    audit_before = AuditEntry.objects.count()
    response = login(officer).post(reverse("outreach_setup_targets", args=[campaign.pk]), data)
    assert response.status_code == 200
    assert errors_at(response.content.decode()) == fields
    assert list(WardTarget.objects.values_list("ward_code", "target_monthly_pct")) == [
        (f.DOAN_KET, 91)]
    assert AuditEntry.objects.count() == audit_before


# --- work teams ---------------------------------------------------------------------------------

def test_an_officer_builds_a_team_shown_by_names(login, officer):
    cop = f.user(Role.POLICE_VERIFIER, username="cong.an.dk")
    cop.first_name, cop.last_name = "Lò Văn", "Tâm"
    cop.save()
    client = login(officer)
    url = reverse("outreach_setup_team", args=[f.DOAN_KET])
    assert client.get(url).status_code == 200
    response = client.post(url, {"member": str(cop.pk), "kind": "police", "leader": "on"})
    assert response.status_code == 302
    row = TeamMember.objects.get()
    assert (row.user, row.kind, row.is_leader, row.team.ward_code) == (cop, "police", True,
                                                                       f.DOAN_KET)
    page = client.get(reverse("outreach_setup_teams")).content.decode()
    assert "Lò Văn Tâm" in page
    page = client.get(url).content.decode()
    assert "Lò Văn Tâm" in page
    assert "Công an" in page


def test_a_bad_member_is_refused_at_its_field(login, officer):
    far = f.user(Role.POLICE_VERIFIER, org=f.organization(OrganizationKind.POLICE,
                                                          province_code=f.DIEN_BIEN))
    gone = f.user(Role.POST_OFFICE_OPERATOR)
    gone.is_active = False
    gone.save()
    client = login(officer)
    url = reverse("outreach_setup_team", args=[f.DOAN_KET])
    for data, fields in (({"member": str(far.pk), "kind": "police"}, {"member"}),
                         ({"member": str(gone.pk), "kind": "post_office"}, {"member"}),
                         ({"member": "999999", "kind": "police"}, {"member"}),
                         ({"member": str(officer.pk), "kind": "mayor"}, {"kind"}),
                         ({"member": "", "kind": ""}, {"member", "kind"})):
        page = client.post(url, data).content.decode()
        assert errors_at(page) == fields, data
    assert not TeamMember.objects.exists()


def test_removing_a_member_is_confirmed_first(login, officer):
    cop = f.user(Role.POLICE_VERIFIER)
    row = services.add_team_member(officer, ward_code=f.DOAN_KET, member=cop, kind="police")
    url = reverse("outreach_setup_team_remove", args=[row.pk])
    client = login(officer)
    page = client.get(url).content.decode()
    assert 'id="confirm-question"' in page
    assert 'method="post"' in page
    assert TeamMember.objects.exists()  # asking is not removing
    response = client.post(url)
    assert response["Location"] == reverse("outreach_setup_team", args=[f.DOAN_KET])
    assert not TeamMember.objects.exists()
    assert AuditEntry.objects.get(action="outreach.team_member_removed").before["user"] == (
        cop.username)


def test_teams_are_the_provinces_bhxh_only(login, officer):
    row = services.add_team_member(officer, ward_code=f.DOAN_KET, member=f.user(
        Role.POLICE_VERIFIER), kind="police")
    stranger = other_officer()
    assert login(stranger).get(reverse("outreach_setup_team", args=[f.DOAN_KET])
                               ).status_code == 404
    assert login(stranger).post(reverse("outreach_setup_team_remove", args=[row.pk])
                                ).status_code == 404
    assert login(officer).get(reverse("outreach_setup_team", args=["99999"])).status_code == 404
    assert login(officer).get(reverse("outreach_setup_team", args=[f.DIEN_BIEN_PHU])
                              ).status_code == 404
    for role in (Role.WARD_TEAM, Role.POST_OFFICE_OPERATOR, Role.VIEWER):
        client = login(f.user(role))
        assert client.get(reverse("outreach_setup_teams")).status_code == 403
        assert client.post(reverse("outreach_setup_team_remove", args=[row.pk])
                           ).status_code == 403
    assert TeamMember.objects.filter(pk=row.pk).exists()


def test_team_remove_from_the_command_line_and_inactive_users_refused(officer):
    cop = f.user(Role.POLICE_VERIFIER)
    call_command("team", "add", "--ward", f.DOAN_KET, "--user", cop.username, "--kind",
                 "police", "--as", officer.username, stdout=io.StringIO())
    call_command("team", "remove", "--ward", f.DOAN_KET, "--user", cop.username, "--as",
                 officer.username, stdout=io.StringIO())
    assert not TeamMember.objects.exists()
    cop.is_active = False
    cop.save()
    with pytest.raises(CommandError, match="active user"):
        call_command("team", "add", "--ward", f.DOAN_KET, "--user", cop.username, "--kind",
                     "police", "--as", officer.username)


# --- payment days -------------------------------------------------------------------------------

def soon(days: int = 3) -> date:
    return timezone.localdate() + timedelta(days=days)


def test_the_post_office_schedules_a_payment_day_on_screen(login):
    point = f.payment_point()
    clerk = f.user(Role.POST_OFFICE_OPERATOR)
    client = login(clerk)
    response = client.post(reverse("outreach_setup_schedules"), {
        "point": str(point.pk), "day": f"{soon():%d/%m/%Y}", "opens_at": "07:30",
        "closes_at": "11:00"})
    assert response.status_code == 302
    row = PaymentSchedule.objects.get()
    assert (row.payment_point, row.day, row.opens_at, row.ward_code) == (
        point, soon(), time(7, 30), f.DOAN_KET)
    page = client.get(reverse("outreach_setup_schedules")).content.decode()
    assert f'data-day="{row.pk}"' in page
    assert "07:30–11:00" in page


def test_a_bad_payment_day_changes_nothing(login):
    point = f.payment_point()
    far = f.payment_point(f.DIEN_BIEN_PHU, f.DIEN_BIEN)
    client = login(f.user(Role.BHXH_OFFICER))
    url = reverse("outreach_setup_schedules")
    good = {"point": str(point.pk), "day": f"{soon():%d/%m/%Y}", "opens_at": "07:30",
            "closes_at": "11:00"}
    for data, fields in (({**good, "day": "32/01/2026"}, {"day"}),
                         ({**good, "day": "ngày mai"}, {"day"}),
                         ({**good, "opens_at": "11:00", "closes_at": "07:30"}, {"closes_at"}),
                         ({**good, "opens_at": "7h30"}, {"opens_at"}),
                         ({**good, "point": str(far.pk)}, {"point"}),
                         ({**good, "point": "abc"}, {"point"}),
                         ({}, {"point", "day", "opens_at", "closes_at"})):
        response = client.post(url, data)
        assert response.status_code == 200, data
        page = response.content.decode()
        assert errors_at(page) == fields, data
    page = client.post(url, {**good, "opens_at": "7h30"}).content.decode()
    assert 'value="7h30"' in page
    assert f'value="{soon():%d/%m/%Y}"' in page
    assert not PaymentSchedule.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="outreach.schedule").exists()


def test_a_payment_day_is_moved_and_removed_after_confirming(login):
    point = f.payment_point()
    clerk = f.user(Role.POST_OFFICE_OPERATOR)
    first = services.schedule_payment_day(clerk, point_id=point.pk, day=soon(3),
                                          opens_at=time(7, 30), closes_at=time(11))
    other = services.schedule_payment_day(clerk, point_id=point.pk, day=soon(5),
                                          opens_at=time(7, 30), closes_at=time(11))
    client = login(clerk)
    url = reverse("outreach_setup_schedule", args=[first.pk])
    page = client.post(url, {"day": f"{soon(5):%d/%m/%Y}", "opens_at": "08:00",
                             "closes_at": "12:00"}).content.decode()
    assert errors_at(page) == {"day"}  # the point is already open that day
    response = client.post(url, {"day": f"{soon(4):%d/%m/%Y}", "opens_at": "08:00",
                                 "closes_at": "12:00"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.day, first.opens_at) == (soon(4), time(8))
    remove = reverse("outreach_setup_schedule_remove", args=[other.pk])
    assert 'id="confirm-question"' in client.get(remove).content.decode()
    assert PaymentSchedule.objects.count() == 2
    client.post(remove)
    assert list(PaymentSchedule.objects.values_list("pk", flat=True)) == [first.pk]
    assert {e.action for e in AuditEntry.objects.filter(action__startswith="outreach.sched")} == {
        "outreach.schedule", "outreach.schedule_changed", "outreach.schedule_removed"}


def test_payment_days_are_the_provinces_post_office_and_bhxh_only(login):
    point = f.payment_point()
    row = services.schedule_payment_day(f.user(Role.BHXH_OFFICER), point_id=point.pk,
                                        day=soon(), opens_at=time(7), closes_at=time(9))
    far_clerk = f.user(Role.POST_OFFICE_OPERATOR, org=f.organization(
        OrganizationKind.POST_OFFICE, province_code=f.DIEN_BIEN))
    for who in (far_clerk, other_officer()):
        client = login(who)
        assert client.get(reverse("outreach_setup_schedule", args=[row.pk])).status_code == 404
        assert client.post(reverse("outreach_setup_schedule_remove", args=[row.pk])
                           ).status_code == 404
        assert f'data-day="{row.pk}"' not in client.get(
            reverse("outreach_setup_schedules")).content.decode()
    for role in (Role.WARD_TEAM, Role.BANK_OPERATOR, Role.VIEWER):
        assert login(f.user(role)).get(reverse("outreach_setup_schedules")).status_code == 403
    assert PaymentSchedule.objects.filter(pk=row.pk, opens_at=time(7)).exists()


def test_schedule_remove_from_the_command_line():
    point = f.payment_point()
    clerk = f.user(Role.POST_OFFICE_OPERATOR)
    call_command("schedule", "add", "--point", point.code, "--day", "05/12/2026", "--as",
                 clerk.username, stdout=io.StringIO())
    call_command("schedule", "remove", "--point", point.code, "--day", "05/12/2026", "--as",
                 clerk.username, stdout=io.StringIO())
    assert not PaymentSchedule.objects.exists()
    with pytest.raises(CommandError):
        call_command("schedule", "remove", "--point", point.code, "--day", "05/12/2026",
                     "--as", clerk.username)
