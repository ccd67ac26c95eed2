"""Conformance to the written process on the known log (tests/insights/advice_world.py): self-approval, 拆单,
the green channel on a matter that was not urgent, and an approval outside the node's rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from sanfu.insights import selectors
from sanfu.insights.period import parse_period
from tests.insights.advice_world import at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    with time_machine.travel(at(5, 9, month=11), tick=True):
        yield


@pytest.fixture(scope="module")
def found(advice_scene: dict[str, Any], django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock(), time_machine.travel(at(5, 9, month=11), tick=True):
        return selectors.advice_for(actor=advice_scene["clerk"], span=parse_period("2026-09", "2026-09"))


def test_an_initiator_approving_their_own_matter_is_found(advice_scene: dict[str, Any], found: dict[str, Any]) -> None:
    (row,) = found["self_approvals"]
    assert (row["instance"], row["person"], row["node"]) == (
        advice_scene["l2"].pk,
        advice_scene["office_head"].pk,
        "approve",
    )
    assert row["person_name"] == "办公室主任"


def test_two_requests_just_under_a_threshold_are_a_split(advice_scene: dict[str, Any], found: dict[str, Any]) -> None:
    (pair,) = found["splits"]  # S3–S6 are far from the threshold, G1 too
    assert (pair["instance"], pair["instance_2"]) == (advice_scene["s1"].pk, advice_scene["s2"].pk)
    assert (pair["amount"], pair["amount_2"], pair["total"], pair["threshold"], pair["hours_apart"]) == (
        8000.0,
        7000.0,
        15000.0,
        10000.0,
        24.0,
    )
    assert pair["initiator"] == advice_scene["clerk"].pk


def test_the_green_channel_on_a_matter_that_was_not_urgent_is_found(
    advice_scene: dict[str, Any], found: dict[str, Any]
) -> None:
    (row,) = found["green"]
    assert (row["instance"], row["urgency"], row["hours"]) == (advice_scene["g1"].pk, "特急", 15.0)
    assert row["hours"] >= row["ordinary_p50"]


def test_an_approval_outside_the_rule_is_found(advice_scene: dict[str, Any], found: dict[str, Any]) -> None:
    (row,) = found["outside"]  # reassigned by the administrator; the node's rule names the office head
    assert (row["instance"], row["person"], row["status"]) == (
        advice_scene["l1"].pk,
        advice_scene["accountant"].pk,
        "approved",
    )


def test_a_period_without_the_log_finds_nothing(advice_scene: dict[str, Any]) -> None:
    empty = selectors.advice_for(actor=advice_scene["clerk"], span=parse_period("2026-10", "2026-10"))
    assert [empty[k] for k in ("suggestions", "self_approvals", "splits", "green", "outside", "held")] == [[]] * 6
