"""Who may do what with shared resources (reads only; the services check them, the pages offer what they allow).

A person sees the vehicles, drivers and assets of their own unit (their staff record's), and the car requests they
made. The office of the unit (``org.roles.is_office``: 办公室文秘, the role ``clerk``, and the process
administrators) is the vehicle and asset manager: it keeps the fleet and the register, dispatches cars, sees every
request and the costs, and edits the renewal rules. A department head sees their department's requests."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.org import roles
from sanfu.org.models import Post, PostRole

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
is_office = roles.is_office
unit_of = roles.unit_of

MANAGER_ROLE = roles.OFFICE_ROLE

is_manager = is_office
"""The vehicle and asset manager is the office of the unit (``org.roles.is_office``)."""


def headed_paths(user: User) -> list[str]:
    """The tree paths of the departments ``user`` heads (their requests are visible with the sub-departments)."""
    return list(
        Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).values_list("department__path", flat=True)
    )
