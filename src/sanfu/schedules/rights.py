"""Who keeps and who sees a leader's schedule (reads only; services and selectors check them).

A leader is a person of the unit with rank 公司副职 or above (``org.roles.is_leader``). Their schedule is kept by
the leader, their secretaries (org ``Secretary``) and the office (``org.roles.is_office``: the role ``clerk`` or
the process administrators). Seeing: 公开 entries every staff member of the unit; 内部 the unit's leaders, the
office and the leader's secretaries; 仅本人与秘书 the leader and their secretaries. Every staff member of the unit
sees that a leader is busy: an entry they may not read is shown as 「有安排」 without its details."""

from __future__ import annotations

from django.db.models import F

from sanfu.accounts.models import User
from sanfu.org import roles
from sanfu.org.models import Rank, Secretary
from sanfu.schedules.models import ScheduleEntry, Visibility

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
LEADER_RANK = roles.LEADER_RANK
is_leader = roles.is_leader
is_office = roles.is_office
unit_of = roles.unit_of


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
        roles.unit_leaders(unit_id).annotate(staff_title=F("staff__title"), staff_rank=F("staff__rank"))
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
