"""Who sees what (DESIGN §3.6). Every list, detail and query helper goes through here."""

from __future__ import annotations

from dataclasses import dataclass

from chitra.access.models import OrganizationKind, Role, User

# Roles that need whole personal IDs to do their work: BHXH checks records, ward teams and
# police verify people in person. Whole account numbers only BHXH needs (it pays them).
_FULL_CITIZEN_ID_ROLES = frozenset({Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.WARD_TEAM,
                                    Role.POLICE_VERIFIER})
_FULL_ACCOUNT_ROLES = frozenset({Role.BHXH_OFFICER, Role.BHXH_APPROVER})


@dataclass(frozen=True)
class Scope:
    """The area or provider a user may see. ``None`` fields mean "not limited by this"."""

    province_code: str | None
    ward_code: str | None
    provider_id: int | None
    sees_people: bool  # False for aggregate-only roles (leadership, viewers)

    @property
    def is_empty(self) -> bool:
        return not self.sees_people


NOTHING = Scope(province_code="-", ward_code="-", provider_id=None, sees_people=False)
# BHXH Việt Nam: every province's figures, nobody's name.
NATIONAL = Scope(province_code=None, ward_code=None, provider_id=None, sees_people=False)


def scope_of(user: User) -> Scope:
    if user.is_superuser:
        return Scope(None, None, None, True)
    org = user.organization
    if org is None or not user.is_active:
        return NOTHING
    if org.kind == OrganizationKind.BHXH_PROVINCE and user.role in (
            Role.BHXH_OFFICER, Role.BHXH_APPROVER):
        return Scope(org.province_code, None, None, True)
    if org.kind == OrganizationKind.WARD and user.role == Role.WARD_TEAM:
        return Scope(org.province_code, org.ward_code, None, True)
    if org.kind == OrganizationKind.POLICE and user.role == Role.POLICE_VERIFIER:
        return Scope(org.province_code, None, None, True)
    if org.kind == OrganizationKind.BHXH_NATIONAL and user.role == Role.BHXH_NATIONAL:
        return NATIONAL  # it sets province targets, and changes nothing else
    if org.kind == OrganizationKind.BANK:
        # A bank sees only its own files and referrals; beneficiaries only through those.
        return Scope(org.province_code, None, org.provider_id, False)
    return Scope(org.province_code, None, None, False)


def bhxh_province(user: User) -> str | None:
    """The province whose BHXH work ``user`` does: an officer or approver of a provincial
    BHXH office. A BHXH role given to a user of another organization (a bank, a ward) counts
    for nothing. ``None`` for everybody else (a superuser is checked on its own)."""
    if user.role not in (Role.BHXH_OFFICER, Role.BHXH_APPROVER):
        return None
    scope = scope_of(user)
    if not scope.sees_people or scope.ward_code is not None or scope.provider_id is not None:
        return None
    return scope.province_code


def sees_full_citizen_ids(user: User) -> bool:
    return user.is_superuser or user.role in _FULL_CITIZEN_ID_ROLES


def sees_full_account_numbers(user: User) -> bool:
    return user.is_superuser or user.role in _FULL_ACCOUNT_ROLES
