"""Every command the README promises exists and is run by a test (issue 12, item 8).

The README's ``chitra …`` forms are read from the README itself: each command must be a
registered management command that accepts the actions and options the README shows, and
each (command, action) must name at least one test in :data:`RUN_BY` that exists and runs it.
A README command added without a test fails here. Commands with no test elsewhere are run
below with the README's own arguments. The two shell scripts take minutes: they are checked,
not run.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.db import connection

from chitra.payments.models import CycleStatus, PaymentCycle, PaymentFile
from chitra.registry.models import Beneficiary

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CHITRA = Path(sys.executable).with_name("chitra")  # the console script `pip install -e .` made

# (command, action) as the README writes it → tests that run it ("path::function").
RUN_BY: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("target", "set"): ("tests/reporting/test_targets.py::"
                        "test_bhxh_vietnam_sets_a_provinces_target_and_the_history_stays",
                        "tests/reporting/test_targets.py::"
                        "test_the_province_sets_its_wards_targets_only"),
    ("target", "list"): ("tests/reporting/test_targets.py::"
                         "test_bhxh_vietnam_sets_a_provinces_target_and_the_history_stays",),
    ("report", None): (
        "tests/reporting/test_reports.py::"
        "test_the_province_report_holds_the_dashboards_figures_in_every_format",
        "tests/reporting/test_reports.py::test_bad_requests_write_nothing"),
    ("verify_population", None): (
        "tests/verification/test_verify_command.py::"
        "test_a_simulated_run_on_the_demo_finds_every_planted_discrepancy",
        "tests/verification/test_verify_command.py::"
        "test_the_http_adapter_calls_the_configured_service",
        "tests/verification/test_verify_command.py::"
        "test_the_file_path_writes_the_request_and_records_the_polices_answer",
        "tests/verification/test_extract.py::test_the_command_verifies_an_extract"),
    ("paid_after_death", None): (
        "tests/payments/test_recovery.py::"
        "test_the_command_writes_the_csv_for_the_users_province",
        "tests/payments/test_recovery.py::test_the_command_refuses_who_sees_no_list"),
    ("popdb_sim", None): (
        "tests/verification/test_popdb_sim.py::"
        "test_the_adapter_finds_every_planted_discrepancy_over_the_socket",
        "tests/verification/test_popdb_sim.py::test_bad_arguments_are_refused_cleanly"),
    ("seed_demo_payments", None): (
        "tests/reporting/test_demo_figures.py::test_two_paid_months_are_closed_and_counted",),
    ("kpi", "refresh"): ("tests/reporting/test_kpi.py::test_the_command_counts_what_was_paid",
                         "tests/reporting/test_kpi.py::test_counting_again_replaces_the_month"),
    ("seed_demo", None): ("tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
                          "tests/outreach/test_demo.py::"
                          "test_seed_demo_prepares_outreach_and_is_idempotent"),
    ("import_beneficiaries", None): (
        "tests/registry/test_import_cli.py::test_import_as_officer_prints_counts",
        "tests/registry/test_import_cli.py::test_default_actor_is_the_first_superuser",
        "tests/registry/test_import_cli.py::test_accept_valid_applies_the_rest"),
    ("import_template", None): ("tests/registry/test_import_cli.py::"
                                "test_template_imports_cleanly",),
    ("account_changes", "list"): ("tests/security/test_imports.py::"
                                  "test_the_cli_lists_and_decides",),
    ("account_changes", "approve"): (
        "tests/security/test_imports.py::test_the_cli_lists_and_decides",
        "tests/security/test_imports.py::test_the_cli_takes_the_note_as_the_reason"),
    ("account_changes", "reject"): ("tests/security/test_imports.py::"
                                    "test_the_cli_lists_and_decides",),
    ("load_reference_data", None): (
        "tests/core/test_reference_data_command.py::test_the_command_loads_what_is_missing_once",
        "tests/core/test_reference_data_command.py::test_the_console_script_loads_and_is_idempotent"),
    ("db_worker", None): ("tests/test_readme_commands.py::test_db_worker_runs_a_queued_step",),
    ("cycle", "open"): ("tests/test_readme_commands.py::test_the_readme_cycle_example_runs",),
    ("cycle", "compute"): ("tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
                           "tests/payments/test_processes.py::"
                           "test_a_compute_in_parts_gives_what_one_transaction_gives"),
    ("cycle", "approve"): ("tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
                           "tests/payments/test_processes.py::"
                           "test_cli_maker_cannot_approve_own_computation"),
    ("cycle", "export"): ("tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
                          "tests/payments/test_processes.py::"
                          "test_killed_export_reruns_to_the_same_files_and_no_new_items"),
    ("cycle", "cashlists"): (
        "tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
        "tests/security/test_cash_list_bytes.py::"
        "test_exporting_again_later_rewrites_the_same_cash_lists_and_manifest"),
    ("cycle", "close"): ("tests/test_readme_commands.py::test_the_readme_cycle_example_runs",),
    ("cycle", "release"): ("tests/payments/test_views.py::test_release_from_the_command_line",),
    ("ingest_status", None): (
        "tests/payments/test_status_ingest.py::"
        "test_cli_reads_the_next_files_ahead_and_applies_each_in_turn",
        "tests/payments/test_payment_flow.py::test_cli_refusal_exits_non_zero"),
    **{("status_exceptions", action): (
        "tests/payments/test_exceptions_queue.py::"
        "test_status_exceptions_command_lists_proposes_approves_and_rejects",)
       for action in ("list", "propose", "approve", "reject")},
    ("payment_settings", None): (
        "tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
        "tests/payments/test_payment_settings.py::"
        "test_the_command_sets_the_paying_account_as_the_named_officer"),
    ("make_demo_keystore", None): (
        "tests/test_readme_commands.py::test_the_readme_cycle_example_runs",
        "tests/payments/test_signing.py::"
        "test_command_default_keystore_is_the_one_the_export_signs_with"),
    ("campaign", "create"): ("tests/outreach/test_campaigns.py::"
                             "test_create_from_the_command_line",),
    ("campaign", "funnel"): ("tests/outreach/test_campaigns.py::"
                             "test_funnel_from_the_command_line",),
    ("campaign", "target"): ("tests/outreach/test_campaigns.py::"
                             "test_ward_targets_from_the_command_line",),
    ("campaign", "edit"): ("tests/outreach/test_setup_pages.py::"
                           "test_campaign_edit_from_the_command_line",),
    ("team", "add"): ("tests/outreach/test_work_teams.py::test_team_from_the_command_line",),
    ("team", "remove"): ("tests/outreach/test_setup_pages.py::"
                         "test_team_remove_from_the_command_line_and_inactive_users_refused",),
    ("schedule", "remove"): ("tests/outreach/test_setup_pages.py::"
                             "test_schedule_remove_from_the_command_line",),
    ("schedule", "add"): ("tests/outreach/test_schedule.py::test_schedule_from_the_command_line",),
}


# --- what the README promises ----------------------------------------------------------------

@dataclass(frozen=True)
class Form:
    """One ``chitra <command> …`` as written in the README."""
    command: str
    actions: tuple[str, ...]  # `open|compute|…` right after the command, if any
    options: frozenset[str]


def readme_forms() -> list[Form]:
    forms = []
    for command, rest in re.findall(r"`chitra ([a-z_]+)([^`]*)`", README.read_text()):
        first = rest.split()[0] if rest.split() else ""
        actions = tuple(first.split("|")) if re.fullmatch(r"[a-z_]+(\|[a-z_]+)*", first) else ()
        forms.append(Form(command, actions, frozenset(re.findall(r"--[a-z][a-z-]*", rest))))
    return forms


def promised() -> set[tuple[str, str | None]]:
    return {(f.command, a) for f in readme_forms() for a in (f.actions or (None,))}


def test_the_readme_names_the_commands_we_expect_to_find():
    """A guard on the parser: if it found nothing, every other check would pass vacuously."""
    assert {"seed_demo", "cycle", "load_reference_data", "db_worker"} <= {
        f.command for f in readme_forms()}
    assert ("cycle", "close") in promised()


@pytest.mark.parametrize("form", readme_forms(), ids=lambda f: f"{f.command} {'|'.join(f.actions)}")
def test_each_readme_command_is_registered_with_its_actions_and_options(form):
    app = get_commands().get(form.command)
    assert app is not None, f"`chitra {form.command}` is in the README but no command has that name"
    parser = load_command_class(app, form.command).create_parser("chitra", form.command)
    known = {s for action in parser._actions for s in action.option_strings}
    assert form.options <= known, f"{form.command}: README options not accepted"
    if form.actions:
        (choices,) = [a.choices for a in parser._actions if a.dest == "action"]
        assert set(form.actions) <= set(choices or ())


def test_each_readme_command_has_a_test_and_each_listed_test_is_in_the_readme():
    assert promised() == set(RUN_BY), (
        f"without a test: {sorted(promised() - set(RUN_BY), key=str)}; "
        f"no longer in the README: {sorted(set(RUN_BY) - promised(), key=str)}")


@pytest.mark.parametrize(("command", "action"), sorted(RUN_BY, key=str))
def test_each_named_test_exists_and_runs_the_command(command, action):
    for node in RUN_BY[(command, action)]:
        source = _test_source(node)
        for word in filter(None, (command, action)):
            assert re.search(rf"\b{word}\b", source), f"{node} does not run {command} {action}"


@cache
def _module(path: str) -> tuple[str, dict[str, ast.FunctionDef]]:
    text = (REPO / path).read_text()
    tree = ast.parse(text)
    return text, {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _test_source(node_id: str) -> str:
    """The test function's source and that of the module's helpers it calls."""
    path, name = node_id.split("::")
    text, functions = _module(path)
    assert name in functions, f"no test {node_id}"
    test = functions[name]
    called = {c.func.id for c in ast.walk(test)
              if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
    return "\n".join(ast.get_source_segment(text, functions[n]) or ""
                     for n in [name, *sorted(called & set(functions) - {name})])


# --- the two shell commands and make --------------------------------------------------------

def test_the_readme_scripts_exist_and_parse():
    scripts = re.findall(r"^bash (scripts/[\w.-]+)$", README.read_text(), re.MULTILINE)
    assert scripts == ["scripts/run-demo.sh", "scripts/test.sh"]
    for script in scripts:
        subprocess.run(["bash", "-n", str(REPO / script)], check=True)


def test_ci_and_make_run_the_readme_scripts():
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^exec bash scripts/test\.sh$", ci, re.MULTILINE)
    makefile = (REPO / "Makefile").read_text()
    assert {"make demo", "make test"} <= set(re.findall(r"make \w+", README.read_text()))
    assert re.search(r"^demo:\n\tbash scripts/run-demo\.sh$", makefile, re.MULTILINE)
    assert re.search(r"^test:\n\tbash scripts/test\.sh$", makefile, re.MULTILINE)


def test_module_paths_named_in_the_docs_exist():
    """The docs name modules and functions (`chitra.payments.services.open_cycle`): a move or
    a rename must update them."""
    texts = [README.read_text(), *(p.read_text() for p in (REPO / "docs").glob("*.md"))]
    found = {m for t in texts for m in re.findall(r"`(chitra(?:\.\w+)+)", t)}
    apps = {p.name for p in (REPO / "src" / "chitra").iterdir() if p.is_dir()}
    names = {n for n in found if n.split(".")[1] in apps}  # not `chitra.sqlite3`
    assert "chitra.payments.services.open_cycle" in names
    assert not sorted(n for n in names if not _resolves(n))


def _resolves(name: str) -> bool:
    """``name`` is a module, or a name defined in one."""
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        module = ".".join(parts[:end])
        try:
            if importlib.util.find_spec(module) is None:
                continue
        except ModuleNotFoundError:  # the parent is a module, not a package
            continue
        found: object = importlib.import_module(module)
        for attribute in parts[end:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


# --- commands with no other test, run as the README writes them ------------------------------

def cli(line: str) -> str:
    out = io.StringIO()
    call_command(*shlex.split(line), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_readme_cycle_example_runs(settings, tmp_path):
    """The demo as the README walks it: seed, settings, key, then a cycle from open to close."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEYSTORE_PATH = tmp_path / "keys" / "bhxh-demo.p12"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cli("seed_demo --province 12 --beneficiaries 2000 --seed 1")
    assert Beneficiary.objects.filter(province_code="12").count() == 2000
    cli("payment_settings --province 12 --debtor-account 8800201001234 --debtor-bic VBAAVNVX "
        "--reissue-as-cash yes --as officer")
    cli("make_demo_keystore")
    assert settings.KEYSTORE_PATH.is_file()

    cli("cycle open 2026-12 --as officer")
    cli("cycle compute 2026-12 --as officer")
    cli("cycle approve 2026-12 --as approver")
    cli("cycle export 2026-12 --as officer --no-cash-lists")  # written once, just below
    exported = tmp_path / "media" / "exports" / "12" / "2026-12"
    cycle = PaymentCycle.objects.get(province_code="12", period__year=2026, period__month=12)
    files = PaymentFile.objects.filter(cycle=cycle).values_list("file_name", flat=True)
    assert files
    for name in files:
        assert (exported / name).is_file()
        assert (exported / f"{name}.p7s").is_file()
    cash = tmp_path / "cash"
    assert cli(f"cycle cashlists 2026-12 --as officer --out {cash}")
    assert any(cash.iterdir())
    cli("cycle close 2026-12 --as officer")
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.CLOSED


@contextmanager
def private_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for ``chitra`` processes with a database of their own, of the suite's
    engine: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    env = {**os.environ, "CHITRA_VAR_DIR": str(tmp_path / "var")}
    if connection.vendor != "postgresql":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'private.sqlite3'}"
        yield env
        return
    s = connection.settings_dict
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    name = f"chitra_readme_{uuid.uuid4().hex[:10]}"
    admin = f"host={host} port={port} user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"postgresql://{user}@{host}:{port}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def chitra(env: dict[str, str], *args: str) -> str:
    """Run the ``chitra`` console script; its standard output."""
    result = subprocess.run([str(CHITRA), *args], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def shell(env: dict[str, str], code: str) -> Any:
    """Run ``code`` in ``chitra shell``; the JSON its last line prints."""
    return json.loads(chitra(env, "shell", "-c", code).strip().splitlines()[-1])


CYCLE = ("import json; from chitra.payments.models import PaymentCycle; "
         "c = PaymentCycle.objects.get(province_code='12'); ")


def test_db_worker_runs_a_queued_step(tmp_path):
    """`chitra db_worker --batch` runs what is queued (a compute, as the cycle page queues
    it) and exits, where the README's `chitra db_worker` would keep waiting for more."""
    with private_database(tmp_path) as env:
        chitra(env, "migrate", "-v0")
        chitra(env, "seed_demo", "--province", "12", "--beneficiaries", "20", "--seed", "1")
        chitra(env, "cycle", "open", "2026-12", "--as", "officer")
        shell(env, CYCLE + "from chitra.payments.tasks import compute_cycle_task; "
                           "compute_cycle_task.enqueue(c.pk, 'officer'); print(json.dumps(1))")
        assert shell(env, CYCLE + "print(json.dumps(c.status))") == CycleStatus.OPEN
        chitra(env, "db_worker", "--batch", "--no-startup-delay")
        assert shell(env, CYCLE + "print(json.dumps(c.status))") == CycleStatus.COMPUTED
