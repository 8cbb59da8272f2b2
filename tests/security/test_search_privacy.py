"""Issue 11, hole 7: citizen IDs stay out of URLs, so out of access logs, browser history and
Referer headers. The beneficiary search is POSTed and the list URL carries an opaque token."""

from __future__ import annotations

import re
import shlex
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger

from chitra.access.models import OrganizationKind, Role
from chitra.registry.models import Beneficiary
from tests import factories as f

LIST = "/beneficiaries/"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def ward_team():
    return f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET))


@pytest.fixture
def duc() -> Beneficiary:
    return f.beneficiary("Nguyễn Văn Đức", bhxh_code="1234567890")


@pytest.fixture
def mai() -> Beneficiary:
    return f.beneficiary("Lò Thị Mai")


def _urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


@pytest.mark.parametrize("identifier", ["citizen_id", "bhxh_code"])
def test_search_by_identifier_finds_the_person_and_no_url_carries_it(login, ward_team, duc,
                                                                     mai, identifier):
    wanted = getattr(duc, identifier)
    client = login(ward_team)
    posted = client.post(LIST, {"q": wanted})
    assert posted.status_code == 302
    location = posted["Location"]
    assert re.fullmatch(r"/beneficiaries/\?s=[0-9a-f]{24}", location)
    page = client.get(location)
    assert list(page.context["page"].object_list) == [duc]
    urls = _urls_in(page.text)
    assert urls  # the page has links; none of them carries the identifier
    # The search token is random hex, and may hold a run of digits by chance: not an id.
    assert not [u for u in urls
                if wanted in u or re.search(r"\d{10,12}", re.sub(r"s=[0-9a-f]{24}", "", u))]


def test_a_get_with_a_citizen_id_is_not_searched(login, ward_team, duc, mai):
    response = login(ward_team).get(LIST, {"q": duc.citizen_id})
    assert response.status_code == 200
    assert set(response.context["page"].object_list) == {duc, mai}  # the whole ward, unfiltered
    assert 'id="search-lost"' in response.text


def test_the_token_is_worth_nothing_in_another_session(login, ward_team, duc, mai):
    location = login(ward_team).post(LIST, {"q": duc.citizen_id})["Location"]
    other = Client()
    other.force_login(ward_team)
    response = other.get(location)
    assert set(response.context["page"].object_list) == {duc, mai}
    assert 'id="search-lost"' in response.text
    assert f'value="{duc.citizen_id}"' not in response.text


def test_the_same_search_keeps_the_same_token_and_sessions_keep_a_few(login, ward_team, duc):
    client = login(ward_team)
    first = client.post(LIST, {"q": duc.citizen_id})["Location"]
    assert client.post(LIST, {"q": duc.citizen_id})["Location"] == first
    for i in range(25):
        client.post(LIST, {"q": f"ten {i}"})
    assert len(client.session["registry.searches"]) == 20
    assert 'id="search-lost"' in client.get(first).text  # the oldest was dropped


def test_an_empty_search_goes_back_to_the_plain_list(login, ward_team):
    response = login(ward_team).post(LIST, {"q": "  "})
    assert response["Location"] == LIST


def test_the_search_form_posts_with_a_csrf_token(ward_team, duc):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ward_team)
    html = client.get(LIST).text
    form = re.search(r'<form method="(\w+)" action="/beneficiaries/"[^>]*>(.*?)</form>', html,
                     re.S)
    assert form is not None
    assert form[1] == "post"
    assert 'name="csrfmiddlewaretoken"' in form[2]
    assert client.post(LIST, {"q": duc.citizen_id}).status_code == 403


def test_no_form_in_the_templates_sends_its_fields_in_the_url():
    """A form without method="post" is a GET: its fields (a searched ID) land in the URL."""
    templates = sorted((REPO / "src" / "chitra").rglob("templates/**/*.html"))
    assert templates
    get_forms = [f"{t.relative_to(REPO)}: {tag}" for t in templates
                 for tag in re.findall(r"<form\b[^>]*>", t.read_text())
                 if 'method="post"' not in tag]
    assert not get_forms


def _demo_access_log_format() -> str:
    command = (REPO / "scripts" / "run-demo.sh").read_text().replace("\\\n", " ")
    words = shlex.split(next(line for line in command.splitlines()
                             if line.startswith("gunicorn ")))
    assert "--access-logfile" in words
    return words[words.index("--access-logformat") + 1]


def test_the_demo_access_log_keeps_no_query_string_or_referer():
    cfg = GunicornConfig()
    cfg.set("access_log_format", _demo_access_log_format())
    logger = Logger(cfg)
    secret = "012058000123"
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/beneficiaries/",
               "QUERY_STRING": f"q={secret}", "RAW_URI": f"/beneficiaries/?q={secret}",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "198.51.100.9",
               "HTTP_REFERER": f"https://chitra.example/beneficiaries/?q={secret}",
               "HTTP_USER_AGENT": "Mozilla/5.0"}
    request = SimpleNamespace(headers=[], method="GET", path="/beneficiaries/",
                              query=f"q={secret}", uri=f"/beneficiaries/?q={secret}",
                              version=(1, 1))
    response = SimpleNamespace(status="200 OK", response_length=1234, sent=1234, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.05))
    line = logger.cfg.access_log_format % atoms
    assert line.startswith('198.51.100.9 [')
    assert "/beneficiaries/" in line
    assert secret not in line
    assert "198.51.100.9" in line
