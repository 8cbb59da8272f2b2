from __future__ import annotations

from django.db import models
from django.db.models import Q


class AdminLevel(models.TextChoices):
    PROVINCE = "province", "Tỉnh/Thành phố"
    DISTRICT = "district", "Quận/Huyện (trước 2025)"
    WARD = "ward", "Phường/Xã"


class AdminEra(models.TextChoices):
    CURRENT = "2025", "Từ 01/07/2025"
    LEGACY = "2024", "Trước 01/07/2025"


class AdminUnit(models.Model):
    """A province, district (pre-reform only) or ward/commune with its official code.

    Pre-reform units point at the current unit they became (``successor_code``), so 2024
    records and reports resolve.
    """

    era = models.CharField(max_length=4, choices=AdminEra.choices)
    level = models.CharField(max_length=10, choices=AdminLevel.choices)
    code = models.CharField(max_length=5)
    name = models.CharField(max_length=120)
    province_code = models.CharField(max_length=2)
    district_code = models.CharField(max_length=3, blank=True)
    successor_code = models.CharField(max_length=5, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["era", "level", "code"], name="adminunit_unique_code"),
            models.CheckConstraint(condition=Q(era__in=AdminEra.values),
                                   name="adminunit_era_valid"),
            models.CheckConstraint(condition=Q(level__in=AdminLevel.values),
                                   name="adminunit_level_valid"),
        ]
        indexes = [models.Index(fields=["era", "province_code", "level"])]

    def __str__(self) -> str:
        return self.name


class ProviderKind(models.TextChoices):
    BANK = "bank", "Ngân hàng"
    EWALLET = "ewallet", "Ví điện tử"


class ProviderCharset(models.TextChoices):
    """The characters a provider takes in names and remittance text (the pain.001 writer's
    ``iso20022.text.Charset``, same values)."""

    UPPER_ASCII = "upper_ascii", "Chữ in hoa không dấu (mặc định)"
    ASCII = "ascii", "Chữ không dấu"
    UNICODE = "unicode", "Tiếng Việt có dấu (UTF-8)"


class PaymentProvider(models.Model):
    """A bank or e-wallet that receives payment files (DESIGN §6)."""

    short_name = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ProviderKind.choices)
    napas_bin = models.CharField(max_length=6, unique=True, null=True, blank=True)
    bic = models.CharField(max_length=11, blank=True)
    account_min_length = models.PositiveSmallIntegerField()
    account_max_length = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=200, blank=True)
    # Payment-file settings (DESIGN §6): split above this many transactions; the characters
    # of names and remittance text; for an e-wallet, the bank that clears its payments (its
    # BIC/BIN go in CdtrAgt: a wallet without a NAPAS BIN is reached through it).
    max_transactions_per_file = models.PositiveIntegerField(default=50_000)
    charset = models.CharField(max_length=12, choices=ProviderCharset.choices,
                               default=ProviderCharset.UPPER_ASCII)
    partner_bank = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["short_name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ProviderKind.values),
                                   name="provider_kind_valid"),
            models.CheckConstraint(
                condition=Q(account_min_length__gte=4)
                & Q(account_max_length__gte=models.F("account_min_length")),
                name="provider_account_length_sane"),
            models.CheckConstraint(condition=Q(charset__in=ProviderCharset.values),
                                   name="provider_charset_valid"),
            models.CheckConstraint(condition=~Q(partner_bank=models.F("pk")),
                                   name="provider_partner_bank_not_itself"),
        ]

    def __str__(self) -> str:
        return self.short_name


class AuditEntry(models.Model):
    """Append-only record of a change: who, what, before/after. Hash chaining comes later."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150)  # username, or "system:<command>"
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["id"]
