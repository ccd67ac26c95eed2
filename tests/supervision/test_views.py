"""督办 pages over HTTP: the ledger (filters, counts, a constant number of queries), the item page and its
actions, manual entry and decomposition, evidence downloads; an outsider gets 404 everywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.api.tokens import token_issue
from sanfu.supervision import selectors
from sanfu.supervision.models import Item, ItemState
from tests.api.conftest import ApiClient
from tests.supervision.conftest import new_item, pdf

pytestmark = pytest.mark.django_db
Login = Callable[[User], Client]


def test_ledger_lists_counts_and_filters(sup: dict[str, Any], login: Login) -> None:
    mine = new_item(sup, title="财务部的事项")
    other = new_item(sup, title="办公室的事项", owner=sup["clerk"], lead_department=sup["office"])
    client = login(sup["gm"])
    page = client.get(reverse("supervision:ledger"))
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.title in text
    assert other.title in text
    assert 'id="count-on_track"' in text
    by_department = client.get(reverse("supervision:ledger"), {"department": sup["office"].pk}).content.decode()
    assert other.title in by_department
    assert mine.title not in by_department
    overdue = client.get(reverse("supervision:ledger"), {"status": "overdue"}).content.decode()
    assert mine.title not in overdue
    month = mine.deadline.strftime("%Y-%m")
    assert mine.title in client.get(reverse("supervision:ledger"), {"month": month}).content.decode()


def test_outsider_sees_an_empty_ledger_and_404s(sup: dict[str, Any], login: Login) -> None:
    item = new_item(sup)
    services_file = pdf()
    from sanfu.supervision import services

    services.progress_report(actor=sup["accountant"], item_id=item.pk, text="进展", percent=20, files=[services_file])
    stored = item.files.get()
    client = login(sup["outsider"])
    assert item.title not in client.get(reverse("supervision:ledger")).content.decode()
    assert client.get(reverse("supervision:item", args=[item.pk])).status_code == 404
    assert client.get(reverse("supervision:item_decompose", args=[item.pk])).status_code == 404
    assert client.get(reverse("supervision:file", args=[item.pk, stored.pk])).status_code == 404
    assert client.post(reverse("supervision:item_act", args=[item.pk, "comment"]), {"text": "x"}).status_code == 404
    assert client.get(reverse("supervision:item_new")).status_code == 404
    owner = login(sup["accountant"])
    download = owner.get(reverse("supervision:file", args=[item.pk, stored.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]


def test_ledger_queries_do_not_grow_with_rows(sup: dict[str, Any], login: Login) -> None:
    client = login(sup["gm"])
    new_item(sup)
    client.get(reverse("supervision:ledger"))  # warm caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("supervision:ledger")).status_code == 200
    for n in range(12):
        new_item(sup, title=f"事项{n}", owner=sup["clerk"] if n % 2 else sup["accountant"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("supervision:ledger")).status_code == 200
    assert len(many) == len(few)


def test_create_report_apply_and_approve_over_http(sup: dict[str, Any], login: Login) -> None:
    leader = login(sup["gm"])
    deadline = (timezone.localdate() + timedelta(days=20)).isoformat()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    form = {
        "title": "编制年度预算",
        "content": "按时编制",
        "source": "manual",
        "owner": sup["accountant"].pk,
        "lead_department": sup["finance"].pk,
        "deadline": past,
        "cadence_days": 7,
        "confidentiality": "internal",
        "indicator_name": "完成率",
        "indicator_target": "100",
        "indicator_unit": "%",
    }
    refused = leader.post(reverse("supervision:item_new"), form)
    assert refused.status_code == 200
    assert "完成时限不能早于今天" in refused.content.decode()
    assert not Item.objects.exists()
    created = leader.post(reverse("supervision:item_new"), {**form, "deadline": deadline})
    item = Item.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse("supervision:item", args=[item.pk])
    owner = login(sup["accountant"])
    page = owner.get(reverse("supervision:item", args=[item.pk])).content.decode()
    assert 'id="form-report"' in page
    assert 'id="form-approve"' not in page
    indicator = item.indicators.get()
    act = reverse("supervision:item_act", args=[item.pk, "report"])
    owner.post(act, {"text": "完成", "percent": "100", f"indicator_{indicator.pk}": "100", "files": pdf()})
    item.refresh_from_db()
    assert item.last_percent == 100
    owner.post(reverse("supervision:item_act", args=[item.pk, "apply"]), {"summary": "已完成"})
    clerk = login(sup["clerk"])
    assert 'id="form-approve"' in clerk.get(reverse("supervision:item", args=[item.pk])).content.decode()
    clerk.post(reverse("supervision:item_act", args=[item.pk, "approve"]), {"score": "5", "comment": "好"})
    item.refresh_from_db()
    assert item.state == ItemState.CLOSED
    assert "已销号" in owner.get(reverse("supervision:item", args=[item.pk])).content.decode()


def test_decompose_page(sup: dict[str, Any], login: Login) -> None:
    item = new_item(sup)
    owner = login(sup["accountant"])
    assert owner.get(reverse("supervision:item_decompose", args=[item.pk])).status_code == 200
    owner.post(
        reverse("supervision:item_decompose", args=[item.pk]),
        {"title": "子任务", "owner": sup["finance_head"].pk, "deadline": item.deadline.isoformat()},
    )
    child = Item.objects.get(parent=item)
    assert child.owner == sup["finance_head"]
    assert "子任务" in owner.get(reverse("supervision:item", args=[item.pk])).content.decode()


def test_a_report_falling_due_is_a_todo_in_the_inbox(sup: dict[str, Any], login: Login) -> None:
    from sanfu.supervision import services, todos

    item = new_item(sup, cadence_days=1)  # a daily report: due tomorrow
    quiet = new_item(sup, title="刚报送过的事项", cadence_days=30)
    services.progress_report(actor=sup["accountant"], item_id=quiet.pk, text="进展", percent=10)
    assert todos.count(sup["accountant"]) == 1
    assert todos.count(sup["clerk"]) == 0
    page = login(sup["accountant"]).get(reverse("approvals:inbox"), {"tab": "supervision"}).content.decode()
    assert item.title in page
    assert quiet.title not in page


def test_ids_no_column_can_hold_are_invalid_choices_not_errors(sup: dict[str, Any], login: Login) -> None:
    huge = "1" * 25
    reply = login(sup["gm"]).post(
        reverse("supervision:item_new"),
        {"title": "x", "owner": huge, "lead_department": huge, "co_departments": [huge], "deadline": "2099-01-01"},
    )
    assert reply.status_code == 200
    assert "is-invalid" in reply.content.decode()
    assert not Item.objects.exists()


def test_the_department_filter_finds_what_the_department_leads_or_co_handles(sup: dict[str, Any], login: Login) -> None:
    led = new_item(sup, title="办公室牵头的事项", owner=sup["clerk"], lead_department=sup["office"])
    co = new_item(sup, title="财务部牵头办公室协办", co_departments=[sup["office"]])
    alone = new_item(sup, title="财务部独办的事项")
    client = login(sup["gm"])
    page = client.get(reverse("supervision:ledger"), {"department": sup["office"].pk}).content.decode()
    assert led.title in page
    assert co.title in page
    assert alone.title not in page
    assert 'id="count-on_track"' in page
    found = selectors.ledger(sup["gm"], selectors.LedgerFilters(department_id=sup["office"].pk))
    assert sorted(found.rows.values_list("pk", flat=True)) == sorted([led.pk, co.pk])
    assert found.total == 2
    finance = selectors.ledger(sup["gm"], selectors.LedgerFilters(department_id=sup["finance"].pk))
    assert sorted(finance.rows.values_list("pk", flat=True)) == sorted([co.pk, alone.pk])
    _token, raw = token_issue(actor=sup["gm"], name="测试", scopes=["supervision:read"], days=1)
    api = ApiClient(raw).get("/supervision/items", department=sup["office"].pk)
    assert api.status_code == 200
    assert sorted(i["id"] for i in api.json()["items"]) == sorted([led.pk, co.pk])
