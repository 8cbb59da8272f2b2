"""Cashless targets: a province's set by BHXH Việt Nam, a ward's by its province's BHXH office;
history kept; bad input refused with nothing written; BHXH Việt Nam changes nothing else."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.access.models import OrganizationKind, Role
from chitra.access.scoping import NATIONAL, scope_of
from chitra.core.models import AuditEntry
from chitra.reporting import targets
from chitra.reporting.models import Target
from tests import factories as f


def _national():
    org = f.organization(OrganizationKind.BHXH_NATIONAL, province_code="00",
                         name="BHXH Việt Nam")
    return f.user(Role.BHXH_NATIONAL, org)


def _set(user, *args: str) -> None:
    call_command("target", "set", "--year", "2027", "--province", "12", *args,
                 "--as", user.username)


def test_bhxh_vietnam_sets_a_provinces_target_and_the_history_stays(capsys):
    national = _national()
    assert scope_of(national) == NATIONAL
    _set(national, "--group", "monthly", "--people", "92", "--amount", "93,5")
    assert "92,0 %" in capsys.readouterr().out
    _set(national, "--group", "monthly", "--people", "95", "--reason", "Kế hoạch mới")
    current, old = Target.objects.order_by("-id")
    assert (current.people_bp, current.amount_bp, current.replaced_at) == (9500, 9500, None)
    assert (old.people_bp, old.amount_bp) == (9200, 9350)
    assert old.replaced_at is not None
    assert targets.goal(2027, "12", f.DOAN_KET, "monthly") == targets.Goal(9500, 9500,
                                                                          "province")
    entry = AuditEntry.objects.filter(action="target.set").order_by("-id").first()
    assert entry.actor == national.username
    assert entry.before == {"people_bp": 9200, "amount_bp": 9350}
    call_command("target", "list", "--year", "2027", "--province", "12", "--as",
                 national.username)
    listed = capsys.readouterr().out
    assert "hiệu lực / in force" in listed
    assert "thay thế / replaced" in listed


def test_the_province_sets_its_wards_targets_only():
    officer = f.user(Role.BHXH_OFFICER)
    _set(officer, "--ward", f.DOAN_KET, "--group", "one_time", "--people", "100")
    assert targets.goal(2027, "12", f.DOAN_KET, "one_time").source == "ward"
    with pytest.raises(CommandError, match="not_in_scope"):
        _set(officer, "--group", "monthly", "--people", "80")  # the province's own: not theirs
    other = f.user(Role.BHXH_OFFICER, f.organization(province_code="01"))
    with pytest.raises(CommandError, match="not_in_scope"):
        _set(other, "--ward", f.DOAN_KET, "--group", "monthly", "--people", "99")
    ward_team = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD,
                                                      ward_code=f.DOAN_KET))
    with pytest.raises(CommandError, match="not_in_scope"):
        _set(ward_team, "--ward", f.DOAN_KET, "--group", "monthly", "--people", "99")
    assert Target.objects.count() == 1


@pytest.mark.parametrize("args", [
    ("--group", "monthly", "--people", "101"),
    ("--group", "monthly", "--people", "-5"),
    ("--group", "monthly", "--people", "9O"),
    ("--group", "monthly", "--people", "90,123"),
    ("--ward", "00004", "--group", "monthly", "--people", "90"),  # a ward of Hà Nội
    ("--ward", "99999", "--group", "monthly", "--people", "90"),
    ("--group", "monthly"),
])
def test_bad_input_is_refused_and_nothing_is_written(args):
    with pytest.raises(CommandError):
        _set(_national() if "--ward" not in args else f.user(Role.BHXH_OFFICER), *args)
    assert not Target.objects.exists()


def test_a_year_out_of_range_is_refused():
    with pytest.raises(CommandError, match="invalid_target"):
        call_command("target", "set", "--year", "1999", "--province", "12", "--group",
                     "monthly", "--people", "90", "--as", _national().username)
    assert not Target.objects.exists()


def test_bhxh_vietnam_changes_nothing_else():
    national = _national()
    with pytest.raises(CommandError):
        call_command("cycle", "open", "2026-12", "--province", "12", "--as", national.username)
    with pytest.raises(CommandError):
        call_command("kpi", "refresh", "--province", "12", "--as", national.username)
    assert not scope_of(national).sees_people
