"""Open → compute → approve → export → status in → reconcile → reissue, on real files."""

from __future__ import annotations

import pytest
from lxml import etree

from chitra.access.models import Role
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.export.manifest import verify_manifest
from chitra.payments.export.signing import demo_cert_path, verify_with_openssl
from chitra.payments.iso20022.schemas import load_schema
from chitra.payments.models import (
    CycleStatus,
    ExceptionKind,
    ItemStatus,
    ObligationStatus,
    OfficeAccount,
    PaymentFile,
    PaymentItem,
    RefusedStatusFile,
    StatusEvent,
    StatusException,
    StatusFile,
)
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import BeneficiaryStatus, Channel, PaymentAccount
from tests import factories as f
from tests.payments.factories import DEC, NOV, approved_cycle
from tests.payments.status_files import camt054, pain002

pytestmark = pytest.mark.usefixtures("paying_office")


@pytest.fixture
def people():
    return {
        "cash": f.beneficiary("Lò Văn Pọm", amount=3_100_000),
        "ok": f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                            account_number="123456789012", amount=4_200_000),
        "bad": f.beneficiary("Vàng A Sử", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                             account_number="123456789013", amount=5_000_000),
        "dead": f.beneficiary("Giàng Thị Dình", channel=Channel.BANK_ACCOUNT,
                              provider_name="BIDV", account_number="123456789014",
                              amount=6_000_000),
        "agri": f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT,
                              provider_name="Agribank", account_number="1234567890123"),
    }


@pytest.fixture
def exported(people, tmp_path):
    cycle = approved_cycle(NOV)
    result = export.export_cycle(cycle.pk, "officer", tmp_path / "out")
    return cycle, result


def _item(b, cycle):
    return PaymentItem.objects.get(beneficiary=b, cycle=cycle)


def test_export_writes_schema_valid_signed_files_and_cash_lists(exported, office_keystore):
    cycle, result = exported
    schema = load_schema("pain.001.001.09")
    assert {p.name for p in result.files} == set(
        PaymentFile.objects.filter(cycle=cycle).values_list("file_name", flat=True))
    assert len(result.files) == 2  # BIDV and Agribank
    for path in result.files:
        schema.assertValid(etree.parse(str(path)))
        sig = path.with_name(path.name + ".p7s")
        assert verify_with_openssl(path, sig, demo_cert_path(office_keystore))
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    assert (bidv.tx_count, bidv.control_sum) == (3, 15_200_000)
    doc = etree.parse(str(result.out_dir / bidv.file_name))
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    assert doc.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "15200000"
    assert doc.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert [p.suffix for p in result.cash_lists] == [".xlsx", ".pdf"]
    assert verify_manifest(result.manifest) == []
    assert PaymentItem.objects.filter(cycle=cycle).in_status(ItemStatus.SENT).count() == 5
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.EXPORTED


def test_changed_byte_fails_openssl_verification(exported, office_keystore):
    _, result = exported
    path = result.files[0]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = path.with_name("tampered.xml")
    tampered.write_bytes(bytes(data))
    sig = path.with_name(path.name + ".p7s")
    assert not verify_with_openssl(tampered, sig, demo_cert_path(office_keystore))


def test_re_export_gives_the_same_bytes_and_no_new_items(exported, tmp_path):
    cycle, first = exported
    before = {p.name: p.read_bytes() for p in [*first.files, first.manifest]}
    items = PaymentItem.objects.count()
    again = export.export_cycle(cycle.pk, "officer", tmp_path / "again")
    after = {p.name: p.read_bytes() for p in [*again.files, again.manifest]}
    assert after == before
    for p in first.files:  # signatures too (signing time is the file's created-at)
        sig = p.name + ".p7s"
        assert (again.out_dir / sig).read_bytes() == (first.out_dir / sig).read_bytes()
    assert PaymentItem.objects.count() == items
    assert PaymentFile.objects.filter(cycle=cycle).count() == 2


def test_mixed_status_file_reconciles_and_next_cycle_reissues(exported, people, tmp_path):
    cycle, _ = exported
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    ok, bad, dead = (_item(people[k], cycle) for k in ("ok", "bad", "dead"))
    reply = tmp_path / "bidv-pain002.xml"
    reply.write_bytes(pain002(bidv.msg_id, [
        (ok.end_to_end_id, "ACSC", None, 4_200_000),
        (bad.end_to_end_id, "RJCT", "AC04", 5_000_000),
        (dead.end_to_end_id, "RJCT", "MD07", None)]))
    bank_user = f.user(Role.BANK_OPERATOR, org=f.organization(
        f.OrganizationKind.BANK, provider=f.provider("BIDV")))
    result = ingest_status_file(reply, bank_user)
    assert result.problems == []
    assert (result.applied, result.unchanged) == (3, 0)
    events = set(StatusEvent.objects.values_list("item_id", "iso_status", "reason_code",
                                                 "from_status", "to_status"))
    assert events == {(ok.id, "ACSC", "", "sent", "paid"),
                      (bad.id, "RJCT", "AC04", "sent", "rejected"),
                      (dead.id, "RJCT", "MD07", "sent", "rejected")}
    statuses = dict(PaymentItem.objects.filter(cycle=cycle).values_list("beneficiary_id", "status"))
    assert statuses[people["ok"].id] == ItemStatus.PAID
    assert statuses[people["bad"].id] == ItemStatus.REJECTED
    assert ok.obligation.__class__.objects.get(pk=ok.obligation_id).status == ObligationStatus.PAID
    people["dead"].refresh_from_db()
    assert people["dead"].status == BeneficiaryStatus.DECEASED
    current = PaymentAccount.objects.get(beneficiary=people["bad"], valid_to__isnull=True)
    assert current.channel == Channel.CASH  # province rule: reissue a bad account as cash
    closed = PaymentAccount.objects.get(beneficiary=people["bad"], channel=Channel.BANK_ACCOUNT)
    assert closed.closed_reason.startswith("AC04")
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.RECONCILING

    # Same file again: recognized, applied once.
    again = ingest_status_file(reply, bank_user)
    assert again.duplicate
    assert StatusFile.objects.count() == 1

    dec = services.compute_cycle(services.open_cycle("12", DEC, "officer").pk, "officer")
    reissue = PaymentItem.objects.get(cycle=dec, beneficiary=people["bad"],
                                      obligation=bad.obligation)
    assert reissue.channel == Channel.CASH
    assert reissue.replaces_id == bad.id
    assert reissue.amount == 5_000_000
    # December's own obligation for the same person, plus November's reissued one.
    assert PaymentItem.objects.filter(cycle=dec, beneficiary=people["bad"]).count() == 2
    assert not PaymentItem.objects.filter(cycle=dec, beneficiary=people["dead"]).exists()
    assert not PaymentItem.objects.filter(cycle=dec, obligation=ok.obligation).exists()


def _refused(result, code):
    assert result.applied == 0
    assert code in {p.code for p in result.problems}, result.problems


def _held(result, kind):
    assert result.problems == []
    assert result.exceptions == 1
    assert list(StatusException.objects.values_list("kind", flat=True)) == [kind]


def test_unknown_end_to_end_id_is_set_aside_and_the_rest_applies(exported, people, tmp_path):
    cycle, _ = exported
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    ok = _item(people["ok"], cycle)
    reply = tmp_path / "r.xml"
    reply.write_bytes(pain002(bidv.msg_id, [(ok.end_to_end_id, "ACSC", None, None),
                                            ("CT202611999999999999", "ACSC", None, None)]))
    result = ingest_status_file(reply, f.user(Role.BHXH_OFFICER))
    assert (result.problems, result.applied, result.set_aside) == ([], 1, 1)
    assert [(p.code, p.value) for p in result.set_aside_lines] == [
        ("unknown_end_to_end_id", "CT202611999999999999")]
    assert _item(people["ok"], cycle).current_status == ItemStatus.PAID
    assert StatusFile.objects.get().set_aside_lines[0]["value"] == "CT202611999999999999"
    assert not RefusedStatusFile.objects.exists()


def test_amount_that_differs_is_held(exported, people, tmp_path):
    cycle, _ = exported
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    ok = _item(people["ok"], cycle)
    reply = tmp_path / "r.xml"
    reply.write_bytes(pain002(bidv.msg_id, [(ok.end_to_end_id, "ACSC", None, 4_200_001)]))
    _held(ingest_status_file(reply, f.user(Role.BHXH_OFFICER)), ExceptionKind.AMOUNT_MISMATCH)
    assert _item(people["ok"], cycle).current_status == ItemStatus.SENT


def test_unknown_msg_id_refuses_the_file(exported, people, tmp_path):
    cycle, _ = exported
    ok = _item(people["ok"], cycle)
    reply = tmp_path / "r.xml"
    reply.write_bytes(pain002("BHXH-12-202611-999999-0001",
                              [(ok.end_to_end_id, "ACSC", None, None)]))
    _refused(ingest_status_file(reply, f.user(Role.BHXH_OFFICER)), "unknown_msg_id")


def test_status_contradicting_a_final_one_is_held(exported, people, tmp_path):
    cycle, _ = exported
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    ok = _item(people["ok"], cycle)
    officer = f.user(Role.BHXH_OFFICER)
    first = tmp_path / "1.xml"
    first.write_bytes(pain002(bidv.msg_id, [(ok.end_to_end_id, "ACCC", None, None)]))
    assert ingest_status_file(first, officer).applied == 1
    late = tmp_path / "2.xml"
    late.write_bytes(pain002(bidv.msg_id, [(ok.end_to_end_id, "ACSP", None, None)]))
    assert ingest_status_file(late, officer).unchanged == 1  # late intermediate: recorded
    contra = tmp_path / "3.xml"
    contra.write_bytes(pain002(bidv.msg_id, [(ok.end_to_end_id, "RJCT", "AC04", None)]))
    _held(ingest_status_file(contra, officer), ExceptionKind.CONFLICT)
    assert _item(people["ok"], cycle).status == ItemStatus.PAID
    assert StatusEvent.objects.filter(item=ok).count() == 2  # the held line wrote none


def test_bank_cannot_ingest_status_for_another_banks_file(exported, people, tmp_path):
    cycle, _ = exported
    agri = PaymentFile.objects.get(cycle=cycle, provider__short_name="Agribank")
    item = _item(people["agri"], cycle)
    reply = tmp_path / "r.xml"
    reply.write_bytes(pain002(agri.msg_id, [(item.end_to_end_id, "ACSC", None, None)]))
    bidv_user = f.user(Role.BANK_OPERATOR, org=f.organization(
        f.OrganizationKind.BANK, provider=f.provider("BIDV")))
    _refused(ingest_status_file(reply, bidv_user), "unknown_msg_id")  # as if none existed


def test_bank_notification_without_msg_id_counts_only_for_its_own_items(exported, people,
                                                                        tmp_path):
    """A camt.054 names no payment file: the bank's own items are those in its files."""
    cycle, _ = exported
    agri, bidv = _item(people["agri"], cycle), _item(people["ok"], cycle)
    bidv_user = f.user(Role.BANK_OPERATOR, org=f.organization(
        f.OrganizationKind.BANK, provider=f.provider("BIDV")))
    # The paying account is at Agribank: not an account BIDV may notify about.
    paying = tmp_path / "paying.xml"
    paying.write_bytes(camt054([(bidv.end_to_end_id, bidv.amount, False, None)]))
    _refused(ingest_status_file(paying, bidv_user), "bad_file")
    OfficeAccount.objects.create(province_code="12", provider=f.provider("BIDV"),
                                 account_number="1200009999999")
    other = tmp_path / "other.xml"
    other.write_bytes(camt054([(agri.end_to_end_id, agri.amount, False, None)],
                              account="1200009999999"))
    aside = ingest_status_file(other, bidv_user)
    assert (aside.problems, aside.applied, aside.set_aside) == ([], 0, 1)
    assert [p.code for p in aside.set_aside_lines] == ["unknown_end_to_end_id"]
    own = tmp_path / "own.xml"
    own.write_bytes(camt054([(bidv.end_to_end_id, bidv.amount, False, None)],
                            account="1200009999999"))
    assert ingest_status_file(own, bidv_user).applied == 1
    assert _item(people["ok"], cycle).status == ItemStatus.PAID
    assert _item(people["agri"], cycle).current_status == ItemStatus.SENT


def test_hostile_xml_is_refused_and_changes_nothing(exported, tmp_path):
    reply = tmp_path / "evil.xml"
    reply.write_bytes(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                      b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">&x;'
                      b"</Document>")
    result = ingest_status_file(reply, f.user(Role.BHXH_OFFICER))
    assert result.problems
    assert not StatusFile.objects.exists()
    assert RefusedStatusFile.objects.get().problems


def test_cli_refusal_exits_non_zero(exported, tmp_path):
    bad = tmp_path / "garbage.xml"
    bad.write_bytes(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.002.001.10'><oops")
    f.user(Role.BHXH_OFFICER, username="canbo")
    from django.core.management import call_command
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match=r"refused|từ chối"):
        call_command("ingest_status", str(bad), "--as", "canbo")


