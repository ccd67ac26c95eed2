"""办公用品: stock per store, requests (approval for some items, direct for others), issue that never takes the
stock below zero, the low-stock notice to the keeper, the monthly consumption; and the pages over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.resources import selectors, services
from sanfu.resources.models import Stock, SupplyRequest, SupplyStatus
from sanfu.workflow.models import Task, TaskStatus


@pytest.fixture
def sup(res: dict[str, Any]) -> dict[str, Any]:
    clerk = res["clerk"]
    store = services.store_create(actor=clerk, name="办公楼库房", keeper_id=res["section_head"].pk)
    pens = services.item_create(actor=clerk, name="签字笔", measure="支")
    toner = services.item_create(actor=clerk, name="硒鼓", measure="个", needs_approval=True)
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=pens.pk, quantity=100, low_mark=20)
    services.stock_receive(actor=clerk, store_id=store.pk, item_id=toner.pk, quantity=3, low_mark=1)
    return {**res, "store": store, "pens": pens, "toner": toner}


def _stock(sup: dict[str, Any], item: str) -> int:
    return Stock.objects.get(store=sup["store"], item=sup[item]).quantity


def test_items_without_approval_are_issued_directly(sup: dict[str, Any]) -> None:
    request = services.supply_request_submit(
        actor=sup["accountant"], store_id=sup["store"].pk, lines=[services.LineIn(sup["pens"].pk, 10)]
    )
    assert request.status == SupplyStatus.READY
    assert request.instance is None
    with pytest.raises(PermissionDeniedError):
        services.supply_request_issue(actor=sup["accountant"], request_id=request.pk)
    services.supply_request_issue(actor=sup["section_head"], request_id=request.pk)
    assert _stock(sup, "pens") == 90
    assert SupplyRequest.objects.get().status == SupplyStatus.ISSUED
    with pytest.raises(ConflictError):
        services.supply_request_issue(actor=sup["section_head"], request_id=request.pk)
    assert _stock(sup, "pens") == 90


def test_items_needing_approval_go_to_the_head(sup: dict[str, Any]) -> None:
    request = services.supply_request_submit(
        actor=sup["accountant"],
        store_id=sup["store"].pk,
        lines=[services.LineIn(sup["pens"].pk, 5), services.LineIn(sup["toner"].pk, 1)],
    )
    assert request.status == SupplyStatus.PENDING
    assert list(
        Task.objects.filter(instance=request.instance, status=TaskStatus.OPEN).values_list(
            "assignee__username", flat=True
        )
    ) == ["finance_head"]
    with pytest.raises(ConflictError):
        services.supply_request_issue(actor=sup["section_head"], request_id=request.pk)
    services.supply_request_approve(actor=sup["finance_head"], request_id=request.pk)
    assert SupplyRequest.objects.get().status == SupplyStatus.READY
    services.supply_request_issue(actor=sup["clerk"], request_id=request.pk)
    assert (_stock(sup, "pens"), _stock(sup, "toner")) == (95, 2)


def test_a_shortage_refuses_the_whole_issue(sup: dict[str, Any]) -> None:
    request = services.supply_request_submit(
        actor=sup["accountant"],
        store_id=sup["store"].pk,
        lines=[services.LineIn(sup["pens"].pk, 5), services.LineIn(sup["toner"].pk, 5)],
    )
    services.supply_request_approve(actor=sup["finance_head"], request_id=request.pk)
    with pytest.raises(ConflictError, match="硒鼓 库存不足"):
        services.supply_request_issue(actor=sup["section_head"], request_id=request.pk)
    assert (_stock(sup, "pens"), _stock(sup, "toner")) == (100, 3)  # the pens were put back with the refusal
    assert SupplyRequest.objects.get().status == SupplyStatus.READY


def test_low_stock_tells_the_keeper(sup: dict[str, Any]) -> None:
    request = services.supply_request_submit(
        actor=sup["accountant"], store_id=sup["store"].pk, lines=[services.LineIn(sup["pens"].pk, 85)]
    )
    services.supply_request_issue(actor=sup["clerk"], request_id=request.pk)
    notice = Notification.objects.get(user=sup["section_head"])
    assert "签字笔 15支" in notice.title


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "至少"),
        ([("pens", 0)], "至少"),
        ([("pens", 20000)], "数量"),
        ([("pens", 1), ("pens", 2)], "合并"),
    ],
)
def test_bad_requests_write_nothing(sup: dict[str, Any], lines: list[tuple[str, int]], message: str) -> None:
    with pytest.raises(ApplicationError, match=message):
        services.supply_request_submit(
            actor=sup["accountant"], store_id=sup["store"].pk, lines=[services.LineIn(sup[i].pk, q) for i, q in lines]
        )
    assert not SupplyRequest.objects.exists()


def test_monthly_consumption_per_department(sup: dict[str, Any]) -> None:
    for person, quantity in (("accountant", 4), ("finance_head", 6), ("clerk", 2)):
        request = services.supply_request_submit(
            actor=sup[person], store_id=sup["store"].pk, lines=[services.LineIn(sup["pens"].pk, quantity)]
        )
        services.supply_request_issue(actor=sup["section_head"], request_id=request.pk)
    rows = selectors.supply_consumption(sup["clerk"], year=timezone.localdate().year)
    assert sorted((r.department, r.item, r.quantity) for r in rows) == [
        ("文秘科", "签字笔", 2),
        ("财务部", "签字笔", 10),
    ]


def test_pages(sup: dict[str, Any], login: Any) -> None:
    staff = login(sup["accountant"])
    assert staff.get(reverse("resources:supplies")).status_code == 200
    made = staff.post(
        reverse("resources:supply_new"), {"store": sup["store"].pk, f"qty_{sup['pens'].pk}": "3", "note": "会议"}
    )
    request = SupplyRequest.objects.get()
    assert made["Location"] == reverse("resources:supply", args=[request.pk])
    assert staff.post(reverse("resources:supply_new"), {"store": sup["store"].pk}).status_code == 400
    assert staff.get(reverse("resources:supplies_stock")).status_code == 404
    assert staff.get(reverse("resources:supplies_consumption")).status_code == 404
    keeper = login(sup["section_head"])
    assert keeper.post(reverse("resources:supply_act", args=[request.pk]), {"action": "issue"}).status_code == 302
    assert _stock(sup, "pens") == 97
    assert login(sup["stranger"]).get(reverse("resources:supply", args=[request.pk])).status_code == 404
    assert login(sup["clerk"]).get(reverse("resources:supplies_consumption")).status_code == 200
