"""The 办会 personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding the role
``clerk``, two rooms (one open to the unit, one to 财务部 only), and an outsider in another unit."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.meetings import services
from sanfu.meetings.models import Room
from tests.conftest import grant, make_department, make_staff, make_unit


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def meet(org: dict[str, Any]) -> dict[str, Any]:
    ensure_admin_roles()
    grant(org["clerk"], Role.objects.get(code="clerk"))
    big = services.room_create(
        actor=org["clerk"],
        data=services.RoomIn(name="第一会议室", location="办公楼三楼", capacity=30, equipment=["投影仪"]),
    )
    finance_only = services.room_create(
        actor=org["clerk"],
        data=services.RoomIn(name="财务小会议室", capacity=8, open_to_all=False, departments=[org["finance"].pk]),
    )
    other_unit = make_unit("other", name="另一公司")
    stranger = make_staff(make_department(other_unit, "综合部"), username="stranger")
    other_room = Room.objects.create(unit=other_unit, name="外单位会议室")
    return {**org, "big": big, "finance_only": finance_only, "stranger": stranger, "other_room": other_room}
