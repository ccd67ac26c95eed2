"""Concurrency: managers dispatching the same car (or the same driver) to overlapping requests at the same moment,
each thread with its own connection, meeting at a barrier. Exactly one dispatch wins; every other gets a conflict
naming it, its flow step stays open and nothing of it is left. Runs on whichever database the suite runs on (the
PostgreSQL exclusion constraints, or SQLite's guarded write)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sanfu.core.errors import ConflictError
from sanfu.resources import services
from sanfu.resources.models import CarRequest, CarRequestStatus, Dispatch, Stock, SupplyRequest, SupplyStatus
from tests.races import race
from tests.resources.conftest import at, dispatched_request, next_monday

THREADS = 4


@pytest.mark.django_db(transaction=True)
def test_racing_dispatches_of_one_car_one_wins(res: dict[str, Any]) -> None:
    day = next_monday()
    # overlapping, not identical, times: 9:00–12:00, 9:15–12:15, …
    requests = [
        dispatched_request(res, starts_at=at(day, 9, 15 * n), ends_at=at(day, 12, 15 * n)) for n in range(THREADS)
    ]
    drivers = [res["driver"], res["driver2"]]
    extra = [services.driver_create(actor=res["clerk"], name=f"司机{n}", phone=f"1390000000{n}") for n in range(2)]
    drivers += extra

    def dispatch(request: CarRequest, driver: Any) -> Any:
        return lambda: services.car_request_dispatch(
            actor=res["clerk"], request_id=request.pk, vehicle_id=res["car"].pk, driver_id=driver.pk
        )

    results = race([dispatch(r, d) for r, d in zip(requests, drivers, strict=True)])
    won = [r for r in results if isinstance(r, Dispatch)]
    lost = [r for r in results if isinstance(r, ConflictError)]
    assert len(won) == 1, results
    assert len(lost) == THREADS - 1, results
    assert all("京A12345" in e.message for e in lost)
    assert Dispatch.objects.count() == 1
    statuses = sorted(CarRequest.objects.values_list("status", flat=True))
    assert statuses == sorted([CarRequestStatus.DISPATCHED] + [CarRequestStatus.DISPATCHING] * (THREADS - 1))
    # in the same test: each transactional test flushes every table after it
    _one_driver_two_cars(res, day + timedelta(days=1))


def _one_driver_two_cars(res: dict[str, Any], day: Any) -> None:
    """The same driver sent out in two different cars at overlapping times: one wins."""
    first = dispatched_request(res, starts_at=at(day, 14), ends_at=at(day, 16))
    second = dispatched_request(res, starts_at=at(day, 15), ends_at=at(day, 17))
    results = race(
        [
            lambda: services.car_request_dispatch(
                actor=res["clerk"], request_id=first.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
            ),
            lambda: services.car_request_dispatch(
                actor=res["clerk"], request_id=second.pk, vehicle_id=res["van"].pk, driver_id=res["driver"].pk
            ),
        ]
    )
    assert sum(isinstance(r, Dispatch) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(refused) == 1, results
    assert "王师傅" in refused[0].message
    assert Dispatch.objects.filter(request__in=[first, second]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_issues_never_take_the_stock_below_zero(res: dict[str, Any]) -> None:
    """Three issues of 2 硒鼓 each race for a stock of 5: two are issued, one is refused, 1 is left."""
    clerk = res["clerk"]
    store = services.store_create(actor=clerk, name="库房", keeper_id=clerk.pk)
    toner = services.item_create(actor=clerk, name="硒鼓")
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=toner.pk, quantity=5)
    requests = [
        services.supply_request_submit(actor=res[p], store_id=store.pk, lines=[services.LineIn(toner.pk, 2)])
        for p in ("accountant", "finance_head", "office_head")
    ]
    results = race([lambda r=r: services.supply_request_issue(actor=clerk, request_id=r.pk) for r in requests])
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    assert Stock.objects.get(store=store, item=toner).quantity == 1
    assert SupplyRequest.objects.filter(status=SupplyStatus.ISSUED).count() == 2
