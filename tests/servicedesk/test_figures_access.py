"""Who reads the figures (服务统计) and of what: the window clerks and the unit's leaders (rank 公司副职 and above) the
whole unit's; a department head the services their department handles (page, trend and Excel alike); anyone else —
a member, the head of a department that handles no service, another unit's staff — gets 404."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.test import Client

from sanfu.core.errors import NotFoundError
from sanfu.servicedesk import selectors, services
from tests.servicedesk.conftest import walk_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(desk: dict[str, Any]) -> dict[str, Any]:
    """A walk-in for 工作证明开具 (办公室 and 财务部) and an online 费用报销咨询 (财务部 only)."""
    walk_in(desk)
    services.request_register(
        actor=desk["accountant"],
        data=services.RequestIn(service_id=desk["expense"].pk, summary="报销咨询", materials=["invoice"]),
    )
    return desk


def page_of(client: Client) -> tuple[list[str], str, dict[str, Any]]:
    """The services in the table, the total row's volume, and the chart's data."""
    response = client.get("/service/figures/")
    assert response.status_code == 200
    page = response.content.decode()
    names = re.findall(r'<tr data-service="([^"]+)"', page)
    total = re.search(r'id="figures-total"><td>[^<]*</td><td class="text-end">(\d+)</td>', page)
    assert total is not None
    chart = re.search(r'<script id="figures-chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert chart is not None
    return names, total.group(1), json.loads(chart.group(1))


def sheet_names(client: Client) -> list[str]:
    response = client.get("/service/figures.xlsx")
    assert response.status_code == 200
    rows = openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)
    return [str(row[0]) for row in rows]


@pytest.mark.parametrize("person", ["clerk", "gm", "deputy"])
def test_the_window_and_the_leaders_read_the_whole_unit(
    month: dict[str, Any], login: Callable[[Any], Client], person: str
) -> None:
    client = login(month[person])
    names, total, chart = page_of(client)
    assert sorted(names) == ["工作证明开具", "费用报销咨询"]
    assert total == "2"
    assert sum(chart["trend"]["volume"]) == 2
    assert "figures-scope" not in client.get("/service/figures/").content.decode()
    assert sorted(sheet_names(client)) == ["合计", "工作证明开具", "费用报销咨询"]
    assert "figures-link" in client.get("/service/").content.decode()


def test_a_department_head_reads_the_services_their_department_handles(
    month: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    office = login(month["office_head"])
    names, total, chart = page_of(office)
    assert names == ["工作证明开具"]
    assert total == "1"
    assert sum(chart["trend"]["volume"]) == 1  # the trend leaves out the other services too
    assert "figures-scope" in office.get("/service/figures/").content.decode()
    assert sheet_names(office) == ["工作证明开具", "合计"]
    assert "figures-link" in office.get("/service/").content.decode()
    finance = login(month["finance_head"])
    names, total, _chart = page_of(finance)
    assert (sorted(names), total) == (["工作证明开具", "费用报销咨询"], "2")


@pytest.mark.parametrize("person", ["accountant", "section_head", "stranger"])
def test_nobody_else_reads_figures(month: dict[str, Any], login: Callable[[Any], Client], person: str) -> None:
    client = login(month[person])
    assert client.get("/service/figures/").status_code == 404
    assert client.get("/service/figures.xlsx").status_code == 404
    if person != "stranger":
        assert "figures-link" not in client.get("/service/").content.decode()
    with pytest.raises(NotFoundError):
        selectors.figures_services(month[person])
