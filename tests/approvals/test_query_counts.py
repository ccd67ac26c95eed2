"""The catalogue and the designer's list run a fixed number of queries, however many matters, versions,
requests and material returns there are."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanfu.approvals.models import MatterType, ServiceArea
from sanfu.workflow.services import definition_publish

pytestmark = pytest.mark.django_db

SPEC: dict[str, Any] = {
    "nodes": [
        {"id": "start", "kind": "start", "next": "head"},
        {"id": "head", "kind": "approval", "name": "部门负责人", "approvers": {"type": "head"}, "next": "end"},
        {"id": "end", "kind": "end"},
    ],
}


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm up: session, grants and other per-client first-time reads
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _more_matters(count: int, *, versions: int = 1, start_roles: list[str] | None = None) -> None:
    areas = [value for value, _label in ServiceArea.choices]
    for i in range(count):
        key = f"extra_flow_{i}"
        MatterType.objects.create(
            code=f"extra-{i}",
            name=f"附加事项{i}",
            area=areas[i % len(areas)],
            group="附加",
            definition_key=key,
            materials=[{"code": "m1", "name": "材料", "required": True, "formats": ["pdf"]}],
            start_roles=start_roles or [],
        )
        for _v in range(versions):
            definition_publish(actor=None, spec={**SPEC, "key": key, "name": f"附加流程{i}"})


@pytest.mark.parametrize("who", ["staff", "flowadmin"])
def test_catalogue(demo: dict[str, Any], login: Any, who: str) -> None:
    # flowadmin is the process administrator and also sees each matter's material-return figures
    client = login(demo["people"][who])
    few = _queries(client, "/approvals/catalogue/")
    _more_matters(12)
    MatterType.objects.filter(code="extra-0").update(start_roles=["no_such_role"])  # one hidden by its roles
    many = _queries(client, "/approvals/catalogue/")
    assert many == few
    page = client.get("/approvals/catalogue/").content.decode()
    assert "附加事项11" in page
    assert "附加事项0<" not in page


def test_designer_list(demo: dict[str, Any], login: Any) -> None:
    client = login(demo["people"]["flowadmin"])
    few = _queries(client, "/approvals/designer/")
    _more_matters(10, versions=3)
    many = _queries(client, "/approvals/designer/")
    assert many == few
    page = client.get("/approvals/designer/").content.decode()
    assert "附加事项9" in page
    assert "v3" in page
