"""Issue 11, holes 4–6 on the import path: an import proposes account changes instead of
making them (maker–checker), never erases with an empty cell and keeps before/after of what
it changes; hostile names and hostile workbooks are refused cleanly; a job has a time limit.

Every test here failed on the code before the fix (checked by running this file against
the previous ``registry`` package)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chitra.access.models import Role, User
from chitra.core.errors import DomainError, NotInScope
from chitra.core.models import AuditEntry
from chitra.core.xlsx_guard import XlsxLimits
from chitra.registry.importing.reading import FileRefused, open_table
from chitra.registry.importing.run import run_import
from chitra.registry.models import (
    Beneficiary,
    Benefit,
    Channel,
    ImportFieldChange,
    ImportJob,
    ImportStatus,
    PaymentAccount,
    PendingAccountChange,
)
from chitra.registry.queries import pending_account_changes_for
from chitra.registry.services import (
    approve_pending_account_change,
    record_payment_account,
    reject_pending_account_change,
)
from tests import factories as f
from tests.registry.fixtures.import_files import KEYS, person, write_csv, write_xlsx

TODAY = date(2026, 11, 20)
LATER = TODAY + timedelta(days=10)


def run(path: Path, actor: str = "lc-officer", **kw):
    kw.setdefault("province_code", f.LAI_CHAU)
    kw.setdefault("today", TODAY)
    kw.setdefault("report_path", path.with_suffix(".errors.xlsx"))
    return run_import(path, actor=actor, **kw)


def registered(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Lò Văn Pọm imported once, with every optional field filled in; his row back."""
    row = person(bhxh_code="1201234567", street="Tổ 3", phone="0912345678",
                 benefit_end="31/12/2040", **overrides)
    assert run(write_csv(tmp_path / "first.csv", [row])).status == ImportStatus.APPLIED
    return row


def current_account(person_name: str = "Lò Văn Pọm") -> PaymentAccount:
    return PaymentAccount.objects.get(beneficiary__full_name=person_name,
                                      valid_to__isnull=True)


# --- hole 4: account changes wait for a checker ----------------------------------------------

def test_an_import_proposes_an_account_change_instead_of_making_it(tmp_path, lai_chau):
    row = registered(tmp_path)
    before = current_account()
    row.update(provider="BIDV", account_number="123456789012", account_holder="LO VAN POM")
    out = run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    assert out.status == ImportStatus.APPLIED
    assert out.accounts_pending == 1
    assert current_account() == before  # still paid where they were
    assert PaymentAccount.objects.count() == 1
    change = PendingAccountChange.objects.get()
    assert (change.status, change.made_by, change.replaces, change.account_number) == (
        "pending", "lc-officer", before, "123456789012")
    # the proposal hangs off the import's audit entry
    assert change.audit_entry.action == "beneficiary.import"


def test_the_approver_makes_the_proposed_account_current(tmp_path, lai_chau):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), actor=lai_chau.officer.username, today=LATER)
    change = PendingAccountChange.objects.get()
    new = approve_pending_account_change(change.pk, lai_chau.approver, today=LATER)
    assert current_account() == new
    assert (new.account_number, new.created_by, new.approved_by) == (
        "123456789012", lai_chau.officer.username, lai_chau.approver.username)
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", lai_chau.approver.username)
    entry = AuditEntry.objects.filter(action="payment_account.change").get()
    assert entry.before["account_tail"] == "3456"
    assert entry.after["account_tail"] == "9012"
    assert AuditEntry.objects.filter(action="payment_account.import_change_approved").exists()


def test_a_rejected_change_leaves_the_account(tmp_path, lai_chau):
    row = registered(tmp_path)
    before = current_account()
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    change = reject_pending_account_change(PendingAccountChange.objects.get().pk,
                                           lai_chau.approver, note="không đúng")
    assert change.status == "rejected"
    assert current_account() == before
    assert AuditEntry.objects.filter(action="payment_account.import_change_rejected").exists()


def test_whoever_imported_cannot_approve_the_change(tmp_path, lai_chau):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), actor=lai_chau.approver.username, today=LATER)
    change = PendingAccountChange.objects.get()
    with pytest.raises(DomainError) as e:
        approve_pending_account_change(change.pk, lai_chau.approver, today=LATER)
    assert e.value.code == "maker_checker"
    # and the database says so too, whoever writes the row
    with pytest.raises(IntegrityError), transaction.atomic():
        PendingAccountChange.objects.filter(pk=change.pk).update(
            status="approved", decided_by=lai_chau.approver.username, decided_at=change.made_at)


def test_officers_and_other_provinces_cannot_decide(tmp_path, lai_chau, dien_bien):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    change = PendingAccountChange.objects.get()
    for user in (lai_chau.ward_team, lai_chau.officer):
        with pytest.raises(DomainError) as e:
            approve_pending_account_change(change.pk, user, today=LATER)
        assert e.value.code == "account_change_forbidden"
    # another province's change, like a missing one, is not found (404), not forbidden
    for pk in (change.pk, change.pk + 1000):
        for decide in (approve_pending_account_change, reject_pending_account_change):
            with pytest.raises(NotInScope):
                decide(pk, dien_bien.approver)
    assert PendingAccountChange.objects.get().status == "pending"


def test_a_reimport_adds_no_second_proposal_and_a_new_one_supersedes(tmp_path, lai_chau):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    path = write_csv(tmp_path / "b.csv", [row])
    run(path, today=LATER)
    again = run(path, today=LATER)
    assert (again.accounts_pending, again.unchanged) == (0, 1)
    assert PendingAccountChange.objects.count() == 1
    row["account_number"] = "123456789099"
    run(write_csv(tmp_path / "c.csv", [row]), today=LATER)
    assert sorted(PendingAccountChange.objects.values_list("account_number", "status")) == [
        ("123456789012", "superseded"), ("123456789099", "pending")]


def test_a_change_made_stale_by_another_account_change_is_refused(tmp_path, lai_chau):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    first = PendingAccountChange.objects.get()
    # meanwhile the ward path changed the account (approved elsewhere)
    record_payment_account(Beneficiary.objects.get(), channel=Channel.CASH, provider=None,
                           account_number="", holder_name="", valid_from=LATER,
                           actor="tct", approved_by="someone")
    with pytest.raises(DomainError) as e:
        approve_pending_account_change(first.pk, lai_chau.approver, today=LATER)
    assert e.value.code == "account_change_stale"


def test_a_new_persons_first_account_is_created_directly(tmp_path):
    run(write_csv(tmp_path / "a.csv", [person()]))
    assert current_account().created_by == "lc-officer"
    assert not PendingAccountChange.objects.exists()


def test_the_approver_screen_lists_its_province_and_decides(tmp_path, lai_chau, dien_bien,
                                                            login):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    change = PendingAccountChange.objects.get()
    url = reverse("account_changes")
    other = login(dien_bien.approver).get(url)
    assert other.status_code == 200
    assert f'data-change="{change.pk}"' not in other.content.decode()
    post = login(dien_bien.approver).post(reverse("account_change_decide", args=[change.pk]),
                                          {"decision": "approve"})
    assert post.status_code == 404
    assert login(lai_chau.ward_team).get(url).status_code == 403
    officer_page = login(lai_chau.officer).get(url).content.decode()
    assert f'data-change="{change.pk}"' in officer_page
    assert 'value="approve"' not in officer_page  # officers see, approvers decide
    client = login(lai_chau.approver)
    page = client.get(url).content.decode()
    assert f'data-change="{change.pk}"' in page
    assert 'value="approve"' in page
    done = client.post(reverse("account_change_decide", args=[change.pk]),
                       {"decision": "approve", "confirmed": "1"})
    assert done.status_code == 302
    assert current_account().account_number == "123456789012"
    assert current_account().approved_by == lai_chau.approver.username


def test_the_cli_lists_and_decides(tmp_path, lai_chau):
    row = registered(tmp_path)
    row.update(provider="BIDV", account_number="123456789012")
    run(write_csv(tmp_path / "b.csv", [row]), actor=lai_chau.officer.username, today=LATER)
    change = PendingAccountChange.objects.get()
    out = io.StringIO()
    call_command("account_changes", "list", "--as", lai_chau.approver.username, stdout=out)
    assert out.getvalue().startswith(f"{change.pk}\tLò Văn Pọm")
    with pytest.raises(CommandError):
        call_command("account_changes", "approve", str(change.pk), "--as",
                     lai_chau.officer.username, stdout=io.StringIO())
    call_command("account_changes", "reject", str(change.pk), "--as",
                 lai_chau.approver.username, stdout=io.StringIO())
    assert PendingAccountChange.objects.get().status == "rejected"


# --- review of issue 11: the import path decides like the ward path ---------------------------

def second_approver(province) -> User:
    return f.user(Role.BHXH_APPROVER, province.approver.organization,
                  username=f"{province.approver.username}-2")


def proposed(tmp_path: Path, actor: str = "lc-officer", **account: str
             ) -> tuple[PendingAccountChange, dict[str, str]]:
    """Pọm registered, then a file (``b.csv``) proposing another account for him; the
    proposal, and his row as registered (with the account he has)."""
    row = registered(tmp_path)
    changed = {**row, "provider": "BIDV", "account_number": "123456789012", **account}
    run(write_csv(tmp_path / "b.csv", [changed]), actor=actor, today=LATER)
    return PendingAccountChange.objects.get(status="pending"), row


def test_an_account_that_is_another_beneficiarys_current_account_is_refused(tmp_path,
                                                                            lai_chau):
    f.beneficiary("Lò Thị Xa", dob=date(1960, 5, 5), channel=Channel.BANK_ACCOUNT,
                  provider_name="BIDV", account_number="123456789012")
    change, _ = proposed(tmp_path)
    with pytest.raises(DomainError) as e:
        approve_pending_account_change(change.pk, lai_chau.approver, today=LATER)
    assert e.value.code == "account_used_by_another"
    assert "người khác" in e.value.message_vi
    assert "another beneficiary" in e.value.message_en
    assert PendingAccountChange.objects.get().status == "pending"
    assert current_account().account_number == "8800205123456"


def test_an_account_in_someone_elses_name_needs_two_approvers_with_reasons(tmp_path,
                                                                           lai_chau):
    change, _ = proposed(tmp_path, account_holder="LO THI XA")
    assert change.needs_two_approvers
    first, second = lai_chau.approver, second_approver(lai_chau)
    with pytest.raises(DomainError) as e:
        approve_pending_account_change(change.pk, first, today=LATER)
    assert e.value.code == "approval_reason"
    assert approve_pending_account_change(change.pk, first, note="con gái nhận hộ",
                                          today=LATER) is None
    change.refresh_from_db()
    assert (change.status, change.first_approved_by, change.first_approval_reason,
            change.decided_by) == ("first_approved", first.username, "con gái nhận hộ", "")
    assert change.first_approved_at is not None
    assert current_account().account_number == "8800205123456"  # not yet
    assert AuditEntry.objects.filter(
        action="payment_account.import_change_first_approval").exists()
    with pytest.raises(DomainError) as e:  # the first approver cannot also be the second
        approve_pending_account_change(change.pk, first, note="vẫn duyệt", today=LATER)
    assert e.value.code == "second_approver"
    with pytest.raises(DomainError) as e:
        approve_pending_account_change(change.pk, second, today=LATER)
    assert e.value.code == "approval_reason"
    new = approve_pending_account_change(change.pk, second, note="đã gọi điện xác minh",
                                         today=LATER)
    assert new is not None
    assert current_account() == new
    assert (new.holder_name, new.approved_by) == ("LO THI XA", second.username)
    change.refresh_from_db()
    assert (change.status, change.decided_by, change.decision_note) == (
        "approved", second.username, "đã gọi điện xác minh")


@pytest.mark.parametrize(("fields", "constraint"), [
    ({"first_approved_by": "lc-officer", "first_approval_reason": "x"},
     "pending_account_first_approval_valid"),  # the maker as first approver
    ({"first_approved_by": "a1", "first_approval_reason": ""},
     "pending_account_first_approval_valid"),  # no reason
    ({"first_approved_by": "a1", "first_approval_reason": "x", "status": "approved",
      "decided_by": "a1", "decision_note": "y"},
     "pending_account_second_approver_differs"),
    ({"first_approved_by": "a1", "first_approval_reason": "x", "status": "approved",
      "decided_by": "a2", "decision_note": ""},
     "pending_account_second_approval_has_reason"),
    ({"status": "first_approved"}, "pending_account_first_approved_has_approver"),
])
def test_the_database_holds_the_two_approver_rules(tmp_path, fields, constraint):
    change, _ = proposed(tmp_path, account_holder="LO THI XA")
    now = change.made_at
    if fields.get("first_approved_by"):
        fields = {**fields, "first_approved_at": now}
    if fields.get("decided_by"):
        fields = {**fields, "decided_at": now}
    with pytest.raises(IntegrityError) as e, transaction.atomic():
        PendingAccountChange.objects.filter(pk=change.pk).update(**fields)
    if connection.vendor == "postgresql":
        assert constraint in str(e.value)


def test_a_first_approved_change_is_still_the_one_awaiting(tmp_path, lai_chau):
    change, _ = proposed(tmp_path, account_holder="LO THI XA")
    approve_pending_account_change(change.pk, lai_chau.approver, note="lý do", today=LATER)
    again = run(tmp_path / "b.csv", today=LATER)  # the same proposal: nothing new
    assert again.accounts_pending == 0
    assert PendingAccountChange.objects.get().status == "first_approved"
    assert "first_approved" in {c.status for c in
                                pending_account_changes_for(lai_chau.officer)}


def test_an_import_keeping_the_current_account_supersedes_what_awaits(tmp_path, lai_chau):
    first, row = proposed(tmp_path)
    other = f.beneficiary("Lò Thị Xa", dob=date(1960, 5, 5), channel=Channel.BANK_ACCOUNT,
                          provider_name="BIDV", account_number="5550001112223")
    kept = PendingAccountChange.objects.create(
        beneficiary=other, channel=Channel.BANK_ACCOUNT, provider=f.provider("Agribank"),
        account_number="5550001119999", holder_name="LO THI XA", holder_name_key="lo thi xa",
        made_by="lc-officer", made_at=first.made_at)
    # Pọm's row again, with the account he has now: his proposal is withdrawn
    run(write_csv(tmp_path / "c.csv", [row]), today=LATER)
    assert PendingAccountChange.objects.get(pk=first.pk).status == "superseded"
    assert PendingAccountChange.objects.get(pk=kept.pk).status == "pending"  # not in the file


def test_a_first_approved_change_is_superseded_when_an_import_keeps_the_account(tmp_path,
                                                                                lai_chau):
    change, row = proposed(tmp_path, account_holder="LO THI XA")
    approve_pending_account_change(change.pk, lai_chau.approver, note="lý do", today=LATER)
    run(write_csv(tmp_path / "c.csv", [row]), today=LATER)
    assert PendingAccountChange.objects.get().status == "superseded"
    assert current_account().account_number == "8800205123456"


def test_the_beneficiary_is_locked_before_the_current_account_is_read(tmp_path, lai_chau):
    """A ward change approved meanwhile waits on the beneficiary's lock, then is seen (and
    the import's change refused as stale) instead of being overwritten."""
    change, _ = proposed(tmp_path)
    with CaptureQueriesContext(connection) as ctx:
        approve_pending_account_change(change.pk, lai_chau.approver, today=LATER)

    def main_table(sql: str) -> str:
        found = re.search(r'FROM "(\w+)"', sql)
        return found.group(1) if found else ""

    tables = [main_table(q["sql"]) for q in ctx.captured_queries]
    lock = tables.index("registry_beneficiary")
    assert lock < tables.index("registry_paymentaccount")
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in ctx.captured_queries[lock]["sql"]


def test_the_screen_shows_the_red_flag_and_the_first_approval(tmp_path, lai_chau, login):
    change, _ = proposed(tmp_path, account_holder="LO THI XA")
    url = reverse("account_changes")
    page = login(lai_chau.approver).get(url).content.decode()
    assert 'data-red="1"' in page
    assert 'data-status="pending"' in page
    assert 'name="reason"' in page
    login(lai_chau.approver).post(reverse("account_change_decide", args=[change.pk]),
                                  {"decision": "approve", "reason": "con gái nhận hộ",
                                   "confirmed": "1"})
    change.refresh_from_db()
    assert (change.status, change.first_approval_reason) == ("first_approved",
                                                             "con gái nhận hộ")
    page = login(lai_chau.approver).get(url).content.decode()
    assert 'data-status="first_approved"' in page
    assert "con gái nhận hộ" in page
    assert 'value="approve"' not in page  # the first approver cannot decide again
    second = second_approver(lai_chau)
    assert 'value="approve"' in login(second).get(url).content.decode()
    login(second).post(reverse("account_change_decide", args=[change.pk]),
                       {"decision": "approve", "reason": "đã xác minh", "confirmed": "1"})
    assert current_account().holder_name == "LO THI XA"


def test_the_cli_takes_the_note_as_the_reason(tmp_path, lai_chau):
    change, _ = proposed(tmp_path, account_holder="LO THI XA")
    second = second_approver(lai_chau)
    out = io.StringIO()
    call_command("account_changes", "list", "--as", lai_chau.officer.username, stdout=out)
    assert "HOLDER DIFFERS" in out.getvalue()
    with pytest.raises(CommandError) as e:
        call_command("account_changes", "approve", str(change.pk), "--as",
                     lai_chau.approver.username, stdout=io.StringIO())
    assert "approval_reason" in str(e.value)
    out = io.StringIO()
    call_command("account_changes", "approve", str(change.pk), "--as",
                 lai_chau.approver.username, "--note", "con gái nhận hộ", stdout=out)
    assert "First approval" in out.getvalue()
    out = io.StringIO()
    call_command("account_changes", "list", "--as", second.username, stdout=out)
    assert "con gái nhận hộ" in out.getvalue()
    call_command("account_changes", "approve", str(change.pk), "--as", second.username,
                 "--note", "đã xác minh", stdout=io.StringIO())
    assert PendingAccountChange.objects.get().status == "approved"


# --- hole 4: an empty cell never erases -------------------------------------------------------

def test_empty_cells_keep_the_stored_values(tmp_path):
    point = f.payment_point()
    row = registered(tmp_path, payment_point=point.code)
    row.update(bhxh_code="", street="", phone="", payment_point="", benefit_end="",
               full_name="Lò Văn Pọm")
    run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    # and a file without those columns at all
    keys = tuple(k for k in KEYS if k not in ("bhxh_code", "street", "phone",
                                              "payment_point", "benefit_end"))
    run(write_csv(tmp_path / "c.csv", [row], keys=keys), today=LATER)
    pom = Beneficiary.objects.get()
    assert (pom.bhxh_code, pom.street, pom.phone, pom.payment_point) == (
        "1201234567", "Tổ 3", "0912345678", point)
    assert Benefit.objects.get().end_date == date(2040, 12, 31)


def test_the_clear_marker_clears_a_stored_value(tmp_path):
    point = f.payment_point()
    row = registered(tmp_path, payment_point=point.code)
    row.update(bhxh_code="[xoá]", street="[XÓA]", phone="[clear]", payment_point="[xoa]",
               benefit_end="[Clear]")
    out = run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    assert out.updated == 1
    pom = Beneficiary.objects.get()
    assert (pom.bhxh_code, pom.street, pom.phone, pom.payment_point) == ("", "", "", None)
    assert Benefit.objects.get().end_date is None


def test_the_clear_marker_in_a_required_column_is_a_problem(tmp_path):
    registered(tmp_path)
    out = run(write_csv(tmp_path / "b.csv", [person("[xoá]")]), today=LATER)
    assert out.status == ImportStatus.REJECTED
    assert out.first_problems[0].code == "clear_not_allowed"
    assert Beneficiary.objects.get().full_name == "Lò Văn Pọm"


def test_the_audit_keeps_before_and_after_of_every_changed_field(tmp_path):
    row = registered(tmp_path)
    row.update(street="Tổ 9", phone="[xoá]", benefit_amount="5.500.000")
    out = run(write_csv(tmp_path / "b.csv", [row]), today=LATER)
    assert out.updated == 1
    entry = AuditEntry.objects.filter(action="beneficiary.import").last()
    changes = {c.field: (c.old_value, c.new_value)
               for c in ImportFieldChange.objects.filter(audit_entry=entry)}
    assert changes == {"street": ("Tổ 3", "Tổ 9"), "phone": ("0912345678", ""),
                       "benefit_amount": ("5250000", "5500000")}


# --- hole 5: hostile names ----------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value"), [
    ("full_name", "Lò Văn \u202ePọm"),  # right-to-left override
    ("full_name", "Lò Văn\u2066 Pọm\u2069"),  # isolates
    ("full_name", "Lò\u200f Văn Pọm"),  # right-to-left mark
    ("account_holder", "LO VAN \u202dPOM"),
    ("street", "Tổ 3\u202b"),
])
def test_bidi_control_characters_are_refused(tmp_path, column, value):
    out = run(write_csv(tmp_path / "a.csv", [person(**{column: value})]))
    assert out.status == ImportStatus.REJECTED
    assert [(p.column, p.code) for p in out.first_problems] == [(column, "bidi_chars")]
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize("formula", ["=1+1", "\uff1d1+1", "@SUM(A1)"])
def test_a_formula_in_a_refused_row_is_inert_text_in_the_error_report(tmp_path, formula):
    """(``=1+1`` was neutralised before too; the full-width ``＝`` was not.)"""
    out = run(write_csv(tmp_path / "a.csv", [person(formula, sex=formula,
                                                     benefit_amount=formula)]))
    assert out.status == ImportStatus.REJECTED
    ws = openpyxl.load_workbook(out.error_report).worksheets[0]
    cells = [r[2] for r in ws.iter_rows(min_row=2)]
    assert [(c.value, c.data_type) for c in cells] == [("'" + formula, "s")] * 2


# --- hole 6: hostile workbooks -------------------------------------------------------------------

def a_workbook(path: Path, rows: int = 1) -> Path:
    """A valid import workbook whose text is in a shared-strings table, as Excel writes it
    (openpyxl writes inline strings)."""
    p = person()
    plain = write_xlsx(path.with_suffix(".inline.xlsx"),
                       [list(KEYS), *([p[k] for k in KEYS] for _ in range(rows))])
    strings: list[bytes] = []

    def shared(m: re.Match[bytes]) -> bytes:
        strings.append(m.group(2))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (m.group(1), len(strings) - 1)

    with zipfile.ZipFile(plain) as z:
        sheet = re.sub(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>',
                       shared, z.read("xl/worksheets/sheet1.xml"))
        types = z.read("[Content_Types].xml").replace(b"</Types>", (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        rels = z.read("xl/_rels/workbook.xml.rels").replace(b"</Relationships>", (
            b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9"/>'
            b"</Relationships>"))
    table = (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.'
             b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
             % (len(strings), len(strings))
             + b"".join(b"<si><t>%s</t></si>" % t for t in strings) + b"</sst>")
    return rewritten(plain, path, {
        "xl/worksheets/sheet1.xml": sheet, "[Content_Types].xml": types,
        "xl/_rels/workbook.xml.rels": rels, "xl/sharedStrings.xml": table})


def rewritten(src: Path, dst: Path, members: dict[str, bytes]) -> Path:
    """``src`` with some members replaced or added."""
    replace = dict(members)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.pop(info.filename, None) or zin.read(info))
        for name, data in replace.items():
            zout.writestr(name, data)
    return dst


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;")
                                                   * 10) for i in range(1, 10))
          + b"]>\n")


def with_dtd(xml: bytes) -> bytes:
    """``xml`` with a billion-laughs DTD in its prolog and the entity used in its first
    text element."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return LAUGHS + body.replace(b"<t>", b"<t>&lol9;", 1).replace(b"<v>", b"<v>&lol9;", 1)


@pytest.fixture
def _web(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, path: Path):
    return client.post(reverse("import_upload"), {"file": SimpleUploadedFile(
        "danh-sach.xlsx", path.read_bytes())})


@pytest.mark.usefixtures("_web")
def test_a_zip_bomb_is_refused_before_parsing(tmp_path, lai_chau, login):
    good = a_workbook(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    # 64 MB of whitespace inside the sheet: valid XML, compressed ≈ 1000×
    bomb = rewritten(good, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": sheet.replace(
        b"<sheetData>", b"<sheetData>" + b" " * (64 << 20), 1)})
    assert bomb.stat().st_size < 1 << 20
    response = upload(login(lai_chau.officer), bomb)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REJECTED
    assert "bom nén" in job.message
    assert "zip bomb" in job.message
    assert not Beneficiary.objects.exists()


@pytest.mark.usefixtures("_web")
@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_xml_entities_are_refused_without_a_crash(tmp_path, lai_chau, login, member):
    good = a_workbook(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z:
        xml = z.read(member)
    hostile = rewritten(good, tmp_path / "laughs.xlsx", {member: with_dtd(xml)})
    client = login(lai_chau.officer)
    response = upload(client, hostile)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.REJECTED
    assert "DTD" in job.message
    assert not Beneficiary.objects.exists()
    assert client.get(reverse("import_detail", args=[job.pk])).status_code == 200


def test_broken_xml_inside_a_sheet_is_a_refusal_not_a_crash(tmp_path):
    good = a_workbook(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    broken = rewritten(good, tmp_path / "broken.xlsx", {
        "xl/worksheets/sheet1.xml": sheet.replace(b"</row>", b"&nope;</row>", 2)})
    with pytest.raises(FileRefused) as e:
        run(broken)
    assert e.value.code == "xlsx_malformed"
    assert not Beneficiary.objects.exists()


def test_too_many_shared_strings_are_refused(tmp_path):
    path = a_workbook(tmp_path / "strings.xlsx", rows=10)
    assert run(path).status == ImportStatus.REJECTED  # readable (ID repeated), not refused
    with pytest.raises(FileRefused) as e:
        open_table(path, xlsx_limits=XlsxLimits(max_shared_strings=100))
    assert e.value.code == "xlsx_too_many_strings"
    assert "chuỗi" in e.value.message_vi
    assert "strings" in e.value.message_en


@pytest.mark.usefixtures("_web")
def test_a_job_past_its_time_limit_stops_and_changes_nothing(tmp_path, lai_chau, login,
                                                           settings):
    settings.CHITRA_JOB_TIME_LIMIT = 0
    path = write_csv(tmp_path / "a.csv", [person()])
    response = login(lai_chau.officer).post(reverse("import_upload"), {
        "file": SimpleUploadedFile("a.csv", path.read_bytes(), "text/csv")})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "Quá thời gian" in job.message
    assert "time limit" in job.message
    assert not Beneficiary.objects.exists()
