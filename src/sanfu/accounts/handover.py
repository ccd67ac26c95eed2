"""离职交接 / 岗位调整: hand everything that names a person to a successor in one audited action.

What names a person is known to the apps above accounts (to-dos, delegations, 公文 …); each offers it
through ``core.handover``. Here: who may hand over, the successor's checks, and the one transaction that
moves it all or nothing: each provider's per-item records, optionally the leaver's account disabled, and one
summary audit row (which also carries the form's token, so that a repeat of the same form replays it).

Who: the system administrator (系统管理员, who manages every account and alone may disable one) and the
process administrator (流程管理员, who already reassigns to-dos) for the people within his data scope. A group
whose provider names a permission moves only for an actor who holds it (the organisation's records for the
system administrator, a new definition version for the process administrator); for the other it is listed."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sanfu.accounts import services
from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import admin_kind_of, has_perm
from sanfu.core import handover
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.handover import HandoverGroup
from sanfu.core.models import AuditRecord

ACTION = "account.handover"
REASON_MAX_LENGTH = 500


def may_hand_over(actor: Any) -> bool:
    return has_perm(actor, Perm.MANAGE_ACCOUNTS) or has_perm(actor, Perm.MANAGE_PROCESSES)


def _people_covered(actor: Any) -> QuerySet[User]:
    """Whose work ``actor`` may hand over: anybody's for the system administrator (he manages every
    account); for a process administrator, the people within the data scope of his role (his unit for the
    built-in 流程管理员)."""
    if has_perm(actor, Perm.MANAGE_ACCOUNTS):
        return User.objects.all()
    scope = handover.scope_of(actor, Perm.MANAGE_PROCESSES) if has_perm(actor, Perm.MANAGE_PROCESSES) else None
    return User.objects.none() if scope is None else User.objects.filter(scope)


def people_matching(*, actor: Any, query: str) -> QuerySet[User]:
    """Accounts ``actor`` covers whose sign-in name, name or 工号 contains ``query`` (whom to hand over from)."""
    query = query.strip()
    if not query:
        return User.objects.none()
    return (
        _people_covered(actor)
        .filter(Q(username__icontains=query) | Q(full_name__icontains=query) | Q(staff__employee_no__icontains=query))
        .distinct()
        .order_by("username")
    )


def access_person(*, actor: Any, person_id: int) -> User:
    """The person to hand over from; NotFoundError when there is none, or not within ``actor``'s reach."""
    if not may_hand_over(actor):
        raise PermissionDeniedError(_("您没有权限办理离职交接。"))
    person = _people_covered(actor).filter(pk=person_id).first()
    if person is None:
        raise NotFoundError(_("账户不存在或不在您的管理范围内。"))
    return person


def successor_named(text: str) -> User | None:
    """The account whose sign-in name or 工号 is exactly ``text`` (the successor typed on the form)."""
    text = text.strip()
    if not text:
        return None
    return User.objects.filter(Q(username__iexact=text) | Q(staff__employee_no__iexact=text)).first()


def handover_groups(*, actor: Any, person: User) -> list[HandoverGroup]:
    """Everything naming ``person``, grouped, for the handover page."""
    access_person(actor=actor, person_id=person.pk)
    return handover.groups_of(person)


def may_move(actor: Any, group: HandoverGroup) -> bool:
    """Whether ``actor`` can move this group at all (its provider moves things, and he holds its permission)."""
    provider = group.provider
    return provider.transfer is not None and (not provider.perm or has_perm(actor, provider.perm))


def moves(actor: Any, group: HandoverGroup, chosen: Collection[str]) -> bool:
    """Whether the handover moves this group: ``actor`` may, and it is not an optional one left unchosen."""
    return may_move(actor, group) and (not group.provider.optional or group.provider.name in chosen)


@dataclass
class HandoverResult:
    moved: dict[str, int] = field(default_factory=dict)  # provider name → records moved
    kept: dict[str, int] = field(default_factory=dict)  # provider name → records it could not give the successor
    deactivated: bool = False
    replayed: bool = False  # the same form was submitted before: this is its result, nothing was done again

    @property
    def total(self) -> int:
        return sum(self.moved.values())

    @property
    def total_kept(self) -> int:
        return sum(self.kept.values())


def _earlier(actor: Any, token: str) -> AuditRecord | None:
    return AuditRecord.objects.filter(action=ACTION, actor_id=actor.pk, detail__token=token).order_by("seq").first()


def _replay(record: AuditRecord) -> HandoverResult:
    detail = record.detail or {}
    return HandoverResult(
        moved={str(k): int(v) for k, v in (detail.get("moved") or {}).items()},
        kept={str(k): int(v) for k, v in (detail.get("kept") or {}).items()},
        deactivated=bool(detail.get("deactivated")),
        replayed=True,
    )


def _check(
    actor: Any, person: User, successor: User | None, *, reason: str, chosen: set[str], deactivate: bool
) -> None:
    access_person(actor=actor, person_id=person.pk)
    if deactivate and not has_perm(actor, Perm.MANAGE_ACCOUNTS):
        raise PermissionDeniedError(_("只有系统管理员可以停用账户。"))
    errors: list[dict[str, object]] = []
    if successor is None:
        errors.append({"field": "successor", "message": _("请选择接任者。")})
    elif successor.pk == person.pk:
        errors.append({"field": "successor", "message": _("接任者不能是交接人本人。")})
    elif not successor.is_active:
        errors.append({"field": "successor", "message": _("接任者的账户已停用。")})
    elif admin_kind_of(successor):
        errors.append({"field": "successor", "message": _("接任者不能是管理员账户（三员分立）。")})
    if not reason:
        errors.append({"field": "reason", "message": _("请填写交接原因。")})
    elif len(reason) > REASON_MAX_LENGTH:
        errors.append({"field": "reason", "message": _("交接原因不能超过 %(n)d 个字。") % {"n": REASON_MAX_LENGTH}})
    if errors:
        raise ApplicationError("；".join(str(e["message"]) for e in errors), errors=errors)
    for name in sorted(chosen):
        provider = handover.provider(name)
        if provider is None or not provider.optional:
            raise ApplicationError(_("未知的交接选项。"))
        if provider.perm and not has_perm(actor, provider.perm):
            raise PermissionDeniedError(
                _("您没有权限处理“%(group)s”。") % {"group": provider.label},
            )


def account_handover(
    *,
    actor: Any,
    person: User,
    successor: User | None,
    reason: str,
    options: Collection[str] = (),
    deactivate: bool = False,
    token: str = "",
    ip: str = "",
) -> HandoverResult:
    """Hand everything naming ``person`` to ``successor`` at once: every group a provider can move (the
    ``options`` among the optional ones), all or nothing. ``token``: the rendered form's, so that a doubled
    submit returns the first one's result instead of running again."""
    reason = reason.strip()
    chosen = set(options)
    token = token.strip()[:64]
    _check(actor, person, successor, reason=reason, chosen=chosen, deactivate=deactivate)
    assert successor is not None  # for the type checker: _check refused a missing one
    with transaction.atomic(durable=True):
        # One handover of a person at a time: PostgreSQL locks his row; SQLite's IMMEDIATE transactions are
        # serialised already. A repeat of the same form then finds the first one's record and replays it.
        active = User.objects.select_for_update().filter(pk=person.pk).values_list("is_active", flat=True).first()
        if token and (earlier := _earlier(actor, token)) is not None:
            return _replay(earlier)
        groups = handover.groups_of(person)  # read inside: what is moved is what is recorded
        movable = [g for g in groups if g.items and moves(actor, g, chosen)]
        if not movable and not (deactivate and active):
            raise ApplicationError(_("%(who)s 名下没有可交接的事项。") % {"who": person.display_name})
        moved: dict[str, int] = {}
        kept: dict[str, int] = {}
        for group in movable:
            assert group.provider.transfer is not None
            count = group.provider.transfer(actor=actor, person=person, successor=successor, reason=reason)
            moved[group.provider.name] = count
            if count < group.count:
                kept[group.provider.name] = group.count - count
        deactivated = bool(deactivate and active)
        if deactivated:
            services.account_set_active(actor=actor, user=person, active=False, ip=ip)
        audit_record(
            action=ACTION,
            actor=actor,
            target=f"user:{person.pk}",
            ip_address=ip,
            detail={
                "person": person.pk,
                "username": person.username,
                "successor": successor.pk,
                "successor_username": successor.username,
                "reason": reason,
                "moved": moved,
                "kept": kept,
                "listed_only": {g.provider.name: g.count for g in groups if g.items and g not in movable},
                "deactivated": deactivated,
                "token": token,
            },
        )
    return HandoverResult(moved=moved, kept=kept, deactivated=deactivated)
