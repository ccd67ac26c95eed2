"""流程图 over HTTP, on the October scene (tests/insights/conftest.py). 采购申请 instances submitted in October: B,
C, D, E (A on 30 Sep and G in September are outside). Tasks that ended, with their working hours:

- 审核: B's first (12 Oct 09:00 → 退回 11:00: 2), B's second (13 Oct 09:00 → 10:00: 1), D (19 Oct 09:00 → 20 Oct
  09:00: 7 + 0.5 = 7.5), E (Fri 23 Oct 17:00 → Mon 09:00: 0.5 + 0.5 = 1); C's is still open. Sorted 1, 1, 2,
  7.5: P50 1.5, P90 2 + 0.7 × 5.5 = 5.85.
- 复核: B (13 Oct 10:00 → 15:00: 2 + 1.5 = 3.5), D (20 Oct 09:00 → 10:00: 1), E (26 Oct 09:00 → 10:00: 1):
  P50 1, P90 1 + 0.8 × 2.5 = 3.
Edges: start → 审核 4 (B, C, D, E; B's return and resubmission stay on 审核), 审核 → 复核 3 (B, D, E),
复核 → end 2 (B and E were approved; D was rejected)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tests.insights.conftest import at

pytestmark = pytest.mark.django_db

MAP = reverse("insights:map")
OCTOBER = {"key": "buy", "from": "2026-10", "to": "2026-10"}


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    with time_machine.travel(at(11, 5, 9), tick=True):
        yield


def test_the_map_colours_nodes_by_time_and_edges_by_volume(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["office_head"]).get(MAP, OCTOBER)
    assert response.status_code == 200
    found = response.context["m"]
    assert found.instances == 4
    nodes = {n["id"]: (n["tasks"], n["p50"], n["p90"]) for n in found.nodes}
    assert nodes == {"start": (0, None, None), "review": (4, 1.5, 5.85), "check": (3, 1.0, 3.0), "end": (0, None, None)}
    colours = {n["id"]: n["colour"] for n in found.nodes}
    assert colours["review"] == "#dc3545"  # the slowest node
    assert colours["check"] != colours["review"]
    edges = {(e["source"], e["target"]): (e["count"], e["in_spec"]) for e in found.edges}
    assert edges == {("start", "review"): (4, True), ("review", "check"): (3, True), ("check", "end"): (2, True)}
    widths = {(e["source"], e["target"]): e["width"] for e in found.edges}
    assert widths[("start", "review")] > widths[("review", "check")] > widths[("check", "end")]
    page = response.content.decode()
    assert 'id="process-map"' in page
    assert 'id="map-data"' in page
    assert "map.js" in page
    assert 'data-edge="review-check"' in page


def test_the_review_links_each_matter_to_its_map(scene: dict[str, Any], login: Any) -> None:
    page = login(scene["clerk"]).get(reverse("insights:review"), {"month": "2026-10"}).content.decode()
    assert f"{MAP}?key=buy&amp;from=2026-10&amp;to=2026-10" in page


def test_a_period_without_instances_draws_the_bare_definition(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["gm"]).get(MAP, {"key": "leave", "from": "2026-08", "to": "2026-08"})
    assert response.status_code == 200
    assert response.context["m"].instances == 0
    assert {(e["source"], e["target"], e["count"]) for e in response.context["m"].edges} == {
        ("start", "approve", 0),
        ("approve", "end", 0),
    }


def test_strangers_and_unknown_matters_are_refused(scene: dict[str, Any], login: Any) -> None:
    assert login(scene["accountant"]).get(MAP, OCTOBER).status_code == 404  # not the office nor a leader
    assert login(scene["other_clerk"]).get(MAP, OCTOBER).status_code == 404
    assert login(scene["office_head"]).get(MAP, {**OCTOBER, "key": "nothing"}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [{}, {"key": "buy", "from": "2026-13"}, {"key": "buy", "from": "2026-10", "to": "2026-09"}, {"key": "b u y"}],
)
def test_bad_input_is_a_clear_400(scene: dict[str, Any], login: Any, query: dict[str, str]) -> None:
    response = login(scene["office_head"]).get(MAP, query)
    assert response.status_code == 400
    assert 'id="map-error"' in response.content.decode()
