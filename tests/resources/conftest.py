"""The 资源共享 personas: the org of ``tests/conftest.py`` (示例发电公司) with the office's clerk holding the role
``clerk`` (the vehicle and asset manager), two cars and two drivers, and an outsider in another unit with a car of
its own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.resources import services
from sanfu.resources.models import Vehicle
from tests.conftest import grant, make_department, make_staff, make_unit


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def trip(day: date | None = None, **extra: Any) -> services.CarRequestIn:
    day = day or next_monday()
    fields: dict[str, Any] = {
        "purpose": "赴电厂检查",
        "origin": "公司本部",
        "destination": "一号电厂",
        "passengers": 3,
        "starts_at": at(day, 9),
        "ends_at": at(day, 12),
    }
    return services.CarRequestIn(**{**fields, **extra})


@pytest.fixture
def res(org: dict[str, Any]) -> dict[str, Any]:
    ensure_admin_roles()
    grant(org["clerk"], Role.objects.get(code="clerk"))
    car = services.vehicle_create(
        actor=org["clerk"], data=services.VehicleIn(plate="京A12345", model="红旗H5", seats=5)
    )
    van = services.vehicle_create(
        actor=org["clerk"], data=services.VehicleIn(plate="京A67890", model="别克GL8", seats=7)
    )
    driver = services.driver_create(actor=org["clerk"], name="王师傅", phone="13800000001")
    driver2 = services.driver_create(actor=org["clerk"], user_id=org["section_head"].pk)
    other_unit = make_unit("other", name="另一公司")
    stranger = make_staff(make_department(other_unit, "综合部"), username="stranger")
    other_car = Vehicle.objects.create(unit=other_unit, plate="沪B00001", model="帕萨特")
    return {
        **org,
        "car": car,
        "van": van,
        "driver": driver,
        "driver2": driver2,
        "stranger": stranger,
        "other_car": other_car,
    }


def dispatched_request(res: dict[str, Any], **extra: Any) -> Any:
    """A request of the accountant, approved by the finance head and ready for 派车."""
    request = services.car_request_submit(actor=res["accountant"], data=trip(**extra))
    services.car_request_approve(actor=res["finance_head"], request_id=request.pk)
    return request
