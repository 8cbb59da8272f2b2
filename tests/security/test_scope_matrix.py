"""The scope matrix (issue 11): every URL pattern, from the resolver, against every role of
two provinces. For each user, each page and download is requested with its own province's
objects and with the other province's; no response may show the other province's objects,
names, personal IDs or account numbers, and a POST to the other province's objects changes
nothing of it.

A new URL pattern fails :func:`test_every_url_pattern_is_in_the_matrix` until the matrix
knows which object its parameters name.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from chitra.core.models import AuditEntry
from chitra.outreach.models import (
    Campaign,
    Contact,
    ContactOutcome,
    ContactPlace,
    MethodChange,
    PaymentSchedule,
    Referral,
    ReviewState,
    TeamMember,
    WardTarget,
    WorkTeam,
)
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.models import (
    ExceptionKind,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    StatusException,
    StatusFile,
)
from chitra.payments.status import uploads
from chitra.registry.models import (
    Authorization,
    Beneficiary,
    Channel,
    ImportJob,
    ImportStatus,
    PaymentAccount,
    PendingAccountChange,
)
from chitra.reporting.models import Target
from chitra.verification import services as verification
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.models import VerificationResult
from chitra.verification.population import PopulationRecord
from tests import factories as f
from tests.security.conftest import Province

PERIOD = date(2026, 11, 1)
# Names no other test data uses, so finding one in a response means it leaked.
NAMES = {
    f.LAI_CHAU: ["Tẩn Thị Xiêm Lý", "Lò Văn Khum Pắng", "Giàng A Chư Sùng"],
    f.DIEN_BIEN: ["Quàng Thị Noọng Ét", "Lường Văn Khoan Hỏi", "Cà Thị Pánh Ún"],
}


@dataclass
class World:
    """One province's objects: what each URL parameter may name, and what must not leak."""

    province: Province
    objects: dict[str, list[Any]] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)


def _people(p: Province) -> list[Beneficiary]:
    cash, agri, bidv = NAMES[p.code]
    point = f.payment_point(p.ward_code, p.code)
    people = [
        f.beneficiary(cash, ward_code=p.ward_code, province_code=p.code),
        f.beneficiary(agri, ward_code=p.ward_code, province_code=p.code,
                      channel=Channel.BANK_ACCOUNT, provider_name="Agribank"),
        f.beneficiary(bidv, ward_code=p.ward_code, province_code=p.code,
                      channel=Channel.BANK_ACCOUNT, provider_name="BIDV"),
    ]
    people[0].payment_point = point
    people[0].save(update_fields=["payment_point"])
    return people


def _cycle(p: Province) -> PaymentCycle:
    cycle = services.open_cycle(p.code, PERIOD, p.officer.username)
    services.compute_cycle(cycle.pk, p.officer.username)
    services.approve_cycle(cycle.pk, p.approver.username)
    export.export_cycle(cycle.pk, p.officer.username)
    cycle.refresh_from_db()
    return cycle


def _outreach(p: Province, people: list[Beneficiary]) -> dict[str, list[Any]]:
    cash = people[0]
    now = timezone.now()
    contact = Contact.objects.create(
        client_ref=uuid.uuid4(), beneficiary=cash, ward_code=p.ward_code, contacted_at=now,
        place=ContactPlace.HOME, outcome=ContactOutcome.DECEASED,
        notes=f"Gia đình báo {cash.full_name} đã mất", recorded_by=p.ward_team.username,
        review=ReviewState.WAITING)
    referral = Referral.objects.create(
        beneficiary=cash, provider=f.provider("Agribank"), ward_code=p.ward_code,
        deadline=timezone.localdate() + timedelta(days=7), requested_by=p.ward_team.username)
    change = MethodChange.objects.create(
        beneficiary=cash, ward_code=p.ward_code, channel=Channel.BANK_ACCOUNT,
        provider=f.provider("Agribank"), account_number=f"77{p.code}12345678",
        holder_name=cash.full_name, submitted_by=p.ward_team.username)
    campaign = Campaign.objects.create(
        name=f"Chiến dịch {p.code}", province_code=p.code, starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31), created_by=p.officer.username)
    return {"contact": [contact], "referral": [referral], "change": [change],
            "campaign": [campaign]}


def _world(p: Province) -> World:
    people = _people(p)
    cycle = _cycle(p)
    job = ImportJob.objects.create(
        file_name=f"nguoi-huong-{p.code}.csv", stored_path="", status=ImportStatus.FAILED,
        province_code=p.code, created_by=p.officer.username, problems_count=1,
        problems_preview=[{"row": 2, "column": "ho_ten", "value": people[0].full_name,
                           "code": "x", "message": "x"}])
    agri = PaymentAccount.objects.get(beneficiary=people[1], valid_to__isnull=True)
    pending = PendingAccountChange.objects.create(
        beneficiary=people[1], replaces=agri, channel=Channel.BANK_ACCOUNT,
        provider=agri.provider, account_number=f"66{p.code}87654321",
        holder_name=people[1].full_name, import_job=job, made_by=p.officer.username,
        made_at=timezone.now())
    upload = uploads.store(io.BytesIO(b"<a/>"), f"trang-thai-{p.code}.xml", p.bank)
    exception = _exception(p, cycle)
    w = World(p, {
        "account_change": [pending], "status_upload": [upload], "exception": [exception],
        "beneficiary": people, "cycle": [cycle], "file": list(
            PaymentFile.objects.filter(cycle=cycle)), "import": [job],
        "cash_list": [n for n in sorted(
            x.name for x in export.export_dir(cycle).iterdir()) if n.endswith((".xlsx", ".pdf"))],
        **_outreach(p, people)})
    # A proxy letter's record (its file is not needed to be refused to another province).
    w.objects["authorization"] = [Authorization.objects.create(
        beneficiary=people[0], proxy_name=f"Người nhận thay {p.code}",
        proxy_citizen_id=f"0{p.code}190000123", valid_from=PERIOD, valid_to=PERIOD,
        letter_path=f"letters/{int(p.code):032x}.png", created_by=p.ward_team.username)]
    w.secrets.add(f"Người nhận thay {p.code}")
    # The payment-day screen: the cash person's point and day.
    w.objects["payment_point"] = [people[0].payment_point_id]
    w.objects["payment_day"] = [f"{d:%Y-%m-%d}" for d in PaymentItem.objects.filter(
        cycle=cycle, beneficiary=people[0]).values_list("payment_date", flat=True)]
    # The set-up screens (issue 14): the province's ward, a team member, a payment day.
    team = WorkTeam.objects.create(province_code=p.code, ward_code=p.ward_code,
                                   name=f"Tổ công tác {p.ward_code}")
    w.objects["ward"] = [p.ward_code]
    w.objects["province"] = [p.code]
    w.objects["team_member"] = [TeamMember.objects.create(team=team, user=p.police,
                                                          kind="police")]
    w.objects["schedule"] = [PaymentSchedule.objects.create(
        payment_point_id=people[0].payment_point_id, ward_code=p.ward_code,
        day=date(2026, 12, 5), opens_at=time(7), closes_at=time(11),
        created_by=p.officer.username)]
    # A ward target of the province in force: a POST from the other province must not
    # replace it (the fingerprint holds its replaced_at).
    Target.objects.create(year=timezone.localdate().year, province_code=p.code,
                          ward_code=p.ward_code, benefit_group="monthly", people_bp=9100,
                          amount_bp=9100, set_by=p.officer.username, set_at=timezone.now())
    # A verification batch of the province, one person's name differing: a result to review.
    batch = verification.create_batch(p.code, "sim", p.officer)
    verification.run_batch(batch.pk, InMemoryPopulationAdapter({
        b.citizen_id: PopulationRecord(b.citizen_id, "Nguyễn Văn Khác" if i == 0
                                       else b.full_name, b.date_of_birth, b.sex, b.ward_code)
        for i, b in enumerate(people)}))
    w.objects["verification_batch"] = [batch]
    w.objects["verification_result"] = list(VerificationResult.objects.filter(
        batch=batch, review_status="pending"))
    assert len(w.objects["verification_result"]) == 1
    for b in people:
        w.secrets |= {b.full_name, b.citizen_id}
    w.secrets |= set(PaymentAccount.objects.filter(beneficiary__in=people)
                     .exclude(account_number="").values_list("account_number", flat=True))
    w.secrets |= {c.account_number for c in [*w.objects["change"], pending]}
    # Its objects by name too: files, campaigns, imports.
    w.secrets |= {pf.file_name for pf in w.objects["file"]} | {pf.msg_id
                                                               for pf in w.objects["file"]}
    w.secrets |= {c.name for c in w.objects["campaign"]} | {job.file_name}
    w.secrets |= {f"trang-thai-{p.code}.xml", exception.status_file.file_name}
    return w


def _exception(p: Province, cycle: PaymentCycle) -> StatusException:
    """A status line about one of the province's items, held for its BHXH staff."""
    item = PaymentItem.objects.filter(cycle=cycle).exclude(provider=None).order_by("id").first()
    assert item is not None
    sf = StatusFile.objects.create(sha256=f"{int(p.code):064x}", source="pain002",
                                   file_name=f"ngoai-le-{p.code}.xml", received_by=p.bank.username)
    return StatusException.objects.create(status_file=sf, item=item, iso_status="BLCK",
                                          item_status=item.current_status,
                                          kind=ExceptionKind.NEEDS_REVIEW)


# --- which object each URL names -------------------------------------------------------------

# url name → {parameter: kind of object}; a kind is a key of World.objects or a fixed list.
FIXED = {"part": ["summary", "items"], "kind": ["xml", "p7s"], "fmt": ["csv", "xlsx"],
         "province_report": ["province-monthly", "decision-241"], "ward_report": ["ward-monthly"],
         "report_format": ["pdf", "xlsx"]}
PARAMS: dict[str, dict[str, str]] = {
    "beneficiary_detail": {"pk": "beneficiary"},
    "beneficiary_letter": {"pk": "beneficiary", "authorization": "authorization"},
    "import_detail": {"pk": "import"},
    "import_status": {"pk": "import"},
    "import_report": {"pk": "import"},
    "import_template": {"fmt": "fmt"},
    "account_change_decide": {"pk": "account_change"},
    "payment_cycle": {"pk": "cycle"},
    "payment_cycle_status": {"pk": "cycle"},
    "payment_cycle_compute": {"pk": "cycle"},
    "payment_cycle_approve": {"pk": "cycle"},
    "payment_cycle_export": {"pk": "cycle"},
    "payment_cycle_close": {"pk": "cycle"},
    "payment_cycle_release": {"pk": "cycle"},
    "payment_manifest": {"pk": "cycle"},
    "payment_cash_list": {"pk": "cycle", "name": "cash_list"},
    "payment_cash_templates": {"pk": "cycle"},
    "payment_cash_day_zip": {"pk": "cycle", "day": "payment_day"},
    "payment_exclusions_xlsx": {"pk": "cycle"},
    "payment_day_xlsx": {"pk": "cycle", "point": "payment_point", "day": "payment_day"},
    "payment_cash_template": {"pk": "cycle"},
    "payment_reconciliation": {"pk": "cycle"},
    "payment_reconciliation_xlsx": {"pk": "cycle"},
    "payment_reconciliation_csv": {"pk": "cycle", "part": "part"},
    "payment_file": {"pk": "file", "kind": "kind"},
    "payment_status_result": {"token": "status_upload"},
    "outreach_contact": {"beneficiary_id": "beneficiary"},
    "outreach_letter_pdf": {"beneficiary_id": "beneficiary"},
    "outreach_method_change": {"beneficiary_id": "beneficiary"},
    "outreach_method_change_decide": {"pk": "change"},
    "outreach_method_change_letter": {"pk": "change"},
    "outreach_campaign": {"pk": "campaign"},
    "outreach_campaign_report": {"pk": "campaign"},
    "outreach_campaign_report_pdf": {"pk": "campaign"},
    "outreach_report_review": {"pk": "contact"},
    "outreach_referral_step": {"pk": "referral"},
    "outreach_setup_campaign_edit": {"pk": "campaign"},
    "outreach_setup_targets": {"pk": "campaign"},
    "outreach_setup_team": {"ward_code": "ward"},
    "outreach_setup_team_remove": {"pk": "team_member"},
    "outreach_setup_schedule": {"pk": "schedule"},
    "outreach_setup_schedule_remove": {"pk": "schedule"},
    "payment_day_places": {"pk": "cycle"},
    "payment_day": {"pk": "cycle", "point": "payment_point", "day": "payment_day"},
    "payment_day_sync": {"pk": "cycle", "point": "payment_point", "day": "payment_day"},
    "payment_exception": {"pk": "exception"},
    "payment_exception_propose": {"pk": "exception"},
    "payment_exception_approve": {"pk": "exception"},
    "payment_exception_send_back": {"pk": "exception"},
    "verification_batch": {"pk": "verification_batch"},
    "verification_request_file": {"pk": "verification_batch"},
    "verification_answer_file": {"pk": "verification_batch"},
    "verification_propose": {"pk": "verification_result"},
    "verification_decide": {"pk": "verification_result"},
    "reporting_province": {"code": "province"},
    "reporting_targets": {"code": "province"},
    "reporting_ward": {"code": "province", "ward": "ward"},
    "reporting_province_report": {"code": "province", "kind": "province_report",
                                  "fmt": "report_format"},
    "reporting_ward_report": {"code": "province", "ward": "ward", "kind": "ward_report",
                              "fmt": "report_format"},
}


@dataclass(frozen=True)
class Route:
    name: str
    template: str  # e.g. "payments/<pk>/cash/<name>"
    params: tuple[str, ...]


def routes() -> Iterator[Route]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[Route]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield Route(p.name or "", prefix + str(p.pattern),
                            tuple(p.pattern.converters))

    yield from walk(get_resolver().url_patterns, "")


def _names_objects(route: Route) -> bool:
    return any(PARAMS[route.name][p] not in FIXED for p in route.params)


def _url(route: Route, values: dict[str, Any]) -> str:
    path = route.template
    for name in route.params:
        value = values[name]
        path = path.replace(f"<int:{name}>", str(value)).replace(
            f"<str:{name}>", str(value)).replace(f"<{name}>", str(value))
    return "/" + path


def _urls_for(route: Route, w: World) -> list[str]:
    """The route filled with ``w``'s objects (each parameter from its own list, the first
    of the others where it takes several: a cycle's cash lists come with that cycle)."""
    if not route.params:
        return ["/" + route.template]
    kinds = PARAMS[route.name]
    combos: list[dict[str, Any]] = [{}]
    for name in route.params:
        kind = kinds[name]
        choices = FIXED.get(kind) or [getattr(o, "pk", o) for o in w.objects.get(kind, [])]
        combos = [{**c, name: v} for c in combos for v in choices]
    return [_url(route, c) for c in combos]


# --- reading a response ------------------------------------------------------------------------

def _body(response: Any) -> str:
    raw = (b"".join(response.streaming_content) if response.streaming
           else response.content)
    ctype = response.get("Content-Type", "")
    if raw[:2] == b"PK":  # xlsx: the text is in the zipped XML
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if raw[:4] == b"%PDF":
        return subprocess.run(["pdftotext", "-", "-"], input=raw, capture_output=True,
                              check=True).stdout.decode("utf-8", "replace")
    text = raw.decode("utf-8", "replace")
    if "json" in ctype:
        text += "\n" + json.dumps(json.loads(raw or b"null"), ensure_ascii=False)
    return text


def _leaks(body: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s in body)


def _fingerprint(w: World) -> list[Any]:
    """What a write could change of a province: statuses and accounts."""
    code = w.province.code
    return [
        sorted(PaymentCycle.objects.filter(province_code=code).values_list("id", "status")),
        sorted(PaymentItem.objects.filter(cycle__province_code=code)
               .values_list("id", "status")),
        sorted(PaymentAccount.objects.filter(beneficiary__province_code=code)
               .values_list("id", "account_number", "valid_to")),
        sorted(Beneficiary.objects.filter(province_code=code).values_list("id", "status")),
        sorted(Referral.objects.filter(beneficiary__province_code=code)
               .values_list("id", "status", "account_number")),
        sorted(MethodChange.objects.filter(beneficiary__province_code=code)
               .values_list("id", "status")),
        sorted(Contact.objects.filter(beneficiary__province_code=code)
               .values_list("id", "review")),
        sorted(PendingAccountChange.objects.filter(beneficiary__province_code=code)
               .values_list("id", "status")),
        sorted(StatusException.objects.filter(item__cycle__province_code=code)
               .values_list("id", "state")),
        sorted(Campaign.objects.filter(province_code=code).values_list(
            "id", "name", "starts_on", "ends_on", "target_monthly_pct", "target_one_time_pct")),
        sorted(WardTarget.objects.filter(campaign__province_code=code)
               .values_list("id", "ward_code", "target_monthly_pct")),
        sorted(TeamMember.objects.filter(team__province_code=code)
               .values_list("id", "user_id", "kind", "is_leader")),
        sorted(PaymentSchedule.objects.filter(payment_point__province_code=code)
               .values_list("id", "day", "opens_at", "closes_at")),
        sorted(Target.objects.filter(province_code=code).values_list(
            "id", "ward_code", "benefit_group", "people_bp", "amount_bp", "replaced_at")),
        sorted(VerificationResult.objects.filter(batch__province_code=code)
               .values_list("id", "review_status", "proposed_by", "decided_by")),
    ]


# --- the tests ----------------------------------------------------------------------------------

@pytest.fixture
def worlds(settings, tmp_path, paying_offices, lai_chau: Province,
           dien_bien: Province) -> tuple[World, World]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CHITRA_POPULATION_SIMULATOR = True  # the worlds hold a simulated batch each
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return _world(lai_chau), _world(dien_bien)


def test_every_url_pattern_is_in_the_matrix() -> None:
    missing = [r.template for r in routes() if r.params and r.name not in PARAMS]
    assert not missing, f"add these URL patterns to the scope matrix: {missing}"
    wrong = [r.template for r in routes() if r.params
             and set(r.params) != set(PARAMS.get(r.name, r.params))]
    assert not wrong, f"their parameters changed: {wrong}"


def test_no_response_shows_another_provinces_people(worlds: tuple[World, World]) -> None:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed to read PDFs"
    found: list[str] = []
    requests = 0
    for mine, theirs in (worlds, worlds[::-1]):
        for user in mine.province.users():
            client = Client()
            client.force_login(user)
            for route in routes():
                if route.name in ("login", "logout", "set_language"):
                    continue
                for world in (mine, theirs):
                    for url in _urls_for(route, world):
                        response = client.get(url)
                        requests += 1
                        status = response.status_code
                        if world is theirs and _names_objects(route) and status == 200:
                            found.append(f"{user.username} GET {url}: 200 for the other "
                                         "province's object")
                        if status >= 500:
                            found.append(f"{user.username} GET {url}: {status}")
                        leaked = _leaks(_body(response), theirs.secrets)
                        if leaked:
                            found.append(f"{user.username} GET {url} shows {leaked}")
    assert requests > 500
    assert not found, "\n".join(found)


def test_no_post_changes_another_provinces_objects(worlds: tuple[World, World]) -> None:
    found: list[str] = []
    for mine, theirs in (worlds, worlds[::-1]):
        before = _fingerprint(theirs)
        last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
        for user in mine.province.users():
            client = Client()
            client.force_login(user)
            for route in routes():
                if not route.params or not _names_objects(route):
                    continue
                for url in _urls_for(route, theirs):
                    for data in ({}, {"decision": "approve", "step": "opened",
                                      "account_number": "8800205123456", "review": "confirm",
                                      "reason": "x"}):
                        response = client.post(url, data)
                        if response.status_code not in (403, 404, 405):
                            found.append(f"{user.username} POST {url}: "
                                         f"{response.status_code}")
                        leaked = _leaks(_body(response), theirs.secrets)
                        if leaked:
                            found.append(f"{user.username} POST {url} shows {leaked}")
        assert _fingerprint(theirs) == before, f"{mine.province.code} changed the other"
        # Refusals may be recorded (downloads, login), but no change to the other province.
        assert not AuditEntry.objects.filter(
            id__gt=last_audit or 0, object_type__in=[
                "payment_cycle", "beneficiary", "referral", "method_change", "contact",
                "status_exception", "target", "verification_result",
                "verification_batch"]
        ).exists()
    assert not found, "\n".join(found)
