# ruff: noqa: S608 - table names come from model metadata; values are parameters.
"""Export an approved cycle: pain.001 per provider (split at its file size), detached
signatures, a manifest, and cash lists per payment point and date (DESIGN §6).

Two phases, so a crash anywhere gives the same files on the next run:

1. *Plan* (one transaction): describe each file (``PaymentFile`` rows with their msg id,
   created-at, count, control sum and item id range) and stamp the cycle ``sent_at``, which
   makes its items ``sent``. No item row is written: a file is an id range, an EndToEndId is
   derived from the period and the item id (see ``PaymentItem``).
2. *Write* (outside the transaction): each file is a pure function of the committed plan,
   written streaming to a temporary name and renamed. Re-running phase 2 rewrites the same
   bytes; a file whose hash differs from the one recorded at first export is an error.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from chitra.config import CONFIG
from chitra.core import audit, faults
from chitra.core.models import PaymentProvider, ProviderKind
from chitra.core.workerpool import may_share_database
from chitra.payments import calendar, ids, lifecycle
from chitra.payments.errors import PaymentError
from chitra.payments.export import cashrun, manifest, pool, signing
from chitra.payments.iso20022 import pain001
from chitra.payments.iso20022.text import Charset, same_letters
from chitra.payments.lifecycle import Step
from chitra.payments.models import (
    OfficeAccount,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    ProvincePaymentRule,
)

Progress = Callable[[str, int, int], None]


@dataclass
class ExportResult:
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    cash_lists: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    # (Vietnamese, English) messages the operator should read, e.g. a moved transfer date.
    warnings: list[tuple[str, str]] = field(default_factory=list)


def export_dir(cycle: PaymentCycle) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / cycle.province_code / f"{cycle.period:%Y-%m}"


def export_cycle(cycle_id: int, actor: str, out_dir: Path | None = None,
                 progress: Progress | None = None, cash_lists: bool = True) -> ExportResult:
    """Plan and write every file of the cycle; ``cash_lists=False`` leaves the post-office
    lists to :func:`write_cash_lists` (they are slower: a PDF per payment point and day).

    A transfer date already past when the cycle is planned is moved to the next banking day
    (a warning in the result), or refused when the province's rule
    ``refuse_past_transfer_date`` says so."""
    step = progress or (lambda _s, _d, _t: None)
    cycle = _plan(cycle_id, actor)
    rule = _rule(cycle.province_code)
    out = out_dir or export_dir(cycle)
    out.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out, warnings=transfer_date_warnings(cycle))
    files = list(PaymentFile.objects.filter(cycle=cycle).select_related("provider__partner_bank")
                 .order_by("provider__short_name", "sequence"))
    by_id = {pf.pk: pf for pf in files}
    signer = signing.signer_from_settings()  # here only: the key never leaves this process
    signatures: dict[int, str] = {}
    for n, w in enumerate(_write_files(cycle, files, rule, out), 1):
        pf = by_id[w.file_id]
        PaymentFile.objects.filter(pk=pf.pk, sha256="").update(sha256=w.sha256)
        sig = out / f"{pf.file_name}.p7s"
        signer.sign_detached(out / pf.file_name, sig, signing_time=pf.created_at,
                             digest=bytes.fromhex(w.sha256))
        signatures[pf.pk] = manifest.sha256_file(sig)
        pf.sha256 = w.sha256
        step("export", n, len(files))
        _fault_point(n)
    entries = []
    for pf in files:
        entries.append(manifest.ManifestEntry(
            file_name=pf.file_name, sha256=pf.sha256, tx_count=pf.tx_count,
            control_sum=pf.control_sum, signature_file=f"{pf.file_name}.p7s",
            signature_sha256=signatures[pf.pk]))
        result.files.append(out / pf.file_name)
    if cash_lists:
        result.cash_lists = _write_cash_lists(cycle, out)
    result.manifest = out / f"manifest-{cycle.province_code}-{cycle.period:%Y-%m}.json"
    manifest.write_manifest(result.manifest, entries, {
        "province": cycle.province_code, "period": f"{cycle.period:%Y-%m}",
        "cash_lists": sorted(p.name for p in result.cash_lists)})
    with transaction.atomic():
        c = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        lifecycle.advance(c, Step.EXPORT, exported_at=timezone.now())
        audit.record(actor, "cycle.export", "payment_cycle", c.pk,
                     after={"files": len(files), "cash_lists": len(result.cash_lists),
                            "out": str(out),
                            "requested_execution_date": f"{requested_execution_date(c)}"})
    return result


def requested_execution_date(cycle: PaymentCycle) -> date:
    """``ReqdExctnDt`` of the cycle's files: its transfer date, or — when that was already
    past on the day the export was planned (``sent_at``; today before it is) — the next
    banking day from then. Derived from the plan, so a rewrite gives the same bytes."""
    wanted = cycle.transfer_date or cycle.period
    planned = timezone.localdate(cycle.sent_at) if cycle.sent_at else timezone.localdate()
    return wanted if wanted >= planned else calendar.next_working_day(planned)


def transfer_date_warnings(cycle: PaymentCycle) -> list[tuple[str, str]]:
    """The warning to show when the files ask for another day than the cycle's."""
    wanted, asked = cycle.transfer_date or cycle.period, requested_execution_date(cycle)
    if asked == wanted:
        return []
    return [(f"Ngày chuyển khoản {wanted:%d/%m/%Y} đã qua khi xuất tệp; tệp yêu cầu chuyển "
             f"ngày {asked:%d/%m/%Y} (ngày làm việc kế tiếp).",
             f"The transfer date {wanted:%d/%m/%Y} had passed at export; the files ask for "
             f"{asked:%d/%m/%Y} (the next banking day).")]


@dataclass(frozen=True)
class Written:
    """A payment file written (its signature is made by the exporting process)."""

    file_id: int
    sha256: str


def _write_files(cycle: PaymentCycle, files: list[PaymentFile], rule: ProvincePaymentRule,
                 out: Path) -> Iterator[Written]:
    """Every file written, in the order they finish: by this process alone, or with
    ``CONFIG.export_workers`` worker processes beside it when they can see the plan."""

    def here(pf: PaymentFile) -> Written:
        return write_file(cycle, pf, rule, out)

    if len(files) < 2 or not may_share_database():
        return (here(pf) for pf in files)
    return pool.write_files(cycle.pk, files, out, here, CONFIG.export_workers)


def write_file(cycle: PaymentCycle, pf: PaymentFile, rule: ProvincePaymentRule,
               out: Path) -> Written:
    """Write one pain.001 file; a file whose bytes differ from its first export is refused
    (the recorded hash is the one banks received)."""
    sha = _write_pain001(cycle, pf, rule, out / pf.file_name)
    if pf.sha256 and pf.sha256 != sha:
        raise PaymentError("export_mismatch",
                           f"Tệp {pf.file_name} khác lần xuất đầu; không ghi đè.",
                           f"{pf.file_name} differs from its first export.")
    return Written(pf.pk, sha)


def _fault_point(files_written: int) -> None:
    """Crash tests kill the export here (CHITRA_FAULT_EXPORT_CRASH_AFTER_FILES)."""
    faults.crash_point(faults.EXPORT_AFTER_FILES, files_written)


def _rule(province_code: str) -> ProvincePaymentRule:
    rule, _ = ProvincePaymentRule.objects.get_or_create(province_code=province_code)
    if not rule.debtor_account or not rule.debtor_agent_bic:
        raise PaymentError(
            "no_debtor_account",
            "Chưa khai báo tài khoản chi và mã BIC ngân hàng của BHXH tỉnh "
            "(chitra payment_settings --province … --debtor-account … --debtor-bic … --as …).",
            "The office's paying account and its bank's BIC are not set "
            "(chitra payment_settings --province … --debtor-account … --debtor-bic … --as …).")
    return rule


@transaction.atomic
def _plan(cycle_id: int, actor: str) -> PaymentCycle:
    """Describe every file by its provider and id range and stamp the cycle ``sent_at``:
    a handful of rows, whatever the number of items (no item is rewritten)."""
    cycle = PaymentCycle.objects.select_for_update().get(pk=cycle_id)
    lifecycle.require_step(cycle, Step.EXPORT)
    rule = _rule(cycle.province_code)
    if cycle.sent_at is not None:
        return cycle  # planned before: phase 2 only
    wanted = cycle.transfer_date or cycle.period
    if rule.refuse_past_transfer_date and wanted < timezone.localdate():
        raise PaymentError(
            "transfer_date_past",
            f"Ngày chuyển khoản {wanted:%d/%m/%Y} đã qua; không xuất tệp. Hãy mở lại kỳ với "
            "ngày chuyển khoản mới hoặc cho phép dời sang ngày làm việc kế tiếp.",
            f"The transfer date {wanted:%d/%m/%Y} has passed; no file was exported. Reopen "
            "the cycle with a new transfer date or allow moving it to the next banking day.")
    # An approved, unplanned cycle holds only pending items (compute makes them pending and
    # a status line about a pending item is refused), so a file's id range names exactly
    # the items it carries.
    created_at = timezone.now().replace(microsecond=0)
    # Every provider (a few dozen): one with no item gets no file, and this spares a scan of
    # the cycle's items for the distinct providers.
    for provider in PaymentProvider.objects.order_by("id"):
        _plan_provider(cycle, provider, created_at)
    cycle.sent_at = created_at
    cycle.save(update_fields=["sent_at"])
    audit.record(actor, "cycle.export_plan", "payment_cycle", cycle.pk,
                 after={"files": cycle.files.count()})
    return cycle


def _plan_provider(cycle: PaymentCycle, provider: PaymentProvider, created_at: datetime) -> None:
    """Split the provider's items into files of at most N consecutive ids: one GROUP BY over
    the (cycle, provider, id) index gives each file's range, count and control sum."""
    per_file = provider.max_transactions_per_file
    code = re.sub(r"[^A-Z0-9]", "", (provider.napas_bin or provider.short_name).upper())[:12]
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT k, MIN(id), MAX(id), COUNT(*), SUM(amount) FROM ("
            f"SELECT id, amount, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %s AS k "
            f"FROM {PaymentItem._meta.db_table} WHERE cycle_id = %s AND provider_id = %s) t "
            f"GROUP BY k ORDER BY k",
            [per_file, cycle.pk, provider.pk])
        chunks = cur.fetchall()
    PaymentFile.objects.bulk_create([
        PaymentFile(cycle=cycle, provider=provider, sequence=seq, msg_id=mid,
                    file_name=f"{mid}.xml", created_at=created_at, tx_count=n,
                    control_sum=total, first_item_id=lo, last_item_id=hi)
        for seq, (_k, lo, hi, n, total) in enumerate(chunks, 1)
        for mid in [ids.msg_id(cycle.province_code, cycle.period, code, seq)]])


class _Transfer(NamedTuple):
    """A :class:`pain001.Transfer` made cheaply, once per item (see there)."""

    end_to_end_id: str
    amount: int
    creditor_name: str
    creditor_account: str
    creditor_agent_bin: str | None
    creditor_agent_bic: str | None
    remittance: str
    creditor_proxy: str | None
    beneficiary_name: str | None


# A wallet id that is a Vietnamese mobile number (10 digits from 0), sent as a proxy in
# international form: 0912345678 → +84912345678.
_MOBILE = re.compile(r"0[1-9][0-9]{8}").fullmatch


def creditor_agent(provider: PaymentProvider) -> tuple[str | None, str | None]:
    """``(BIN, BIC)`` of the bank that receives a provider's transfers: an e-wallet's partner
    bank when it has one (a wallet without a NAPAS BIN is reached through it), else its own."""
    bank = provider.partner_bank or provider
    return bank.napas_bin or None, bank.bic or None


def _transfers(cycle: PaymentCycle, pf: PaymentFile, remittance: str) -> Iterator[_Transfer]:
    provider = pf.provider
    agent_bin, agent_bic = creditor_agent(provider)  # per file, not per row
    wallet = provider.kind == ProviderKind.EWALLET
    mobile, same = _MOBILE, same_letters
    prefix, width = ids.end_to_end_prefix(cycle.period), ids.E2E_ITEM_WIDTH
    rows = (pf.items().order_by("id")
            .values_list("id", "amount", "holder_name", "full_name", "account_number"))
    for item_id, amount, holder, name, account in rows.iterator(chunk_size=5000):
        # Paid into someone else's account (a relative's, a proxy's): the Ustrd names whom
        # the money is for.
        for_whom = None if not holder or holder == name or same(holder, name) else name
        proxy = f"+84{account[1:]}" if wallet and mobile(account) else None
        yield _Transfer(f"{prefix}{item_id:0{width}d}", amount, holder or name, account,
                        agent_bin, agent_bic, remittance, proxy, for_whom)


def debtor(rule: ProvincePaymentRule, provider: PaymentProvider,
           office: OfficeAccount | None) -> pain001.Debtor:
    """The paying account of a provider's file: the office's account at that provider when
    it has one (the transfers stay within the bank), else the province's default account."""
    if office is None:
        return pain001.Debtor(name=rule.debtor_name, account=rule.debtor_account,
                              agent_bic=rule.debtor_agent_bic or None, agent_bin=None)
    return pain001.Debtor(name=rule.debtor_name, account=office.account_number,
                          agent_bic=office.agent_bic or provider.bic or None,
                          agent_bin=provider.napas_bin or None)


class _Hashing:
    """A binary file that hashes what is written to it (no second read for the SHA-256)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh, self.hash = fh, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return self._fh.write(data)


def _write_pain001(cycle: PaymentCycle, pf: PaymentFile, rule: ProvincePaymentRule,
                   path: Path) -> str:
    """Write the file (temporary name, fsync, rename); its SHA-256 in hex."""
    provider = pf.provider
    office = OfficeAccount.objects.filter(province_code=cycle.province_code,
                                          provider=provider).first()
    header = pain001.FileHeader(
        msg_id=pf.msg_id, pmt_inf_id=f"{pf.msg_id}-1", created_at=pf.created_at,
        requested_execution_date=requested_execution_date(cycle),
        debtor=debtor(rule, provider, office),
        initiating_party=rule.debtor_name, category_purpose="PENS",
        tx_count=pf.tx_count, control_sum=pf.control_sum)
    remittance = f"BHXH chi trả lương hưu, trợ cấp tháng {cycle.period:%m/%Y}"
    # Per process: a worker left over from a killed export never shares a rerun's file.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        hashing = _Hashing(fh)
        pain001.write_pain001(hashing, header,  # type: ignore[arg-type]
                              _transfers(cycle, pf, remittance),
                              charset=Charset(provider.charset))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    return hashing.hash.hexdigest()


def write_cash_lists(cycle_id: int, actor: str, out_dir: Path | None = None) -> list[Path]:
    """The post-office cash lists of an exported cycle (xlsx and pdf per point and day)."""
    cycle = PaymentCycle.objects.get(pk=cycle_id)
    lifecycle.require_step(cycle, Step.CASH_LISTS)
    out = out_dir or export_dir(cycle)
    out.mkdir(parents=True, exist_ok=True)
    written = _write_cash_lists(cycle, out)
    audit.record(actor, "cycle.cash_lists", "payment_cycle", cycle.pk,
                 after={"files": len(written), "out": str(out)})
    return written


def _write_cash_lists(cycle: PaymentCycle, out: Path) -> list[Path]:
    return cashrun.write_all(cycle, out)  # groups shared out among worker processes
