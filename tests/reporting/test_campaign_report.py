"""The province's campaign-end summary (issue 15 item 4) and people counted once across the
benefit groups: two months paid through real status files (October before the campaign,
November its month), a pensioner also paid a sickness benefit in October, a cash recipient
who opened an account during the campaign. Every figure of the documents is checked against
the raw payment items counted here."""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.access.models import Role
from chitra.core.errors import DomainError
from chitra.core.money import format_vnd
from chitra.outreach.models import Campaign, Contact, WardTarget, WorkTeam
from chitra.payments import cashform, services
from chitra.payments.export import run as export
from chitra.payments.models import ItemStatus, PaymentFile, PaymentItem
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import Benefit, BenefitType, Channel, group_of
from chitra.registry.services import record_payment_account
from chitra.reporting import campaign_report, report_parts, reports, shares
from chitra.reporting.models import PaidPeople, PaidPeopleAll
from chitra.reporting.queries import Area
from tests import factories as f
from tests.payments.factories import approved_cycle
from tests.payments.status_files import pain002

OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
LAI_CHAU = Area("12")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _pay(period: date, folder: Path) -> None:
    """The month computed, approved, exported, every transfer credited (pain.002 ACSC) and
    every cash payment handed over (the post office's results), then closed (which counts
    it)."""
    cycle = approved_cycle(period)
    export.export_cycle(cycle.pk, "officer", folder / f"out-{period:%Y-%m}", cash_lists=False)
    officer = f.user(Role.BHXH_OFFICER)
    for pf in PaymentFile.objects.filter(cycle=cycle):
        path = folder / f"sts-{pf.msg_id}.xml"
        path.write_bytes(pain002(pf.msg_id, [
            (i.end_to_end_id, "ACSC", None, None)
            for i in PaymentItem.objects.filter(cycle=cycle, provider=pf.provider)]))
        assert not ingest_status_file(path, officer).problems
    results = folder / f"tien-mat-{period:%Y-%m}.csv"
    with results.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([cashform.CODE, cashform.RESULT, cashform.REASON, cashform.PAID_ON])
        for item in PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH):
            w.writerow([item.end_to_end_id, cashform.PAID, "", f"12/{period:%m/%Y}"])
    assert not ingest_status_file(results, f.user(Role.POST_OFFICE_OPERATOR)).problems
    services.close_cycle(cycle.pk, "officer")


@pytest.fixture
def campaign(tmp_path, paying_office) -> Campaign:
    """Đoàn Kết: Mai (bank; pension, and a sickness benefit in October) and Đức (cash, then
    a bank account from 05/11 after a visit); Tân Phong: Hùng and Lan, cash throughout.
    The campaign runs through November, Đoàn Kết with its own target of 95 %."""
    mai = f.beneficiary("Lò Thị Mai", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                        account_number="123456789012", amount=4_200_000)
    Benefit.objects.create(beneficiary=mai, benefit_type=BenefitType.SICKNESS,
                           group=group_of(BenefitType.SICKNESS), amount=1_500_000,
                           start_date=date(2026, 10, 1))
    duc = f.beneficiary("Nguyễn Văn Đức", amount=2_500_000)
    f.beneficiary("Vàng A Hùng", ward_code=f.TAN_PHONG, amount=3_000_000)
    f.beneficiary("Lò Thị Lan", ward_code=f.TAN_PHONG, amount=2_000_000)
    _pay(OCT, tmp_path)
    c = Campaign.objects.create(name="Chiến dịch tháng 11/2026", province_code="12",
                                starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30),
                                created_by="test")
    WardTarget.objects.create(campaign=c, ward_code=f.DOAN_KET, target_monthly_pct=95,
                              target_one_time_pct=100)
    WorkTeam.objects.create(province_code="12", ward_code=f.DOAN_KET,
                            name="Tổ công tác phường Đoàn Kết")
    Contact.objects.create(client_ref=uuid.uuid4(), beneficiary=duc, ward_code=f.DOAN_KET,
                           contacted_at=datetime(2026, 11, 3, 9, 0, tzinfo=HCM),
                           place="home", outcome="agreed", recorded_by="team")
    record_payment_account(duc, channel=Channel.BANK_ACCOUNT, provider=f.provider("BIDV"),
                           account_number="123456789077", holder_name="Nguyễn Văn Đức",
                           valid_from=date(2026, 11, 5), actor="officer")
    _pay(NOV, tmp_path)
    return c


def _raw(period: date) -> dict[str, tuple[int, int, int, int]]:
    """Per group and for everyone (key "all"), counted item by item: (people paid, of them
    paid cashless at least once, đồng, of it cashless)."""
    people: dict = defaultdict(set)
    cashless: dict = defaultdict(set)
    amount: dict = defaultdict(int)
    cashless_amount: dict = defaultdict(int)
    for item in PaymentItem.objects.filter(cycle__period=period).select_related(
            "obligation__benefit"):
        if item.current_status != ItemStatus.PAID:
            continue
        for key in (item.obligation.benefit.group, "all"):
            people[key].add(item.beneficiary_id)
            amount[key] += item.amount
            if item.channel != Channel.CASH:
                cashless[key].add(item.beneficiary_id)
                cashless_amount[key] += item.amount
    return {k: (len(people[k]), len(cashless[k]), amount[k], cashless_amount[k])
            for k in ("monthly", "one_time", "all")}


def _report(tmp_path: Path, kind: str, period: str, fmt: str, area: str = "12") -> Path:
    folder = tmp_path / "reports"
    folder.mkdir(exist_ok=True)
    out = folder / f"r.{fmt}"
    call_command("report", kind, "--area", area, "--period", period, "--format", fmt,
                 "--out", str(out), "--as", f.user(Role.BHXH_OFFICER).username)
    return out


def _docx_cells(path: Path) -> tuple[str, list[list[str]]]:
    word = docx.Document(str(path))
    rows = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    return "\n".join(p.text for p in word.paragraphs), rows


def _n(value: int) -> str:
    return format_vnd(value).removesuffix(" ₫")


def _pct(part: int, whole: int) -> str:
    return shares.percent_text(shares.share_bp(part, whole))


def test_a_person_paid_in_both_groups_is_one_person_of_the_month(campaign):
    raw = _raw(OCT)
    assert raw["monthly"][0] + raw["one_time"][0] == 5  # Mai in both groups…
    assert raw["all"][:2] == (4, 1)  # …is one person of October
    stored = PaidPeopleAll.objects.filter(period=OCT)
    assert sum(r.people for r in stored) == raw["all"][0]
    assert sum(r.cashless for r in stored) == raw["all"][1]
    assert sum(r.people for r in PaidPeople.objects.filter(period=OCT)) == 5
    for period in (OCT, NOV):
        assert {(r.ward_code, r.people, r.cashless)
                for r in PaidPeopleAll.objects.filter(period=period)} == {
            (w, *_raw_ward(period, w)) for w in (f.DOAN_KET, f.TAN_PHONG)}


def _raw_ward(period: date, ward: str) -> tuple[int, int]:
    paid = [i for i in PaymentItem.objects.filter(cycle__period=period, ward_code=ward)
            if i.current_status == ItemStatus.PAID]
    return (len({i.beneficiary_id for i in paid}),
            len({i.beneficiary_id for i in paid if i.channel != Channel.CASH}))


def test_the_annual_report_counts_each_person_once_a_month(campaign, tmp_path):
    ws = openpyxl.load_workbook(_report(tmp_path, "annual-sbv", "2026", "xlsx")).active
    for period in (OCT, NOV):
        row = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == f"{period:%m/%Y}")
        people, cashless, amount, cashless_amount = _raw(period)["all"]
        assert row[1:7] == (people, cashless, _pct(cashless, people), amount, cashless_amount,
                            _pct(cashless_amount, amount))
    october = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == "10/2026")
    assert october[1:3] == (4, 1)  # not 5 and 2: Mai once


def test_decision_241_counts_each_person_once_too(campaign, tmp_path):
    people, cashless, amount, _c = _raw(OCT)["all"]
    _text, rows = _docx_cells(_report(tmp_path, "decision-241", "2026-10", "docx"))
    assert next(r for r in rows if r[0] == "Khu vực")[1] == "Số người đã nhận"
    urban = next(r for r in rows if r[0] == "Thành thị (phường)")  # both wards are phường
    assert urban[1:4] == [_n(people), _n(cashless), _pct(cashless, people)]
    assert urban[4] == _n(amount)
    _text, rows = _docx_cells(_report(tmp_path, "decision-241", "2026", "docx"))
    assert next(r for r in rows if r[0] == "Khu vực")[1] == (
        "Lượt người đã nhận (cộng các tháng)")
    total = next(r for r in rows if r[0] == "Tổng cộng")
    assert total[1] == _n(_raw(OCT)["all"][0] + _raw(NOV)["all"][0])  # 4 + 4 person-months


def test_the_summary_holds_the_start_and_end_figures_of_the_raw_items(campaign, tmp_path):
    doc = reports.build(reports.ReportKind.CAMPAIGN_SUMMARY, LAI_CHAU,
                        reports.parse_period("2026-11"), date(2026, 12, 3))
    assert "01/11/2026" in doc.title
    assert "30/11/2026" in doc.title
    table = doc.sections[0].table
    assert table is not None
    got = {(r[0], str(r[1]).split()[0]): r[2:] for r in table.rows}
    for group, label in report_parts.GROUP_LABELS.items():
        for when, period in (("Đầu", OCT), ("Cuối", NOV)):
            p, c, a, ca = _raw(period)[group]
            assert got[(label, when)] == (p, c, _pct(c, p), a, ca, _pct(ca, a)), (group, when)
        before, after = _raw(OCT)[group], _raw(NOV)[group]
        change = got[(label, "Thay")]
        assert change[0:2] == (after[0] - before[0], after[1] - before[1])
        assert change[3:5] == (after[2] - before[2], after[3] - before[3])
    assert got[(report_parts.GROUP_LABELS["monthly"], "Thay")][2] == "+25,0 điểm %"  # 25 % → 50 %
    conversion = doc.sections[1]
    assert conversion.table is not None
    monthly = conversion.table.rows[0]
    assert monthly[1:4] == (_raw(OCT)["monthly"][1], _raw(NOV)["monthly"][1], 1)
    assert monthly[4:7] == (1, 2, 1)  # a bank account on file: Mai, then Mai and Đức
    said = conversion.paragraphs[0]
    assert f"từ {_raw(OCT)['all'][1]} trong số {_raw(OCT)['all'][0]} người" in said
    assert f"lên {_raw(NOV)['all'][1]} trong số {_raw(NOV)['all'][0]} người" in said
    funnel = doc.sections[2].table
    assert funnel is not None
    assert [r[1] for r in funnel.rows] == [3, 1, 1, 0, 0, 1, 1]  # Đức; Hùng and Lan not met


def test_the_wards_against_their_targets_and_the_proposals(campaign, tmp_path):
    doc = reports.build(reports.ReportKind.CAMPAIGN_SUMMARY, LAI_CHAU,
                        reports.parse_period("2026-11"), date(2026, 12, 3))
    wards = doc.sections[3].table
    assert wards is not None
    assert [(r[1], r[2], r[3], r[4], r[6], r[7], r[8]) for r in wards.rows] == [
        ("Phường Đoàn Kết", 2, 2, "100,0 %", "> 95,0 %; 100 %", 1, "Đạt"),
        ("Phường Tân Phong", 2, 0, "0,0 %", "> 90,0 %; 100 %", 0, "Chưa đạt, thiếu 2 người")]
    commendation = " ".join(doc.sections[5].paragraphs)
    assert doc.sections[5].heading == "III. Đề xuất khen thưởng"
    assert "Phường Đoàn Kết (hàng tháng 100,0 %)" in commendation
    assert "Tổ công tác phường Đoàn Kết" in commendation
    assert "Tân Phong" not in commendation
    problems = " ".join(doc.sections[6].paragraphs)
    assert "Phường Tân Phong (hàng tháng 0,0 %, còn 2 người cần chuyển đổi)" in problems
    assert "Còn 2 người nhận tiền mặt" in problems  # Hùng and Lan were never met


def test_the_summary_as_word_pdf_and_excel(campaign, tmp_path):
    text, rows = _docx_cells(_report(tmp_path, "campaign-summary", "2026-11", "docx"))
    cells = {c for r in rows for c in r}
    for group in ("monthly", "one_time"):
        for period in (OCT, NOV):
            p, c, a, ca = _raw(period)[group]
            if p:
                assert {_n(a), _n(ca), _pct(c, p)} <= cells, (group, period)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU",
                     "III. Đề xuất khen thưởng", "Tổ công tác phường Đoàn Kết", "Nơi nhận"):
        assert expected in text + "\n".join(cells), expected
    assert _report(tmp_path, "campaign-summary", "2026-11", "pdf").read_bytes()[:5] == b"%PDF-"
    wb = openpyxl.load_workbook(_report(tmp_path, "campaign-summary", "2026-11", "xlsx"))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert _raw(NOV)["monthly"][2] in values


def test_a_later_month_reports_the_latest_campaign_ended_by_then(campaign):
    doc = reports.build(reports.ReportKind.CAMPAIGN_SUMMARY, LAI_CHAU,
                        reports.parse_period("2027-02"), date(2027, 3, 1))
    assert "“Chiến dịch tháng 11/2026”" in doc.title
    assert campaign_report.latest_campaign_month(LAI_CHAU, date(2026, 12, 3)) == "2026-11"
    assert campaign_report.latest_campaign_month(LAI_CHAU, date(2026, 11, 29)) is None


@pytest.mark.parametrize(("area", "period", "code"), [
    ("12", "2026", "bad_period"),  # a month is needed
    ("12", "2026-13", "bad_period"),
    (f.DOAN_KET, "2026-11", "bad_area"),  # made for a province
    ("12", "2026-10", "no_campaign"),  # none had ended by October
    ("01", "2026-11", "not_in_scope"),  # Hà Nội: not the officer's
])
def test_bad_requests_write_nothing(campaign, tmp_path, area, period, code):
    with pytest.raises(CommandError, match=code):
        _report(tmp_path, "campaign-summary", period, "docx", area=area)
    assert list((tmp_path / "reports").iterdir()) == []


def test_a_campaign_with_no_counted_month_is_refused(campaign, tmp_path):
    Campaign.objects.create(name="Chiến dịch mùa xuân", province_code="12",
                            starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31),
                            created_by="test")
    with pytest.raises(DomainError, match="no_figures"):
        reports.build(reports.ReportKind.CAMPAIGN_SUMMARY, LAI_CHAU,
                      reports.parse_period("2027-03"))
    with pytest.raises(CommandError, match="no_figures"):
        _report(tmp_path, "campaign-summary", "2027-03", "pdf")
    assert list((tmp_path / "reports").iterdir()) == []


def test_the_province_dashboard_offers_the_summary_of_the_latest_ended_campaign(
        campaign, login, time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 9, 0, tzinfo=HCM))
    client = login(f.user(Role.BHXH_OFFICER))
    page = client.get("/reporting/p/12/").text
    link = "/reporting/p/12/report/campaign-summary.docx"
    assert link in page
    response = client.get(link)  # no period: the campaign that ended in November
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "11/2026" in text
    assert campaign.name in text


def test_the_upgrade_counts_the_months_counted_before_people_were_counted_once(campaign):
    """Migration 0002 fills PaidPeopleAll for the months already counted, as a refresh
    does (Mai, paid in both groups in October, once)."""
    import importlib

    from django.db import connection

    backfill = importlib.import_module(
        "chitra.reporting.migrations.0002_paid_people_all").BACKFILL
    fields = ("period", "province_code", "ward_code", "people", "cashless")
    counted = sorted(PaidPeopleAll.objects.values_list(*fields))
    assert counted
    PaidPeopleAll.objects.all().delete()
    with connection.cursor() as cur:
        cur.execute(backfill)
    assert sorted(PaidPeopleAll.objects.values_list(*fields)) == counted


def test_a_report_asked_for_from_an_english_page_stays_vietnamese(campaign):
    from django.utils import translation

    with translation.override("en"):
        doc = reports.build(reports.ReportKind.CAMPAIGN_SUMMARY, LAI_CHAU,
                            reports.parse_period("2026-11"), date(2026, 12, 3))
        assert translation.get_language() == "en"  # the page's language is left as it was
    svgs = [s.chart_svg for s in doc.sections if s.chart_svg]
    assert svgs
    assert all('lang="vi"' in svg for svg in svgs)
