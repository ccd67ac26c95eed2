"""List pages read in a fixed number of queries, whatever the number of rows: the count with many rows equals the
count with few (``CaptureQueriesContext``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.resources import services
from tests.resources.conftest import at, next_monday, trip


def _count(client: Any, url: str) -> int:
    client.get(url)  # the session's own writes (its first request, a refreshed expiry) are not the page's
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _requests(res: dict[str, Any], n: int, offset: int) -> None:
    day = next_monday()
    for k in range(n):
        services.car_request_submit(
            actor=res["accountant"], data=trip(starts_at=at(day, 8 + offset + k), ends_at=at(day, 9 + offset + k))
        )


def _assets(res: dict[str, Any], n: int, offset: int) -> None:
    for k in range(n):
        services.asset_create(
            actor=res["clerk"],
            data=services.AssetIn(
                number=f"ZC-{offset + k}",
                name="电脑",
                category="计算机",
                purchase_date=date(2020, 1, 1),
                value=5000,
                service_years=6,
                department_id=res["finance"].pk,
                keeper_id=res["accountant"].pk,
            ),
        )


def _supplies(res: dict[str, Any], n: int, store: Any, items: list[Any]) -> None:
    for _k in range(n):
        services.supply_request_submit(
            actor=res["accountant"],
            store_id=store.pk,
            lines=[services.LineIn(items[0].pk, 1), services.LineIn(items[1].pk, 2)],
        )


def test_list_pages_do_not_grow_with_their_rows(res: dict[str, Any], login: Any) -> None:
    clerk = login(res["clerk"])
    store = services.store_create(actor=res["clerk"], name="库房", keeper_id=res["clerk"].pk)
    items = [services.item_create(actor=res["clerk"], name=name) for name in ("纸", "笔")]
    pages = {
        "resources:vehicles": lambda n, offset: _requests(res, n, offset),
        "resources:assets": lambda n, offset: _assets(res, n, offset),
        "resources:renewal": lambda n, offset: _assets(res, n, offset + 100),
        "resources:supplies": lambda n, _offset: _supplies(res, n, store, items),
    }
    for name, make in pages.items():
        make(2, 0)
        few = _count(clerk, reverse(name))
        make(6, 2)
        assert _count(clerk, reverse(name)) == few, name
