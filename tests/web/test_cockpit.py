"""领导驾驶舱 over HTTP: the unit's leaders and office see what waits for them, the month's key figures against
the last month's (the efficiency review's own), the overdue 督办 items they may see and six months of trends;
anyone else gets a 404, and the menu offers the page only to its readers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.supervision import flows as supervision_flows
from tests.conftest import grant
from tests.insights.conftest import at, build_scene
from tests.supervision.conftest import new_item
from tests.worlds import built_once

pytestmark = pytest.mark.django_db

COCKPIT = reverse("web:cockpit")


@pytest.fixture(scope="module")
def scene(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    yield from built_once(django_db_blocker, tmp_path_factory, build_scene)


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    """Early November: October is the month before."""
    with time_machine.travel(at(11, 5, 9), tick=True):
        yield


def test_a_leader_reads_the_month_against_the_last_and_six_months_of_trends(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["gm"]).get(COCKPIT)
    assert response.status_code == 200
    cockpit = response.context["cockpit"]
    figures = {f.key: f for f in cockpit.figures}
    # October (hand-computed in tests/insights/conftest.py): five ended, 80% on time, one of five sent back
    assert (figures["ended"].value, figures["ended"].before) == (0, 5)
    assert figures["ended"].change is None  # a count so far is not judged against a whole month
    assert (figures["sla"].before, figures["fpy"].before) == (80.0, 80.0)
    assert figures["backlog"].value == 1  # C, still with the section head
    assert cockpit.trend["months"] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert cockpit.trend["ended"] == [0, 0, 0, 1, 5, 0]
    page = response.content.decode()
    assert 'id="cockpit-trend"' in page
    assert "echarts.min.js" in page
    assert reverse("insights:review") in page


def test_the_office_sees_what_waits_for_it(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["office_head"]).get(COCKPIT)
    assert response.status_code == 200
    cockpit = response.context["cockpit"]
    assert [w["task"].instance.title for w in cockpit.waiting] == ["X 另一公司"]
    assert cockpit.waiting_count == 1
    assert "X 另一公司" in response.content.decode()


def test_overdue_supervision_items_are_listed_with_the_ledgers_counts(scene: dict[str, Any], login: Any) -> None:
    ensure_admin_roles()
    grant(scene["gm"], Role.objects.get(code="leader"))  # 督办's own leader rule: the role
    supervision_flows.publish_definitions()
    with time_machine.travel(timezone.now() - timedelta(days=40), tick=False):
        late = new_item(scene, days=10, title="完成安全检查整改")
    new_item(scene, days=30, title="按期推进的事项")
    response = login(scene["gm"]).get(COCKPIT)
    cockpit = response.context["cockpit"]
    assert [i.title for i in cockpit.overdue] == [late.title]
    assert cockpit.overdue_count == 1
    assert cockpit.supervision_counts["overdue"] == 1
    assert cockpit.supervision_counts["on_track"] + cockpit.supervision_counts["at_risk"] == 1
    assert "完成安全检查整改" in response.content.decode()
    figures = {f.key: f for f in cockpit.figures}
    # the monthly bulletin's completion: October had one item due (the late one), done on time none
    assert (figures["supervision"].value, figures["supervision"].before) == (None, 0.0)
    assert (figures["no_show"].value, figures["no_show"].before) == (None, None)  # no meeting held


def test_another_units_leader_reads_only_their_own_unit(scene: dict[str, Any], login: Any) -> None:
    cockpit = login(scene["other_gm"]).get(COCKPIT).context["cockpit"]
    figures = {f.key: f for f in cockpit.figures}
    assert (figures["ended"].before, figures["backlog"].value) == (0, 1)  # X, open; nothing of 示例发电公司
    assert cockpit.overdue == []


@pytest.mark.parametrize("who", ["section_head", "accountant"])
def test_anyone_but_the_units_leaders_and_office_gets_a_404(scene: dict[str, Any], login: Any, who: str) -> None:
    client = login(scene[who])
    assert client.get(COCKPIT).status_code == 404
    assert COCKPIT not in client.get(reverse("web:home")).content.decode()


def test_the_menu_offers_the_cockpit_to_a_leader(scene: dict[str, Any], login: Any) -> None:
    assert COCKPIT in login(scene["deputy"]).get(reverse("web:home")).content.decode()
