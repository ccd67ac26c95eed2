"""The event log for analysts' tools: XES (IEEE 1849-2016) and OCEL 2.0 JSON of the unit's instances over a
range of months, streamed, for the review's readers only (and of the instances each may open).

The world is the before/after one of ``test_compare`` (buy and leave, two versions each, September and
October 2026), built once for this module."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from sanfu.api.tokens import token_issue
from sanfu.workflow.models import Instance, InstanceEvent
from tests.insights.conftest import at
from tests.insights.test_compare import build_versions
from tests.worlds import built_once

pytestmark = pytest.mark.django_db

NS = "{http://www.xes-standard.org/}"
RANGE = {"from": "2026-09", "to": "2026-10"}


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    yield from built_once(django_db_blocker, tmp_path_factory, build_versions)


@pytest.fixture(autouse=True)
def _december() -> Iterator[None]:
    with time_machine.travel(at(12, 7, 9), tick=True):
        yield


def _body(response: Any) -> bytes:
    assert isinstance(response, StreamingHttpResponse)  # written piece by piece, never whole
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def test_xes_is_well_formed_with_the_standard_extensions(world: dict[str, Any], login: Any) -> None:
    response = login(world["office_head"]).get(reverse("insights:eventlog_xes"), RANGE)
    assert response.status_code == 200
    assert ".xes" in response["Content-Disposition"]
    log = ET.fromstring(_body(response))  # noqa: S314  # our own output, read with the standard library's parser
    assert log.tag == f"{NS}log"
    assert log.get("xes.version") == "1849-2016"
    extensions = {e.get("prefix"): e.get("uri") for e in log.findall(f"{NS}extension")}
    assert extensions == {
        "concept": "http://www.xes-standard.org/concept.xesext",
        "time": "http://www.xes-standard.org/time.xesext",
        "lifecycle": "http://www.xes-standard.org/lifecycle.xesext",
        "org": "http://www.xes-standard.org/org.xesext",
    }
    traces = log.findall(f"{NS}trace")
    # the process administrator oversees every instance of the unit: all 22 of September and October
    assert len(traces) == Instance.objects.filter(unit=world["unit"]).count() == 22
    for trace in traces:
        attributes = {a.get("key"): a.get("value") for a in trace if a.tag != f"{NS}event"}
        assert {"concept:name", "sanfu:matter", "sanfu:version", "sanfu:status"} <= set(attributes)
        events = trace.findall(f"{NS}event")
        assert len(events) == InstanceEvent.objects.filter(instance_id=int(attributes["concept:name"])).count()
        stamps = []
        for event in events:
            keys = {a.get("key"): a.get("value") for a in event}
            assert {"concept:name", "time:timestamp", "lifecycle:transition"} <= set(keys)
            stamps.append(datetime.fromisoformat(keys["time:timestamp"]))
        assert stamps == sorted(stamps)  # each trace's events in order
    first = traces[0]
    names = [next(a.get("value") for a in e if a.get("key") == "concept:name") for e in first.findall(f"{NS}event")]
    assert names[0] == "提交申请"
    assert "审核·同意" in names
    assert names[-1] == "流程结束"  # the end node has no name of its own
    resources = {a.get("value") for a in first.iter(f"{NS}string") if a.get("key") == "org:resource"}
    assert "文书" in resources  # the clerk submitted it
    text = _body(login(world["office_head"]).get(reverse("insights:eventlog_xes"), RANGE)).decode()
    assert "缺报价单" not in text  # no comment leaves
    assert "buy 9-14" not in text  # nor a title


def test_ocel_has_the_required_keys_and_consistent_references(world: dict[str, Any], login: Any) -> None:
    response = login(world["office_head"]).get(reverse("insights:eventlog_ocel"), RANGE)
    assert response.status_code == 200
    log = json.loads(_body(response))
    assert {"objectTypes", "eventTypes", "objects", "events"} <= set(log)
    object_types = {t["name"] for t in log["objectTypes"]}
    event_types = {t["name"] for t in log["eventTypes"]}
    objects = {o["id"]: o for o in log["objects"]}
    assert len(objects) == len(log["objects"])  # ids are unique
    assert all(o["type"] in object_types for o in objects.values())
    assert sum(o["type"] == "流程实例" for o in objects.values()) == 22
    for event in log["events"]:
        assert event["type"] in event_types
        datetime.fromisoformat(event["time"])
        assert all(r["objectId"] in objects for r in event["relationships"])
        assert any(r["qualifier"] == "case" for r in event["relationships"])
    for found in objects.values():
        assert all(r["objectId"] in objects for r in found.get("relationships", []))
    assert len(log["events"]) == InstanceEvent.objects.filter(instance__unit=world["unit"]).count()


def test_only_the_readers_and_only_what_they_may_open(world: dict[str, Any], login: Any) -> None:
    url = reverse("insights:eventlog_xes")
    assert login(world["accountant"]).get(url, RANGE).status_code == 404
    assert login(world["office_head"]).get(url, {"from": "2026-10", "to": "2026-09"}).status_code == 400
    # the clerk reads the review as the office; the log lists the instances the clerk may open (all of them: the
    # clerk started each)
    log = ET.fromstring(_body(login(world["clerk"]).get(url, RANGE)))  # noqa: S314  # our own output
    visible = {next(a.get("value") for a in t if a.get("key") == "concept:name") for t in log.findall(f"{NS}trace")}
    started = {str(i) for i in Instance.objects.filter(initiator=world["clerk"]).values_list("pk", flat=True)}
    assert started == visible
    # the general manager, a leader, reads the review, but took part in none of them
    assert not ET.fromstring(_body(login(world["gm"]).get(url, RANGE))).findall(f"{NS}trace")  # noqa: S314


def test_the_api_streams_the_same_log(world: dict[str, Any]) -> None:
    _token, raw = token_issue(actor=world["clerk"], name="日志", scopes=["insights:read"], days=30)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/insights/eventlog", {"format": "csv", **RANGE}).status_code == 422
    response = client.get("/api/v1/insights/eventlog", {"format": "ocel", **RANGE})
    assert response.status_code == 200
    assert (
        len(json.loads(_body(response))["events"]) == InstanceEvent.objects.filter(instance__unit=world["unit"]).count()
    )
    assert (
        client.get("/api/v1/insights/eventlog", {"format": "xes", "from": "2026-10", "to": "2026-09"}).status_code
        == 422
    )
