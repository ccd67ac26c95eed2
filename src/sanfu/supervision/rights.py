"""Who may do what with 督办 (reads only; the services check them, the pages offer what they allow).

The office (``org.roles.is_office``: clerks and process administrators on a unit's staff) and the company leaders
(``org.roles.is_leader``, rank 公司副职 or above, and whoever signs 公文: the ``leader`` role or the signing right)
set up items, record checks (督查) and approve close-outs; leaders and
an item's assigner comment; the owner (责任人) reports progress and applies for close-out; the owner, the
assigner and the office decompose an item into sub-items."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import permissions_of, role_codes_of
from sanfu.org import roles
from sanfu.supervision.models import Item

# Who is the office: the organisation's rule (org.roles), one for every domain.
is_office = roles.is_office


def is_leader(user: User) -> bool:
    """A leader for 督办: a company leader (``org.roles.is_leader``), or whoever signs 公文 (the ``leader`` role or
    the signing right: their 批示 become items too), while active."""
    if roles.is_leader(user):
        return True
    if not user.is_active:
        return False
    return "leader" in role_codes_of(user) or Perm.SIGN_DOCUMENTS in permissions_of(user)


def may_create(user: User) -> bool:
    return is_office(user) or is_leader(user)


def may_report(user: User, item: Item) -> bool:
    return item.owner_id == user.pk


def may_decompose(user: User, item: Item) -> bool:
    return user.pk in (item.owner_id, item.assigned_by_id) or is_office(user)


def may_check(user: User, item: Item) -> bool:
    return user.pk == item.assigned_by_id or is_office(user) or is_leader(user)


def may_comment(user: User, item: Item) -> bool:
    return user.pk == item.assigned_by_id or is_leader(user)
