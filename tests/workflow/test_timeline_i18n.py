"""The flow's own reasons in the timeline follow the reader's language: the engine writes them in Chinese into
immutable events, and the timeline translates them when shown — only on events nobody made, never a
person's words that happen to read the same."""

from __future__ import annotations

import ast
import importlib
import inspect
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from sanfu.workflow import services
from sanfu.workflow.models import Instance, InstanceEvent, Task
from sanfu.workflow.timeline import SYSTEM_REASONS, system_reason

TYPED = "1/1 同意"  # what a person may type, and what the engine writes when a one-person 会签 completes


@pytest.fixture
def instance(org: dict[str, Any]) -> Instance:
    """A request the initiator approves automatically at its first node (发起人即审批人) and the section head
    completes at a 会签 of one, typing the very text the engine writes there."""
    services.definition_publish(
        actor=None,
        spec={
            "key": "reasons",
            "name": "理由",
            "on_self": "auto_pass",
            "nodes": [
                {"id": "start", "kind": "start", "next": "self"},
                {"id": "self", "kind": "approval", "name": "确认", "approvers": {"type": "initiator"}, "next": "sign"},
                {
                    "id": "sign",
                    "kind": "approval",
                    "name": "会签",
                    "mode": "all",
                    "approvers": {"type": "users", "users": [org["section_head"].pk]},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    started = services.instance_start(actor=org["clerk"], definition_key="reasons", title="理由的语言")
    task = Task.objects.get(instance=started, assignee=org["section_head"], status="open")
    services.task_approve(actor=org["section_head"], task_id=task.pk, comment=TYPED)
    return started


def _page(login: Any, user: Any, instance: Instance, language: str) -> str:
    client = login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(reverse("approvals:instance", args=[instance.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_engines_reasons_are_shown_in_english_and_a_persons_words_as_typed(org, login, instance):
    events = InstanceEvent.objects.filter(instance=instance)
    assert events.filter(type="node_completed", actor__isnull=True, comment=TYPED).exists()
    assert events.filter(type="approved", actor=org["section_head"], comment=TYPED).exists()
    html = _page(login, org["clerk"], instance, "en")
    assert html.count("1/1 approved") == 2  # both nodes: the automatic pass counts as a vote too
    assert "The applicant is the approver; approved automatically" in html
    assert "发起人即审批人" not in html
    assert html.count(TYPED) == 1  # the section head's own comment, untouched


def test_in_chinese_the_timeline_is_unchanged(org, login, instance):
    html = _page(login, org["clerk"], instance, "zh-hans")
    assert html.count(TYPED) == 3  # the engine's count at both nodes, and the person's comment
    assert "发起人即审批人，自动通过" in html
    assert "1/1 approved" not in html


def _engine_reasons() -> set[str]:
    """Every literal reason decide.py writes: ``comment=``/``auto=`` arguments, the ``reason``/``auto``
    variables, the timeout texts, and the subprocess outcomes."""
    decide = importlib.import_module("sanfu.workflow.engine.decide")  # the package exports a function by that name
    tree = ast.parse(inspect.getsource(decide))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in {"comment", "auto"}:
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                found.add(node.value.value)
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and any(isinstance(t, ast.Name) and t.id in {"reason", "auto"} for t in node.targets)
        ):
            found.add(str(node.value.value))
    found.update(decide._TIMEOUT_TEXT.values())
    found.update(f"子流程{text}" for text in [*decide._OUTCOME_TEXT.values(), "未通过"])
    return {text for text in found if text}


def test_every_reason_the_engine_writes_is_translated():
    reasons = _engine_reasons()
    assert "审批人为空，按规则自动跳过" in reasons  # the scan reads the engine
    assert reasons - set(SYSTEM_REASONS) == set()


def test_the_vote_count_is_translated_with_its_numbers():
    with translation.override("en"):
        assert system_reason("3/5 同意") == "3/5 approved"
        assert system_reason("12/12 同意") == "12/12 approved"
        assert system_reason("同意，请尽快办理") == "同意，请尽快办理"  # not a reason of the engine's
        assert system_reason("已超时，按规则自动退回") == "Overdue; returned automatically by rule"
    with translation.override("zh-hans"):
        assert system_reason("3/5 同意") == "3/5 同意"
