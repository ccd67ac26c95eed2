"""预计办结时间 over HTTP, on the October scene (tests/insights/conftest.py). The ended 采购申请 of the last 90 days
(seen from 5 Nov) and their working turnarounds, from the first submission, office hours 08:30–12:00 and
13:30–17:30 (7.5 h a day), 1–7 Oct a holiday, Sat 10 Oct a working day:

| | from | to | working hours |
|---|---|---|---|
| G | Mon 14 Sep 09:00 | 11:00 | 2 |
| A | Wed 30 Sep 16:00 | Sat 10 Oct 10:00 | 1.5 + 7.5 + 7.5 + 1.5 = 18 |
| B | Mon 12 Oct 09:00 | Tue 13 Oct 15:00 | 7 + 5 = 12 |
| D | Mon 19 Oct 09:00 | Tue 20 Oct 10:00 (驳回) | 7 + 1.5 = 8.5 |
| E | Fri 23 Oct 17:00 | Mon 26 Oct 10:00 | 0.5 + 1.5 = 2 |

Sorted 2, 2, 8.5, 12, 18: P50 8.5 h (1.13 working days, so "2 个工作日内"), P90 12 + 0.6 × 6 = 15.6 h (2.08
days). 请假 has one ended instance: not enough history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from sanfu.accounts.models import User
from tests.insights.conftest import at

pytestmark = pytest.mark.django_db

ETA = reverse("insights:eta")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_starting_a_matter_shows_the_estimate(scene: dict[str, Any], login: Any) -> None:
    with time_machine.travel(at(11, 5, 9), tick=False):
        response = login(scene["accountant"]).get(ETA, {"matter": "buy"})
    assert response.status_code == 200
    estimate = response.context["e"]
    assert (estimate.history.count, estimate.history.p50_ms, estimate.history.p90_ms) == (
        5,
        8.5 * 3600e3,
        15.6 * 3600e3,
    )
    text = response.content.decode()
    assert "预计 2 个工作日内办结（近 90 天同类事项 5 件：一半在 1.1 个工作日内，九成在 2.1 个工作日内）" in text


def test_too_little_history_says_so(scene: dict[str, Any], login: Any) -> None:
    with time_machine.travel(at(11, 5, 9), tick=False):
        response = login(scene["clerk"]).get(ETA, {"matter": "leave"})
    assert response.status_code == 200
    assert "近 90 天同类事项仅 1 件，历史不足" in response.content.decode()


def test_ninety_days_later_the_history_is_gone(scene: dict[str, Any], login: Any) -> None:
    with time_machine.travel(at(12, 20, 9), tick=False):  # G (14 Sep) left the window: four remain
        response = login(scene["clerk"]).get(ETA, {"matter": "buy"})
    assert response.context["e"].history.count == 4
    assert response.context["e"].days is None


def test_a_running_instance_shows_what_is_left(scene: dict[str, Any], login: Any) -> None:
    # C was submitted Fri 30 Oct 16:00; at 17:00 it has taken 1 h. Every past instance took longer; what they
    # took beyond 1 h: 1, 1, 7.5, 11, 17 → median 7.5 h, one working day.
    with time_machine.travel(at(10, 30, 17), tick=False):
        response = login(scene["clerk"]).get(ETA, {"instance": scene["c"].pk})
    assert response.status_code == 200
    assert "已用 1 小时，按同类事项估计还需约 1 个工作日。" in response.content.decode()
    # by 5 Nov 09:00 it has taken 24.5 working hours, longer than any past one
    with time_machine.travel(at(11, 5, 9), tick=False):
        response = login(scene["section_head"]).get(ETA, {"instance": scene["c"].pk})
    assert "已用 3.3 个工作日，已超过多数同类事项的用时。" in response.content.decode()


def test_the_instance_page_fetches_the_fragment(scene: dict[str, Any], login: Any) -> None:
    with time_machine.travel(at(11, 5, 9), tick=False):
        page = login(scene["clerk"]).get(reverse("approvals:instance", args=[scene["c"].pk])).content.decode()
    assert f'hx-get="{ETA}?instance={scene["c"].pk}"' in page


def test_strangers_are_refused(scene: dict[str, Any], login: Any) -> None:
    with time_machine.travel(at(11, 5, 9), tick=False):
        assert login(scene["other_clerk"]).get(ETA, {"instance": scene["c"].pk}).status_code == 404
        nobody = User.objects.create_user(username="no_staff", password="x", must_change_password=False)
        assert login(nobody).get(ETA, {"matter": "buy"}).status_code == 404
        assert login(scene["clerk"]).get(ETA, {"matter": "no-such-matter"}).status_code == 404
        assert login(scene["clerk"]).get(ETA, {"instance": 10**9}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [{}, {"instance": "abc"}, {"instance": "-3"}, {"matter": "buy; drop"}],
)
def test_bad_input_is_a_clear_400(scene: dict[str, Any], login: Any, query: dict[str, str]) -> None:
    response = login(scene["clerk"]).get(ETA, query)
    assert response.status_code == 400
    assert response.content.decode()


def test_the_start_page_fetches_the_fragment(scene: dict[str, Any], login: Any) -> None:
    from sanfu.approvals.models import MatterType

    MatterType.objects.create(code="buy-goods", name="采购申请", definition_key="buy")
    page = login(scene["clerk"]).get(reverse("approvals:start", args=["buy-goods"])).content.decode()
    assert f'hx-get="{ETA}?matter=buy"' in page
