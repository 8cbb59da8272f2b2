"""``chitra popdb_sim`` as a process (issue 16, item 2c): on a seeded database of its own, it
serves over a real socket what the HTTP adapter asks, with every planted discrepancy and no
other; it stays on this machine unless told; bad arguments are refused before anything runs.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pytest

from chitra.verification.adapters import HttpPopulationAdapter, PopulationAuthRefused
from chitra.verification.outcomes import Outcome, PersonCheck
from chitra.verification.simulator import Planted, checks_from, population_from
from tests.test_readme_commands import CHITRA, chitra, private_database, shell

LAI_CHAU, DIEN_BIEN = "12", "11"
TOKEN = "popdb-sim-test-token"
READY_S = 120  # building the population of a few hundred people takes seconds

PEOPLE = ("import json; from chitra.registry.population_checks import person_checks; "
          "print(json.dumps({code: [[*p[:2], p[2].isoformat(), *p[3:]] "
          "for p in person_checks(code)] for code in ('12', '11')}))")


@dataclass(frozen=True)
class Seeded:
    env: dict[str, str]
    people: dict[str, list[PersonCheck]]  # by province


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """A database of its own with the demo of Lai Châu (300 people) and of Điện Biên (60)."""
    with private_database(tmp_path_factory.mktemp("popdb")) as env:
        chitra(env, "migrate", "-v0")
        chitra(env, "seed_demo", "--province", LAI_CHAU, "--beneficiaries", "300", "--seed",
               "1")
        chitra(env, "seed_demo", "--province", DIEN_BIEN, "--beneficiaries", "60", "--seed",
               "2")
        by_province: dict[str, list[PersonCheck]] = {}
        skipped: list[str] = []
        for code, rows in shell(env, PEOPLE).items():
            by_province[code] = list(checks_from(
                [(cid, name, date.fromisoformat(born), sex, ward, street)
                 for cid, name, born, sex, ward, street in rows], skipped))
        assert not skipped
        assert [len(by_province[LAI_CHAU]), len(by_province[DIEN_BIEN])] == [300, 60]
        yield Seeded(env, by_province)


@dataclass
class Running:
    url: str
    token: str
    counts: dict[Planted, int]
    output: list[str]


@contextmanager
def popdb_sim(env: dict[str, str], *args: str) -> Iterator[Running]:
    """``chitra popdb_sim --port 0 …`` until the block ends (then SIGINT, as Ctrl+C); yields
    the URL and token it printed. The block must see it stop cleanly."""
    process = subprocess.Popen([str(CHITRA), "popdb_sim", "--port", "0", *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killer = threading.Timer(READY_S, process.kill)  # never hang the suite
    killer.start()
    output: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if line.startswith("Ctrl+C"):
                break
        killer.cancel()
        text = "".join(output)
        url = re.search(r"^URL: (http://\S+)$", text, re.MULTILINE)
        token = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
        assert url, text
        assert token, text
        counts = {kind: int(re.search(rf"^  {kind.value} +(\d+)$", text,
                                      re.MULTILINE)[1])  # type: ignore[index]
                  for kind in Planted}
        yield Running(url[1], token[1], counts, output)
    finally:
        killer.cancel()
        process.send_signal(signal.SIGINT)
        try:
            rest, errors = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    assert process.returncode == 0, errors[-2000:]
    assert "Đã dừng / stopped" in rest


def expected(checks: list[PersonCheck], planted: dict[str, Planted]) -> dict[str, Outcome]:
    return {c.citizen_id: planted[c.citizen_id].outcome if c.citizen_id in planted
            else Outcome.MATCH for c in checks}


def test_the_adapter_finds_every_planted_discrepancy_over_the_socket(seeded):
    lai_chau = seeded.people[LAI_CHAU]
    # The same people and seed give the same plants (the registry reads in a stable order
    # and population_from depends on nothing else): what the process planted is known here.
    _, planted = population_from(lai_chau, seed=5)
    assert {kind: sum(p == kind for p in planted.values()) for kind in Planted} == dict.fromkeys(
        Planted, 3)  # 1 % of 300 of each

    with popdb_sim(seeded.env, "--province", LAI_CHAU, "--seed", "5", "--token", TOKEN,
                   "--max-batch", "100") as sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert sim.counts == dict.fromkeys(Planted, 3)
        client = HttpPopulationAdapter(sim.url, TOKEN, max_batch=100, timeout_ms=10_000)
        answers = client.verify(lai_chau)
        # Điện Biên was left out of this run: its people are unknown to it.
        outsiders = client.verify(seeded.people[DIEN_BIEN][:5])

    assert {a.citizen_id: a.outcome for a in answers} == expected(lai_chau, planted)
    assert sum(a.outcome == Outcome.MATCH for a in answers) == 300 - 18
    assert {a.outcome for a in outsiders} == {Outcome.NOT_FOUND}


def test_without_a_province_everyone_is_served(seeded):
    everyone = seeded.people[LAI_CHAU] + seeded.people[DIEN_BIEN]
    _, planted = population_from(everyone, seed=9)
    with popdb_sim(seeded.env, "--seed", "9", "--token", TOKEN) as sim:
        assert sim.counts == dict.fromkeys(Planted, 3)  # 1 % of 360
        answers = HttpPopulationAdapter(sim.url, TOKEN).verify(everyone)
    assert {a.citizen_id: a.outcome for a in answers} == expected(everyone, planted)


def test_a_wrong_token_is_refused_and_a_random_one_is_made_when_none_is_given(seeded):
    with popdb_sim(seeded.env, "--province", DIEN_BIEN) as sim:
        assert len(sim.token) >= 32
        assert HttpPopulationAdapter(sim.url, sim.token).verify(seeded.people[DIEN_BIEN][:3])
        with pytest.raises(PopulationAuthRefused):
            HttpPopulationAdapter(sim.url, TOKEN).verify(seeded.people[DIEN_BIEN][:3])


@pytest.mark.parametrize("host", ["localhost", "::1"])
def test_other_names_of_this_machine_are_allowed(seeded, host):
    with popdb_sim(seeded.env, "--host", host, "--province", DIEN_BIEN, "--token",
                   TOKEN) as sim:
        answers = HttpPopulationAdapter(sim.url, TOKEN).verify(seeded.people[DIEN_BIEN][:3])
    assert len(answers) == 3


def refused(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(CHITRA), "popdb_sim", *args], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "URL:" not in result.stdout  # nothing was served
    return result


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "popdb.example.vn", "::", ""])
def test_a_host_other_than_this_machine_is_refused_without_allow_remote(seeded, host):
    result = refused(seeded.env, "--port", "0", "--host", host)
    assert "--allow-remote" in result.stderr
    assert "CommandError" in result.stderr


def test_allow_remote_listens_on_every_interface_with_a_warning(seeded):
    with popdb_sim(seeded.env, "--host", "0.0.0.0", "--allow-remote", "--province",
                   DIEN_BIEN, "--token", TOKEN) as sim:
        port = sim.url.rsplit(":", 1)[1]
        answers = HttpPopulationAdapter(f"http://127.0.0.1:{port}", TOKEN).verify(
            seeded.people[DIEN_BIEN][:2])
    assert len(answers) == 2


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "0", "--latency-ms", "-5"], "--latency-ms"),
    (["--port", "0", "--error-rate", "101"], "--error-rate"),
    (["--port", "0", "--error-rate", "-1"], "--error-rate"),
    (["--port", "0", "--max-batch", "0"], "--max-batch"),
    (["--port", "70000"], "70000"),
    (["--port", "0", "--province", "99"], "'99'"),
    (["--port", "0", "--latency-ms", "fast"], "invalid int value"),
    ([], "--port"),
])
def test_bad_arguments_are_refused_cleanly(seeded, args, message):
    assert message in refused(seeded.env, *args).stderr


def test_the_seeded_database_is_left_as_it_was(seeded):
    # The simulator only reads: the registry is the same after a run.
    before = shell(seeded.env, PEOPLE)
    with popdb_sim(seeded.env, "--province", DIEN_BIEN, "--token", TOKEN):
        pass
    assert shell(seeded.env, PEOPLE) == before
