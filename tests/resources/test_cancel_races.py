"""Concurrency around a cancelled dispatch, each thread with its own connection, meeting at a barrier: the vehicle
manager's cancel racing the trip log (one wins, the other is told and changes nothing), and two managers
dispatching the same request again after its cancel (one dispatch is left). Runs on whichever database the suite
runs on."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections

from sanfu.core.errors import ApplicationError
from sanfu.resources import services
from sanfu.resources.models import CarRequest, CarRequestStatus, Dispatch, DispatchStatus, TripLog
from tests.resources.conftest import dispatched_request


def _race(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            try:
                results[index] = calls[index]()
            except Exception as exc:  # the loser's refusal is the point
                results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@pytest.mark.django_db(transaction=True)
def test_a_cancel_racing_the_trip_log_or_a_second_dispatch_one_wins(res: dict[str, Any]) -> None:
    clerk = res["clerk"]
    request = dispatched_request(res)
    dispatch = services.car_request_dispatch(
        actor=clerk, request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    after = dispatch.ends_at + timedelta(hours=1)
    results = _race(
        [
            lambda: services.dispatch_cancel(actor=clerk, request_id=request.pk, reason="车辆检修"),
            lambda: services.trip_record(
                actor=clerk,
                request_id=request.pk,
                data=services.TripIn(odometer_start=10, odometer_end=50, returned_at=dispatch.ends_at),
                now=after,
            ),
        ]
    )
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1, results
    request.refresh_from_db()
    dispatch.refresh_from_db()
    if isinstance(results[0], ApplicationError):  # the trip log won: the dispatch stands, logged
        assert (request.status, dispatch.status) == (CarRequestStatus.COMPLETED, DispatchStatus.ACTIVE)
        assert TripLog.objects.filter(dispatch=dispatch).exists()
    else:
        assert (request.status, dispatch.status) == (CarRequestStatus.DISPATCHING, DispatchStatus.CANCELLED)
        assert not TripLog.objects.exists()
    # in the same test: each transactional test flushes every table after it
    _two_dispatches_after_a_cancel(res, dispatch.starts_at + timedelta(days=1))


def _two_dispatches_after_a_cancel(res: dict[str, Any], starts_at: Any) -> None:
    """Two managers dispatch a request again at once after its cancel, each with another car and driver: one
    dispatch is left."""
    clerk = res["clerk"]
    request = dispatched_request(res, starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))
    services.car_request_dispatch(
        actor=clerk, request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver"].pk
    )
    services.dispatch_cancel(actor=clerk, request_id=request.pk, reason="改派")
    other = services.driver_create(actor=clerk, name="李师傅", phone="13900000009")
    results = _race(
        [
            lambda: services.car_request_dispatch(
                actor=clerk, request_id=request.pk, vehicle_id=res["car"].pk, driver_id=res["driver2"].pk
            ),
            lambda: services.car_request_dispatch(
                actor=clerk, request_id=request.pk, vehicle_id=res["van"].pk, driver_id=other.pk
            ),
        ]
    )
    assert sum(isinstance(r, Dispatch) for r in results) == 1, results
    assert sum(isinstance(r, ApplicationError) for r in results) == 1, results
    assert Dispatch.objects.filter(request=request, status=DispatchStatus.ACTIVE).count() == 1
    assert CarRequest.objects.get(pk=request.pk).status == CarRequestStatus.DISPATCHED
