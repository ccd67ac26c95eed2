"""Who sees and who keeps the duty roster (reads only; services and selectors check them).

Every staff member of a unit sees its roster. The office (``org.roles.is_office``: the role ``clerk`` or the process
administrators) keeps the rotas, generates and edits the roster and approves swaps. A leader on call (带班领导)
is a leader of the unit (``org.roles.is_leader``: rank 公司副职 or above)."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.org import roles
from sanfu.org.models import Staff

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
LEADER_RANK = roles.LEADER_RANK
is_office = roles.is_office
unit_of = roles.unit_of


def keeps_unit(user: User, unit_id: int) -> bool:
    """May ``user`` keep the roster of ``unit_id``: the office of that unit."""
    return is_office(user) and unit_of(user) == unit_id


def office_people(unit_id: int) -> list[int]:
    """The unit's office (role ``clerk``): who approves swaps and is told of unacknowledged incidents."""
    return list(
        User.objects.filter(is_active=True, staff__unit_id=unit_id, role_grants__role__code=roles.OFFICE_ROLE)
        .distinct()
        .values_list("pk", flat=True)
    )


def staff_ids(unit_id: int, ids: list[int]) -> set[int]:
    """Those of ``ids`` who are active staff of ``unit_id``."""
    return set(
        Staff.objects.filter(unit_id=unit_id, user_id__in=ids, user__is_active=True).values_list("user_id", flat=True)
    )


def leader_ids(unit_id: int, ids: list[int]) -> set[int]:
    """Those of ``ids`` who are active leaders (rank 公司副职 and above) of ``unit_id``."""
    return set(roles.unit_leaders(unit_id).filter(pk__in=ids).values_list("pk", flat=True))


def top_leaders(unit_id: int) -> list[int]:
    """The unit's most senior leaders (its 主要领导): who an unacknowledged incident escalates to."""
    leaders = roles.unit_leaders(unit_id)
    top = leaders.values_list("staff__rank", flat=True).first()
    if top is None:
        return []
    return list(leaders.filter(staff__rank=top).values_list("pk", flat=True))
