"""Who may do what at the one-stop window (reads only; the services check them, the pages offer what they allow).

Everyone on a unit's staff sees its service catalogue and may ask for a service online. The window clerk (the role
``clerk``, the office — as for rooms and 公文 — and the process administrators) keeps the catalogue, registers
walk-ins and calls at the desk, sees every request and complaint and answers complaints. A department's heads
handle their department's part of a request and see those requests. A requester sees their own.

The figures (服务统计) are read by the window clerks and the unit's leaders (rank 公司副职 or above, as for 领导日程)
for the whole unit, and by a department's heads for the services their department handles: a service's ratings
and complaint rate judge the departments behind it, so a head reads their own and not their peers'."""

from __future__ import annotations

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.org.models import Post, PostRole, Rank, Staff

CLERK_ROLE = "clerk"
LEADER_RANK = Rank.DEPUTY_LEADER


def unit_of(user: User) -> int | None:
    """The unit whose window ``user`` uses (None without a staff record: none at all)."""
    cached = getattr(user, "_servicedesk_unit", False)
    if cached is not False:
        return cached
    unit_id = Staff.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).first()
    user._servicedesk_unit = unit_id  # type: ignore[attr-defined]
    return unit_id


def is_clerk(user: User) -> bool:
    """The window clerk: the role ``clerk`` or a process administrator, on a unit's staff."""
    cached = getattr(user, "_servicedesk_clerk", None)
    if cached is None:
        cached = unit_of(user) is not None and (
            RoleGrant.objects.filter(user=user, role__code=CLERK_ROLE).exists() or has_perm(user, Perm.MANAGE_PROCESSES)
        )
        user._servicedesk_clerk = cached  # type: ignore[attr-defined]
    return bool(cached)


def headed_departments(user: User) -> list[int]:
    """The departments ``user`` heads."""
    cached = getattr(user, "_servicedesk_headed", None)
    if cached is None:
        cached = list(
            Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).values_list("department_id", flat=True)
        )
        user._servicedesk_headed = cached  # type: ignore[attr-defined]
    return list(cached)


def is_leader(user: User) -> bool:
    """One of the unit's leaders: rank 公司副职 or above on its staff."""
    unit_id = unit_of(user)
    return (
        unit_id is not None and Staff.objects.filter(user_id=user.pk, unit_id=unit_id, rank__gte=LEADER_RANK).exists()
    )
