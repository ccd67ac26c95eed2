"""The 领导日程 personas: the org of ``tests/conftest.py`` (示例发电公司: 总经理 gm, 副总经理 deputy) with the
office's clerk holding the role ``clerk``, a secretary to gm, an ordinary employee (accountant) and a stranger in
another unit."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.org.models import Rank, Secretary
from sanfu.schedules import services
from sanfu.schedules.models import ScheduleEntry, Visibility
from tests.conftest import build_org, grant, make_department, make_staff, make_unit

MONDAY = date(2026, 12, 7)


def build_world() -> dict[str, Any]:
    world = build_org()
    ensure_admin_roles()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    world["secretary"] = make_staff(world["office"], username="secretary", full_name="秘书")
    Secretary.objects.create(secretary=world["secretary"], leader=world["gm"])
    other = make_unit("other", name="另一公司")
    world["stranger"] = make_staff(make_department(other, "综合部"), username="stranger")
    world["other_leader"] = make_staff(make_department(other, "领导"), rank=Rank.LEADER, username="other_leader")
    return world


@pytest.fixture
def sch(db: None) -> dict[str, Any]:
    return build_world()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def entry(actor: Any, leader: Any, *, start: int = 9, end: int = 11, day: date = MONDAY, **extra: Any) -> ScheduleEntry:
    data = services.EntryIn(
        leader_id=leader.pk,
        title=extra.pop("title", "安全生产例会"),
        starts_at=at(day, start),
        ends_at=at(day, end),
        visibility=extra.pop("visibility", Visibility.PUBLIC),
        **extra,
    )
    return services.entry_create(actor=actor, data=data)


__all__ = ["MONDAY", "at", "entry", "sch"]
