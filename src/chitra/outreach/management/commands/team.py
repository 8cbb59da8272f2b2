"""``chitra team add --ward CODE --user USERNAME --kind KIND [--leader] --as BHXH_USER``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.access.models import User
from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.models import MemberKind


class Command(BaseCommand):
    help = "Tổ công tác / work team: add --ward CODE --user USERNAME --kind KIND [--leader]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add"])
        parser.add_argument("--ward", required=True)
        parser.add_argument("--user", dest="member", required=True)
        parser.add_argument("--kind", required=True, choices=MemberKind.values)
        parser.add_argument("--leader", action="store_true")
        parser.add_argument("--as", dest="username")

    def handle(self, *args: Any, **o: Any) -> None:
        actor = acting_user(o["username"])
        member = User.objects.select_related("organization").filter(
            username=o["member"], is_active=True).first()
        if member is None:
            raise CommandError(f"Không có người dùng {o['member']!r} / no such user.")
        try:
            row = services.add_team_member(actor, ward_code=o["ward"], member=member,
                                           kind=o["kind"], leader=o["leader"])
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e
        self.stdout.write(f"{member.username} → {row.team.name} ({row.get_kind_display()})")
