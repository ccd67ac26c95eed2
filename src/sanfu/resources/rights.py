"""Who may do what with shared resources (reads only; the services check them, the pages offer what they allow).

A person sees the vehicles, drivers and assets of their own unit (their staff record's), and the car requests they
made. The office of the unit (办公室文秘, the role ``clerk``, and the process administrators, as for rooms and
公文) is the vehicle and asset manager: it keeps the fleet and the register, dispatches cars, sees every request
and the costs, and edits the renewal rules. A department head sees their department's requests."""

from __future__ import annotations

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.org.models import Post, PostRole, Staff

MANAGER_ROLE = "clerk"


def unit_of(user: User) -> int | None:
    """The unit whose resources ``user`` sees (None without a staff record: none at all)."""
    cached = getattr(user, "_resources_unit", False)
    if cached is not False:
        return cached
    unit_id = Staff.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).first()
    user._resources_unit = unit_id  # type: ignore[attr-defined]
    return unit_id


def is_manager(user: User) -> bool:
    """The office of the unit: the vehicle and asset manager."""
    cached = getattr(user, "_resources_manager", None)
    if cached is None:
        cached = unit_of(user) is not None and (
            RoleGrant.objects.filter(user=user, role__code=MANAGER_ROLE).exists()
            or has_perm(user, Perm.MANAGE_PROCESSES)
        )
        user._resources_manager = cached  # type: ignore[attr-defined]
    return bool(cached)


def headed_paths(user: User) -> list[str]:
    """The tree paths of the departments ``user`` heads (their requests are visible with the sub-departments)."""
    return list(
        Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).values_list("department__path", flat=True)
    )
