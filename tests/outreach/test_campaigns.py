"""Campaigns: created by the province's BHXH (screen-free: the CLI), the funnel per ward on
screen and in the monthly xlsx report, each user seeing only their area."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from chitra.access.models import Role
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.models import Campaign
from tests import factories as f


@pytest.fixture
def campaign():
    return services.create_campaign(f.user(Role.BHXH_OFFICER), name="Chiến dịch 2026",
                                    starts_on=date(2020, 1, 1), ends_on=date(2030, 12, 31))


def test_create_from_the_command_line():
    officer = f.user(Role.BHXH_OFFICER)
    out = io.StringIO()
    call_command("campaign", "create", "--name", "Không tiền mặt 2026", "--from", "01/06/2026",
                 "--to", "31/10/2026", "--peak-from", "01/07/2026", "--peak-to", "31/08/2026",
                 "--as", officer.username, stdout=out)
    c = Campaign.objects.get()
    assert (c.name, c.starts_on, c.peak_ends_on, c.province_code) == (
        "Không tiền mặt 2026", date(2026, 6, 1), date(2026, 8, 31), "12")
    with pytest.raises(CommandError, match="dd/mm/yyyy"):
        call_command("campaign", "create", "--name", "x", "--from", "2026/06/01", "--to",
                     "31/10/2026", "--as", officer.username)
    with pytest.raises(CommandError, match="peak"):
        call_command("campaign", "create", "--name", "x", "--from", "01/06/2026", "--to",
                     "31/10/2026", "--peak-from", "01/05/2026", "--peak-to", "31/08/2026",
                     "--as", officer.username)
    assert Campaign.objects.count() == 1


def test_only_bhxh_creates_campaigns():
    with pytest.raises(DomainError):
        services.create_campaign(f.user(Role.WARD_TEAM), name="x", starts_on=date(2026, 1, 1),
                                 ends_on=date(2026, 2, 1))
    assert not Campaign.objects.exists()


def test_the_funnel_on_screen_by_area(login, campaign):
    f.beneficiary("Lò Văn Pọm")
    f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    bhxh = login(f.user(Role.BHXH_OFFICER))
    page = bhxh.get(reverse("outreach_campaign", args=[campaign.pk])).content.decode()
    assert f'data-ward="{f.DOAN_KET}"' in page
    assert f'data-ward="{f.TAN_PHONG}"' in page
    ward = login(f.user(Role.WARD_TEAM))
    page = ward.get(reverse("outreach_campaign", args=[campaign.pk])).content.decode()
    assert f'data-ward="{f.DOAN_KET}"' in page
    assert f'data-ward="{f.TAN_PHONG}"' not in page
    other = login(f.user(Role.BHXH_OFFICER, org=f.organization(province_code="01")))
    assert other.get(reverse("outreach_campaign", args=[campaign.pk])).status_code == 403
    assert login(f.user(Role.BANK_OPERATOR)).get(reverse("outreach_campaigns")).status_code == 403


def test_the_monthly_report_is_computed(login, campaign):
    f.beneficiary("Lò Văn Pọm")
    f.beneficiary("Lò Thị Ín")
    response = login(f.user(Role.WARD_TEAM)).get(
        reverse("outreach_campaign_report", args=[campaign.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert wb.sheetnames == ["Báo cáo"]
    assert rows[1][:3] == ("Mã phường/xã", "Phường/xã", "Nhận tiền mặt khi vào chiến dịch")
    assert rows[2][:4] == (f.DOAN_KET, "Phường Đoàn Kết", 2, 0)
    assert len(rows) == 3  # one ward: the ward user's own


def test_funnel_from_the_command_line(campaign):
    f.beneficiary("Lò Văn Pọm")
    out = io.StringIO()
    call_command("campaign", "funnel", str(campaign.pk), "--as",
                 f.user(Role.BHXH_OFFICER).username, stdout=out)
    assert f"{f.DOAN_KET}\t1\t0\t0\t0\t0\t0\t0" in out.getvalue()


def test_target_progress_is_counted_from_current_accounts(login, campaign):
    from chitra.outreach.funnel import target_progress
    from chitra.outreach.models import WardTarget
    from chitra.registry.models import BenefitType, Channel

    for n in range(9):
        f.beneficiary(f"Người {n}", channel=Channel.BANK_ACCOUNT)
    f.beneficiary("Tiền Mặt")
    f.beneficiary("Một Lần", benefit_type=BenefitType.LUMP_SUM, channel=Channel.BANK_ACCOUNT)
    progress = target_progress(campaign, f.DOAN_KET)
    monthly, one_time = progress["monthly"], progress["one_time"]
    assert (monthly.cashless, monthly.total, monthly.met) == (9, 10, False)  # 90 % is not > 90
    assert (one_time.cashless, one_time.total, one_time.met) == (1, 1, True)
    WardTarget.objects.create(campaign=campaign, ward_code=f.DOAN_KET, target_monthly_pct=85,
                              target_one_time_pct=100)
    assert target_progress(campaign, f.DOAN_KET)["monthly"].met
    page = login(f.user(Role.BHXH_OFFICER)).get(
        reverse("outreach_campaign", args=[campaign.pk])).content.decode()
    assert "9/10 (90,0%)" in page or "9/10 (90.0%)" in page


def test_the_monthly_report_as_pdf(login, campaign, tmp_path):
    import subprocess

    f.beneficiary("Lò Văn Pọm")
    response = login(f.user(Role.WARD_TEAM)).get(
        reverse("outreach_campaign_report_pdf", args=[campaign.pk]))
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "BÁO CÁO THÁNG — Chiến dịch 2026" in text
    assert "Phường Đoàn Kết" in text
    assert "Phường Tân Phong" not in text  # the ward user's own ward only


def test_ward_targets_from_the_command_line(campaign):
    from chitra.outreach.models import WardTarget

    officer = f.user(Role.BHXH_OFFICER)
    call_command("campaign", "target", str(campaign.pk), "--ward", f.DOAN_KET, "--monthly",
                 "95", "--one-time", "100", "--as", officer.username, stdout=io.StringIO())
    assert WardTarget.objects.get().target_monthly_pct == 95
    for ward, monthly in (("00004", "95"), (f.DOAN_KET, "101")):  # Hà Nội's ward; not a percent
        with pytest.raises(CommandError):
            call_command("campaign", "target", str(campaign.pk), "--ward", ward, "--monthly",
                         monthly, "--one-time", "100", "--as", officer.username)
    assert WardTarget.objects.get().target_monthly_pct == 95
