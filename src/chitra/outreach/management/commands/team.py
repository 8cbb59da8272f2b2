"""``chitra team add|remove --ward CODE --user USERNAME [--kind KIND] [--leader] --as BHXH_USER``:
the same services as the team set-up screen."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.access.models import User
from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.models import MemberKind, TeamMember


class Command(BaseCommand):
    help = ("Tổ công tác / work team: add --ward CODE --user USERNAME --kind KIND [--leader] | "
            "remove --ward CODE --user USERNAME")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add", "remove"])
        parser.add_argument("--ward", required=True)
        parser.add_argument("--user", dest="member", required=True)
        parser.add_argument("--kind", choices=MemberKind.values)
        parser.add_argument("--leader", action="store_true")
        parser.add_argument("--as", dest="username")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = acting_user(o["username"])
        # Whether the member may be on the team (active, of the province) the service checks.
        member = User.objects.select_related("organization").filter(
            username=o["member"]).first()
        if member is None:
            raise CommandError(f"Không có người dùng {o['member']!r} / no such user.")
        try:
            if o["action"] == "remove":
                row = TeamMember.objects.filter(team__ward_code=o["ward"], user=member).first()
                if row is None:
                    raise CommandError("Người này không ở trong tổ / not on this team.")
                services.remove_team_member(actor, row.pk)
                self.stdout.write(f"{member.username} ✕ {o['ward']}")
                return
            if not o["kind"]:
                raise CommandError("Cần --kind / --kind is required.")
            row = services.add_team_member(actor, ward_code=o["ward"], member=member,
                                           kind=o["kind"], leader=o["leader"])
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e
        self.stdout.write(f"{member.username} → {row.team.name} ({row.get_kind_display()})")
