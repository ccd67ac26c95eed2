"""The 值班安排 personas: the org of ``tests/conftest.py`` (示例发电公司: 总经理 gm, 副总经理 deputy) with the office's
clerk holding the role ``clerk``; officers office_head (A), section_head (B) and accountant (C); leaders on call gm
and deputy; a stranger in another unit. ``at(...)`` travels in Asia/Shanghai time."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.duty import services
from sanfu.duty.models import Rota, RotaKind, Shift
from tests.conftest import build_org, grant, make_department, make_staff, make_unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def build_world() -> dict[str, Any]:
    world = build_org()
    ensure_admin_roles()
    grant(world["clerk"], Role.objects.get(code="clerk"))
    other = make_unit("other", name="另一公司")
    world["stranger"] = make_staff(make_department(other, "综合部"), username="stranger")
    world["a"], world["b"], world["c"] = world["office_head"], world["section_head"], world["accountant"]
    return world


@pytest.fixture
def duty(db: None) -> dict[str, Any]:
    return build_world()


def moment(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def at(day: date, hour: int, minute: int = 0) -> time_machine.travel:
    return time_machine.travel(datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI), tick=False)


def make_rota(w: dict[str, Any], *, kind: str = RotaKind.BOTH, name: str = "办公室值班", **extra: Any) -> Rota:
    data = services.RotaIn(
        name=name,
        kind=kind,
        phone=extra.pop("phone", "0775-1234567"),
        officer_ids=extra.pop("officers", [w["a"].pk, w["b"].pk, w["c"].pk]),
        leader_ids=extra.pop("leaders", [w["gm"].pk, w["deputy"].pk]),
        **extra,
    )
    return services.rota_save(actor=w["clerk"], data=data)


def roster(rota: Rota, start: date, end: date, actor: Any) -> list[Shift]:
    return services.roster_generate(actor=actor, rota_id=rota.pk, start=start, end=end)


__all__ = ["SHANGHAI", "at", "duty", "make_rota", "moment", "roster"]
