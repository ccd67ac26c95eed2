"""The list pages read a fixed number of queries whatever the number of rows: the rows' holders, drafters,
numbers and voiders are read for the whole page at once (3 rows and 12 rows cost the same)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.documents import services
from tests.documents.conftest import client_for
from tests.documents.test_incoming import register
from tests.documents.test_outgoing import draft


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _same_cost(client: Client, url: str, add: Callable[[int], None]) -> None:
    """The page's query count with 3 rows equals its count with 12 (after one request to warm caches)."""
    add(3)
    client.get(url)
    with_three = _queries(client, url)
    add(9)
    assert _queries(client, url) == with_three


def test_incoming_list_costs_the_same_for_3_and_12_rows(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]

    def add(n: int) -> None:
        for i in range(n):
            document = register(org, source_number=f"查询〔2026〕{i}号", original=None, attachments=[])
            if i % 2:  # some rows one step further on, held by the leader
                services.incoming_propose(
                    actor=clerk, document_id=document.pk, text="拟请阅示。", leader=org["people"]["gm"]
                )

    _same_cost(client_for(clerk), reverse("documents:incoming_list"), add)


def test_outgoing_list_costs_the_same_for_3_and_12_rows(org: dict[str, Any]) -> None:
    def add(n: int) -> None:
        for i in range(n):
            document = draft(org, title=f"关于第{i}项工作的通知")
            if i % 2:  # some rows at 会签, held by two heads at once
                services.outgoing_review(actor=org["people"]["clerk"], document_id=document.pk)

    _same_cost(client_for(org["people"]["clerk"]), reverse("documents:outgoing_list"), add)
    # a participant sees their own drafts through the scoped query, at the same fixed cost
    drafter = client_for(org["people"]["office_head"])
    drafter.get(reverse("documents:outgoing_list"))
    before = _queries(drafter, reverse("documents:outgoing_list"))
    draft(org, title="关于再一项工作的通知")
    assert _queries(drafter, reverse("documents:outgoing_list")) == before


def test_number_register_costs_the_same_for_3_and_12_rows(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = draft(org)

    def add(n: int) -> None:
        for i in range(n):
            number = services.number_claim(
                actor=clerk, prefix="贵港发电", year=2026, document=document if i % 3 == 0 else None
            )
            if i % 3 == 1:
                services.number_void(actor=clerk, number_id=number.pk, reason="误取")

    _same_cost(client_for(clerk), reverse("documents:numbers") + "?prefix=贵港发电&year=2026", add)
