"""Payment files a bank can process: debited from the office's account at the bank, in the
bank's character set, wallets reached by phone number through their partner bank, ids a
status report can match, and a requested execution date that is never in the past."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from chitra.core.models import AuditEntry, ProviderCharset
from chitra.payments.errors import PaymentError
from chitra.payments.export import run as export
from chitra.payments.iso20022.schemas import load_schema
from chitra.payments.models import OfficeAccount, PaymentCycle, PaymentFile, ProvincePaymentRule
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle

JAN = date(2027, 1, 1)  # transfers on Monday 04/01/2027 (01/01 a holiday, then a weekend)

pytestmark = pytest.mark.usefixtures("paying_office")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
ICT = timezone(timedelta(hours=7))
SWIFT = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?:().,'+ ")
# Controls, a right-to-left override and mark, an emoji with a joiner, markup, a long tail
# (as long as the registry holds: 120 characters).
HOSTILE = "Lò\x1b Văn\u202e Ðức\u200f 😀\u200d👍 <b>&</b> " + "Ư" * 80


def bidv(name: str, account: str, **kw: object):  # type: ignore[no-untyped-def]
    return f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                         account_number=account, **kw)


def wallet(name: str, phone: str):  # type: ignore[no-untyped-def]
    return f.beneficiary(name, channel=Channel.EWALLET, provider_name="MoMo",
                         account_number=phone)


@pytest.fixture
def people():
    """Two BIDV people (one paid into a relative's account), an Agribank one, a MoMo one."""
    return [bidv("Tẩn Thị Mẩy", "123456789012", holder_name="TAN THI MAY"),
            bidv("Lò Thị Én", "123456789013", holder_name="Lò Văn Pọm"),
            f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT,
                          provider_name="Agribank", account_number="1234567890123"),
            wallet("Vàng A Sử", "0912345678")]


def _export(tmp_path, period=NOV, **kw):  # type: ignore[no-untyped-def]
    cycle = approved_cycle(period)
    result = export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False, **kw)
    return cycle, result


def _file(result, provider: str):  # type: ignore[no-untyped-def]
    pf = PaymentFile.objects.get(provider__short_name=provider)
    document = (result.out_dir / pf.file_name).read_bytes()
    schema = load_schema("pain.001.001.09")
    root = etree.fromstring(document)
    assert schema.validate(root.getroottree()), schema.error_log  # every file, every test
    return root, document


def _texts(root, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.text for e in root.iterfind(path, namespaces=NS)]


def test_a_providers_file_is_debited_from_the_offices_account_there(people, tmp_path):
    OfficeAccount.objects.create(province_code=f.LAI_CHAU, provider=f.provider("BIDV"),
                                 account_number="88002010012345", agent_bic="BIDVVNVX")
    OfficeAccount.objects.create(province_code=f.DIEN_BIEN, provider=f.provider("Agribank"),
                                 account_number="7700201001234")  # another province's
    _cycle, result = _export(tmp_path)

    bidv_file, _ = _file(result, "BIDV")
    assert _texts(bidv_file, ".//p:DbtrAcct/p:Id/p:Othr/p:Id") == ["88002010012345"]
    assert _texts(bidv_file, ".//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["BIDVVNVX"]
    assert _texts(bidv_file, ".//p:DbtrAgt//p:MmbId") == ["970418"]  # on us: same BIN
    assert set(_texts(bidv_file, ".//p:CdtrAgt//p:MmbId")) == {"970418"}
    agribank, _ = _file(result, "Agribank")  # no Lai Châu account there: the default one
    assert _texts(agribank, ".//p:DbtrAcct/p:Id/p:Othr/p:Id") == ["8800201001234"]
    assert _texts(agribank, ".//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["VBAAVNVX"]


def test_names_and_remittance_are_upper_case_ascii_unless_the_provider_says_otherwise(
        people, tmp_path):
    agribank = f.provider("Agribank")
    agribank.charset = ProviderCharset.UNICODE
    agribank.save(update_fields=["charset"])
    _cycle, result = _export(tmp_path)

    root, document = _file(result, "BIDV")
    assert document.isascii()
    assert _texts(root, ".//p:Cdtr/p:Nm") == ["TAN THI MAY", "LO VAN POM"]
    assert _texts(root, ".//p:Dbtr/p:Nm") == ["BAO HIEM XA HOI TINH LAI CHAU"]
    assert all(t.startswith("BHXH CHI TRA LUONG HUU, TRO CAP THANG 11/2026")
               for t in _texts(root, ".//p:Ustrd"))
    root, _ = _file(result, "Agribank")
    assert _texts(root, ".//p:Cdtr/p:Nm") == ["Nguyễn Văn Đức"]


@pytest.mark.parametrize("charset", ProviderCharset.values)
def test_hostile_names_are_transliterated_within_the_set_and_140_characters(
        tmp_path, charset):
    bidv(HOSTILE, "123456789012", holder_name=f"{HOSTILE} A")  # another's: "… CHO <name>"
    provider = f.provider("BIDV")
    provider.charset = charset
    provider.save(update_fields=["charset"])
    _cycle, result = _export(tmp_path)

    root, _ = _file(result, "BIDV")
    [name], [remittance] = _texts(root, ".//p:Cdtr/p:Nm"), _texts(root, ".//p:Ustrd")
    assert len(name) <= 140
    assert len(remittance) == 140  # "… CHO <name>" cut to leave room for the EndToEndId
    assert " CHO " in remittance
    expected = {"unicode": "Lò Văn Ðức 😀👍 <b>&</b> ƯƯ", "ascii": "Lo Van Duc ?? (b)+(/b) UU",
                "upper_ascii": "LO VAN DUC ?? (B)+(/B) UU"}[charset]
    assert name.startswith(expected)
    assert remittance.endswith(" CT202611" + _texts(root, ".//p:EndToEndId")[0][-12:])
    if charset != ProviderCharset.UNICODE:
        assert set(name) <= SWIFT
        assert set(remittance) <= SWIFT


def test_a_wallet_paid_by_phone_goes_through_its_partner_bank_with_a_mobile_proxy(
        people, tmp_path):
    momo = f.provider("MoMo")
    momo.partner_bank = f.provider("Vietcombank")
    momo.save(update_fields=["partner_bank"])
    _cycle, result = _export(tmp_path)

    root, _ = _file(result, "MoMo")
    assert _texts(root, ".//p:CdtrAgt/p:FinInstnId/p:BICFI") == ["BFTVVNVX"]
    assert _texts(root, ".//p:CdtrAgt//p:ClrSysId/p:Prtry") == ["NAPAS"]
    assert _texts(root, ".//p:CdtrAgt//p:MmbId") == ["970436"]
    assert _texts(root, ".//p:CdtrAcct/p:Id/p:Othr/p:Id") == ["0912345678"]
    assert _texts(root, ".//p:CdtrAcct/p:Prxy/p:Tp/p:Cd") == ["MBNO"]
    assert _texts(root, ".//p:CdtrAcct/p:Prxy/p:Id") == ["+84912345678"]


def test_a_bank_account_is_never_sent_as_a_proxy(people, tmp_path):
    _cycle, result = _export(tmp_path)

    root, _ = _file(result, "BIDV")
    assert root.find(".//p:Prxy", namespaces=NS) is None
    momo, _ = _file(result, "MoMo")  # no partner bank, no BIN: no agent at all
    assert momo.find(".//p:CdtrAgt", namespaces=NS) is None


def test_instruction_id_and_the_end_of_the_remittance_are_the_end_to_end_id(people, tmp_path):
    _cycle, result = _export(tmp_path)

    for provider in ("BIDV", "Agribank", "MoMo"):
        root, _ = _file(result, provider)
        e2e = _texts(root, ".//p:PmtId/p:EndToEndId")
        assert _texts(root, ".//p:PmtId/p:InstrId") == e2e
        assert [t.rsplit(" ", 1)[1] for t in _texts(root, ".//p:Ustrd")] == e2e


def test_the_napas_bin_is_a_member_id_of_the_napas_clearing_system(people, tmp_path):
    _cycle, result = _export(tmp_path)

    root, _ = _file(result, "Agribank")
    member = root.find(".//p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId", namespaces=NS)
    assert [(e.tag.split("}")[1], e.text) for e in member.iter() if e.text.strip()] == [
        ("Prtry", "NAPAS"), ("MmbId", "970405")]


def test_a_payment_into_someone_elses_account_names_the_beneficiary(people, tmp_path):
    _cycle, result = _export(tmp_path)

    root, _ = _file(result, "BIDV")
    own, relative = _texts(root, ".//p:Ustrd")
    assert " CHO " not in own  # TAN THI MAY holds Tẩn Thị Mẩy's own account
    assert relative.startswith("BHXH CHI TRA LUONG HUU, TRO CAP THANG 11/2026 CHO LO THI EN CT")


def _requested(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [_texts(_file(result, p)[0], ".//p:ReqdExctnDt/p:Dt")[0]
            for p in ("BIDV", "Agribank", "MoMo")]


def test_a_transfer_date_still_ahead_is_kept(people, tmp_path, time_machine):
    time_machine.move_to(datetime(2026, 12, 30, 9, 0, tzinfo=ICT), tick=False)
    cycle, result = _export(tmp_path, JAN)

    assert cycle.transfer_date == date(2027, 1, 4)
    assert _requested(result) == ["2027-01-04"] * 3
    assert result.warnings == []


def test_a_past_transfer_date_moves_to_the_next_banking_day_with_a_warning(
        people, tmp_path, time_machine):
    time_machine.move_to(datetime(2027, 1, 9, 9, 0, tzinfo=ICT), tick=False)  # a Saturday
    cycle, result = _export(tmp_path, JAN)

    assert _requested(result) == ["2027-01-11"] * 3
    [(vi, en)] = result.warnings
    assert "04/01/2027" in vi
    assert "11/01/2027" in vi
    assert "next banking day" in en
    entry = AuditEntry.objects.get(action="cycle.export")
    assert entry.after["requested_execution_date"] == "2027-01-11"
    # Written again days later, the files are the same bytes (the date is the plan's).
    time_machine.move_to(datetime(2027, 1, 20, 9, 0, tzinfo=ICT), tick=False)
    again = tmp_path / "again"
    again.mkdir()
    for pf in PaymentFile.objects.filter(cycle=cycle).select_related("provider"):
        rule = export._rule(cycle.province_code)
        export.write_file(PaymentCycle.objects.get(pk=cycle.pk), pf, rule, again)
        assert (again / pf.file_name).read_bytes() == (result.out_dir / pf.file_name).read_bytes()


def test_the_warning_is_on_the_cycle_page_and_in_the_command_output(
        people, tmp_path, time_machine, lai_chau, login):
    time_machine.move_to(datetime(2027, 1, 9, 9, 0, tzinfo=ICT), tick=False)
    cycle = approved_cycle(JAN)
    out = io.StringIO()
    call_command("cycle", "export", "2027-01", "--province", f.LAI_CHAU, "--no-cash-lists",
                 "--out", str(tmp_path / "out"), "--as", lai_chau.officer.username, stdout=out)
    assert "11/01/2027" in out.getvalue()
    page = login(lai_chau.officer).get(reverse("payment_cycle", args=[cycle.pk]))
    assert page.status_code == 200
    assert "11/01/2027" in page.content.decode()


def test_a_past_transfer_date_is_refused_when_the_province_says_so(
        people, tmp_path, time_machine, lai_chau):
    time_machine.move_to(datetime(2027, 1, 9, 9, 0, tzinfo=ICT), tick=False)
    call_command("payment_settings", "--province", f.LAI_CHAU, "--past-transfer-date",
                 "refuse", "--as", lai_chau.officer.username, stdout=io.StringIO())
    assert ProvincePaymentRule.objects.get(province_code=f.LAI_CHAU).refuse_past_transfer_date
    with pytest.raises(PaymentError) as refused:
        _export(tmp_path, JAN)
    assert refused.value.code == "transfer_date_past"
    cycle = PaymentCycle.objects.get(period=JAN, province_code=f.LAI_CHAU)
    assert cycle.sent_at is None
    assert not PaymentFile.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="cycle.export").exists()


def test_the_same_cycle_gives_the_same_bytes(people, tmp_path):
    cycle, result = _export(tmp_path)
    again = tmp_path / "again"
    again.mkdir()
    rule = export._rule(cycle.province_code)
    for pf in PaymentFile.objects.filter(cycle=cycle).select_related("provider"):
        export.write_file(PaymentCycle.objects.get(pk=cycle.pk), pf, rule, again)
        assert (again / pf.file_name).read_bytes() == (result.out_dir / pf.file_name).read_bytes()
