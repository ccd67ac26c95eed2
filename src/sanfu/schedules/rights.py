"""Who keeps and who sees a leader's schedule (reads only; services and selectors check them).

A leader is a person of the unit with rank 公司副职 or above (org ``Rank``). Their schedule is kept by the leader,
their secretaries (org ``Secretary``) and the office (the role ``clerk`` or the process administrators, as for
通知公告). Seeing: 公开 entries every staff member of the unit; 内部 the unit's leaders, the office and the
leader's secretaries; 仅本人与秘书 the leader and their secretaries. Every staff member of the unit sees that a
leader is busy: an entry they may not read is shown as 「有安排」 without its details."""

from __future__ import annotations

from django.db.models import F

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.org.models import Rank, Secretary, Staff
from sanfu.schedules.models import ScheduleEntry, Visibility

LEADER_RANK = Rank.DEPUTY_LEADER


def unit_of(user: User) -> int | None:
    cached = getattr(user, "_schedules_unit", False)
    if cached is not False:
        return cached
    unit_id = Staff.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).first()
    user._schedules_unit = unit_id  # type: ignore[attr-defined]
    return unit_id


def is_office(user: User) -> bool:
    cached = getattr(user, "_schedules_office", None)
    if cached is None:
        cached = unit_of(user) is not None and (
            RoleGrant.objects.filter(user=user, role__code="clerk").exists() or has_perm(user, Perm.MANAGE_PROCESSES)
        )
        user._schedules_office = cached  # type: ignore[attr-defined]
    return bool(cached)


def is_leader(user: User) -> bool:
    return Staff.objects.filter(user_id=user.pk, rank__gte=LEADER_RANK).exists()


def served_leaders(user: User) -> set[int]:
    """The leaders ``user`` is secretary to."""
    cached = getattr(user, "_schedules_served", None)
    if cached is None:
        cached = set(Secretary.objects.filter(secretary_id=user.pk).values_list("leader_id", flat=True))
        user._schedules_served = cached  # type: ignore[attr-defined]
    return set(cached)


def leaders_of(unit_id: int) -> list[User]:
    """The unit's leaders, the most senior first (the rows of the week page), each with ``post_title``: their
    职务 as the org keeps it (总经理, 总工程师), else their rank (公司副职)."""
    leaders: list[User] = list(
        User.objects.filter(staff__unit_id=unit_id, staff__rank__gte=LEADER_RANK, is_active=True)
        .annotate(staff_title=F("staff__title"), staff_rank=F("staff__rank"))
        .order_by("-staff__rank", "staff__employee_no")
    )
    for leader in leaders:
        title, rank = getattr(leader, "staff_title", ""), getattr(leader, "staff_rank", LEADER_RANK)
        leader.post_title = title or str(Rank(rank).label)  # type: ignore[attr-defined]
    return leaders


def may_keep(user: User, leader: User) -> bool:
    """May ``user`` write ``leader``'s schedule: the leader, their secretaries, the office of their unit."""
    if user.pk == leader.pk:
        return is_leader(leader)
    unit_id = unit_of(leader)
    if unit_id is None or not is_leader(leader):
        return False
    return leader.pk in served_leaders(user) or (is_office(user) and unit_of(user) == unit_id)


def may_read(user: User, entry: ScheduleEntry) -> bool:
    """May ``user`` read the details of ``entry``."""
    if user.pk == entry.leader_id or entry.leader_id in served_leaders(user):
        return True
    if unit_of(user) != entry.unit_id:
        return False
    if entry.visibility == Visibility.PUBLIC:
        return True
    if entry.visibility == Visibility.INTERNAL:
        return is_office(user) or is_leader(user)
    return False
