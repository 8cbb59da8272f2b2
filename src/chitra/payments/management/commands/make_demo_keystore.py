from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.payments.export.signing import (
    DEMO_KEYSTORE_PASSWORD,
    configured_keystore,
    demo_cert_path,
    make_demo_keystore,
)


class Command(BaseCommand):
    help = ("Tạo kho khoá ký tự cấp cho bản demo / Create a self-signed demo signing keystore "
            "(PKCS#12) and its certificate (PEM)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, default=None,
                            help="tệp .p12 / keystore file (default: CHITRA_KEYSTORE_PATH, "
                                 "else VAR_DIR/keys/bhxh-demo.p12)")
        parser.add_argument("--password", default=None,
                            help="mật khẩu / password (default: CHITRA_KEYSTORE_PASSWORD, "
                                 "else the demo password)")
        parser.add_argument("--common-name", default=None,
                            help="tên trong chứng thư / certificate common name")
        parser.add_argument("--days", type=int, default=730, help="hiệu lực / validity in days")
        parser.add_argument("--force", action="store_true",
                            help="ghi đè tệp có sẵn / overwrite an existing keystore")

    def handle(self, *args: Any, **opts: Any) -> None:
        default_path, default_password = configured_keystore()
        out: Path = opts["out"] or default_path
        if out.exists() and not opts["force"]:
            raise CommandError(f"{out} đã có; dùng --force để ghi đè / "
                               f"already exists; use --force to overwrite")
        if not 1 <= opts["days"] <= 3650:
            raise CommandError("--days phải từ 1 đến 3650 / must be 1..3650")
        password = opts["password"].encode() if opts["password"] else default_password
        kwargs: dict[str, Any] = {"days": opts["days"]}
        if opts["common_name"]:
            kwargs["common_name"] = opts["common_name"]
        make_demo_keystore(out, password, **kwargs)
        self.stdout.write(f"Kho khoá / keystore: {out}")
        self.stdout.write(f"Chứng thư / certificate: {demo_cert_path(out)}")
        if password == DEMO_KEYSTORE_PASSWORD:
            self.stdout.write(f"Mật khẩu demo / demo password: {password.decode()}")
        elif opts["password"]:
            self.stdout.write("Mật khẩu / password: như đã nhập / as given")
        else:
            self.stdout.write("Mật khẩu / password: CHITRA_KEYSTORE_PASSWORD")
