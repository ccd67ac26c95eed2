"""草稿推演 (what-if replay) on a log where every answer is known. 采购申请 (``buy``): amounts above 10,000 go to
领导审批 (the deputy, 1 working hour), the rest to 审核 (the section head, 2 working hours); then 复核 (the finance
head, 1 working hour). Four small requests (3,000–6,000) and four big ones (12,000, 15,000, 25,000, 30,000), each
submitted at 09:00 on a working day of September 2026; read in early November (window: August–October).

- turning 审核 into filing (备案) removes exactly its 2 hours from the small requests and nothing from the big;
- moving the threshold to 20,000 sends 12,000 and 15,000 down 审核 (3 hours instead of 2);
- the stored prediction, and after the draft is published and five requests end on it, the actual beside it;
- the page, the API, and bad input (no draft, unknown matter, months out of range) changing nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.api.tokens import token_issue
from sanfu.core.errors import ApplicationError
from sanfu.insights import redesign, whatif
from sanfu.insights.facts import calendar_rows, working_calendar_of
from sanfu.insights.models import WhatIfPrediction
from sanfu.workflow import services as flow
from sanfu.workflow.engine import parse_definition
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import Instance, ProcessDefinition, Task, TaskStatus
from tests.conftest import build_org, grant

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
PAGE = reverse("insights:whatif")
RUN = reverse("insights:whatif_run")
TODAY = datetime(2026, 11, 5, 9, tzinfo=TZ).date()


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def _approval(node_id: str, name: str, person: User, nxt: str) -> dict[str, Any]:
    rule = {"type": "users", "users": [person.pk]}
    return {"id": node_id, "kind": "approval", "name": name, "approvers": rule, "next": nxt}


def spec_of(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": "buy",
        "name": "采购申请",
        "fields": [{"name": "amount"}],
        "nodes": [
            {"id": "start", "kind": "start", "next": "route"},
            {
                "id": "route",
                "kind": "condition",
                "name": "分级",
                "branches": [{"when": "form.amount > 10000.0", "next": "big"}, {"default": True, "next": "review"}],
            },
            _approval("review", "审核", w["section_head"], "check"),
            _approval("big", "领导审批", w["deputy"], "check"),
            _approval("check", "复核", w["finance_head"], "end"),
            {"id": "end", "kind": "end"},
        ],
    }


def _approve(instance: Instance, user: User, moment: datetime) -> None:
    task = Task.objects.get(instance=instance, assignee=user, status=TaskStatus.OPEN)
    with time_machine.travel(moment, tick=False):
        flow.task_approve(actor=user, task_id=task.pk, comment="同意")


def request(w: dict[str, Any], amount: int, month: int, day: int) -> Instance:
    with time_machine.travel(at(month, day, 9), tick=False):
        instance = flow.instance_start(
            actor=w["clerk"], definition_key="buy", title=f"{amount}", form={"amount": amount}
        )
    if amount > 10000:
        _approve(instance, w["deputy"], at(month, day, 10))  # 1 working hour
        _approve(instance, w["finance_head"], at(month, day, 11))  # 1 working hour
    else:
        _approve(instance, w["section_head"], at(month, day, 11))  # 2 working hours
        _approve(instance, w["finance_head"], at(month, day, 12))  # 1 working hour
    return instance


SMALL = (3000, 4000, 5000, 6000)
BIG = (12000, 15000, 25000, 30000)


@pytest.fixture
def w(db: None) -> dict[str, Any]:
    w = build_org()
    ensure_admin_roles()
    grant(w["office_head"], Role.objects.get(code="process-admin"))
    grant(w["clerk"], Role.objects.get(code="clerk"))  # the office: reads the review
    with time_machine.travel(at(9, 1, 8), tick=False):
        w["v1"] = flow.definition_publish(actor=None, spec=spec_of(w))
    days = (7, 8, 9, 10, 14, 15, 16, 17)
    w["instances"] = {amount: request(w, amount, 9, day) for amount, day in zip((*SMALL, *BIG), days, strict=True)}
    return w


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    with time_machine.travel(at(11, 5, 9), tick=True):
        yield


def filing_draft(w: dict[str, Any]) -> ProcessDefinition:
    return flow.definition_draft_save(
        actor=w["office_head"], spec=redesign.as_filing(w["v1"].spec, "review"), based_on=w["v1"], reason="test"
    )


def threshold_draft(w: dict[str, Any]) -> ProcessDefinition:
    threshold = redesign.thresholds(w["v1"].spec)[0]
    spec = redesign.with_threshold(w["v1"].spec, threshold, 20000)
    return flow.definition_draft_save(actor=w["office_head"], spec=spec, based_on=w["v1"], reason="test")


def per_instance(w: dict[str, Any], draft: ProcessDefinition) -> dict[int, set[float]]:
    """Each instance's replayed turnaround over every replication (a set: the draws' spread)."""
    target = whatif.target_of("buy", draft.version)
    first, last = whatif.window(3, today=TODAY)
    history = whatif.load_history(
        unit_id=w["unit"].pk,
        definition=target.current,
        start=first.starts(),
        end=last.ends(),
        calendar=working_calendar_of(calendar_rows()),
    )
    routed = whatif.route(parse_definition(draft.spec), history, OrgFacts(now=at(11, 5, 9)))
    draws = whatif.task_draws(routed, history.tasks, replications=50, seed=whatif.SEED)
    frame = whatif.turnarounds(draws, history.instances, 50)
    out: dict[int, set[float]] = {}
    for instance, hours in frame.select("instance", "hours").iter_rows():
        out.setdefault(instance, set()).add(round(hours, 6))
    return out


def test_a_node_turned_into_filing_removes_exactly_its_time(w: dict[str, Any]) -> None:
    got = per_instance(w, filing_draft(w))
    for amount in SMALL:
        assert got[w["instances"][amount].pk] == {1.0}  # 复核 only: 审核's 2 hours are gone
    for amount in BIG:
        assert got[w["instances"][amount].pk] == {2.0}  # unchanged


def test_a_moved_threshold_sends_known_instances_down_the_other_path(w: dict[str, Any]) -> None:
    got = per_instance(w, threshold_draft(w))
    for amount in (*SMALL, 12000, 15000):
        assert got[w["instances"][amount].pk] == {3.0}  # 审核 (2 h) + 复核 (1 h)
    for amount in (25000, 30000):
        assert got[w["instances"][amount].pk] == {2.0}


def test_the_prediction_is_stored_with_its_figures_and_is_reproducible(w: dict[str, Any]) -> None:
    draft = threshold_draft(w)
    made = whatif.prediction_run(actor=w["clerk"], unit_id=w["unit"].pk, key="buy", draft=None, months=3, today=TODAY)
    assert (made.draft_version, made.based_on_version, made.months) == (draft.version, 1, 3)
    assert made.definition == draft
    assert made.created_by == w["clerk"]
    f = made.figures
    assert f["window"] == {"first": "2026-08", "last": "2026-10", "months": 3}
    assert f["instances"] == 8
    assert f["changed_routes"] == 2
    # observed on v1: 3 h for the small, 2 h for the big; the baseline model replays exactly that
    assert f["observed"]["n"] == 8
    assert f["baseline"]["p90"] == f["observed"]["p90"] == 3.0
    # under the draft six of eight take 3 hours: the median is 3 hours in (nearly) every replication
    assert f["predicted"]["p50"] == 3.0
    assert f["predicted"]["p90"] == 3.0
    assert f["predicted"]["p50_low"] <= 3.0 <= f["predicted"]["p50_high"]
    nodes = {r["node"]: r for r in f["nodes"]}
    assert nodes["review"]["observed"] == round(4 / 3, 2)
    assert nodes["review"]["predicted"] == 2.0
    assert nodes["big"]["observed"] == round(4 / 3, 2)
    assert nodes["big"]["predicted"] == round(2 / 3, 2)
    assert nodes["check"]["observed"] == nodes["check"]["predicted"] == round(8 / 3, 2)
    people = {r["person"]: r for r in f["people"]}
    assert people[w["section_head"].pk]["predicted"] == 2.0
    again = whatif.prediction_run(actor=w["clerk"], unit_id=w["unit"].pk, key="buy", draft=None, months=3, today=TODAY)
    assert again.figures == f  # a fixed seed: the same figures every run
    assert WhatIfPrediction.objects.count() == 2


def test_filing_draft_figures(w: dict[str, Any]) -> None:
    filing_draft(w)
    f = whatif.prediction_run(
        actor=w["clerk"], unit_id=w["unit"].pk, key="buy", draft=None, months=3, today=TODAY
    ).figures
    nodes = {r["node"]: r for r in f["nodes"]}
    assert nodes["review"]["kind_draft"] == "filing"
    assert nodes["review"]["predicted"] == 0.0
    assert nodes["review"]["notices"] == round(4 / 3, 2)  # its people are told, never wait
    assert f["predicted"]["p90"] == 2.0
    assert f["baseline"]["p90"] == 3.0
    assert 1.0 <= f["predicted"]["p50_low"] <= f["predicted"]["p50"] <= f["predicted"]["p50_high"] <= 2.0


def test_after_publishing_the_actual_is_set_beside_the_prediction(w: dict[str, Any]) -> None:
    draft = filing_draft(w)
    made = whatif.prediction_run(actor=w["clerk"], unit_id=w["unit"].pk, key="buy", draft=None, months=3, today=TODAY)
    assert whatif.actual_of(made)["state"] == "unpublished"
    with time_machine.travel(at(11, 6, 8), tick=False):
        published = flow.definition_publish(actor=w["office_head"], spec=draft.spec)
    assert published.version == draft.version + 1
    for day in (9, 10):
        with time_machine.travel(at(11, day, 9), tick=False):
            instance = flow.instance_start(actor=w["clerk"], definition_key="buy", title="x", form={"amount": 3000})
        _approve(instance, w["finance_head"], at(11, day, 10))
    waiting = whatif.actual_of(made, now=at(11, 20, 9))
    assert (waiting["state"], waiting["n"], waiting["version"]) == ("waiting", 2, published.version)
    for day in (11, 12, 13):
        with time_machine.travel(at(11, day, 9), tick=False):
            instance = flow.instance_start(actor=w["clerk"], definition_key="buy", title="x", form={"amount": 3000})
        _approve(instance, w["finance_head"], at(11, day, 10))
    actual = whatif.actual_of(made, now=at(11, 20, 9))
    assert actual["state"] == "ready"
    assert actual["same"] is True
    assert actual["n"] == 5
    assert actual["actual"] == {"p50": 1.0, "p90": 1.0}
    p = made.figures["predicted"]
    assert actual["inside"]["p50"] is (p["p50_low"] <= 1.0 <= p["p50_high"])
    assert actual["inside"]["p90"] is False  # the draft predicted 2 h for the big ones; none came
    assert actual["nodes"]["check"] > 0
    assert "review" not in actual["nodes"]


# --- bad input ----------------------------------------------------------------------------------------------------


def test_bad_input_is_refused_and_changes_nothing(w: dict[str, Any]) -> None:
    unit = w["unit"].pk
    with pytest.raises(ApplicationError, match="没有草稿"):
        whatif.prediction_run(actor=w["clerk"], unit_id=unit, key="buy", draft=None, months=3)
    filing_draft(w)
    with pytest.raises(ApplicationError, match="没有这个事项"):
        whatif.prediction_run(actor=w["clerk"], unit_id=unit, key="nothing", draft=None, months=3)
    with pytest.raises(ApplicationError, match="第 9 版草稿"):
        whatif.prediction_run(actor=w["clerk"], unit_id=unit, key="buy", draft=9, months=3)
    for text in ("0", "13", "x", "-1", "²", "１"):
        with pytest.raises(ApplicationError, match="1 到 12"):
            whatif.parse_months(text)
    assert whatif.parse_months("") == 3
    assert not WhatIfPrediction.objects.exists()


# --- the page and the API -------------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_runs_a_replay_and_shows_it(w: dict[str, Any]) -> None:
    client = _client(w["clerk"])
    empty = client.get(PAGE)
    assert empty.status_code == 200
    assert 'id="whatif-none"' in empty.content.decode()
    draft = filing_draft(w)
    before = client.get(PAGE, {"key": "buy"})
    assert before.status_code == 200
    assert 'id="whatif-empty"' in before.content.decode()
    response = client.post(RUN, {"key": "buy", "draft": str(draft.version), "months": "3"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="whatif-predicted"' in html
    assert 'id="whatif-limits"' in html
    assert "审核" in html
    assert page.context["v"]["prediction"]["figures"]["predicted"]["p90"] == 2.0
    assert WhatIfPrediction.objects.get().created_by == w["clerk"]
    # The tables name the nodes (never their ids) and give every number with two decimals.
    for table in ("whatif-turnaround", "whatif-nodes", "whatif-people"):
        cells = _cells(html, table)
        assert cells, table
        assert not {"review", "big", "check"} & set(cells), cells
        numbers = [c for c in cells if re.fullmatch(r"[\d.,]+", c)]
        assert numbers, table
        assert all(re.fullmatch(r"\d[\d,]*\.\d\d", n) for n in numbers), numbers
    assert {"审核", "领导审批", "复核"} <= set(_cells(html, "whatif-nodes"))


def _cells(html: str, table: str) -> list[str]:
    """The text of every cell (and of every word in a cell) of the table ``table``."""
    found = re.search(rf'id="{table}">(.*?)</table>', html, re.S)
    assert found, table
    texts = (re.sub(r"<[^>]+>", " ", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S))
    return [word for text in texts for word in text.replace("–", " ").split()]


def test_the_page_refuses_bad_input_with_a_message(w: dict[str, Any]) -> None:
    client = _client(w["clerk"])
    filing_draft(w)
    for data in ({"key": "buy", "months": "13"}, {"key": "nothing"}, {"key": "buy", "draft": "9"}, {"key": ""}):
        response = client.post(RUN, data)
        assert response.status_code == 400, data
        assert 'id="whatif-error"' in response.content.decode()
    assert client.get(PAGE, {"key": "buy", "draft": "x"}).status_code == 400
    assert client.get(PAGE, {"key": "buy", "draft": "²"}).status_code == 400
    assert not WhatIfPrediction.objects.exists()


def test_only_the_reviews_readers_see_it(w: dict[str, Any]) -> None:
    filing_draft(w)
    outsider = _client(w["accountant"])
    assert outsider.get(PAGE).status_code == 404
    assert outsider.post(RUN, {"key": "buy"}).status_code == 404
    assert not WhatIfPrediction.objects.exists()


def test_the_api(w: dict[str, Any]) -> None:
    draft = filing_draft(w)
    _t, raw = token_issue(actor=w["clerk"], name="推演", scopes=["insights:read", "insights:whatif"], days=30)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    got = api.get("/api/v1/insights/whatif", {"key": "buy"})
    assert got.status_code == 200, got.content
    assert got.json()["prediction"] is None
    assert got.json()["draft"] == draft.version
    made = api.post("/api/v1/insights/whatif", {"key": "buy", "months": 3}, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["prediction"]["figures"]["instances"] == 8
    assert api.get("/api/v1/insights/whatif", {"key": "nothing"}).status_code == 422
    bad = api.post("/api/v1/insights/whatif", {"key": "buy", "months": 13}, content_type="application/json")
    assert bad.status_code == 422
    assert WhatIfPrediction.objects.count() == 1
    _t, read_only = token_issue(actor=w["clerk"], name="只读", scopes=["insights:read"], days=30)
    denied = Client(headers={"Authorization": f"Bearer {read_only}"}).post(
        "/api/v1/insights/whatif", {"key": "buy"}, content_type="application/json"
    )
    assert denied.status_code == 403
    _t, other = token_issue(actor=w["accountant"], name="外人", scopes=["insights:read"], days=30)
    assert (
        Client(headers={"Authorization": f"Bearer {other}"}).get("/api/v1/insights/whatif", {"key": "buy"}).status_code
        == 404
    )


def test_the_page_sets_what_happened_beside_the_prediction(w: dict[str, Any]) -> None:
    draft = filing_draft(w)
    client = _client(w["clerk"])
    assert client.post(RUN, {"key": "buy", "months": "3"}).status_code == 302
    unpublished = client.get(PAGE, {"key": "buy"})
    assert 'id="whatif-actual"' not in unpublished.content.decode()
    with time_machine.travel(at(11, 6, 8), tick=False):
        flow.definition_publish(actor=w["office_head"], spec=draft.spec)
    for day in (9, 10, 11, 12, 13):
        with time_machine.travel(at(11, day, 9), tick=False):
            instance = flow.instance_start(actor=w["clerk"], definition_key="buy", title="x", form={"amount": 3000})
        _approve(instance, w["finance_head"], at(11, day, 10))
    with time_machine.travel(at(11, 20, 9), tick=False):  # a fortnight later, signed in afresh
        page = _client(w["clerk"]).get(PAGE, {"key": "buy", "draft": str(draft.version)})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="whatif-actual"' in html
    assert "超出预测区间" in html  # P90: 1 hour, where 2 were predicted
    nodes = {r["node"]: r for r in page.context["nodes"]}
    assert str(nodes["review"]["draft_label"]) == "备案"
    assert nodes["review"]["after"] == 0.0
    assert nodes["check"]["after"] > 0


def test_the_advice_and_compare_pages_lead_to_it(w: dict[str, Any]) -> None:
    client = _client(w["clerk"])
    for name in ("insights:advice", "insights:compare"):
        assert f'href="{PAGE}"' in client.get(reverse(name)).content.decode()


def test_a_window_without_ended_instances_predicts_nothing_and_says_so(w: dict[str, Any]) -> None:
    filing_draft(w)
    made = whatif.prediction_run(actor=w["clerk"], unit_id=w["unit"].pk, key="buy", draft=None, months=1, today=TODAY)
    f = made.figures
    assert f["window"] == {"first": "2026-10", "last": "2026-10", "months": 1}
    assert f["instances"] == 0
    assert f["predicted"]["p50"] is None
    assert f["nodes"] == []
    page = _client(w["clerk"]).get(PAGE, {"key": "buy"})
    assert page.status_code == 200
    assert "窗口内没有办结的流程。" in page.content.decode()


def test_a_process_administrator_is_led_to_the_designer(w: dict[str, Any]) -> None:
    filing_draft(w)
    assert 'id="whatif-designer"' not in _client(w["clerk"]).get(PAGE).content.decode()
    client = _client(w["office_head"])
    session = client.session  # a process administrator has passed the second factor
    session["otp_device_id"] = TOTPDevice.objects.create(user=w["office_head"], name="t", confirmed=True).persistent_id
    session.save()
    page = client.get(PAGE)
    assert page.status_code == 200
    assert f'href="{reverse("approvals:designer")}"' in page.content.decode()
