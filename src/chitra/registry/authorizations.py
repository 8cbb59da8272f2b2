"""Who may open a beneficiary's scanned authorization letters (giấy ủy quyền).

The letter shows the proxy's ID card and signature: BHXH of the person's province (who
approves the changes that rely on it) and the ward team of the person's ward (who collected
it) open it; other roles that see the person (police verifiers) see only that there is one.
"""

from __future__ import annotations

from chitra.access.models import Role, User
from chitra.access.scoping import bhxh_province, scope_of
from chitra.core.errors import NotInScope
from chitra.registry.models import Authorization, Beneficiary
from chitra.registry.queries import get_beneficiary_for


def may_open_letters(user: User, person: Beneficiary) -> bool:
    if user.is_superuser:
        return True
    province = bhxh_province(user)
    if province is not None:
        return province == person.province_code
    scope = scope_of(user)
    return (user.role == Role.WARD_TEAM and scope.sees_people
            and scope.ward_code == person.ward_code
            and scope.province_code == person.province_code)


def letter_authorization(user: User, beneficiary_id: int, authorization_id: int
                         ) -> Authorization:
    """The person's authorization ``authorization_id`` with a stored letter, if ``user`` may
    open it; :class:`NotInScope` (404) otherwise, the same for every refusal."""
    person = get_beneficiary_for(user, beneficiary_id)
    if not may_open_letters(user, person):
        raise NotInScope()
    found = (Authorization.objects.filter(pk=authorization_id, beneficiary=person)
             .exclude(letter_path="").first())
    if found is None:
        raise NotInScope()
    return found
