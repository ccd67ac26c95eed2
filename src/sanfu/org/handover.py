"""离职交接 for the organisation: the delegations, secretary records and departments in charge that name a
person (registered with ``core.handover`` in ``OrgConfig.ready``).

Only the person himself or his secretary sets up a delegation, and only a leader records his secretary: an
administrator must not route anyone's sign-offs to a person of his choosing. So the handover never makes the
successor a deputy or a secretary; what was tied to the person's post ends, and the people concerned set up
their own anew:
- 代理他人的委托 (the person acts for someone): ended; the principal names a new deputy.
- 本人的委托 (the person's own absence arrangements): listed only; they stay his.
- 秘书 (the person serves a leader, or a secretary serves him): ended; the leader records his secretary.
- 分管领导 (the organisation's structure, which the system administrator keeps): the successor takes charge.
Each ended or moved record gets its own audit row; the caller holds the transaction. Only an administrator who
may change the organisation (管理系统配置) does this; for a process administrator they are listed only."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.accounts.selectors import data_scope_for
from sanfu.core import handover
from sanfu.core.audit import audit_record
from sanfu.core.handover import HandoverItem
from sanfu.org.models import Delegation, Department, Secretary, Staff
from sanfu.org.selectors import staff_scope_q


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _delegations(person: User, *, given: bool) -> list[Delegation]:
    """Delegations ``person`` gave (or received) that are still in force or yet to come."""
    mine = Q(principal=person) if given else Q(delegate=person)
    return list(
        Delegation.objects.filter(mine, revoked_at__isnull=True, ends_at__gt=timezone.now())
        .select_related("principal", "delegate")
        .order_by("starts_at", "pk")
    )


def _delegation_item(d: Delegation, who: User, title: str) -> HandoverItem:
    detail = _("%(s)s 至 %(e)s") % {"s": _when(d.starts_at), "e": _when(d.ends_at)}
    if d.matter_types:
        detail += _("；限定事项：%(m)s") % {"m": "、".join(d.matter_types)}
    return HandoverItem(key=f"delegation:{d.pk}", title=title % {"who": who.display_name}, detail=detail)


def received_items(person: User) -> list[HandoverItem]:
    return [_delegation_item(d, d.principal, _("代理 %(who)s 的待办")) for d in _delegations(person, given=False)]


def given_items(person: User) -> list[HandoverItem]:
    return [_delegation_item(d, d.delegate, _("委托 %(who)s 代理本人")) for d in _delegations(person, given=True)]


def received_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    """End the delegations in which ``person`` acts for someone (his principal names a new deputy)."""
    now = timezone.now()
    ended = 0
    for d in _delegations(person, given=False):
        if not Delegation.objects.filter(pk=d.pk, revoked_at__isnull=True).update(revoked_at=now):
            continue
        ended += 1
        audit_record(
            action="handover.delegation",
            actor=actor,
            target=f"delegation:{d.pk}",
            detail={"person": person.pk, "principal": d.principal_id, "outcome": "revoked", "reason": reason},
        )
    return ended


def _secretary_records(person: User) -> list[Secretary]:
    return list(
        Secretary.objects.filter(Q(secretary=person) | Q(leader=person))
        .select_related("secretary", "leader")
        .order_by("pk")
    )


def secretary_items(person: User) -> list[HandoverItem]:
    return [
        HandoverItem(
            key=f"secretary:{s.pk}",
            title=(_("担任 %(who)s 的秘书") if s.secretary_id == person.pk else _("秘书 %(who)s 为本人服务"))
            % {"who": (s.leader if s.secretary_id == person.pk else s.secretary).display_name},
        )
        for s in _secretary_records(person)
    ]


def secretaries_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    """End the secretary records naming ``person`` (a leader records his own secretary anew)."""
    ended = 0
    for s in _secretary_records(person):
        deleted, _rows = Secretary.objects.filter(pk=s.pk).delete()
        if not deleted:
            continue
        ended += 1
        audit_record(
            action="handover.secretary",
            actor=actor,
            target=f"user:{s.leader_id}",
            detail={
                "person": person.pk,
                "secretary": s.secretary_id,
                "leader": s.leader_id,
                "outcome": "removed",
                "reason": reason,
            },
        )
    return ended


def _departments_in_charge(person: User) -> list[Department]:
    return list(Department.objects.filter(leader_in_charge=person).select_related("unit").order_by("unit_id", "path"))


def leader_items(person: User) -> list[HandoverItem]:
    return [
        HandoverItem(
            key=f"department:{d.pk}",
            title=_("分管 %(dept)s") % {"dept": d.name},
            detail=d.unit.name + ("" if d.is_active else _("（已停用）")),
        )
        for d in _departments_in_charge(person)
    ]


def leaders_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    moved = 0
    for d in _departments_in_charge(person):
        if not Department.objects.filter(pk=d.pk, leader_in_charge=person).update(leader_in_charge=successor):
            continue
        moved += 1
        audit_record(
            action="handover.leader_in_charge",
            actor=actor,
            target=f"department:{d.pk}",
            detail={"person": person.pk, "successor": successor.pk, "department": d.name, "reason": reason},
        )
    return moved


def people_in_scope(actor: User, perm: str) -> Q:
    """The accounts ``actor`` covers under ``perm`` (数据范围): everyone for the whole scope, else the staff
    his scope reaches (always himself)."""
    scope = data_scope_for(actor, perm)
    if scope is not None and scope[0] == DataScope.ALL:
        return Q()
    return Q(pk=actor.pk) | Q(pk__in=Staff.objects.filter(staff_scope_q(actor, perm)).values("user_id"))


def register() -> None:
    handover.register_scope(people_in_scope)
    handover.register(
        name="delegations_received",
        label=gettext_lazy("代理他人的委托"),
        list=received_items,
        transfer=received_transfer,
        order=20,
        perm=Perm.MANAGE_CONFIG,
        effect=gettext_lazy("交接时撤销，由委托人本人另行委托"),
    )
    handover.register(
        name="delegations_given",
        label=gettext_lazy("本人的委托"),
        list=given_items,
        order=25,
        effect=gettext_lazy("仅列出：本人的安排，不移交"),
    )
    handover.register(
        name="secretaries",
        label=gettext_lazy("秘书"),
        list=secretary_items,
        transfer=secretaries_transfer,
        order=30,
        perm=Perm.MANAGE_CONFIG,
        effect=gettext_lazy("交接时解除，秘书由领导本人另行指定"),
    )
    handover.register(
        name="leaders_in_charge",
        label=gettext_lazy("分管部门"),
        list=leader_items,
        transfer=leaders_transfer,
        order=40,
        perm=Perm.MANAGE_CONFIG,
        effect=gettext_lazy("改由接任者分管"),
    )
