"""The demo's shared resources: six cars, two drivers, requests in every state with trips logged, ~300 assets whose
renewal plan is not trivial; seeded through the services, idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.demo.org import seed_demo
from sanfu.demo.resources import seed_resources
from sanfu.resources import renewal, selectors
from sanfu.resources.models import (
    Asset,
    AssetRepair,
    CarRequest,
    CarRequestStatus,
    Driver,
    SupplyRequest,
    SupplyStatus,
    TripLog,
    Vehicle,
)
from tests.worlds import built_once


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    def build() -> int:
        seed_demo()
        return seed_resources()

    yield from built_once(django_db_blocker, tmp_path_factory, build)


@pytest.mark.django_db
def test_fleet_requests_and_costs(demo: int) -> None:
    assert demo > 300
    assert Vehicle.objects.count() == 6
    assert Driver.objects.count() == 2
    states = set(CarRequest.objects.values_list("status", flat=True))
    assert states == {
        CarRequestStatus.COMPLETED,
        CarRequestStatus.DISPATCHED,
        CarRequestStatus.DISPATCHING,
        CarRequestStatus.HEAD,
        CarRequestStatus.RETURNED,
    }
    assert TripLog.objects.count() >= 10
    clerk = User.objects.get(username="clerk")
    year = timezone.localdate().year
    costs = selectors.vehicle_costs(clerk, year=year) + selectors.vehicle_costs(clerk, year=year - 1)
    assert sum(r.trips for r in costs) == TripLog.objects.count()
    assert set(SupplyRequest.objects.values_list("status", flat=True)) == set(SupplyStatus.values) - {"returned"}
    assert seed_resources() == 0  # idempotent


@pytest.mark.django_db
def test_assets_make_a_renewal_plan_worth_reading(demo: int) -> None:
    assert Asset.objects.count() == 300
    assert AssetRepair.objects.exists()
    clerk = User.objects.get(username="clerk")
    plan = renewal.renewal_plan(clerk, year=timezone.localdate().year)
    assert 20 < len(plan.lines) < 250
    reasons = {reason.split("（")[0].split(" ")[0] for line in plan.lines for reason in line.reasons}
    assert {"达到使用年限", "状况较差", "累计维修费"} <= reasons
    assert len(plan.by_department) > 3
