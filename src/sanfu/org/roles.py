"""Who a person is in the organisation, for the rights of every office domain: the office and the leaders.

One rule each, so that the 日程, 督办, 会议, 值班, 建议, 公告, 公文, 服务台 and 资源 rights cannot drift apart:

- **the office** (办公室, ``is_office``): an active person on a unit's staff who holds the role ``clerk``
  (办公室文秘) or manages processes (``Perm.MANAGE_PROCESSES``, 流程管理). A unit's office is its office only: the
  domains compare ``unit_of`` with the object's unit. An account without a staff record (the three
  administrators, a stand-alone 流程管理员 account) is nobody's office; its oversight comes from its data
  scope (``org.clearance``), not from here.
- **a leader** (公司领导, ``is_leader``): an active person on a unit's staff of rank 公司副职 or above
  (``LEADER_RANK``), whatever roles they hold; ``unit_leaders`` lists a unit's leaders by the same rule.

Everything is read once per user object and kept on it (the staff record's unit and rank as ``_sanfu_staff``,
the roles through ``accounts.selectors``), so asking again — in a list, in a template — costs no query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import permissions_of, role_codes_of
from sanfu.org.models import Rank, Staff

OFFICE_ROLE = "clerk"
"""The role that makes a person of the office (办公室文秘)."""

LEADER_RANK = Rank.DEPUTY_LEADER
"""The lowest rank of a company leader (公司副职)."""

_NOT_READ = object()


def _staff_row(user: Any) -> tuple[int, int] | None:
    """``(unit_id, rank)`` of ``user``'s staff record, None without one; read once per user object."""
    cached = getattr(user, "_sanfu_staff", _NOT_READ)
    if cached is _NOT_READ:
        found = None
        if getattr(user, "pk", None) is not None:
            found = Staff.objects.filter(user_id=user.pk).values_list("unit_id", "rank").first()
        cached = (int(found[0]), int(found[1])) if found is not None else None
        user._sanfu_staff = cached
    return cached  # type: ignore[return-value]


def unit_of(user: Any) -> int | None:
    """The unit of ``user``'s staff record (None without one). Cached on the user object."""
    row = _staff_row(user)
    return row[0] if row is not None else None


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_office(user: Any) -> bool:
    """The office (办公室): active, on a unit's staff, holding the role ``clerk`` or managing processes
    (流程管理). Which unit's office is ``unit_of(user)``. No query once the user's roles and staff record are
    read."""
    if not _active(user) or unit_of(user) is None:
        return False
    return OFFICE_ROLE in role_codes_of(user) or Perm.MANAGE_PROCESSES in permissions_of(user)


def is_leader(user: Any) -> bool:
    """A company leader (公司领导): active, on a unit's staff, of rank 公司副职 (``LEADER_RANK``) or above.
    Roles do not make a leader: the rank in the organisation does. No query once the staff record is read."""
    if not _active(user):
        return False
    row = _staff_row(user)
    return row is not None and row[1] >= LEADER_RANK


def unit_leaders(unit_id: int) -> QuerySet[User]:
    """The unit's leaders by the rule of ``is_leader`` (active, rank 公司副职 or above on its staff), the most
    senior first."""
    return User.objects.filter(staff__unit_id=unit_id, staff__rank__gte=LEADER_RANK, is_active=True).order_by(
        "-staff__rank", "staff__employee_no"
    )
