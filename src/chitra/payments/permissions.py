"""Who may do what to a province's payment cycles (views, API and CLI all ask here)."""

from __future__ import annotations

from enum import StrEnum

from chitra.access.models import OrganizationKind, Role, User
from chitra.payments.errors import PaymentError


class CycleAction(StrEnum):
    VIEW = "view"
    OPEN = "open"
    COMPUTE = "compute"
    APPROVE = "approve"
    EXPORT = "export"
    CLOSE = "close"
    DOWNLOAD = "download"
    SETTINGS = "settings"  # the province's payment settings (paying account, reissue rule)


_ROLES = {
    CycleAction.VIEW: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
    CycleAction.OPEN: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
    CycleAction.COMPUTE: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
    CycleAction.APPROVE: {Role.BHXH_APPROVER},
    CycleAction.EXPORT: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
    CycleAction.CLOSE: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
    CycleAction.DOWNLOAD: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
    CycleAction.SETTINGS: {Role.BHXH_OFFICER, Role.BHXH_APPROVER},
}


class NotPermitted(PaymentError):
    http_status = 403

    def __init__(self) -> None:
        super().__init__("not_permitted", "Bạn không có quyền làm việc này.",
                         "You are not permitted to do this.")


def may(user: User, action: CycleAction, province_code: str) -> bool:
    if user.is_superuser:
        return True
    org = user.organization
    return (user.is_active and org is not None and org.kind == OrganizationKind.BHXH_PROVINCE
            and org.province_code == province_code and user.role in _ROLES[action])


def require(user: User, action: CycleAction, province_code: str) -> None:
    if not may(user, action, province_code):
        raise NotPermitted()
