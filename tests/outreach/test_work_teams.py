"""Work teams: BHXH puts people of other organizations (police, post office, bank) on a ward's
team; a member sees and works that ward's worklist, and only that one."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chitra.access.models import OrganizationKind, Role
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.models import TeamMember
from tests import factories as f


def police_officer():
    return f.user(Role.POLICE_VERIFIER, username="cong.an.doan.ket")


def test_a_police_member_works_the_teams_worklist(login):
    pom = f.beneficiary("Lò Văn Pọm")
    other = f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    cop = police_officer()
    client = login(cop)
    assert client.get(reverse("outreach_worklist")).status_code == 403
    services.add_team_member(f.user(Role.BHXH_OFFICER), ward_code=f.DOAN_KET, member=cop,
                             kind="police", leader=True)
    page = client.get(reverse("outreach_worklist")).content.decode()
    assert f'data-beneficiary="{pom.pk}"' in page
    assert f'data-beneficiary="{other.pk}"' not in page
    assert 'id="nav-outreach"' in page
    assert "tổ trưởng" in page
    assert client.get(reverse("outreach_contact", args=[other.pk])).status_code == 404


def test_one_leader_and_only_bhxh_of_the_province_builds_teams():
    officer = f.user(Role.BHXH_OFFICER)
    first, second = police_officer(), f.user(Role.POST_OFFICE_OPERATOR)
    services.add_team_member(officer, ward_code=f.DOAN_KET, member=first, kind="police",
                             leader=True)
    services.add_team_member(officer, ward_code=f.DOAN_KET, member=second, kind="post_office",
                             leader=True)
    assert list(TeamMember.objects.filter(is_leader=True).values_list(
        "user__username", flat=True)) == [second.username]
    for who in (f.user(Role.WARD_TEAM),
                f.user(Role.BHXH_OFFICER, org=f.organization(province_code="01"))):
        with pytest.raises(DomainError):
            services.add_team_member(who, ward_code=f.DOAN_KET, member=first, kind="police")
    far = f.user(Role.POLICE_VERIFIER, org=f.organization(OrganizationKind.POLICE,
                                                          province_code="01"))
    with pytest.raises(DomainError) as e:
        services.add_team_member(officer, ward_code=f.DOAN_KET, member=far, kind="police")
    assert e.value.code == "invalid_member"


def test_team_from_the_command_line():
    officer = f.user(Role.BHXH_OFFICER)
    cop = police_officer()
    out = io.StringIO()
    call_command("team", "add", "--ward", f.DOAN_KET, "--user", cop.username, "--kind",
                 "police", "--as", officer.username, stdout=out)
    assert "Tổ công tác Phường Đoàn Kết" in out.getvalue()
    with pytest.raises(CommandError, match="No such ward"):
        call_command("team", "add", "--ward", "99999", "--user", cop.username, "--kind",
                     "police", "--as", officer.username)
