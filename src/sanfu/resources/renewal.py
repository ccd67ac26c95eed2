"""更新计划: the assets due for renewal in a year, each with its reasons, and the budget per department.

An in-use asset is due in year Y when any enabled rule of its unit holds:
- 达到使用年限: its purchase date plus its service life falls on or before 31 December of Y;
- 状况较差: its condition is 较差 (now);
- 维修费过高: its repairs so far cost more than ``repair_share`` per cent of its value.
The budget of an asset is its original value (a like-for-like replacement). One query reads the assets with their
repair totals, whatever their number."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import NotFoundError
from sanfu.resources import rights
from sanfu.resources.models import Asset, AssetStatus, Condition, RenewalRule


@dataclass(frozen=True)
class PlanLine:
    asset_id: int
    number: str
    name: str
    category: str
    department: str
    purchase_date: date
    due_date: date
    value: Decimal
    repairs: Decimal
    condition: str
    reasons: tuple[str, ...]


@dataclass
class Plan:
    year: int
    rule: RenewalRule
    lines: list[PlanLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal("0"))

    @property
    def by_department(self) -> list[tuple[str, int, Decimal]]:
        """(department, how many, budget), the largest budget first."""
        sums: dict[str, tuple[int, Decimal]] = {}
        for line in self.lines:
            count, budget = sums.get(line.department, (0, Decimal("0")))
            sums[line.department] = (count + 1, budget + line.value)
        return sorted(((d, c, b) for d, (c, b) in sums.items()), key=lambda row: (-row[2], row[0]))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def renewal_plan(actor: User, *, year: int) -> Plan:
    """The plan of ``actor``'s unit for ``year`` under the unit's rules."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        raise NotFoundError(_("您不属于任何单位。"))
    rule = RenewalRule.objects.filter(unit_id=unit_id).first() or RenewalRule(unit_id=unit_id)
    return plan_for(unit_id, rule, year=year)


def plan_for(unit_id: int, rule: RenewalRule, *, year: int) -> Plan:
    year_end = date(year, 12, 31)
    rows = (
        Asset.objects.filter(unit_id=unit_id, status=AssetStatus.IN_USE)
        .select_related("department")
        .annotate(
            repair_total=Coalesce(
                Sum("repairs__cost"), Value(Decimal("0")), output_field=DecimalField(max_digits=14, decimal_places=2)
            )
        )
        .order_by("department__name", "number")
    )
    plan = Plan(year=year, rule=rule)
    for asset in rows:
        repairs = Decimal(asset.repair_total)
        due = add_years(asset.purchase_date, asset.service_years)
        reasons = []
        if rule.by_age and due <= year_end:
            reasons.append(_("达到使用年限（%(d)s 到期）") % {"d": due.isoformat()})
        if rule.by_condition and asset.condition == Condition.POOR:
            reasons.append(_("状况较差"))
        if rule.repair_share is not None and asset.value > 0 and repairs * 100 > asset.value * rule.repair_share:
            reasons.append(
                _("累计维修费 %(r)s 元，超过原值的 %(p)d%%") % {"r": f"{repairs:,.2f}", "p": rule.repair_share}
            )
        if reasons:
            plan.lines.append(
                PlanLine(
                    asset_id=asset.pk,
                    number=asset.number,
                    name=asset.name,
                    category=asset.category,
                    department=asset.department.name if asset.department else _("（未分配部门）"),
                    purchase_date=asset.purchase_date,
                    due_date=due,
                    value=asset.value,
                    repairs=repairs,
                    condition=asset.get_condition_display(),
                    reasons=tuple(reasons),
                )
            )
    return plan
