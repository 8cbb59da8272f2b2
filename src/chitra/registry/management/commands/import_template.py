"""``chitra import_template --format csv|xlsx --out FILE``: the import template."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from chitra.registry.importing.template import template_csv, template_xlsx


class Command(BaseCommand):
    help = "Ghi tệp mẫu nhập người hưởng. / Write the beneficiary import template."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        data = template_csv() if opts["format"] == "csv" else template_xlsx()
        out: Path = opts["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(f"Đã ghi / written: {out}")
