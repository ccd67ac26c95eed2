"""换班: the officer of a shift asks a colleague to take it (替班) or to exchange it for one of the colleague's own
shifts; the colleague agrees or declines; the office approves through the flow ``duty-swap`` (any one of the unit's
office, 或签) or rejects.

Approving changes the shifts in the same transaction as the flow's step, each by a conditional update on the
officer it expects: a swap that became invalid meanwhile (the shift started, the roster was edited, another swap
of the same shift was approved first) is refused with a clear message and changes nothing; of two approvals racing,
one wins. One open swap per shift (a database constraint)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.duty import flows, rights
from sanfu.duty.models import OPEN_SWAP, Shift, Swap, SwapStatus
from sanfu.duty.services.roster import busy_overlap
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus, Task
from sanfu.workflow.selectors import open_task_for

NOTICE_KIND = "duty"


def _shift_text(shift: Shift) -> str:
    return f"{shift.day.isoformat()} {shift.get_kind_display()}"


def _page(swap: Swap) -> str:
    return reverse("duty:swap", args=[swap.pk])


def swap_request(
    *,
    actor: User,
    shift_id: int,
    counterpart_id: int,
    counter_shift_id: int | None = None,
    reason: str,
    now: datetime | None = None,
) -> Swap:
    """Ask ``counterpart_id`` to take the actor's shift (in exchange for ``counter_shift_id`` when given)."""
    now = now or timezone.now()
    shift = Shift.objects.filter(pk=shift_id, officer=actor).first()
    if shift is None:
        raise NotFoundError(_("班次不存在或不是您的班次。"))
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请写明换班原因。"), errors=[{"field": "reason"}])
    if len(reason) > 200:
        raise ApplicationError(_("换班原因不能超过200字。"), errors=[{"field": "reason"}])
    if shift.starts_at <= now:
        raise ApplicationError(_("班次已开始，不能再申请换班。"))
    if counterpart_id == actor.pk or not rights.staff_ids(shift.unit_id, [counterpart_id]):
        raise ApplicationError(_("请选择本单位的另一位同事。"), errors=[{"field": "counterpart"}])
    counter = None
    if counter_shift_id is not None:
        counter = Shift.objects.filter(pk=counter_shift_id, officer_id=counterpart_id, unit_id=shift.unit_id).first()
        if counter is None:
            raise ApplicationError(_("换回的班次须是对方本人的班次。"), errors=[{"field": "counter_shift"}])
        if counter.starts_at <= now:
            raise ApplicationError(_("换回的班次已开始。"), errors=[{"field": "counter_shift"}])
    try:
        with transaction.atomic():
            swap = Swap.objects.create(
                shift=shift, counter_shift=counter, requester=actor, counterpart_id=counterpart_id, reason=reason
            )
            audit_record(
                action="duty.swap_request",
                actor=actor,
                target=f"duty-swap:{swap.pk}",
                detail={"shift": shift.pk, "counterpart": counterpart_id, "counter_shift": counter_shift_id},
            )
            notify_people(
                key=f"duty-swap-ask:{swap.pk}",
                people=[counterpart_id],
                kind="task",
                title=_("%(name)s请您替换%(shift)s的值班") % {"name": actor.display_name, "shift": _shift_text(shift)},
                url=_page(swap),
            )
    except IntegrityError as exc:
        raise ConflictError(_("该班次已有一个进行中的换班申请。")) from exc
    return swap


def access_swap(*, actor: User, swap_id: int) -> Swap:
    """The swap, for its two people and the office of its unit; anyone else gets 404."""
    swap = Swap.objects.select_related("shift", "counter_shift", "requester", "counterpart").filter(pk=swap_id).first()
    if swap is None or (
        actor.pk not in (swap.requester_id, swap.counterpart_id) and not rights.keeps_unit(actor, swap.shift.unit_id)
    ):
        raise NotFoundError(_("换班申请不存在。"))
    return swap


def swap_agree(*, actor: User, swap_id: int, now: datetime | None = None) -> Swap:
    """The colleague agrees: the swap goes to the office's approval (the flow ``duty-swap``)."""
    now = now or timezone.now()
    swap = access_swap(actor=actor, swap_id=swap_id)
    if actor.pk != swap.counterpart_id:
        raise PermissionDeniedError(_("只有被请求的同事可以同意换班。"))
    if swap.status != SwapStatus.ASKED:
        raise ConflictError(_("该换班申请已处理。"))
    if swap.shift.starts_at <= now:
        raise ApplicationError(_("班次已开始，换班申请已失效。"))
    flows.ensure_published()
    office = rights.office_people(swap.shift.unit_id)
    with transaction.atomic():
        instance = workflow.instance_start(
            actor=swap.requester,
            definition_key=flows.SWAP_KEY,
            title=_("换班：%(a)s → %(b)s（%(shift)s）")
            % {"a": swap.requester.display_name, "b": swap.counterpart.display_name, "shift": _shift_text(swap.shift)},
            form={"office": office},
            in_transaction=True,
        )
        if (
            Swap.objects.filter(pk=swap.pk, status=SwapStatus.ASKED).update(status=SwapStatus.AGREED, instance=instance)
            != 1
        ):
            raise ConflictError(_("该换班申请已处理。"))
        audit_record(action="duty.swap_agree", actor=actor, target=f"duty-swap:{swap.pk}")
    swap.refresh_from_db()
    return swap


def swap_decline(*, actor: User, swap_id: int) -> Swap:
    swap = access_swap(actor=actor, swap_id=swap_id)
    if actor.pk != swap.counterpart_id:
        raise PermissionDeniedError(_("只有被请求的同事可以拒绝换班。"))
    return _close(actor, swap, SwapStatus.DECLINED, "duty.swap_decline", expected=SwapStatus.ASKED)


def swap_cancel(*, actor: User, swap_id: int) -> Swap:
    """The requester withdraws the request before the colleague has agreed."""
    swap = access_swap(actor=actor, swap_id=swap_id)
    if actor.pk != swap.requester_id:
        raise PermissionDeniedError(_("只有申请人可以撤回换班申请。"))
    return _close(actor, swap, SwapStatus.CANCELLED, "duty.swap_cancel", expected=SwapStatus.ASKED)


def _close(actor: User, swap: Swap, status: str, action: str, *, expected: str) -> Swap:
    with transaction.atomic():
        if Swap.objects.filter(pk=swap.pk, status=expected).update(status=status, decided_at=timezone.now()) != 1:
            raise ConflictError(_("该换班申请已处理。"))
        audit_record(action=action, actor=actor, target=f"duty-swap:{swap.pk}")
        notify_people(
            key=f"{action}:{swap.pk}",
            people=[p for p in (swap.requester_id, swap.counterpart_id) if p != actor.pk],
            kind="duty",
            title=_("换班申请（%(shift)s）：%(status)s")
            % {"shift": _shift_text(swap.shift), "status": SwapStatus(status).label},
            url=_page(swap),
        )
    swap.refresh_from_db()
    return swap


def _task(actor: User, swap: Swap) -> Task:
    if swap.instance_id is None or swap.status != SwapStatus.AGREED:
        raise ApplicationError(_("该换班申请不在审批中。"), code=ErrorCode.CONFLICT)
    return open_task_for(actor=actor, instance_id=swap.instance_id, node="approve")


def may_approve(actor: User, swap: Swap) -> bool:
    try:
        _task(actor, swap)
    except ApplicationError:
        return False
    return True


def _still_valid(swap: Swap, now: datetime) -> None:
    shift, counter = swap.shift, swap.counter_shift
    if shift.starts_at <= now or (counter is not None and counter.starts_at <= now):
        raise ApplicationError(_("班次已开始，该换班申请已失效，请驳回。"), code=ErrorCode.CONFLICT)
    if shift.officer_id != swap.requester_id or (counter is not None and counter.officer_id != swap.counterpart_id):
        raise ApplicationError(_("排班已变动（已调整或已换过班），该换班申请已失效，请驳回。"), code=ErrorCode.CONFLICT)
    mine = [shift.pk] + ([counter.pk] if counter else [])
    if busy_overlap(swap.counterpart_id, shift.starts_at, shift.ends_at, excluding=mine) or (
        counter is not None and busy_overlap(swap.requester_id, counter.starts_at, counter.ends_at, excluding=mine)
    ):
        raise ApplicationError(_("换班后同一人会有时间重叠的班次，请驳回。"), code=ErrorCode.CONFLICT)


def swap_approve(*, actor: User, swap_id: int, comment: str = "", now: datetime | None = None) -> Swap:
    """The office approves: the shifts change hands in the same transaction as the flow's step."""
    now = now or timezone.now()
    swap = access_swap(actor=actor, swap_id=swap_id)
    task = _task(actor, swap)
    _still_valid(swap, now)
    try:
        with transaction.atomic():
            instance = workflow.task_approve(
                actor=actor,
                task_id=task.pk,
                comment=comment or _("同意"),
                in_transaction=True,
            )
            if instance.status != InstanceStatus.APPROVED:
                raise ConflictError(_("换班审批尚未完成。"))
            moved = Shift.objects.filter(pk=swap.shift_id, officer_id=swap.requester_id, starts_at__gt=now).update(
                officer_id=swap.counterpart_id
            )
            if swap.counter_shift_id is not None:
                moved += Shift.objects.filter(
                    pk=swap.counter_shift_id, officer_id=swap.counterpart_id, starts_at__gt=now
                ).update(officer_id=swap.requester_id)
            if moved != (2 if swap.counter_shift_id else 1):
                raise ConflictError(_("排班已变动（已调整或已换过班），该换班申请已失效，请驳回。"))
            if (
                Swap.objects.filter(pk=swap.pk, status=SwapStatus.AGREED).update(
                    status=SwapStatus.APPROVED, decided_at=now
                )
                != 1
            ):
                raise ConflictError(_("该换班申请已处理。"))
            audit_record(
                action="duty.swap_approve",
                actor=actor,
                target=f"duty-swap:{swap.pk}",
                detail={"shift": swap.shift_id, "counter_shift": swap.counter_shift_id, "comment": comment},
            )
            notify_people(
                key=f"duty-swap-approved:{swap.pk}",
                people=[swap.requester_id, swap.counterpart_id],
                kind="duty",
                title=_("换班已批准：%(shift)s") % {"shift": _shift_text(swap.shift)},
                url=_page(swap),
            )
    except IntegrityError as exc:  # the exchange would give one person two shifts at one moment
        raise ConflictError(_("换班后同一人会有时间重叠的班次，请驳回。")) from exc
    swap.refresh_from_db()
    return swap


def swap_reject(*, actor: User, swap_id: int, comment: str) -> Swap:
    """The office rejects: the roster stays as it was."""
    if not comment.strip():
        raise ApplicationError(_("驳回时请写明原因。"), errors=[{"field": "comment"}])
    swap = access_swap(actor=actor, swap_id=swap_id)
    task = _task(actor, swap)
    with transaction.atomic():
        workflow.task_reject(actor=actor, task_id=task.pk, comment=comment, in_transaction=True)
        if (
            Swap.objects.filter(pk=swap.pk, status=SwapStatus.AGREED).update(
                status=SwapStatus.REJECTED, decided_at=timezone.now()
            )
            != 1
        ):
            raise ConflictError(_("该换班申请已处理。"))
        audit_record(action="duty.swap_reject", actor=actor, target=f"duty-swap:{swap.pk}", detail={"comment": comment})
        notify_people(
            key=f"duty-swap-rejected:{swap.pk}",
            people=[swap.requester_id, swap.counterpart_id],
            kind="duty",
            title=_("换班未获批准：%(shift)s") % {"shift": _shift_text(swap.shift)},
            url=_page(swap),
        )
    swap.refresh_from_db()
    return swap


def open_swaps_for(user: User) -> list[Swap]:
    """Swaps waiting for ``user`` to agree."""
    return list(Swap.objects.filter(counterpart=user, status=SwapStatus.ASKED).select_related("shift", "requester"))


__all__ = ["OPEN_SWAP"]
