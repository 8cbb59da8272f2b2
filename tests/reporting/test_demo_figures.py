"""The acceptance of issue 15 on the demo: after two paid and closed months, the dashboard
and every report show the figures that counting the raw items here gives."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from chitra.access.models import Role, User
from chitra.core.money import format_vnd
from chitra.payments.models import CycleStatus, ItemStatus, PaymentCycle, PaymentItem
from chitra.registry.models import Channel
from chitra.reporting import reports, shares
from chitra.reporting.models import FigureRefresh
from chitra.reporting.queries import Area, month_kpi
from chitra.web.demo_payments import months_before, seed_paid_months
from tests import factories as f

TODAY = timezone.localdate()
OCT, NOV = months_before(TODAY, 2)  # the demo's two months (October and November today)


@pytest.fixture
def demo(paying_office, settings, tmp_path):
    """The README's demo set-up: seed_demo, then seed_demo_payments (the two months before
    this one: the signing certificate is made today, so the clock is not moved)."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("seed_demo", "--beneficiaries", "120", "--seed", "1", stdout=out)
    call_command("seed_demo_payments", "--province", "12", "--months", "2", stdout=out)
    assert out.getvalue().count("paid and closed") == 2
    return list(PaymentCycle.objects.order_by("period"))


def _raw(period: date, ward: str | None = None, *, everyone: bool = False
         ) -> dict[str, tuple[int, int, int, int]]:
    """Per group, counted item by item: (people paid, of them cashless, đồng, of it
    cashless); with ``everyone``, also "all": each person once across the groups, cashless
    if paid cashless at least once."""
    people: dict = defaultdict(set)
    cashless: dict = defaultdict(set)
    amount: dict = defaultdict(int)
    cashless_amount: dict = defaultdict(int)
    items = PaymentItem.objects.filter(cycle__period=period, cycle__province_code="12")
    for item in items.select_related("obligation__benefit"):
        if item.current_status != ItemStatus.PAID or (ward and item.ward_code != ward):
            continue
        for group in (item.obligation.benefit.group, "all"):
            people[group].add(item.beneficiary_id)
            amount[group] += item.amount
            if item.channel != Channel.CASH:
                cashless[group].add(item.beneficiary_id)
                cashless_amount[group] += item.amount
    return {g: (len(people[g]), len(cashless[g]), amount[g], cashless_amount[g])
            for g in ("monthly", "one_time", *(["all"] if everyone else []))}


def _kpi(period: date, ward: str | None = None) -> dict[str, tuple[int, int, int, int]]:
    groups = month_kpi(Area("12", ward), period).groups
    return {g: (k.people, k.cashless_people, k.amount, k.cashless_amount)
            for g, k in groups.items()}


def test_two_paid_months_are_closed_and_counted(demo):
    assert months_before(date(2026, 12, 3), 2) == [date(2026, 10, 1), date(2026, 11, 1)]
    assert months_before(date(2027, 1, 31), 2) == [date(2026, 11, 1), date(2026, 12, 1)]
    assert [c.period for c in demo] == [OCT, NOV]
    assert {c.status for c in PaymentCycle.objects.all()} == {CycleStatus.CLOSED}
    assert sorted(FigureRefresh.objects.values_list("period", flat=True)) == [OCT, NOV]
    raw = _raw(NOV)
    assert raw["monthly"][0] > 50  # most of the demo's people were paid…
    assert 0 < raw["monthly"][1] < raw["monthly"][0]  # …some in cash, some not
    out = io.StringIO()
    call_command("seed_demo_payments", "--province", "12", "--months", "2", stdout=out)
    assert "already present" in out.getvalue()  # once
    assert seed_paid_months("12", TODAY, 2) == []


def test_the_dashboard_and_every_report_show_the_raw_figures(demo, login, tmp_path):
    officer = User.objects.get(username="officer")
    client = login(officer)
    for period in (OCT, NOV):
        raw = _raw(period)
        assert _kpi(period) == raw
        page = client.get(f"/reporting/p/12/?period={period:%Y-%m}").context["page"]
        assert {g: (k.people, k.cashless_people, k.amount, k.cashless_amount)
                for g, k in page.kpi.groups.items()} == raw
        word = docx.Document(io.BytesIO(client.get(
            f"/reporting/p/12/report/province-monthly.docx?period={period:%Y-%m}").content))
        cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
        for people, cashless, amount, cashless_amount in raw.values():
            if people:
                assert {format_vnd(amount).removesuffix(" ₫"),
                        format_vnd(cashless_amount).removesuffix(" ₫"),
                        shares.percent_text(shares.share_bp(cashless, people))} <= cells
    # The annual report lists each month as the raw items add it up, a person paid in both
    # groups once.
    for period in (OCT, NOV):
        out = tmp_path / f"nam-{period:%Y-%m}.xlsx"
        call_command("report", "annual-sbv", "--area", "12", "--period", f"{period:%Y}",
                     "--format", "xlsx", "--out", str(out), "--as", "officer")
        ws = openpyxl.load_workbook(out).active
        row = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == f"{period:%m/%Y}")
        people, cashless, amount, cashless_amount = _raw(period, everyone=True)["all"]
        assert row[1:3] == (people, cashless)
        assert row[4:6] == (amount, cashless_amount)


def test_a_wards_page_and_report_agree_with_its_items(demo, login):
    ward = PaymentItem.objects.filter(cycle__period=NOV).values_list(
        "ward_code", flat=True).first()
    team = User.objects.filter(role=Role.WARD_TEAM, organization__ward_code=ward).first()
    client = login(team or f.user(Role.BHXH_OFFICER))
    raw = _raw(NOV, ward)
    assert _kpi(NOV, ward) == raw
    page = client.get(f"/reporting/p/12/w/{ward}/?period={NOV:%Y-%m}").context["page"]
    assert page.kpi.groups["monthly"].people == raw["monthly"][0]
    doc = reports.build(reports.ReportKind.WARD_MONTHLY, Area("12", ward),
                        reports.parse_period(f"{NOV:%Y-%m}"), TODAY)
    table = doc.sections[0].table
    assert table is not None
    assert [(r[1], r[2], r[4], r[5]) for r in table.rows] == [raw["monthly"], raw["one_time"]]
