"""Who may do what at the one-stop window (reads only; the services check them, the pages offer what they allow).

Everyone on a unit's staff sees its service catalogue and may ask for a service online. The window clerk (the office,
``org.roles.is_office``: the role ``clerk`` and the process administrators) keeps the catalogue, registers
walk-ins and calls at the desk, sees every request and complaint and answers complaints. A department's heads
handle their department's part of a request and see those requests. A requester sees their own.

The figures (服务统计) are read by the window clerks and the unit's leaders (``org.roles.is_leader``: rank 公司副职
or above) for the whole unit, and by a department's heads for the services their department handles: a service's ratings
and complaint rate judge the departments behind it, so a head reads their own and not their peers'."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.org import roles
from sanfu.org.models import Post, PostRole

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
is_office = roles.is_office
is_leader = roles.is_leader
unit_of = roles.unit_of

CLERK_ROLE = roles.OFFICE_ROLE

is_clerk = is_office
"""The window clerk is the office (``org.roles.is_office``: the role ``clerk`` or a process administrator, on a
unit's staff); the window's own name for it."""


def headed_departments(user: User) -> list[int]:
    """The departments ``user`` heads."""
    cached = getattr(user, "_servicedesk_headed", None)
    if cached is None:
        cached = list(
            Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).values_list("department_id", flat=True)
        )
        user._servicedesk_headed = cached  # type: ignore[attr-defined]
    return list(cached)
