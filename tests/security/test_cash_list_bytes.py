"""Issue 11, hole 8: a cash list exported again is byte-identical (no timestamp in the xlsx or
pdf metadata), like pain.001: the post office can tell a resent list is the same list."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from chitra.payments import services
from chitra.payments.export import cashlists, manifest
from chitra.payments.export import run as export
from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD, make_demo_keystore
from chitra.payments.models import PaymentCycle, ProvincePaymentRule
from tests import factories as f
from tests.payments.factories import NOV
from tests.security.conftest import Province

FIRST = datetime(2026, 10, 28, 9, 15, tzinfo=UTC)
LATER = datetime(2026, 11, 9, 16, 40, tzinfo=UTC)
HEADER = cashlists.CashListHeader("Tỉnh Lai Châu", "Bưu điện xã Tam Đường", "Số 1",
                                  NOV.replace(day=11), "11/2026")
LINES = [cashlists.CashLine(i, f"Lò Văn Pản {i}", f"0121950{i:05d}", "Xã Nậm Hàng",
                            "Lương hưu", 1_000_000 + i, None) for i in range(1, 40)]


@pytest.mark.parametrize("writer", [cashlists.write_cash_list_xlsx,
                                    cashlists.write_cash_list_pdf])
def test_the_same_list_written_at_two_times_has_the_same_bytes(tmp_path, time_machine, writer):
    time_machine.move_to(FIRST, tick=False)
    writer(tmp_path / "a", HEADER, LINES)
    time_machine.move_to(LATER, tick=False)
    writer(tmp_path / "b", HEADER, LINES)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_the_xlsx_carries_no_clock_time(tmp_path, time_machine):
    time_machine.move_to(FIRST, tick=False)
    cashlists.write_cash_list_xlsx(tmp_path / "l.xlsx", HEADER, LINES)
    with zipfile.ZipFile(tmp_path / "l.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
        stamps = {i.date_time for i in z.infolist()}
    assert "2026-10-28" not in core
    assert f"{cashlists.FIXED_TIME:%Y-%m-%dT%H:%M:%SZ}" in core
    assert stamps == {(1980, 1, 1, 0, 0, 0)}


# --- through the export and `chitra cycle cashlists` -----------------------------------------

@pytest.fixture(scope="module")
def _keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("keys") / "office.p12")


@pytest.fixture
def approved(settings, tmp_path, _keystore, lai_chau: Province) -> PaymentCycle:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEYSTORE_PATH = _keystore
    settings.KEYSTORE_PASSWORD = DEMO_KEYSTORE_PASSWORD
    ProvincePaymentRule.objects.create(
        province_code=f.LAI_CHAU, debtor_name="BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU",
        debtor_account="8800201001234", debtor_agent_bic="VBAAVNVX")
    point = f.payment_point()
    for name in ("Lò Văn Pọm", "Giàng A Dính", "Tẩn Thị Mẩy"):
        f.beneficiary(name)  # paid at home
    cycle = services.open_cycle(f.LAI_CHAU, NOV, lai_chau.officer.username)
    cycle = services.compute_cycle(cycle.pk, lai_chau.officer.username)
    # One of them collects at a payment point instead: two lists (home, point).
    cycle.items.filter(full_name="Giàng A Dính").update(payment_point=point)
    return services.approve_cycle(cycle.pk, lai_chau.approver.username)


def _hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir())
            if p.name.startswith(("tien-mat-", "manifest-"))}


def test_exporting_again_later_rewrites_the_same_cash_lists_and_manifest(
        approved, lai_chau, time_machine):
    officer = lai_chau.officer.username
    now = datetime.now(UTC)  # the demo signing certificate is valid from now on
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    export.export_cycle(approved.pk, officer)
    out = export.export_dir(approved)
    first = _hashes(out)
    assert len([n for n in first if n.startswith("tien-mat-")]) == 4  # xlsx + pdf, 2 lists
    assert any(n.startswith("manifest-") for n in first)

    time_machine.move_to(now + timedelta(days=12, hours=7), tick=False)
    export.export_cycle(approved.pk, officer)  # the export run again
    assert _hashes(out) == first
    call_command("cycle", "cashlists", "2026-11", "--province", f.LAI_CHAU, "--as", officer)
    assert _hashes(out) == first
    manifest_path = next(out.glob("manifest-*.json"))
    assert manifest.verify_manifest(manifest_path) == []
