"""Who may publish what (reads only; the services check them, the pages offer what they allow).

The office (``org.roles.is_office``: 办公室文秘, the role ``clerk``, and the process administrators) publishes for its
whole unit, to any scope within it. A department head (负责人) publishes for their department: to the department
with its sub-departments, or to chosen people in it. The office also sees every announcement of its unit."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.org import roles
from sanfu.org.models import Department, Post, PostRole

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
is_office = roles.is_office
unit_of = roles.unit_of


def headed_departments(user: User) -> list[Department]:
    """The departments ``user`` heads (负责人), in their unit."""
    posts = Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).select_related("department")
    return [p.department for p in posts]


def may_publish(user: User) -> bool:
    return unit_of(user) is not None and (is_office(user) or bool(headed_departments(user)))
