"""``chitra campaign create|edit|funnel|target``: the same services as the set-up screens."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.admin_units import current_wards
from chitra.core.cli import acting_user
from chitra.core.dates import parse_date_vn
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.funnel import funnel
from chitra.outreach.models import Campaign


def _day(text: str | None) -> date | None:
    if not text:
        return None
    day = parse_date_vn(text)
    if day is None:
        raise CommandError(f"Ngày phải dạng dd/mm/yyyy / dates are dd/mm/yyyy: {text!r}")
    return day


class Command(BaseCommand):
    help = ("Chiến dịch / campaign: create --name N --from dd/mm/yyyy --to dd/mm/yyyy "
            "[--peak-from … --peak-to …] [--monthly PCT --one-time PCT] --as USER | "
            "edit ID [--name … --from … --to … --peak-from … --peak-to … --no-peak "
            "--monthly … --one-time …] --as USER | funnel ID --as USER | "
            "target ID --ward CODE --monthly PCT --one-time PCT --as USER")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "edit", "funnel", "target"])
        parser.add_argument("campaign_id", nargs="?", type=int)
        parser.add_argument("--name", default="")
        parser.add_argument("--from", dest="starts_on")
        parser.add_argument("--to", dest="ends_on")
        parser.add_argument("--peak-from", dest="peak_starts_on")
        parser.add_argument("--peak-to", dest="peak_ends_on")
        parser.add_argument("--no-peak", dest="no_peak", action="store_true")
        parser.add_argument("--ward")
        parser.add_argument("--monthly", type=int)
        parser.add_argument("--one-time", dest="one_time", type=int)
        parser.add_argument("--as", dest="username")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        try:
            if o["action"] == "create":
                self._create(user, o)
                return
            campaign = Campaign.objects.filter(pk=o["campaign_id"]).first()
            if campaign is None:
                raise CommandError("Không có chiến dịch này / no such campaign.")
            if o["action"] == "edit":
                self._edit(user, campaign, o)
            elif o["action"] == "target":
                if not o["ward"] or o["monthly"] is None or o["one_time"] is None:
                    raise CommandError("Cần --ward, --monthly và --one-time / "
                                       "--ward, --monthly and --one-time are required.")
                services.set_ward_target(user, campaign, ward_code=o["ward"],
                                         monthly_pct=o["monthly"], one_time_pct=o["one_time"])
                self.stdout.write(f"Đã đặt chỉ tiêu / target set for {o['ward']}")
            else:
                self._funnel(user, campaign)
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e

    def _create(self, user: Any, o: dict[str, Any]) -> None:
        starts, ends = _day(o["starts_on"]), _day(o["ends_on"])
        if starts is None or ends is None:
            raise CommandError("Cần --from và --to / --from and --to are required.")
        c = services.create_campaign(
            user, name=o["name"], starts_on=starts, ends_on=ends,
            peak_starts_on=_day(o["peak_starts_on"]), peak_ends_on=_day(o["peak_ends_on"]),
            target_monthly_pct=90 if o["monthly"] is None else o["monthly"],
            target_one_time_pct=100 if o["one_time"] is None else o["one_time"])
        self.stdout.write(f"Đã tạo chiến dịch / created campaign {c.pk}: {c.name}")

    def _edit(self, user: Any, c: Campaign, o: dict[str, Any]) -> None:
        """What is not given stays as it is; ``--no-peak`` drops the peak window."""
        peak_from, peak_to = c.peak_starts_on, c.peak_ends_on
        if o["no_peak"]:
            peak_from = peak_to = None
        elif o["peak_starts_on"] or o["peak_ends_on"]:
            peak_from, peak_to = _day(o["peak_starts_on"]), _day(o["peak_ends_on"])
        c = services.update_campaign(
            user, c.pk, name=o["name"] or c.name, starts_on=_day(o["starts_on"]) or c.starts_on,
            ends_on=_day(o["ends_on"]) or c.ends_on, peak_starts_on=peak_from,
            peak_ends_on=peak_to,
            target_monthly_pct=c.target_monthly_pct if o["monthly"] is None else o["monthly"],
            target_one_time_pct=(c.target_one_time_pct if o["one_time"] is None
                                 else o["one_time"]))
        self.stdout.write(f"Đã sửa chiến dịch / campaign {c.pk} changed: {c.name}")

    def _funnel(self, user: Any, campaign: Campaign) -> None:
        services.may_see_campaign(user, campaign)
        wards = sorted(c for c, w in current_wards().items()
                       if w.province_code == campaign.province_code)
        for ward in wards:
            counts = funnel(campaign, ward)
            self.stdout.write(ward + "\t" + "\t".join(str(n) for _, _, n in counts.as_rows()))
