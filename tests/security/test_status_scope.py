"""Issue 11, hole 1 (and the status part of hole 6): status files in, by province.

The attack run: Điện Biên's Agribank operator uploaded a pain.002 about Lai Châu's Agribank
file, and it applied — items paid, an AC04 closed an account, an MD07 made a person
deceased, an RTRN turned a paid item "returned" so the next compute paid it again. Here
every way in (the service, the CLI, the web page) refuses a file about a payment file or an
account not in the uploader's scope whole, sets aside a line about another province's item
exactly as one about an id that does not exist (issue 13) and changes nothing of it, never
shows a stored amount, takes a return only from a camt.054 with its amount, and reads
uploads in the task worker, never in the request.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from openpyxl import Workbook

from chitra.access.models import User
from chitra.core.errors import Problem
from chitra.payments import ids, services
from chitra.payments.export import run as export
from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD, make_demo_keystore
from chitra.payments.models import (
    CycleStatus,
    ItemStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    ProvincePaymentRule,
    StatusEvent,
    StatusException,
    StatusFile,
)
from chitra.payments.status import stage
from chitra.payments.status import uploads as statusuploads
from chitra.payments.status.ingest import IngestResult, ingest_status_file
from chitra.payments.status.scope import status_scope
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    Channel,
    PaymentAccount,
)
from tests import factories as f
from tests.payments.factories import NOV
from tests.payments.status_files import camt054, pain002

AMOUNT = 5_250_000  # every pension here: a refusal must not show it


@dataclass
class Paid:
    """A province's exported cycle: its Agribank file and items, and a cash item."""

    cycle: PaymentCycle
    agribank: PaymentFile
    ok: PaymentItem  # to be paid
    closed: PaymentItem  # the bank says AC04 (closed account)
    dead: PaymentItem  # the bank says MD07 (deceased)
    cash: PaymentItem


@pytest.fixture(scope="module")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_demo_keystore(tmp_path_factory.mktemp("keys") / "office.p12")


@pytest.fixture
def exported(settings, keystore, tmp_path, lai_chau, dien_bien) -> dict[str, Paid]:
    """Both provinces' November cycles, exported (Lai Châu 12, Điện Biên 11)."""
    settings.KEYSTORE_PATH, settings.KEYSTORE_PASSWORD = keystore, DEMO_KEYSTORE_PASSWORD
    settings.MEDIA_ROOT = tmp_path / "media"
    out: dict[str, Paid] = {}
    for province, ward in ((f.LAI_CHAU, f.DOAN_KET), (f.DIEN_BIEN, f.DIEN_BIEN_PHU)):
        ProvincePaymentRule.objects.create(
            province_code=province, debtor_name="BẢO HIỂM XÃ HỘI TỈNH",
            debtor_account=f"88002010012{province}", debtor_agent_bic="VBAAVNVX")
        people = [f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name="Agribank",
                                province_code=province, ward_code=ward)
                  for name in ("Tẩn Thị Mẩy", "Vàng A Sử", "Giàng A Chớ")]
        cash = f.beneficiary("Lò Văn Pọm", province_code=province, ward_code=ward)
        cycle = services.open_cycle(province, NOV, "officer")
        services.compute_cycle(cycle.pk, "officer")
        services.approve_cycle(cycle.pk, "approver")
        export.export_cycle(cycle.pk, "officer", tmp_path / province, cash_lists=False)
        cycle.refresh_from_db()

        def item(b: Beneficiary, cycle: PaymentCycle = cycle) -> PaymentItem:
            return PaymentItem.objects.get(beneficiary=b, cycle=cycle)

        out[province] = Paid(cycle, PaymentFile.objects.get(cycle=cycle,
                                                            provider__short_name="Agribank"),
                             *map(item, people), item(cash))
    return out


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _ingest(tmp_path: Path, name: str, data: bytes, user: User) -> IngestResult:
    return ingest_status_file(_file(tmp_path, name, data), user)


def _attack(paid: Paid) -> list[tuple[str, str, str | None, int | None]]:
    """What the attacker's pain.002 said about Lai Châu's items."""
    return [(paid.ok.end_to_end_id, "ACSC", None, AMOUNT),
            (paid.closed.end_to_end_id, "RJCT", "AC04", AMOUNT),
            (paid.dead.end_to_end_id, "RJCT", "MD07", AMOUNT)]


def _no_such_item(k: int = 0) -> str:
    """An EndToEndId of ours that names no item."""
    return ids.end_to_end_id(NOV, PaymentItem.objects.order_by("-id").first().pk + 1000 + k)


def _said(problems: list[Problem]) -> list[tuple[int | None, str, str, str, str]]:
    """What a refusal tells, but the value the uploader sent."""
    return [(p.row, p.column, p.code, p.message_vi, p.message_en) for p in problems]


def _account(province: str) -> str:
    """The province's paying account (its camt.054 notifications are about it)."""
    return f"88002010012{province}"


def _nothing_happened(paid: Paid) -> None:
    """Nothing of ``paid``'s province changed: no item, event, exception, cycle, account or
    person (a file of the other province may have been taken in, with its lines set aside)."""
    for item in (paid.ok, paid.closed, paid.dead):
        assert PaymentItem.objects.get(pk=item.pk).current_status == ItemStatus.SENT
    assert not StatusEvent.objects.filter(item__cycle=paid.cycle).exists()
    assert not StatusException.objects.exists()
    assert PaymentCycle.objects.get(pk=paid.cycle.pk).status == CycleStatus.EXPORTED
    assert PaymentAccount.objects.filter(beneficiary_id=paid.closed.beneficiary_id,
                                         valid_to__isnull=True,
                                         channel=Channel.BANK_ACCOUNT).exists()
    dead = Beneficiary.objects.get(pk=paid.dead.beneficiary_id)
    assert dead.status != BeneficiaryStatus.DECEASED
    assert Benefit.objects.filter(beneficiary=dead, status=BenefitStatus.ACTIVE).exists()


def _shows_no_amount(problems: list[Problem]) -> None:
    for p in problems:
        assert str(AMOUNT) not in p.message_vi + p.message_en
        assert "5.250.000" not in p.message_vi + p.message_en


# --- the service (every path goes through it) ------------------------------------------------

def test_other_provinces_bank_cannot_apply_a_pain002_about_our_file(exported, dien_bien,
                                                                    tmp_path):
    lc = exported[f.LAI_CHAU]
    result = _ingest(tmp_path, "attack.xml", pain002(lc.agribank.msg_id, _attack(lc)),
                     dien_bien.bank)
    assert {p.code for p in result.problems} == {"unknown_msg_id"}
    _nothing_happened(lc)
    # Word for word what a file naming no payment file at all gets.
    made_up = _ingest(tmp_path, "made-up.xml", pain002(lc.agribank.msg_id[:-3] + "999",
                                                       _attack(lc)), dien_bien.bank)
    assert _said(result.problems) == _said(made_up.problems)


def test_own_msg_id_with_another_provinces_items_reads_as_unknown_ids(exported, dien_bien,
                                                                      tmp_path):
    """Its own file's msg id, Lai Châu's EndToEndIds: set aside as if those ids did not
    exist (no "not in that message", no exception, no stored amount, whatever amount the
    file states), and the bank's own line applies."""
    lc, db = exported[f.LAI_CHAU], exported[f.DIEN_BIEN]
    lines = _attack(lc)
    lines[0] = (lc.ok.end_to_end_id, "ACSC", None, AMOUNT + 1)  # a wrong amount, too
    own = (db.ok.end_to_end_id, "ACSC", None, AMOUNT)
    result = _ingest(tmp_path, "attack.xml", pain002(db.agribank.msg_id, [*lines, own]),
                     dien_bien.bank)
    assert (result.problems, result.applied, result.exceptions, result.set_aside) == (
        [], 1, 0, 3)
    assert [p.code for p in result.set_aside_lines] == ["unknown_end_to_end_id"] * 3
    _nothing_happened(lc)
    _shows_no_amount(result.set_aside_lines)
    assert PaymentItem.objects.get(pk=db.ok.pk).status == ItemStatus.PAID
    made_up = _ingest(tmp_path, "made-up.xml", pain002(db.agribank.msg_id, [
        (_no_such_item(k), *line[1:]) for k, line in enumerate(lines)]), dien_bien.bank)
    assert _said(result.set_aside_lines) == _said(made_up.set_aside_lines)


def test_camt054_about_another_provinces_items_changes_nothing(exported, dien_bien, lai_chau,
                                                               tmp_path):
    lc = exported[f.LAI_CHAU]
    paid = _ingest(tmp_path, "paid.xml", pain002(lc.agribank.msg_id, [
        (lc.ok.end_to_end_id, "ACSC", None, AMOUNT)]), lai_chau.bank)
    assert (paid.problems, paid.applied) == ([], 1)
    entries = [(lc.ok.end_to_end_id, AMOUNT, True, "AC04"),  # the "return" to pay it again
               (lc.dead.end_to_end_id, AMOUNT, True, "MD07"),
               (lc.closed.end_to_end_id, AMOUNT + 1, False, None)]
    # About Lai Châu's account: not one of Điện Biên's, refused whole.
    wrong = _ingest(tmp_path, "wrong.xml", camt054(entries, account=_account(f.LAI_CHAU)),
                    dien_bien.bank)
    assert [p.code for p in wrong.problems] == ["bad_file"]
    # About its own account: the lines are set aside as about no item.
    result = _ingest(tmp_path, "attack.xml", camt054(entries, account=_account(f.DIEN_BIEN)),
                     dien_bien.bank)
    assert (result.problems, result.applied, result.exceptions, result.set_aside) == (
        [], 0, 0, 3)
    assert [p.code for p in result.set_aside_lines] == ["unknown_end_to_end_id"] * 3
    _shows_no_amount(result.set_aside_lines)
    assert PaymentItem.objects.get(pk=lc.ok.pk).status == ItemStatus.PAID
    assert PaymentItem.objects.get(pk=lc.closed.pk).current_status == ItemStatus.SENT
    assert StatusEvent.objects.count() == 1  # paid.xml's
    assert not StatusException.objects.exists()
    assert Beneficiary.objects.get(pk=lc.dead.beneficiary_id).status != BeneficiaryStatus.DECEASED
    made_up = _ingest(tmp_path, "made-up.xml", camt054([
        (_no_such_item(k), *e[1:]) for k, e in enumerate(entries)],
        account=_account(f.DIEN_BIEN)), dien_bien.bank)
    assert _said(result.set_aside_lines) == _said(made_up.set_aside_lines)


def test_other_provinces_post_office_cannot_report_our_cash(exported, dien_bien, tmp_path):
    lc = exported[f.LAI_CHAU]
    body = f"Mã giao dịch,Số tiền,Kết quả\n{lc.cash.end_to_end_id},{AMOUNT},Đã chi\n"
    result = _ingest(tmp_path, "ket-qua.csv", body.encode(), dien_bien.post_office)
    assert (result.problems, result.applied, result.set_aside) == ([], 0, 1)
    assert [p.code for p in result.set_aside_lines] == ["unknown_end_to_end_id"]
    assert PaymentItem.objects.get(pk=lc.cash.pk).current_status == ItemStatus.SENT
    assert PaymentCycle.objects.get(pk=lc.cycle.pk).status == CycleStatus.EXPORTED
    made_up = f"Mã giao dịch,Số tiền,Kết quả\n{_no_such_item()},{AMOUNT},Đã chi\n"
    assert _said(result.set_aside_lines) == _said(_ingest(
        tmp_path, "ket-qua-2.csv", made_up.encode(), dien_bien.post_office).set_aside_lines)


def test_each_province_applies_its_own_files(exported, lai_chau, dien_bien, tmp_path):
    for province, user in ((f.LAI_CHAU, lai_chau), (f.DIEN_BIEN, dien_bien)):
        paid = exported[province]
        result = _ingest(tmp_path, f"{province}.xml", pain002(paid.agribank.msg_id,
                                                              _attack(paid)), user.bank)
        assert (result.problems, result.applied) == ([], 3)
        assert PaymentItem.objects.get(pk=paid.closed.pk).status == ItemStatus.REJECTED
        assert Beneficiary.objects.get(pk=paid.dead.beneficiary_id).status == \
            BeneficiaryStatus.DECEASED
        back = _ingest(tmp_path, f"{province}-back.xml",
                       camt054([(paid.ok.end_to_end_id, AMOUNT, True, "AC06")],
                               account=_account(province)), user.bank)
        assert (back.problems, back.applied) == ([], 1)
        assert PaymentItem.objects.get(pk=paid.ok.pk).status == ItemStatus.RETURNED
        cash = _ingest(tmp_path, f"{province}.csv", (
            f"Mã giao dịch,Số tiền,Kết quả\n{paid.cash.end_to_end_id},{AMOUNT},Đã chi\n"
        ).encode(), user.post_office)
        assert (cash.problems, cash.applied) == ([], 1)
    officer = _ingest(tmp_path, "officer.xml", pain002(
        exported[f.DIEN_BIEN].agribank.msg_id, [(exported[f.DIEN_BIEN].ok.end_to_end_id,
                                                 "ACSC", None, None)]), lai_chau.officer)
    assert [p.code for p in officer.problems] == ["unknown_msg_id"]  # the officer's too


def test_another_banks_operator_of_the_province_is_out_of_scope(exported, lai_chau, tmp_path):
    lc = exported[f.LAI_CHAU]
    result = _ingest(tmp_path, "bidv.xml", pain002(lc.agribank.msg_id, _attack(lc)),
                     lai_chau.other_bank)
    assert {p.code for p in result.problems} == {"unknown_msg_id"}
    _nothing_happened(lc)


def test_one_scope_rule_per_role(lai_chau, dien_bien):
    bank = status_scope(dien_bien.bank)
    assert (bank.province_code, bank.provider_id) == (f.DIEN_BIEN,
                                                      dien_bien.bank.organization.provider_id)
    assert status_scope(dien_bien.post_office).cash_only
    for user in (lai_chau.ward_team, lai_chau.police, lai_chau.viewer):
        assert status_scope(user).nothing
        assert status_scope(user).items_sql() == ("FALSE", [])


# --- returns and amounts --------------------------------------------------------------------

def test_a_return_is_not_taken_from_a_pain002(exported, lai_chau, tmp_path):
    lc = exported[f.LAI_CHAU]
    _ingest(tmp_path, "paid.xml", pain002(lc.agribank.msg_id, [
        (lc.ok.end_to_end_id, "ACSC", None, AMOUNT)]), lai_chau.bank)
    for k, amount in enumerate((AMOUNT, None)):
        result = _ingest(tmp_path, f"rtrn-{k}.xml", pain002(lc.agribank.msg_id, [
            (lc.ok.end_to_end_id, "RTRN", "AC04", amount)]), lai_chau.bank)
        assert (result.problems, result.applied, result.exceptions) == ([], 0, 0)
        assert [(p.code, p.value) for p in result.set_aside_lines] == [
            ("status_not_from_source", "RTRN")]
        assert "camt.054" in result.set_aside_lines[0].message_en
    group = _ingest(tmp_path, "rtrn-group.xml", pain002(lc.agribank.msg_id, [],
                                                        group_status="RTRN"), lai_chau.bank)
    assert (group.problems, group.applied, group.set_aside) == ([], 0, 3)
    assert {p.code for p in group.set_aside_lines} == {"status_not_from_source"}
    assert not StatusException.objects.exists()
    item = PaymentItem.objects.get(pk=lc.ok.pk)
    assert (item.status, item.reason_code) == (ItemStatus.PAID, "")
    assert PaymentAccount.objects.filter(beneficiary_id=lc.ok.beneficiary_id,
                                         valid_to__isnull=True,
                                         channel=Channel.BANK_ACCOUNT).exists()


def test_a_return_must_state_the_items_amount(exported, lai_chau, tmp_path):
    lc = exported[f.LAI_CHAU]
    _ingest(tmp_path, "paid.xml", pain002(lc.agribank.msg_id, [
        (lc.ok.end_to_end_id, "ACSC", None, AMOUNT)]), lai_chau.bank)
    wrong = _ingest(tmp_path, "back.xml", camt054([(lc.ok.end_to_end_id, AMOUNT - 1, True,
                                                    "AC04")], account=_account(f.LAI_CHAU)),
                    lai_chau.bank)
    assert (wrong.problems, wrong.applied, wrong.exceptions) == ([], 0, 1)
    assert list(StatusException.objects.values_list("item_id", "kind", "amount")) == [
        (lc.ok.pk, "amount_mismatch", AMOUNT - 1)]
    assert PaymentItem.objects.get(pk=lc.ok.pk).status == ItemStatus.PAID


def test_a_camt054_line_without_an_amount_is_refused(exported, lai_chau, tmp_path):
    lc = exported[f.LAI_CHAU]
    data = camt054([(lc.ok.end_to_end_id, AMOUNT, False, None)],
                   account=_account(f.LAI_CHAU)).replace(
        f'<Amt Ccy="VND">{AMOUNT}</Amt>'.encode(), b"")
    result = _ingest(tmp_path, "no-amount.xml", data, lai_chau.bank)
    assert [p.code for p in result.problems] == ["bad_file"]
    assert "Amt" in result.problems[0].message_en
    assert PaymentItem.objects.get(pk=lc.ok.pk).current_status == ItemStatus.SENT


def test_staged_return_or_camt054_line_without_amount_is_set_aside(exported, lai_chau):
    """Whatever reader staged them (a later bank returns file): no amount, no return."""
    lc = exported[f.LAI_CHAU]
    for source, code in (("camt054", "RTRN"), ("camt054", "BOOKED")):
        with transaction.atomic(), stage.staging():
            staged = stage.load([(7, lc.ok.end_to_end_id, code, "AC04", None, None, False, "",
                                  None, None)])
            decided = stage.decide(*status_scope(lai_chau.bank).items_sql(), staged, {},
                                   source)
            assert (decided.set_aside, decided.held, decided.moved) == (1, 0, 0)
            assert [r[-1] for r in stage.set_aside(decided)] == ["amount_missing"], code


# --- the CLI ---------------------------------------------------------------------------------

def test_cli_refuses_another_provinces_file(exported, dien_bien, tmp_path, capsys):
    lc = exported[f.LAI_CHAU]
    attack = _file(tmp_path, "attack.xml", pain002(lc.agribank.msg_id, _attack(lc)))
    back = _file(tmp_path, "back.xml", camt054([(lc.ok.end_to_end_id, AMOUNT, True, "AC04")],
                                               account=_account(f.LAI_CHAU)))
    with pytest.raises(CommandError, match="2 tệp bị từ chối"):
        call_command("ingest_status", str(attack), str(back), "--as", dien_bien.bank.username)
    captured = capsys.readouterr()
    assert "No payment file has this message id." in captured.err
    assert "back.xml: TỪ CHỐI" in captured.err  # not an account of Điện Biên's office
    assert str(AMOUNT) not in captured.out + captured.err
    _nothing_happened(lc)
    assert not StatusFile.objects.exists()


# --- the web page: read by the worker, shown when done ---------------------------------------

@pytest.fixture
def web(client):
    def login(user: User):
        client.force_login(user)
        return client
    return login


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_web_upload_is_read_by_the_worker_not_the_request(exported, lai_chau, dien_bien, web,
                                                          settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    lc = exported[f.LAI_CHAU]
    body = _xlsx([["Mã giao dịch", "Số tiền", "Kết quả"],
                  [lc.cash.end_to_end_id, AMOUNT, "Đã chi"]])
    client = web(lai_chau.post_office)
    response = client.post(reverse("payment_status_upload"), {
        "file": SimpleUploadedFile("ket-qua.xlsx", body)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'id="result-pending"' in page
    assert PaymentItem.objects.get(pk=lc.cash.pk).current_status == ItemStatus.SENT
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    # Only who sent it sees it; another province's post office gets "no such page".
    assert web(dien_bien.post_office).get(response["Location"]).status_code == 404
    assert statusuploads.run(token) == statusuploads.DONE  # what the worker does
    page = web(lai_chau.post_office).get(response["Location"]).content.decode()
    assert '<dd id="result-applied-count">1</dd>' in page
    assert PaymentItem.objects.get(pk=lc.cash.pk).status == ItemStatus.PAID
    assert not (Path(settings.MEDIA_ROOT) / "status-uploads" / token / "upload.xlsx").exists()


def test_web_upload_from_another_province_is_refused_like_unknown_ids(exported, dien_bien, web,
                                                                      settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    lc = exported[f.LAI_CHAU]
    page = web(dien_bien.bank).post(reverse("payment_status_upload"), {
        "file": SimpleUploadedFile("attack.xml", pain002(lc.agribank.msg_id, _attack(lc)))},
        follow=True).content.decode()
    assert 'id="result-refused"' in page
    assert "Không có tệp chi nào mang mã này." in page
    assert "5.250.000" not in page
    assert str(AMOUNT) not in page
    _nothing_happened(lc)


def test_an_xlsx_bomb_is_refused_with_its_reason(exported, lai_chau, web, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (30 << 20) + b"/>")
    response = web(lai_chau.post_office).post(reverse("payment_status_upload"), {
        "file": SimpleUploadedFile("ket-qua.xlsx", bomb.getvalue())}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="result-refused"' in page
    assert ".xlsx" in page
    assert not StatusFile.objects.exists()
