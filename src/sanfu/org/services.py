"""Writes on the organisation. Each is one transaction with its audit record."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import admin_kind_of, has_perm
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.org.models import CalendarDay, DayKind, Delegation, Department, Secretary, Unit


def department_create(
    *,
    unit: Unit,
    code: str,
    name: str,
    parent: Department | None = None,
    sort: int = 0,
    leader_in_charge: User | None = None,
) -> Department:
    """Create a department and its materialised ``path`` (no audit: callers such as imports audit once)."""
    if parent is not None and parent.unit_id != unit.pk:
        raise ApplicationError(_("上级部门必须属于同一单位。"))
    dept = Department.objects.create(
        unit=unit,
        code=code,
        name=name,
        parent=parent,
        sort=sort,
        leader_in_charge=leader_in_charge,
        depth=(parent.depth + 1) if parent else 1,
    )
    dept.path = f"{parent.path if parent else '/'}{dept.pk}/"
    dept.save(update_fields=["path"])
    return dept


def department_move(*, department: Department, parent: Department | None) -> Department:
    """Give ``department`` a new parent and rewrite ``path``/``depth`` for it and its whole subtree.

    No audit and no cycle check: callers such as imports check the whole tree first and audit once.
    """
    with transaction.atomic():
        old_path, old_depth = Department.objects.values_list("path", "depth").get(pk=department.pk)
        if parent is None:
            new_path, new_depth = f"/{department.pk}/", 1
        else:
            parent_path, parent_depth = Department.objects.values_list("path", "depth").get(pk=parent.pk)
            new_path, new_depth = f"{parent_path}{department.pk}/", parent_depth + 1
        Department.objects.filter(pk=department.pk).update(parent=parent)
        subtree = list(Department.objects.filter(path__startswith=old_path))
        for node in subtree:
            node.path = new_path + node.path[len(old_path) :]
            node.depth = node.depth - old_depth + new_depth
        Department.objects.bulk_update(subtree, ["path", "depth"])
    department.parent = parent
    department.path, department.depth = new_path, new_depth
    return department


def _may_manage_delegation(actor: User, principal: User) -> bool:
    """The person, or their recorded secretary. Never an administrator for someone else: a configuration
    right must not let anyone route a leader's sign-offs to whomever they like."""
    if actor.pk == principal.pk:
        return True
    return Secretary.objects.filter(secretary=actor, leader=principal).exists()


def delegation_create(
    *,
    actor: User,
    principal: User,
    delegate: User,
    starts_at: datetime,
    ends_at: datetime,
    matter_types: list[str] | None = None,
    reason: str = "",
    ip: str = "",
) -> Delegation:
    """委托代理: from ``starts_at`` to ``ends_at`` tasks for ``principal`` go to ``delegate``.

    The principal sets it up, or their recorded secretary — who may not name himself as the deputy. An
    administrator account is never a deputy (三员 do not do business). Two delegations of the same person
    may not overlap in time for the same matters.
    """
    if not _may_manage_delegation(actor, principal):
        audit_record(
            action="delegation.create",
            actor=actor,
            outcome="denied",
            target=f"user:{principal.pk}",
            ip_address=ip,
            detail={"principal": principal.pk, "delegate": delegate.pk},
        )
        raise PermissionDeniedError(_("只有本人或其秘书可以设置委托。"))
    errors: list[dict[str, object]] = []
    if delegate.pk == principal.pk:
        errors.append({"field": "delegate", "message": _("不能委托给自己。")})
    elif delegate.pk == actor.pk:
        errors.append({"field": "delegate", "message": _("秘书不能把领导的事项委托给自己。")})
    if admin_kind_of(delegate):
        errors.append({"field": "delegate", "message": _("管理员账户不能作为被委托人。")})
    if not delegate.is_active:
        errors.append({"field": "delegate", "message": _("被委托人的账户已停用。")})
    if ends_at <= starts_at:
        errors.append({"field": "ends_at", "message": _("结束时间必须晚于开始时间。")})
    if ends_at <= timezone.now():
        errors.append({"field": "ends_at", "message": _("结束时间已过。")})
    types = sorted({t.strip() for t in (matter_types or []) if t.strip()})
    if errors:
        raise ApplicationError("；".join(str(e["message"]) for e in errors), errors=errors)
    with transaction.atomic():
        overlapping = Delegation.objects.filter(
            principal=principal, revoked_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        for other in overlapping:
            if not other.matter_types or not types or set(other.matter_types) & set(types):
                raise ApplicationError(
                    _("与已有委托（%(d)s，%(s)s 至 %(e)s）时间重叠。")
                    % {
                        "d": other.delegate,
                        "s": timezone.localtime(other.starts_at).strftime("%Y-%m-%d %H:%M"),
                        "e": timezone.localtime(other.ends_at).strftime("%Y-%m-%d %H:%M"),
                    },
                    errors=[{"field": "starts_at", "message": _("时间与已有委托重叠。")}],
                )
        delegation = Delegation.objects.create(
            principal=principal,
            delegate=delegate,
            starts_at=starts_at,
            ends_at=ends_at,
            matter_types=types,
            reason=reason.strip()[:200],
        )
        audit_record(
            action="delegation.create",
            actor=actor,
            target=f"delegation:{delegation.pk}",
            ip_address=ip,
            detail={
                "principal": principal.pk,
                "delegate": delegate.pk,
                "matter_types": types,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
        )
    return delegation


def delegation_revoke(*, actor: User, delegation_id: int, ip: str = "") -> Delegation:
    delegation = (
        Delegation.objects.select_related("principal")
        .filter(
            Q(pk=delegation_id), Q(principal=actor) | Q(delegate=actor) | Q(principal__secretaries__secretary=actor)
        )
        .first()
    )
    if delegation is None and has_perm(actor, Perm.MANAGE_CONFIG):
        delegation = Delegation.objects.filter(pk=delegation_id).first()
    if delegation is None:
        raise NotFoundError(_("委托不存在。"))
    if not (_may_manage_delegation(actor, delegation.principal) or has_perm(actor, Perm.MANAGE_CONFIG)):
        raise PermissionDeniedError(_("只有委托人本人、其秘书或系统管理员可以撤销委托。"))
    with transaction.atomic():
        changed = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if changed == 0:
            raise ApplicationError(_("该委托已撤销。"))
        audit_record(action="delegation.revoke", actor=actor, target=f"delegation:{delegation.pk}", ip_address=ip)
    delegation.refresh_from_db()
    return delegation


def calendar_day_set(*, actor: Any, day: date, kind: str, note: str = "", ip: str = "") -> CalendarDay:
    """The administrator marks ``day`` as a working day or a rest day, overriding the statutory calendar."""
    if not has_perm(actor, Perm.MANAGE_CONFIG):
        raise PermissionDeniedError(_("您没有权限修改工作日历。"))
    if kind not in DayKind.values:
        raise ApplicationError(_("日期类型必须是工作日或休息日。"))
    with transaction.atomic():
        entry, _created = CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "note": note[:64]})
        audit_record(
            action="calendar.set",
            actor=actor,
            target=f"calendar:{day.isoformat()}",
            ip_address=ip,
            detail={"kind": kind, "note": note[:64]},
        )
    return entry


def calendar_day_clear(*, actor: Any, day: date, ip: str = "") -> None:
    if not has_perm(actor, Perm.MANAGE_CONFIG):
        raise PermissionDeniedError(_("您没有权限修改工作日历。"))
    with transaction.atomic():
        deleted, _rows = CalendarDay.objects.filter(date=day).delete()
        if deleted:
            audit_record(action="calendar.clear", actor=actor, target=f"calendar:{day.isoformat()}", ip_address=ip)


def secretary_assign(*, actor: User, secretary: User, ip: str = "") -> Secretary:
    """A leader records his own secretary (who may then manage his delegations and act for him as the
    rules allow). Only the leader himself: no administrator assigns secretaries to leaders."""
    if secretary.pk == actor.pk:
        raise ApplicationError(_("不能把自己设为自己的秘书。"))
    if not secretary.is_active or admin_kind_of(secretary):
        raise ApplicationError(_("秘书须是在用的普通账户。"))
    with transaction.atomic():
        row, created = Secretary.objects.get_or_create(secretary=secretary, leader=actor)
        if not created:
            raise ApplicationError(_("%(name)s 已是您的秘书。") % {"name": secretary})
        audit_record(
            action="secretary.assign",
            actor=actor,
            target=f"user:{actor.pk}",
            ip_address=ip,
            detail={"leader": actor.pk, "secretary": secretary.pk},
        )
    return row


def secretary_remove(*, actor: User, secretary_id: int, ip: str = "") -> None:
    """The leader ends a secretary record of his own."""
    with transaction.atomic():
        deleted, _rows = Secretary.objects.filter(leader=actor, secretary_id=secretary_id).delete()
        if not deleted:
            raise NotFoundError(_("该秘书记录不存在。"))
        audit_record(
            action="secretary.remove",
            actor=actor,
            target=f"user:{actor.pk}",
            ip_address=ip,
            detail={"leader": actor.pk, "secretary": secretary_id},
        )
