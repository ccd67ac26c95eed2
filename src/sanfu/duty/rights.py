"""Who sees and who keeps the duty roster (reads only; services and selectors check them).

Every staff member of a unit sees its roster. The office (the role ``clerk`` or the process administrators, as for
领导日程 and 通知公告) keeps the rotas, generates and edits the roster and approves swaps. A leader on call (带班领导)
is a person of the unit with rank 公司副职 or above."""

from __future__ import annotations

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.org.models import Rank, Staff

LEADER_RANK = Rank.DEPUTY_LEADER


def unit_of(user: User) -> int | None:
    cached = getattr(user, "_duty_unit", False)
    if cached is not False:
        return cached
    unit_id = Staff.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).first()
    user._duty_unit = unit_id  # type: ignore[attr-defined]
    return unit_id


def is_office(user: User) -> bool:
    cached = getattr(user, "_duty_office", None)
    if cached is None:
        cached = unit_of(user) is not None and (
            RoleGrant.objects.filter(user=user, role__code="clerk").exists() or has_perm(user, Perm.MANAGE_PROCESSES)
        )
        user._duty_office = cached  # type: ignore[attr-defined]
    return bool(cached)


def keeps_unit(user: User, unit_id: int) -> bool:
    """May ``user`` keep the roster of ``unit_id``: the office of that unit."""
    return is_office(user) and unit_of(user) == unit_id


def office_people(unit_id: int) -> list[int]:
    """The unit's office (role ``clerk``): who approves swaps and is told of unacknowledged incidents."""
    return list(
        User.objects.filter(is_active=True, staff__unit_id=unit_id, role_grants__role__code="clerk")
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
    return set(
        Staff.objects.filter(unit_id=unit_id, user_id__in=ids, user__is_active=True, rank__gte=LEADER_RANK).values_list(
            "user_id", flat=True
        )
    )


def top_leaders(unit_id: int) -> list[int]:
    """The unit's most senior leaders (its 主要领导): who an unacknowledged incident escalates to."""
    ranks = Staff.objects.filter(unit_id=unit_id, user__is_active=True, rank__gte=LEADER_RANK)
    top = ranks.order_by("-rank").values_list("rank", flat=True).first()
    if top is None:
        return []
    return list(ranks.filter(rank=top).values_list("user_id", flat=True))
