"""Who may do what with 督办 (reads only; the services check them, the pages offer what they allow).

The office (办公室: clerks and process administrators, as 公文 counts them) and the company leaders (the
``leader`` role or the signing right) set up items, record checks (督查) and approve close-outs; leaders and
an item's assigner comment; the owner (责任人) reports progress and applies for close-out; the owner, the
assigner and the office decompose an item into sub-items."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import permissions_of, role_codes_of
from sanfu.supervision.models import Item


def is_office(user: User) -> bool:
    """The office: clerks (收发文/督查) and process administrators."""
    return "clerk" in role_codes_of(user) or Perm.MANAGE_PROCESSES in permissions_of(user)


def is_leader(user: User) -> bool:
    """A company leader: the ``leader`` role or the right to sign documents off."""
    return "leader" in role_codes_of(user) or Perm.SIGN_DOCUMENTS in permissions_of(user)


def may_create(user: User) -> bool:
    return user.is_active and (is_office(user) or is_leader(user))


def may_report(user: User, item: Item) -> bool:
    return item.owner_id == user.pk


def may_decompose(user: User, item: Item) -> bool:
    return user.pk in (item.owner_id, item.assigned_by_id) or is_office(user)


def may_check(user: User, item: Item) -> bool:
    return user.pk == item.assigned_by_id or is_office(user) or is_leader(user)


def may_comment(user: User, item: Item) -> bool:
    return user.pk == item.assigned_by_id or is_leader(user)
