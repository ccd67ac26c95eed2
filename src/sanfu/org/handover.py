"""离职交接 for the organisation: the delegations, secretary records and departments in charge that name a
person, and how each passes to the successor (registered with ``core.handover`` in ``OrgConfig.ready``).

- 委托代理: a delegation the person gave ends (a principal's own choice does not bind the successor); one
  they received passes to the successor, who now acts for the principal (ended instead when the successor
  is the principal himself).
- 秘书: the successor serves the leader, or is served by the secretary, in the person's place (the record
  is dropped when it would name one person twice or repeat an existing one).
- 分管领导: the successor takes charge of the departments.
Each moved record gets its own audit row; the caller holds the transaction. These records are the
organisation's configuration: only an administrator who may change it (管理系统配置) moves them; for a process
administrator they are listed only."""

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


def _live_delegations(person: User) -> list[Delegation]:
    """Delegations given or received by ``person`` that are still in force or yet to come."""
    return list(
        Delegation.objects.filter(Q(principal=person) | Q(delegate=person), revoked_at__isnull=True)
        .filter(ends_at__gt=timezone.now())
        .select_related("principal", "delegate")
        .order_by("starts_at", "pk")
    )


def delegation_items(person: User) -> list[HandoverItem]:
    items = []
    for d in _live_delegations(person):
        given = d.principal_id == person.pk
        detail = _("%(s)s 至 %(e)s") % {"s": _when(d.starts_at), "e": _when(d.ends_at)}
        if d.matter_types:
            detail += _("；限定事项：%(m)s") % {"m": "、".join(d.matter_types)}
        items.append(
            HandoverItem(
                key=f"delegation:{d.pk}",
                title=(_("委托 %(who)s 代理本人") if given else _("代理 %(who)s 的待办"))
                % {"who": (d.delegate if given else d.principal).display_name},
                detail=detail,
                note=_("交接时撤销") if given else _("改由接任者代理"),
            )
        )
    return items


def delegations_transfer(*, actor: User, person: User, successor: User, reason: str) -> int:
    now = timezone.now()
    moved = 0
    for d in _live_delegations(person):
        ends = d.principal_id in {person.pk, successor.pk}
        if ends:
            changed = Delegation.objects.filter(pk=d.pk, revoked_at__isnull=True).update(revoked_at=now)
        else:
            changed = Delegation.objects.filter(pk=d.pk, revoked_at__isnull=True).update(delegate=successor)
        if not changed:
            continue
        moved += 1
        audit_record(
            action="handover.delegation",
            actor=actor,
            target=f"delegation:{d.pk}",
            detail={
                "person": person.pk,
                "successor": successor.pk,
                "outcome": "revoked" if ends else "delegate_changed",
                "reason": reason,
            },
        )
    return moved


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
    moved = 0
    for s in _secretary_records(person):
        as_secretary = s.secretary_id == person.pk
        secretary_id, leader_id = (successor.pk, s.leader_id) if as_secretary else (s.secretary_id, successor.pk)
        duplicate = secretary_id == leader_id or (
            Secretary.objects.filter(secretary_id=secretary_id, leader_id=leader_id).exclude(pk=s.pk).exists()
        )
        if duplicate:
            Secretary.objects.filter(pk=s.pk).delete()
        else:
            Secretary.objects.filter(pk=s.pk).update(secretary_id=secretary_id, leader_id=leader_id)
        moved += 1
        audit_record(
            action="handover.secretary",
            actor=actor,
            target=f"secretary:{s.pk}",
            detail={
                "person": person.pk,
                "successor": successor.pk,
                "secretary": secretary_id,
                "leader": leader_id,
                "outcome": "removed" if duplicate else "moved",
                "reason": reason,
            },
        )
    return moved


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
        name="delegations",
        label=gettext_lazy("委托代理"),
        list=delegation_items,
        transfer=delegations_transfer,
        order=20,
        perm=Perm.MANAGE_CONFIG,
        effect=gettext_lazy("本人委托他人的撤销；他人委托本人的改由接任者代理"),
    )
    handover.register(
        name="secretaries",
        label=gettext_lazy("秘书"),
        list=secretary_items,
        transfer=secretaries_transfer,
        order=30,
        perm=Perm.MANAGE_CONFIG,
        effect=gettext_lazy("由接任者接替本人"),
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
