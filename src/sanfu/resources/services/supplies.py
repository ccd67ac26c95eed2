"""办公用品: items and their stock per store (入库 by the office or the store's keeper), 领用申请 — through the
department head (flow ``supply-request``) when an item needs approval, else ready at once — and 发放 by the store's
keeper, which takes the stock down by conditional updates (``quantity >= n``): two issues can never take the same
last items, and a shortage refuses the whole issue. A stock at or below its warning mark tells the keeper."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.core.notify import notify_people
from sanfu.org.models import Staff
from sanfu.org.selectors import head_of, primary_department
from sanfu.resources import flows, rights, selectors
from sanfu.resources.models import Stock, Store, SupplyItem, SupplyLine, SupplyRequest, SupplyStatus
from sanfu.workflow import services as workflow
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.selectors import open_task_for

MAX_LINES = 20
MAX_QUANTITY = 10000


def _bad(message: str, name: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name}])


def _require_manager(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None or not rights.is_manager(actor):
        raise PermissionDeniedError(_("只有办公室可以办理此事项。"))
    return unit_id


def _store(actor: User, store_id: int) -> Store:
    unit_id = rights.unit_of(actor)
    store = Store.objects.filter(pk=store_id, unit_id=unit_id).select_related("keeper").first() if unit_id else None
    if store is None:
        raise NotFoundError(_("库房不存在。"))
    return store


def may_keep(actor: User, store: Store) -> bool:
    """The store's keeper, or the office of its unit."""
    return store.keeper_id == actor.pk or (rights.is_manager(actor) and rights.unit_of(actor) == store.unit_id)


def store_create(*, actor: User, name: str, keeper_id: int) -> Store:
    unit_id = _require_manager(actor)
    name = name.strip()
    if not name or len(name) > 100:
        raise _bad(_("请填写库房名称（不超过 100 个字）。"), "name")
    if not Staff.objects.filter(user_id=keeper_id, unit_id=unit_id, user__is_active=True).exists():
        raise _bad(_("库管员须是本单位人员。"), "keeper")
    try:
        with transaction.atomic():
            store = Store.objects.create(unit_id=unit_id, name=name, keeper_id=keeper_id)
            audit_record(
                action="resources.store.create", actor=actor, target=f"store:{store.pk}", detail={"name": name}
            )
    except IntegrityError as exc:
        raise _bad(_("库房“%(n)s”已存在。") % {"n": name}, "name") from exc
    return store


def item_create(*, actor: User, name: str, measure: str = "个", needs_approval: bool = False) -> SupplyItem:
    unit_id = _require_manager(actor)
    name, measure = name.strip(), measure.strip()
    if not name or len(name) > 100:
        raise _bad(_("请填写用品名称（不超过 100 个字）。"), "name")
    if not measure or len(measure) > 10:
        raise _bad(_("请填写计量单位（不超过 10 个字）。"), "measure")
    try:
        with transaction.atomic():
            item = SupplyItem.objects.create(unit_id=unit_id, name=name, measure=measure, needs_approval=needs_approval)
            audit_record(
                action="resources.supply.create", actor=actor, target=f"supply:{item.pk}", detail={"name": name}
            )
    except IntegrityError as exc:
        raise _bad(_("用品“%(n)s”已存在。") % {"n": name}, "name") from exc
    return item


def stock_receive(*, actor: User, store_id: int, item_id: int, quantity: int, low_mark: int | None = None) -> Stock:
    """入库: ``quantity`` more of an item in a store (its keeper or the office); ``low_mark`` sets the warning."""
    store = _store(actor, store_id)
    if not may_keep(actor, store):
        raise PermissionDeniedError(_("只有该库房的库管员或办公室可以入库。"))
    if not SupplyItem.objects.filter(pk=item_id, unit_id=store.unit_id).exists():
        raise NotFoundError(_("用品不存在。"))
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _bad(_("入库数量须在 1 至 %(n)d 之间。") % {"n": MAX_QUANTITY}, "quantity")
    if low_mark is not None and not 0 <= low_mark <= MAX_QUANTITY:
        raise _bad(_("预警数量须在 0 至 %(n)d 之间。") % {"n": MAX_QUANTITY}, "low_mark")
    with transaction.atomic():
        stock, _made = Stock.objects.get_or_create(store=store, item_id=item_id)
        changes: dict[str, object] = {"quantity": F("quantity") + quantity}
        if low_mark is not None:
            changes["low_mark"] = low_mark
        Stock.objects.filter(pk=stock.pk).update(**changes)
        audit_record(
            action="resources.stock.receive",
            actor=actor,
            target=f"stock:{stock.pk}",
            detail={"quantity": quantity, "low_mark": low_mark},
        )
    stock.refresh_from_db()
    return stock


@dataclass(frozen=True)
class LineIn:
    item_id: int
    quantity: int


def supply_request_submit(
    *, actor: User, store_id: int, lines: Sequence[LineIn], note: str = "", now: datetime | None = None
) -> SupplyRequest:
    """领用申请: through the department head when any item needs approval, else ready to issue at once."""
    now = now or timezone.now()
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise PermissionDeniedError(_("您不属于任何单位。"))
    store = _store(actor, store_id)
    department = primary_department(actor)
    if department is None:
        raise _bad(_("您不属于任何部门，不能领用。"), "department")
    wanted = [line for line in lines if line.quantity]
    if not wanted:
        raise _bad(_("请至少填写一项用品和数量。"), "lines")
    if len(wanted) > MAX_LINES:
        raise _bad(_("一次最多领用 %(n)d 项。") % {"n": MAX_LINES}, "lines")
    ids = [line.item_id for line in wanted]
    if len(set(ids)) != len(ids):
        raise _bad(_("同一用品请合并为一行。"), "lines")
    if any(not 1 <= line.quantity <= MAX_QUANTITY for line in wanted):
        raise _bad(_("领用数量须在 1 至 %(n)d 之间。") % {"n": MAX_QUANTITY}, "lines")
    items = {i.pk: i for i in SupplyItem.objects.filter(pk__in=ids, unit_id=unit_id)}
    if len(items) != len(ids):
        raise _bad(_("用品须是本单位的用品。"), "lines")
    note = note.strip()[:200]
    needs_approval = any(items[i].needs_approval for i in ids)
    if needs_approval:
        flows.ensure_published()
    with transaction.atomic():
        request = SupplyRequest.objects.create(
            unit_id=unit_id, department=department, requester=actor, store=store, note=note, created_at=now
        )
        SupplyLine.objects.bulk_create(
            [SupplyLine(request=request, item_id=line.item_id, quantity=line.quantity) for line in wanted]
        )
        if needs_approval:
            head = head_of(actor)
            instance = workflow.instance_start(
                actor=actor,
                definition_key=flows.SUPPLY_KEY,
                title=_("办公用品领用：%(names)s") % {"names": _("、").join(items[i].name for i in ids)[:150]},
                form={"head": head.pk if head is not None else None},
                in_transaction=True,
            )
            status = SupplyStatus.READY if instance.status == InstanceStatus.APPROVED else SupplyStatus.PENDING
            SupplyRequest.objects.filter(pk=request.pk).update(instance=instance, status=status)
            request.instance, request.status = instance, status
        audit_record(
            action="resources.supply_request.submit",
            actor=actor,
            target=f"supply_request:{request.pk}",
            detail={"lines": [[line.item_id, line.quantity] for line in wanted], "approval": needs_approval},
        )
    return request


def _visible(actor: User, request_id: int) -> SupplyRequest:
    return selectors.access_supply_request(actor=actor, request_id=request_id)


def supply_request_approve(*, actor: User, request_id: int, comment: str = "") -> SupplyRequest:
    """部门审核 同意: the request is ready to issue."""
    request = _visible(actor, request_id)
    if request.instance_id is None or request.status != SupplyStatus.PENDING:
        raise ApplicationError(_("该领用申请不在审批中。"), code=ErrorCode.CONFLICT)
    task = open_task_for(actor=actor, instance_id=request.instance_id, node="head")
    with transaction.atomic():
        instance = workflow.task_approve(
            actor=actor, task_id=task.pk, comment=comment or _("同意"), in_transaction=True
        )
        if instance.status == InstanceStatus.APPROVED:
            if (
                SupplyRequest.objects.filter(pk=request.pk, status=SupplyStatus.PENDING).update(
                    status=SupplyStatus.READY
                )
                != 1
            ):
                raise ConflictError(_("该领用申请已被他人办理，请刷新。"))
            request.status = SupplyStatus.READY
        audit_record(action="resources.supply_request.approve", actor=actor, target=f"supply_request:{request.pk}")
    return request


def supply_request_return(*, actor: User, request_id: int, comment: str) -> SupplyRequest:
    """退回 to the requester with the reason."""
    if not comment.strip():
        raise _bad(_("退回时请写明原因。"), "comment")
    request = _visible(actor, request_id)
    if request.instance_id is None or request.status != SupplyStatus.PENDING:
        raise ApplicationError(_("该领用申请不在审批中。"), code=ErrorCode.CONFLICT)
    task = open_task_for(actor=actor, instance_id=request.instance_id, node="head")
    with transaction.atomic():
        workflow.task_return(actor=actor, task_id=task.pk, to="initiator", comment=comment, in_transaction=True)
        if (
            SupplyRequest.objects.filter(pk=request.pk, status=SupplyStatus.PENDING).update(
                status=SupplyStatus.RETURNED
            )
            != 1
        ):
            raise ConflictError(_("该领用申请已被他人办理，请刷新。"))
        audit_record(
            action="resources.supply_request.return",
            actor=actor,
            target=f"supply_request:{request.pk}",
            detail={"comment": comment},
        )
    request.status = SupplyStatus.RETURNED
    return request


def supply_request_issue(*, actor: User, request_id: int, now: datetime | None = None) -> SupplyRequest:
    """发放 by the store's keeper (or the office): every line comes out of the stock, or none does; the keeper is
    told of each stock now at or below its warning mark."""
    now = now or timezone.now()
    request = _visible(actor, request_id)
    store = request.store
    if not may_keep(actor, store):
        raise PermissionDeniedError(_("只有该库房的库管员或办公室可以发放。"))
    if request.status != SupplyStatus.READY:
        raise ConflictError(_("只有待发放的领用申请可以发放。"))
    lines = list(request.lines.select_related("item"))
    with transaction.atomic():
        for line in lines:
            taken = Stock.objects.filter(store=store, item=line.item, quantity__gte=line.quantity).update(
                quantity=F("quantity") - line.quantity
            )
            if taken != 1:
                left = Stock.objects.filter(store=store, item=line.item).values_list("quantity", flat=True).first() or 0
                raise ConflictError(
                    _("%(item)s 库存不足：需要 %(n)d%(m)s，库存 %(left)d%(m)s。")
                    % {"item": line.item.name, "n": line.quantity, "left": left, "m": line.item.measure},
                    errors=[{"field": "lines", "item": line.item_id}],
                )
        if (
            SupplyRequest.objects.filter(pk=request.pk, status=SupplyStatus.READY).update(
                status=SupplyStatus.ISSUED, issued_at=now, issued_by=actor
            )
            != 1
        ):
            raise ConflictError(_("该领用申请已发放。"))
        low = list(
            Stock.objects.filter(
                store=store, item_id__in=[line.item_id for line in lines], quantity__lte=F("low_mark")
            ).select_related("item")
        )
        if low:
            notify_people(
                key=f"supply-low:{request.pk}",
                people=[store.keeper_id],
                kind="remind",
                title=_("库存预警：%(items)s")
                % {"items": _("、").join(f"{s.item.name} {s.quantity}{s.item.measure}" for s in low)},
                url=reverse("resources:supplies_stock"),
            )
        audit_record(
            action="resources.supply_request.issue",
            actor=actor,
            target=f"supply_request:{request.pk}",
            detail={"lines": [[line.item_id, line.quantity] for line in lines], "low": [s.pk for s in low]},
        )
    request.status, request.issued_at = SupplyStatus.ISSUED, now
    return request
