"""办公设备: the asset register (one asset, or a whole Excel file — all rows or none), 调拨 (a change of department,
keeper or place, kept as history), 维修记录 with cost, the condition, and the renewal rules the office edits.

Every write is one transaction with its audit row; every refusal is an ``ApplicationError`` raised before anything
is written. The asset number is unique within the unit by a database constraint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.org.models import Department, Staff
from sanfu.resources import rights, selectors
from sanfu.resources.models import Asset, AssetRepair, AssetStatus, AssetTransfer, Condition, RenewalRule

MAX_VALUE = Decimal("100000000")
MAX_SERVICE_YEARS = 50


def _bad(message: str, name: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": name}])


def require_manager(actor: User) -> int:
    unit_id = rights.unit_of(actor)
    if unit_id is None or not rights.is_manager(actor):
        raise PermissionDeniedError(_("只有办公室（资产管理员）可以办理此事项。"))
    return unit_id


@dataclass(frozen=True)
class AssetIn:
    number: str
    name: str
    category: str
    purchase_date: date
    value: Decimal | str | int | float
    service_years: int
    condition: str = Condition.GOOD
    location: str = ""
    department_id: int | None = None
    keeper_id: int | None = None


def checked_value(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(_("原值须是数字。")) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_VALUE:
        raise ValueError(_("原值须在 0 至 1 亿元之间。"))
    return amount.quantize(Decimal("0.01"))


def checked_asset(data: AssetIn, *, unit_id: int, today: date) -> dict[str, Any]:
    """The validated fields of an asset, or an ``ApplicationError`` naming the first bad one."""
    number, name, category = data.number.strip(), data.name.strip(), data.category.strip()
    location = data.location.strip()
    if not number or len(number) > 40:
        raise _bad(_("请填写资产编号（不超过 40 个字符）。"), "number")
    if not name or len(name) > 100:
        raise _bad(_("请填写设备名称（不超过 100 个字）。"), "name")
    if not category or len(category) > 50:
        raise _bad(_("请填写类别（不超过 50 个字）。"), "category")
    if data.purchase_date > today:
        raise _bad(_("购置日期不能晚于今天。"), "purchase_date")
    try:
        value = checked_value(data.value)
    except ValueError as exc:
        raise _bad(str(exc), "value") from exc
    if not 1 <= data.service_years <= MAX_SERVICE_YEARS:
        raise _bad(_("使用年限须在 1 至 %(n)d 年之间。") % {"n": MAX_SERVICE_YEARS}, "service_years")
    if data.condition not in Condition.values:
        raise _bad(_("请选择设备状况。"), "condition")
    if len(location) > 100:
        raise _bad(_("存放地点不超过 100 个字。"), "location")
    if data.department_id and not Department.objects.filter(pk=data.department_id, unit_id=unit_id).exists():
        raise _bad(_("使用部门须是本单位的部门。"), "department")
    if data.keeper_id and not Staff.objects.filter(user_id=data.keeper_id, unit_id=unit_id).exists():
        raise _bad(_("保管人须是本单位人员。"), "keeper")
    return {
        "number": number,
        "name": name,
        "category": category,
        "purchase_date": data.purchase_date,
        "value": value,
        "service_years": data.service_years,
        "condition": data.condition,
        "location": location,
        "department_id": data.department_id or None,
        "keeper_id": data.keeper_id or None,
    }


def asset_create(*, actor: User, data: AssetIn) -> Asset:
    """登记设备. A number already in the register is refused."""
    unit_id = require_manager(actor)
    fields = checked_asset(data, unit_id=unit_id, today=timezone.localdate())
    try:
        with transaction.atomic():
            asset = Asset.objects.create(unit_id=unit_id, **fields)
            audit_record(
                action="resources.asset.create",
                actor=actor,
                target=f"asset:{asset.pk}",
                detail={"number": asset.number},
            )
    except IntegrityError as exc:
        raise _bad(_("资产编号 %(n)s 已登记。") % {"n": fields["number"]}, "number") from exc
    return asset


def asset_transfer(
    *,
    actor: User,
    asset_id: int,
    department_id: int | None,
    keeper_id: int | None,
    location: str = "",
    note: str = "",
) -> AssetTransfer:
    """调拨: a new department, keeper and/or place; the change is kept in the asset's history."""
    unit_id = require_manager(actor)
    asset = selectors.access_asset(actor=actor, asset_id=asset_id)
    if asset.status != AssetStatus.IN_USE:
        raise ConflictError(_("已处置的设备不能调拨。"))
    location, note = location.strip(), note.strip()
    if department_id and not Department.objects.filter(pk=department_id, unit_id=unit_id).exists():
        raise _bad(_("新部门须是本单位的部门。"), "department")
    if keeper_id and not Staff.objects.filter(user_id=keeper_id, unit_id=unit_id).exists():
        raise _bad(_("新保管人须是本单位人员。"), "keeper")
    if len(location) > 100 or len(note) > 200:
        raise _bad(_("地点不超过 100 个字，说明不超过 200 个字。"), "note")
    new_location = location or asset.location
    if (
        (department_id or None) == asset.department_id
        and (keeper_id or None) == asset.keeper_id
        and new_location == asset.location
    ):
        raise _bad(_("调拨前后没有变化：请选择新的部门、保管人或地点。"), "department")
    with transaction.atomic():
        unchanged: dict[str, Any] = {
            "department_id": asset.department_id,
            "keeper_id": asset.keeper_id,
            "location": asset.location,
        }  # a concurrent transfer moved it: refused (None matches an empty field)
        changed = Asset.objects.filter(pk=asset.pk, **unchanged).update(
            department_id=department_id or None, keeper_id=keeper_id or None, location=new_location
        )
        if changed != 1:
            raise ConflictError(_("该设备刚被他人调拨，请刷新。"))
        transfer = AssetTransfer.objects.create(
            asset=asset,
            from_department_id=asset.department_id,
            to_department_id=department_id or None,
            from_keeper_id=asset.keeper_id,
            to_keeper_id=keeper_id or None,
            from_location=asset.location,
            to_location=new_location,
            note=note,
            moved_by=actor,
        )
        audit_record(
            action="resources.asset.transfer",
            actor=actor,
            target=f"asset:{asset.pk}",
            detail={
                "from": {"department": asset.department_id, "keeper": asset.keeper_id},
                "to": {"department": department_id, "keeper": keeper_id},
            },
        )
    return transfer


def asset_repair(*, actor: User, asset_id: int, repaired_on: date, description: str, cost: Any) -> AssetRepair:
    """维修记录 with its cost."""
    require_manager(actor)
    asset = selectors.access_asset(actor=actor, asset_id=asset_id)
    description = description.strip()
    if not description or len(description) > 200:
        raise _bad(_("请填写维修内容（不超过 200 个字）。"), "description")
    if repaired_on > timezone.localdate():
        raise _bad(_("维修日期不能晚于今天。"), "repaired_on")
    if repaired_on < asset.purchase_date:
        raise _bad(_("维修日期不能早于购置日期。"), "repaired_on")
    try:
        amount = checked_value(cost)
    except ValueError as exc:
        raise _bad(_("维修费用须是 0 至 1 亿元之间的数字。"), "cost") from exc
    with transaction.atomic():
        repair = AssetRepair.objects.create(
            asset=asset, repaired_on=repaired_on, description=description, cost=amount, recorded_by=actor
        )
        audit_record(
            action="resources.asset.repair", actor=actor, target=f"asset:{asset.pk}", detail={"cost": str(amount)}
        )
    return repair


def asset_set_condition(*, actor: User, asset_id: int, condition: str) -> Asset:
    """评定状况 (良好 / 一般 / 较差)."""
    require_manager(actor)
    asset = selectors.access_asset(actor=actor, asset_id=asset_id)
    if condition not in Condition.values:
        raise _bad(_("请选择设备状况。"), "condition")
    with transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(condition=condition)
        audit_record(
            action="resources.asset.condition",
            actor=actor,
            target=f"asset:{asset.pk}",
            detail={"before": asset.condition, "after": condition},
        )
    asset.condition = condition
    return asset


def rule_of(unit_id: int) -> RenewalRule:
    """The unit's renewal rules (the defaults until the office edits them; not stored until then)."""
    return RenewalRule.objects.filter(unit_id=unit_id).first() or RenewalRule(unit_id=unit_id)


def renewal_rule_update(*, actor: User, by_age: bool, by_condition: bool, repair_share: int | None) -> RenewalRule:
    """修改更新规则 (the office of the unit)."""
    unit_id = require_manager(actor)
    if repair_share is not None and not 1 <= repair_share <= 1000:
        raise _bad(_("维修费占原值的百分比须在 1 至 1000 之间，或留空不启用。"), "repair_share")
    with transaction.atomic():
        rule, _made = RenewalRule.objects.update_or_create(
            unit_id=unit_id,
            defaults={
                "by_age": by_age,
                "by_condition": by_condition,
                "repair_share": repair_share,
                "updated_at": timezone.now(),
            },
        )
        audit_record(
            action="resources.renewal_rule.update",
            actor=actor,
            target=f"renewal_rule:{unit_id}",
            detail={"by_age": by_age, "by_condition": by_condition, "repair_share": repair_share},
        )
    return rule
