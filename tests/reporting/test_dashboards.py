"""Dashboards of the nation, a province and a ward: the figures counted from real status
files, the same as counting the raw items; charts as accessible SVG; each user sees only
their own area (another answers 404)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from lxml import etree

from chitra.access.models import OrganizationKind, Role
from chitra.core.admin_units import current_wards
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import Channel
from chitra.reporting import kpi, targets
from chitra.reporting.models import PaidPeople
from tests import factories as f

PROVINCE = "/reporting/p/12/"
WARD = f"/reporting/p/12/w/{f.DOAN_KET}/"
ICT = timezone(timedelta(hours=7))


@pytest.fixture
def counted(reconciled):
    kpi.refresh_cycle(reconciled.pk, "officer")
    return reconciled


def _raw_monthly_share(cycle) -> tuple[int, int]:
    paid = [i for i in PaymentItem.objects.filter(cycle=cycle)
            if i.current_status == ItemStatus.PAID and i.obligation.benefit.group == "monthly"]
    return (len({i.beneficiary_id for i in paid if i.channel != Channel.CASH}),
            len({i.beneficiary_id for i in paid}))


def test_the_province_page_shows_the_counted_month_with_charts(login, counted):
    client = login(f.user(Role.BHXH_OFFICER))
    assert client.get("/reporting/").url == PROVINCE
    response = client.get(PROVINCE)
    assert response.status_code == 200
    page = response.context["page"]
    monthly = page.kpi.groups["monthly"]
    assert (monthly.cashless_people, monthly.people) == _raw_monthly_share(counted) == (1, 2)
    text = response.text
    assert "50,0 %" in text
    assert "&gt; 90,0 %" in text  # the plan's target, escaped
    assert [r.code for r in page.rows] == [f.DOAN_KET]
    assert page.rows[0].rag == "red"
    for chart in ("chart-bars", "chart-trend"):
        svg = text.split(f'id="{chart}">')[1].split("</figure>")[0]
        both = etree.fromstring(f"<figure>{svg}</figure>".encode())
        # the desk's layout and the phone's, the page's stylesheet shows one
        assert [root.get("class") for root in both] == ["chitra-chart chart-wide",
                                                        "chitra-chart chart-narrow"]
        assert {root.get("role") for root in both} == {"img"}
        assert "style" not in svg
    assert 'id="nav-figures"' in text


def test_the_ward_page_lists_who_is_still_on_cash(login, counted):
    response = login(f.user(Role.BHXH_OFFICER)).get(WARD)
    names = [b.full_name for b in response.context["page"].still_on_cash]
    assert names == ["Nguyễn Văn Đức", "Vàng A Sử"]  # Sử's closed account: cash now
    assert "Lò Thị Mai" not in response.text.split('id="still-on-cash"')[1]


def test_a_ward_team_sees_its_ward_only(login, counted):
    team = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET))
    client = login(team)
    assert client.get("/reporting/").url == WARD
    assert client.get(WARD).status_code == 200
    assert client.get(PROVINCE).status_code == 404
    assert client.get(f"/reporting/p/12/w/{f.TAN_PHONG}/").status_code == 404
    assert client.get("/reporting/nation/").status_code == 404


@pytest.mark.parametrize("who", ["bank", "other_province"])
def test_others_get_nothing(login, counted, who):
    user = (f.user(Role.BANK_OPERATOR) if who == "bank"
            else f.user(Role.BHXH_OFFICER, f.organization(province_code="01")))
    client = login(user)
    assert client.get(PROVINCE).status_code == 404
    assert client.get(WARD).status_code == 404
    if who == "bank":
        assert client.get("/reporting/").status_code == 404
        assert 'id="nav-figures"' not in client.get("/").text


def test_leadership_sees_figures_but_no_names(login, counted):
    response = login(f.user(Role.VIEWER)).get(WARD)
    assert response.status_code == 200
    assert response.context["page"].still_on_cash_total == 0
    assert "Nguyễn Văn Đức" not in response.text


def test_bhxh_vietnam_sees_the_nation_and_drills_down(login, counted):
    org = f.organization(OrganizationKind.BHXH_NATIONAL, province_code="00")
    client = login(f.user(Role.BHXH_NATIONAL, org))
    assert client.get("/reporting/").url == "/reporting/nation/"
    response = client.get("/reporting/nation/")
    assert [r.code for r in response.context["page"].rows] == ["12"]
    assert "Lai Châu" in response.text
    assert client.get(PROVINCE).status_code == 200
    ward = client.get(WARD)
    assert ward.status_code == 200
    assert ward.context["page"].still_on_cash_total == 0  # no names


def test_bad_query_values_fall_back_and_unknown_areas_are_404(login, counted):
    client = login(f.user(Role.BHXH_OFFICER))
    for query in ("?period=2026-13", "?period=<script>", "?group=everything",
                  "?period=1999-01"):
        response = client.get(PROVINCE + query)
        assert response.status_code == 200
        assert response.context["page"].period == counted.period
        assert response.context["page"].group == "monthly"
    assert client.get("/reporting/p/99/").status_code == 404
    assert client.get("/reporting/p/12/w/99999/").status_code == 404
    assert client.get("/reporting/p/12/w/00004/").status_code == 404  # a ward of Hà Nội


def test_before_any_month_is_counted_the_page_says_so(login):
    response = login(f.user(Role.BHXH_OFFICER)).get(PROVINCE)
    assert response.status_code == 200
    assert 'id="no-figures"' in response.text


# --- targets on the dashboard: the month's, asked once; titles in the page's language ----------

def _national():
    return f.user(Role.BHXH_NATIONAL, f.organization(OrganizationKind.BHXH_NATIONAL,
                                                     province_code="00"))


def test_a_ward_is_ranked_against_the_target_in_force_when_its_month_ended(
        login, counted, time_machine):
    officer = f.user(Role.BHXH_OFFICER)
    time_machine.move_to(datetime(2026, 11, 15, 9, 0, tzinfo=ICT), tick=False)
    targets.set_target(officer, targets.TargetChange(2026, "12", f.DOAN_KET, "monthly",
                                                     4000, 4000))
    time_machine.move_to(datetime(2026, 12, 2, 9, 0, tzinfo=ICT), tick=False)
    targets.set_target(officer, targets.TargetChange(2026, "12", f.DOAN_KET, "monthly",
                                                     9900, 9900))  # after November ended
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=ICT), tick=False)
    row = login(officer).get(PROVINCE).context["page"].rows[0]
    assert (row.code, row.share_bp, row.target_bp, row.rag) == (f.DOAN_KET, 5000, 4000,
                                                               "green")


def test_the_nation_ranks_each_province_against_its_own_target(login, counted, time_machine):
    national = _national()
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=ICT), tick=False)
    targets.set_target(national, targets.TargetChange(2026, "12", "", "monthly", 4500, 4500))
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=ICT), tick=False)
    row = login(national).get("/reporting/nation/").context["page"].rows[0]
    assert (row.code, row.target_bp, row.rag) == ("12", 4500, "green")


def test_the_ranking_asks_the_targets_once_whatever_the_number_of_wards(login, counted):
    client = login(f.user(Role.BHXH_OFFICER))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PROVINCE).status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    wards = [c for c, w in current_wards().items() if w.province_code == "12"
             and c not in (f.DOAN_KET, f.TAN_PHONG)][:5]
    PaidPeople.objects.bulk_create(
        PaidPeople(period=counted.period, province_code="12", ward_code=w,
                   benefit_group="monthly", people=10, cashless=n) for n, w in enumerate(wards))
    assert len(client.get(PROVINCE).context["page"].rows) == 1 + len(wards)
    assert queries() == before


_TREND_VI = "Tỷ lệ nhận không dùng tiền mặt theo tháng"


@pytest.mark.skipif(translation.override("en")(gettext)(_TREND_VI) == _TREND_VI,
                    reason="the English catalogue has no entry for the chart titles yet")
def test_an_english_page_has_english_chart_titles(login, counted):
    client = login(f.user(Role.BHXH_OFFICER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(PROVINCE).context["page"]
    with translation.override("en"):
        english = gettext(_TREND_VI)
    assert f'<title id="trend-title">{english}</title>' in page.trend_svg
    assert "Tỷ lệ" not in page.trend_svg.split("</title>")[0]
    assert "Tỷ lệ" not in page.bars_svg.split("</title>")[0]


def test_the_ward_funnel_names_its_steps_in_the_readers_language(login, counted):
    from chitra.outreach.models import Campaign

    Campaign.objects.create(name="Chiến dịch", province_code="12",
                            starts_on=counted.period.replace(day=1),
                            ends_on=counted.period.replace(month=12, day=31),
                            created_by="officer")
    client = login(f.user(Role.BHXH_OFFICER))
    svg = client.get(WARD).text.split('id="chart-funnel"')[1].split("</figure>")[0]
    assert "Đã mở tài khoản" in svg
    assert "account_opened" not in svg
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    svg = client.get(WARD).text.split('id="chart-funnel"')[1].split("</figure>")[0]
    with translation.override("en"):
        english = gettext("Đã mở tài khoản")
    assert english != "Đã mở tài khoản"
    assert english in svg
