"""Who may read the efficiency review: the office of a unit (办公室: clerks and process administrators on its
staff) and the unit's leaders (rank 公司副职 or above), both as ``org.roles`` counts them, each for their own
unit. Anyone else — and an account without a staff record — is refused with a 404, as the house refuses what
is not theirs. The figures are counts and times; the instances behind them are listed only as far as the
reader may open each (``selectors.drill_down``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.org.roles import is_leader, is_office, unit_of


def reviewed_unit(user: User) -> int | None:
    """The unit whose review ``user`` may read, or None."""
    if not (is_office(user) or is_leader(user)):
        return None
    return unit_of(user)


def may_review(user: User) -> bool:
    """Whether the menu offers ``user`` the review (``InsightsConfig.navigation``)."""
    return reviewed_unit(user) is not None


def may_redesign(user: User, spec: Mapping[str, Any]) -> bool:
    """Whether ``user`` may apply streamlining advice to a definition as a draft: a process administrator
    (流程管理) who reads the unit's review and, when the definition names its own administrators, is one of them."""
    if reviewed_unit(user) is None or not has_perm(user, Perm.MANAGE_PROCESSES):
        return False
    admins = spec.get("admins") or []
    return not admins or user.pk in admins
