"""Who may do what in 服务领导决策 (reads only; the services check them, the pages offer what they allow).

- **file a request**: a leader (``org.roles.is_leader``, or whoever signs 公文: the ``leader`` role or the signing
  right) for themselves, or the office (``org.roles.is_office``) on a leader's behalf;
- **run it** (confirm, 催办, drafts, issue): the request's owner (承办人) or the office of its unit;
- **answer for a department**: a person with a post in that department;
- **comment, return, approve**: the requesting leader (comments: any leader of the unit too)."""

from __future__ import annotations

from typing import Any

from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import permissions_of, role_codes_of
from sanfu.briefing.models import Request
from sanfu.org import roles
from sanfu.org.models import Post

is_office = roles.is_office


def is_leader(user: Any) -> bool:
    if roles.is_leader(user):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return "leader" in role_codes_of(user) or Perm.SIGN_DOCUMENTS in permissions_of(user)


def may_file(user: Any) -> bool:
    return is_office(user) or is_leader(user)


def office_of(user: Any, request: Request) -> bool:
    """The office of the request's unit."""
    return is_office(user) and roles.unit_of(user) == request.unit_id


def may_run(user: Any, request: Request) -> bool:
    return bool(user.pk == request.owner_id or office_of(user, request))


def may_answer(user: Any, department_id: int) -> bool:
    return bool(user.is_active) and Post.objects.filter(staff__user_id=user.pk, department_id=department_id).exists()


def may_decide(user: Any, request: Request) -> bool:
    return bool(user.pk == request.requested_by_id)


def may_comment(user: Any, request: Request) -> bool:
    return bool(user.pk == request.requested_by_id or (is_leader(user) and roles.unit_of(user) == request.unit_id))


def oversees(user: Any, request: Request) -> bool:
    """The office and the leaders of the request's unit: they see the whole request (drafts too)."""
    return roles.unit_of(user) == request.unit_id and (is_office(user) or is_leader(user))
