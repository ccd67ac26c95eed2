"""Who may publish what (reads only; the services check them, the pages offer what they allow).

The office (办公室文秘, the role ``clerk``, and the process administrators, as for 公文 and 办会) publishes for its
whole unit, to any scope within it. A department head (负责人) publishes for their department: to the department
with its sub-departments, or to chosen people in it. The office also sees every announcement of its unit."""

from __future__ import annotations

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.org.models import Department, Post, PostRole, Staff


def unit_of(user: User) -> int | None:
    """The unit of ``user``'s staff record (None without one: no announcements at all)."""
    cached = getattr(user, "_announcements_unit", False)
    if cached is not False:
        return cached
    unit_id = Staff.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).first()
    user._announcements_unit = unit_id  # type: ignore[attr-defined]
    return unit_id


def is_office(user: User) -> bool:
    """The office of the unit: clerks and process administrators."""
    cached = getattr(user, "_announcements_office", None)
    if cached is None:
        cached = unit_of(user) is not None and (
            RoleGrant.objects.filter(user=user, role__code="clerk").exists() or has_perm(user, Perm.MANAGE_PROCESSES)
        )
        user._announcements_office = cached  # type: ignore[attr-defined]
    return bool(cached)


def headed_departments(user: User) -> list[Department]:
    """The departments ``user`` heads (负责人), in their unit."""
    posts = Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).select_related("department")
    return [p.department for p in posts]


def may_publish(user: User) -> bool:
    return unit_of(user) is not None and (is_office(user) or bool(headed_departments(user)))
