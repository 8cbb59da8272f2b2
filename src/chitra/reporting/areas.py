"""Which areas a user may see the figures of (DESIGN §1: leadership sees aggregates only).

BHXH Việt Nam (and a superuser) sees the nation and every province; a province's staff,
leadership and police their province and its wards; a ward team its ward; a bank nothing.
Anything else answers as an area that does not exist."""

from __future__ import annotations

from chitra.access.models import OrganizationKind, User
from chitra.access.scoping import NOTHING, scope_of
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.errors import NotInScope
from chitra.reporting.queries import Area


def area_for(user: User, province_code: str | None = None,
             ward_code: str | None = None) -> Area:
    scope = scope_of(user)
    if not user.is_active or scope == NOTHING or scope.provider_id is not None:
        raise NotInScope
    if province_code is None:
        if scope.province_code is not None or ward_code is not None:
            raise NotInScope
        return Area()
    if province_code not in current_provinces() or scope.province_code not in (
            None, province_code):
        raise NotInScope
    if ward_code is not None:
        ward = current_wards().get(ward_code)
        if ward is None or ward.province_code != province_code:
            raise NotInScope
    own_ward = _own_ward(user)
    if own_ward and ward_code != own_ward:
        raise NotInScope
    return Area(province_code, ward_code)


def home_area(user: User) -> Area:
    """The widest area the user sees: the nation, a province or a ward."""
    return area_for(user, scope_of(user).province_code, _own_ward(user))


def _own_ward(user: User) -> str | None:
    """The ward a user is held to: a ward's organization sees its ward whatever the role
    (the scope keeps the ward only for its work team)."""
    if user.is_superuser:
        return None
    org = user.organization
    if org is not None and org.kind == OrganizationKind.WARD:
        return org.ward_code or None
    return scope_of(user).ward_code


def may_see_figures(user: User) -> bool:
    try:
        home_area(user)
    except NotInScope:
        return False
    return True


def name_of(area: Area) -> str:
    if area.ward_code is not None:
        ward = current_wards().get(area.ward_code)
        return ward.name if ward else area.ward_code
    if area.province_code is not None:
        return current_provinces().get(area.province_code, area.province_code)
    return "Toàn quốc"
