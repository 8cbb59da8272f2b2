from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class OrganizationKind(models.TextChoices):
    BHXH_PROVINCE = "bhxh_province", "BHXH tỉnh"
    WARD = "ward", "UBND phường/xã – Tổ công tác"
    BANK = "bank", "Ngân hàng / ví điện tử"
    POST_OFFICE = "post_office", "Bưu điện"
    POLICE = "police", "Công an"
    LEADERSHIP = "leadership", "Lãnh đạo (UBND tỉnh/thành, BHXH Việt Nam)"
    BHXH_NATIONAL = "bhxh_national", "BHXH Việt Nam"


class Organization(models.Model):
    """An organization of DESIGN §1, scoped to an area (province or ward) or to a provider."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    province_code = models.CharField(max_length=2)
    # Set for ward organizations: the current (2025) ward code.
    ward_code = models.CharField(max_length=5, blank=True)
    # Set for bank/e-wallet organizations: the provider they are.
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="organizations")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=OrganizationKind.values),
                                   name="organization_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=OrganizationKind.WARD) | ~Q(ward_code=""),
                name="organization_ward_has_ward_code"),
            models.CheckConstraint(
                condition=~Q(kind=OrganizationKind.BANK) | Q(provider__isnull=False),
                name="organization_bank_has_provider"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    BHXH_OFFICER = "bhxh_officer", "Cán bộ BHXH"
    BHXH_APPROVER = "bhxh_approver", "Lãnh đạo duyệt BHXH"
    WARD_TEAM = "ward_team", "Thành viên tổ công tác"
    BANK_OPERATOR = "bank_operator", "Nhân viên ngân hàng"
    POST_OFFICE_OPERATOR = "post_office_operator", "Nhân viên bưu điện"
    POLICE_VERIFIER = "police_verifier", "Cán bộ công an xác minh"
    VIEWER = "viewer", "Xem báo cáo"
    BHXH_NATIONAL = "bhxh_national", "Cán bộ BHXH Việt Nam (chỉ tiêu, số liệu cả nước)"


class User(AbstractUser):
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="users")
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]
