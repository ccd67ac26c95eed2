"""Concurrent actions on one request: of two people acting at the same moment, exactly one wins and the other is
told; nothing is written twice."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.briefing import services
from sanfu.briefing.models import Material, Opinion, Revision
from sanfu.core.errors import ApplicationError
from tests.briefing.conftest import new_request, to_state
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def _outcomes(results: list[Any]) -> tuple[int, int]:
    won = sum(1 for r in results if not isinstance(r, BaseException))
    refused = sum(1 for r in results if isinstance(r, ApplicationError))
    return won, refused


def test_two_answers_for_one_department_one_wins(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "collecting")
    finance = world["finance"].pk
    results = race(
        [
            lambda: services.material_submit(
                actor=world["accountant"], request_id=request.pk, department_id=finance, text="甲"
            ),
            lambda: services.material_decline(
                actor=world["finance_head"], request_id=request.pk, department_id=finance, reason="乙"
            ),
        ]
    )
    assert _outcomes(results) == (1, 1)
    material = Material.objects.get(request=request, department_id=finance)
    assert (material.text, material.reason) in {("甲", ""), ("", "乙")}


def test_return_and_approve_at_once_one_wins(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "review")
    results = race(
        [
            lambda: services.review_approve(actor=world["gm"], request_id=request.pk, text="同意"),
            lambda: services.review_return(actor=world["gm"], request_id=request.pk, text="再改"),
        ]
    )
    assert _outcomes(results) == (1, 1)
    assert Opinion.objects.filter(request=request, kind__in=["approve", "return"]).count() == 1


def test_two_saves_never_share_a_revision_number(world: dict[str, Any]) -> None:
    request = to_state(world, new_request(world), "analysing")
    results = race(
        [
            lambda: services.draft_save(actor=world["clerk"], request_id=request.pk, text="甲稿"),
            lambda: services.draft_save(actor=world["clerk"], request_id=request.pk, text="乙稿"),
        ]
    )
    won, refused = _outcomes(results)
    assert won + refused == 2
    assert won >= 1
    numbers = list(Revision.objects.filter(request=request).values_list("no", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))  # 1, 2, … with no gap and no repeat
    assert len(numbers) == 1 + won
