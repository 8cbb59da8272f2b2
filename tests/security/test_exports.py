"""Issue 11, payments side of holes 5 and 7.

Hole 5: a name that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR) stays text in
the reconciliation csv and xlsx and in the post office's cash list (OWASP: a leading
apostrophe; in an xlsx a string cell, never a formula). Such names reach these files from old
records: the tests write them straight into the table (the registry's forms would trim the
tab and CR).

Hole 7: every download of a payment file that holds citizen IDs (pain.001 and its signature,
the manifest, cash lists, reconciliation exports) leaves one audit entry naming the user and
the file; a refused download leaves none.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chitra.core.models import AuditEntry
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.export.cashlists import CashLine, CashListHeader, write_cash_list_xlsx
from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD, make_demo_keystore
from chitra.payments.models import PaymentCycle, PaymentFile, ProvincePaymentRule
from chitra.registry.models import Beneficiary, Channel
from tests import factories as f
from tests.payments.factories import NOV
from tests.security.conftest import Province

EVIL = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]


@pytest.fixture(scope="module")
def _keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("keys") / "office.p12")


@pytest.fixture
def exported(settings, tmp_path, _keystore, lai_chau: Province) -> PaymentCycle:
    """Lai Châu's November cycle, exported: the evil names paid in cash, one Agribank
    transfer."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KEYSTORE_PATH = _keystore
    settings.KEYSTORE_PASSWORD = DEMO_KEYSTORE_PASSWORD
    ProvincePaymentRule.objects.create(
        province_code=f.LAI_CHAU, debtor_name="BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU",
        debtor_account="8800201001234", debtor_agent_bic="VBAAVNVX")
    for name in EVIL:
        Beneficiary.objects.filter(pk=f.beneficiary("Tên tạm").pk).update(full_name=name)
    f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT, provider_name="Agribank",
                  account_number="1234567890123")
    cycle = services.open_cycle(f.LAI_CHAU, NOV, lai_chau.officer.username)
    services.compute_cycle(cycle.pk, lai_chau.officer.username)
    services.approve_cycle(cycle.pk, lai_chau.approver.username)
    export.export_cycle(cycle.pk, lai_chau.officer.username)
    cycle.refresh_from_db()
    return cycle


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _cash_list(cycle: PaymentCycle, suffix: str) -> str:
    return next(p.name for p in export.export_dir(cycle).glob(f"tien-mat-*{suffix}"))


def _name_cells(data: bytes, sheet: str | None = None) -> dict[str, object]:
    """The cells of the workbook whose text carries one of the evil names, by that name; and
    no cell of any sheet is a formula."""
    wb = load_workbook(io.BytesIO(data))
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if ws.title == (sheet or ws.title) and isinstance(cell.value, str):
                    for name in EVIL:
                        # An XML parser reads a CR as a LF.
                        if cell.value[1:] in (name, name.replace("\r", "\n")):
                            found[name] = cell
    return found


# --- hole 5: formula injection ---------------------------------------------------------------

def test_reconciliation_csv_keeps_formula_names_as_text(login, exported, lai_chau):
    client = login(lai_chau.officer)
    data = _body(client.get(reverse("payment_reconciliation_csv", args=[exported.pk, "items"])))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    names = [r[1] for r in rows[1:]]
    for name in EVIL:
        assert "'" + name in names
    assert all(not n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)


def test_reconciliation_xlsx_keeps_formula_names_as_text(login, exported, lai_chau):
    client = login(lai_chau.officer)
    data = _body(client.get(reverse("payment_reconciliation_xlsx", args=[exported.pk])))
    cells = _name_cells(data, "Chi tiết")
    assert set(cells) == set(EVIL)
    for cell in cells.values():
        assert cell.data_type == "s"
        assert cell.value.startswith("'")


def test_cash_list_xlsx_keeps_formula_names_as_text(login, exported, lai_chau):
    client = login(lai_chau.post_office)
    name = _cash_list(exported, ".xlsx")
    data = _body(client.get(reverse("payment_cash_list", args=[exported.pk, name])))
    cells = _name_cells(data)
    # The cash list writes names in their stored form (NFC, spaces trimmed): "\tX" and
    # "\rX" come out as a plain "X".
    trimmed = {n for n in EVIL if n[0] in "\t\r"}
    assert set(cells) == set(EVIL) - trimmed
    ws = load_workbook(io.BytesIO(data)).active
    at = _column(ws, "Họ và tên")
    names = [r[at] for r in ws.iter_rows(values_only=True)]
    assert names.count("X") == len(trimmed)
    for cell in cells.values():
        assert cell.data_type == "s"
        assert cell.value.startswith("'")
        assert cell.column == at + 1  # the name column, styled like its neighbours
        assert cell.border.left.style == "thin"


def _column(ws, heading: str) -> int:
    """The 0-based index of the cash list's column headed ``heading``."""
    return next(c.column - 1 for row in ws.iter_rows() for c in row if c.value == heading)


def test_cash_list_names_are_made_safe_after_trimming(tmp_path):
    """A name that only looks like a formula once its leading space is trimmed is caught too
    (the check runs on the text written, not the text given)."""
    header = CashListHeader("Tỉnh Lai Châu", "Bưu điện", "", NOV, "11/2026")
    lines = [CashLine(1, " \t=1+1", "012195000123", "Xã A", "Lương hưu", 1, "\r@proxy")]
    write_cash_list_xlsx(tmp_path / "l.xlsx", header, lines)
    ws = load_workbook(tmp_path / "l.xlsx").active
    row = next(r for r in ws.iter_rows() if r[0].value == 1)
    name, proxy = row[_column(ws, "Họ và tên")], row[_column(ws, "Người nhận thay")]
    assert (name.data_type, name.value) == ("s", "'=1+1")
    assert (proxy.data_type, proxy.value) == ("s", "'@proxy")


# --- hole 7: downloads in the audit log ------------------------------------------------------

def _file(cycle: PaymentCycle) -> PaymentFile:
    return PaymentFile.objects.get(cycle=cycle, provider__short_name="Agribank")


Download = Callable[[PaymentCycle], tuple[str, str, object]]  # url, kind, object id

DOWNLOADS: dict[str, tuple[str, Download]] = {
    "pain001": ("bank", lambda c: (reverse("payment_file", args=[_file(c).pk, "xml"]),
                                   "pain001", _file(c).pk)),
    "signature": ("officer", lambda c: (reverse("payment_file", args=[_file(c).pk, "p7s"]),
                                        "signature", _file(c).pk)),
    "manifest": ("officer", lambda c: (reverse("payment_manifest", args=[c.pk]), "manifest",
                                       c.pk)),
    "cash_list_xlsx": ("post_office", lambda c: (
        reverse("payment_cash_list", args=[c.pk, _cash_list(c, ".xlsx")]), "cash_list", c.pk)),
    "cash_list_pdf": ("officer", lambda c: (
        reverse("payment_cash_list", args=[c.pk, _cash_list(c, ".pdf")]), "cash_list", c.pk)),
    "reconciliation_summary": ("officer", lambda c: (
        reverse("payment_reconciliation_csv", args=[c.pk, "summary"]), "reconciliation", c.pk)),
    "reconciliation_items": ("approver", lambda c: (
        reverse("payment_reconciliation_csv", args=[c.pk, "items"]), "reconciliation", c.pk)),
    "reconciliation_xlsx": ("officer", lambda c: (
        reverse("payment_reconciliation_xlsx", args=[c.pk]), "reconciliation", c.pk)),
}


def _attachment_name(response) -> str:
    found = re.search(r'filename="?([^";]+)"?', response["Content-Disposition"])
    assert found is not None
    return found.group(1)


def _downloads() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="download"))


@pytest.mark.parametrize("what", list(DOWNLOADS))
def test_each_download_leaves_one_audit_entry(login, exported, lai_chau, what):
    role, make = DOWNLOADS[what]
    user = getattr(lai_chau, role)
    url, kind, object_id = make(exported)
    assert _downloads() == []
    response = login(user).get(url)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [entry] = _downloads()
    assert (entry.actor, entry.object_type, entry.object_id) == (user.username, kind,
                                                                 str(object_id))
    assert entry.after["file"] == _attachment_name(response)


@pytest.mark.parametrize("what", list(DOWNLOADS))
def test_a_refused_download_leaves_no_entry(login, exported, dien_bien, what):
    role, make = DOWNLOADS[what]
    url, _kind, _id = make(exported)
    assert login(getattr(dien_bien, role)).get(url).status_code in (403, 404)
    assert _downloads() == []
