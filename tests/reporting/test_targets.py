"""Cashless targets: a province's set by BHXH Việt Nam, a ward's by its province's BHXH office;
history kept; bad input refused with nothing written; BHXH Việt Nam changes nothing else."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from chitra.access.models import OrganizationKind, Role
from chitra.access.scoping import NATIONAL, scope_of
from chitra.core.errors import DomainError
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


# --- the target in force at the end of a month ---------------------------------------------------

ICT = timezone(timedelta(hours=7))


def _change(people: int, *, ward: str = "", group: str = "monthly", year: int = 2027
            ) -> targets.TargetChange:
    return targets.TargetChange(year=year, province_code="12", ward_code=ward,
                                benefit_group=group, people_bp=people, amount_bp=people)


def test_a_month_over_keeps_the_target_in_force_when_it_ended(time_machine):
    national = _national()
    time_machine.move_to(datetime(2026, 12, 20, 9, 0, tzinfo=ICT), tick=False)
    targets.set_target(national, _change(9200))  # for 2027, set in December before
    time_machine.move_to(datetime(2027, 6, 10, 9, 0, tzinfo=ICT), tick=False)
    targets.set_target(national, _change(9500))  # corrected in June
    time_machine.move_to(datetime(2027, 8, 3, 9, 0, tzinfo=ICT), tick=False)

    def people(month: date | None) -> int:
        return targets.goal(2027, "12", f.DOAN_KET, "monthly", month=month).people_bp

    assert people(date(2027, 5, 1)) == 9200  # May was over before the correction
    assert people(date(2027, 6, 1)) == 9500  # in force at the end of June
    assert people(date(2027, 8, 1)) == 9500  # the month still running: the current one
    assert people(None) == 9500


def test_a_month_before_any_target_was_set_is_measured_against_the_plan(time_machine):
    time_machine.move_to(datetime(2027, 3, 2, 9, 0, tzinfo=ICT), tick=False)
    targets.set_target(_national(), _change(9300))  # set late, in March
    assert targets.goal(2027, "12", "", "monthly", month=date(2027, 1, 1)) == targets.Goal(
        9000, 9000, "plan")
    assert targets.goal(2027, "12", "", "monthly", month=date(2027, 3, 1)).people_bp == 9300


def test_the_end_of_a_month_is_midnight_in_vietnam(time_machine):
    time_machine.move_to(datetime(2027, 1, 31, 23, 59, tzinfo=ICT), tick=False)
    targets.set_target(_national(), _change(9100))  # a minute before February, in Hà Nội
    time_machine.move_to(datetime(2027, 2, 1, 0, 1, tzinfo=ICT), tick=False)
    targets.set_target(_national(), _change(9900))  # a minute after
    time_machine.move_to(datetime(2027, 5, 1, 9, 0, tzinfo=ICT), tick=False)
    assert targets.goal(2027, "12", "", "monthly", month=date(2027, 1, 1)).people_bp == 9100
    assert targets.month_end(date(2027, 12, 1)) == datetime(2028, 1, 1, tzinfo=ICT)


def test_a_month_of_another_year_is_a_mistake():
    with pytest.raises(ValueError, match="2026-12"):
        targets.goal(2027, "12", "", "monthly", month=date(2026, 12, 1))


def test_the_goals_of_many_areas_are_one_query_and_the_same_as_one_by_one(
        django_assert_num_queries):
    national, officer = _national(), f.user(Role.BHXH_OFFICER)
    targets.set_target(national, _change(9300))
    targets.set_target(officer, _change(9700, ward=f.DOAN_KET))
    targets.set_target(officer, _change(8000, ward=f.TAN_PHONG, group="one_time"))
    keys = [("12", ""), ("12", f.DOAN_KET), ("12", f.TAN_PHONG), ("11", ""),
            ("11", f.DIEN_BIEN_PHU)]
    with django_assert_num_queries(1):
        found = targets.goals(2027, keys, "monthly")
    assert found == {k: targets.goal(2027, *k, "monthly") for k in keys}
    assert [found[k].source for k in keys] == ["province", "ward", "province", "plan", "plan"]
    assert found[("12", f.TAN_PHONG)].people_bp == 9300  # its one-time target is not monthly
    assert targets.goals(2027, [], "monthly") == {}


@pytest.mark.parametrize(("text", "bp"), [
    ("90", 9000), ("90,5", 9050), ("90.5", 9050), ("92,25", 9225), (" 100 ", 10_000),
    ("0", 0), ("90 %", 9000), ("7,05", 705), ("101", 10_100),
    ("-5", None), ("9O", None), ("90,123", None), ("", None), ("1e2", None), ("٩٠", None),
    ("90,", None), (",5", None), ("1000", None), ("90,5,1", None), ("+90", None),
])
def test_a_percent_is_read_without_float(text, bp):
    assert targets.parse_percent(text) == bp


# --- two first settings at once (PostgreSQL) ----------------------------------------------------

def _in_thread(fn, results, name):
    def run():
        try:
            results[name] = fn()
        except Exception as e:
            results[name] = e
        finally:
            connections.close_all()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer at a time: the two cannot meet")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_settings_at_once_take_turns_and_the_second_replaces_the_first():
    officer = f.user(Role.BHXH_OFFICER)
    first_in = threading.Event()
    go_on = threading.Event()
    results: dict[str, object] = {}

    def first():
        with transaction.atomic():
            t = targets.set_target(officer, _change(9100, ward=f.DOAN_KET))
            first_in.set()
            assert go_on.wait(20)  # holds its transaction open: the second must wait
        return t

    a = _in_thread(first, results, "first")
    assert first_in.wait(20)
    b = _in_thread(lambda: targets.set_target(officer, _change(9600, ward=f.DOAN_KET)),
                   results, "second")
    b.join(1.0)
    assert b.is_alive()  # waiting for the first to end
    go_on.set()
    a.join(20)
    b.join(20)
    assert not isinstance(results["first"], Exception), results["first"]
    assert not isinstance(results["second"], Exception), results["second"]
    rows = list(Target.objects.order_by("id").values_list("people_bp", "replaced_at"))
    assert [bp for bp, _ in rows] == [9100, 9600]
    assert rows[0][1] is not None
    assert rows[1][1] is None
    assert targets.goal(2027, "12", f.DOAN_KET, "monthly").people_bp == 9600


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer at a time: the two cannot meet")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_target_put_in_force_meanwhile_without_the_lock_is_refused_cleanly():
    """A writer that took no lock (a script, an admin) inserts the same target meanwhile:
    set_target answers target_changed, not an IntegrityError, and writes nothing."""
    officer = f.user(Role.BHXH_OFFICER)
    results: dict[str, object] = {}
    other = connections.create_connection("default")
    try:
        with other.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute(
                "INSERT INTO reporting_target (year, province_code, ward_code, benefit_group,"
                " people_bp, amount_bp, set_by, set_at, reason) VALUES"
                " (2027, '12', %s, 'monthly', 8800, 8800, 'script', now(), '')", [f.DOAN_KET])
            b = _in_thread(lambda: targets.set_target(officer, _change(9600, ward=f.DOAN_KET)),
                           results, "set")
            b.join(1.0)
            assert b.is_alive()  # waits on the uncommitted row
            cur.execute("COMMIT")
        b.join(20)
    finally:
        other.close()
    refused = results["set"]
    assert isinstance(refused, DomainError), refused
    assert refused.code == "target_changed"
    assert list(Target.objects.values_list("people_bp", "set_by", "replaced_at")) == [
        (8800, "script", None)]
    assert not AuditEntry.objects.filter(action="target.set").exists()
