"""传阅 by round. A return that brings a 收文 back to 批办 (or earlier) means a second 批示 and a second 传阅: each
reader appears once per round on the page (第1轮, 第2轮), and a reader who already had a round gets the new
one as a new notice only when the 批示 changed (another leader, or other words: whitespace does not count);
otherwise their earlier notice stands for the new round and the page says the 批示 did not change."""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanfu.documents import selectors, services
from sanfu.documents.flows import INCOMING_SPEC, publish_definitions
from sanfu.documents.models import IncomingDocument, IncomingStep, StepKind
from sanfu.workflow.models import Task, TaskStatus
from sanfu.workflow.services import definition_publish
from tests.documents.conftest import client_for
from tests.documents.test_incoming import register

INSTRUCTION = "请安全生产部牵头，\n安监部配合，月底前报结果。"


def _circulated(org: dict[str, Any]) -> IncomingDocument:
    """Registered, proposed with two readers, instructed (第1轮 传阅); deputy1 has read it, hr has not."""
    p = org["people"]
    document = register(org)
    services.incoming_propose(
        actor=p["clerk"], document_id=document.pk, text="拟请阅示。", leader=p["gm"], readers=[p["deputy1"], p["hr"]]
    )
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text=INSTRUCTION)
    services.circulation_read(actor=p["deputy1"], instance=document.instance)
    return document


def _second_instruction(org: dict[str, Any], document: IncomingDocument, text: str) -> None:
    """分办 sends it back to 批办, and the leader instructs again."""
    p = org["people"]
    services.incoming_return(actor=p["clerk"], document_id=document.pk, comment="请领导再明确。")
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text=text)


def _notices(document: IncomingDocument, user: Any) -> list[str]:
    return list(
        Task.objects.filter(instance=document.instance, node="circulate", assignee=user)
        .order_by("task_no")
        .values_list("status", flat=True)
    )


def _panel(user: Any, document: IncomingDocument) -> str:
    page = client_for(user).get(reverse("documents:incoming", args=[document.pk])).content.decode()
    start = page.index('id="circulation"')
    return page[start : page.index("</div></div>", start)]


def _entries(panel: str) -> list[tuple[str, str]]:
    """(round, text) of each reader's entry in the 传阅 panel, tags stripped."""
    found = re.findall(r'<li data-round="(\d+)">(.*?)</li>', panel, flags=re.DOTALL)
    return [(no, " ".join(re.sub(r"<[^>]+>", " ", text).split())) for no, text in found]


def test_the_same_instruction_again_sends_no_new_notice_and_lists_each_reader_once_per_round(
    org: dict[str, Any],
) -> None:
    p = org["people"]
    deputy, hr = p["deputy1"], p["hr"]
    document = _circulated(org)

    _second_instruction(org, document, "请安全生产部牵头，\n安监部配合，月底前报结果。  ")  # whitespace only

    assert _notices(document, deputy) == [TaskStatus.READ]  # no new unread item for who read it
    assert _notices(document, hr) == [TaskStatus.UNREAD]  # nor a second one for who has it unread
    latest = IncomingStep.objects.filter(document=document, kind=StepKind.INSTRUCTION).order_by("-id").first()
    assert latest is not None
    assert latest.data == {"round": 2, "sent": [], "unchanged": [deputy.pk, hr.pk]}
    entries = _entries(_panel(p["clerk"], document))
    assert [(no, text.split()[0]) for no, text in entries] == [
        ("1", deputy.display_name),
        ("1", hr.display_name),
        ("2", deputy.display_name),
        ("2", hr.display_name),
    ]
    assert "批示未变，同第1轮" in entries[2][1]
    assert "已阅" in entries[2][1]
    assert "未阅" in entries[3][1]


def test_a_changed_instruction_is_a_new_distinct_notice_for_every_reader(org: dict[str, Any]) -> None:
    p = org["people"]
    deputy, hr = p["deputy1"], p["hr"]
    document = _circulated(org)

    _second_instruction(org, document, "改由设备部牵头，安监部配合。")

    assert _notices(document, deputy) == [TaskStatus.READ, TaskStatus.UNREAD]
    assert _notices(document, hr) == [TaskStatus.UNREAD, TaskStatus.UNREAD]
    rounds = selectors.circulation_rounds(document.instance, list(document.steps.select_related("actor")))
    assert [(r.no, [(x.reader, x.status, x.carried_from) for x in r.readings]) for r in rounds] == [
        (1, [(deputy.display_name, "read", None), (hr.display_name, "unread", None)]),
        (2, [(deputy.display_name, "unread", None), (hr.display_name, "unread", None)]),
    ]
    entries = _entries(_panel(deputy, document))  # opening the page reads nothing: 已阅 is a POST
    assert "未阅" in entries[2][1]
    assert _notices(document, deputy) == [TaskStatus.READ, TaskStatus.UNREAD]
    client_for(deputy).post(reverse("documents:incoming_read", args=[document.pk]))  # the page's 已阅
    entries = _entries(_panel(deputy, document))
    assert [no for no, _text in entries] == ["1", "1", "2", "2"]
    assert "已阅" in entries[2][1]
    assert _notices(document, deputy) == [TaskStatus.READ, TaskStatus.READ]


def test_another_leader_with_the_same_words_is_a_change(org: dict[str, Any]) -> None:
    p = org["people"]
    deputy = p["deputy1"]
    document = _circulated(org)
    services.incoming_return(actor=p["clerk"], document_id=document.pk, comment="请改呈副总经理。", to="registrar")
    services.incoming_resubmit(actor=p["clerk"], document_id=document.pk)
    services.incoming_propose(
        actor=p["clerk"], document_id=document.pk, text="拟请阅示。", leader=deputy, readers=[p["gm"], p["hr"]]
    )
    services.incoming_instruct(actor=deputy, document_id=document.pk, text=INSTRUCTION)
    assert _notices(document, p["gm"]) == [TaskStatus.UNREAD]  # a reader new in this round
    assert _notices(document, p["hr"]) == [TaskStatus.UNREAD, TaskStatus.UNREAD]  # same words, another leader
    assert _notices(document, deputy) == [TaskStatus.READ]  # no longer a reader
    rounds = selectors.circulation_rounds(document.instance, list(document.steps.select_related("actor")))
    assert [r.leader for r in rounds] == [p["gm"].display_name, deputy.display_name]
    assert [x.reader for x in rounds[1].readings] == [p["gm"].display_name, p["hr"].display_name]


def test_the_inbox_of_a_reader_who_read_it_stays_clear(org: dict[str, Any]) -> None:
    p = org["people"]
    deputy = p["deputy1"]
    document = _circulated(org)
    _second_instruction(org, document, INSTRUCTION)
    assert not Task.objects.filter(assignee=deputy, status=TaskStatus.UNREAD).exists()
    _second_instruction(org, document, "第三次批示，内容有变。")
    assert Task.objects.filter(assignee=deputy, status=TaskStatus.UNREAD).count() == 1
    rounds = selectors.circulation_rounds(document.instance, list(document.steps.select_related("actor")))
    assert [r.no for r in rounds] == [1, 2, 3]
    assert [x.carried_from for x in rounds[1].readings] == [1, 1]
    assert [x.carried_from for x in rounds[2].readings] == [None, None]


def test_the_detail_page_costs_the_same_with_one_round_and_with_three(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = _circulated(org)
    client = client_for(clerk)
    url = reverse("documents:incoming", args=[document.pk])
    services.incoming_distribute(actor=clerk, document_id=document.pk, lead=org["departments"]["production"])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    services.incoming_return(actor=org["heads"]["production"], document_id=document.pk, comment="退回分办。")
    services.incoming_return(actor=clerk, document_id=document.pk, comment="退回批办。")
    services.incoming_instruct(actor=org["people"]["gm"], document_id=document.pk, text="第二次，有变化。")
    _second_instruction(org, document, "第三次，又有变化。")
    services.incoming_distribute(actor=clerk, document_id=document.pk, lead=org["departments"]["production"])
    client.get(url)
    with CaptureQueriesContext(connection) as three:
        client.get(url)
    assert len(three) == len(one)


def test_a_flow_started_on_the_earlier_definition_still_circulates_each_round_to_everyone(
    org: dict[str, Any],
) -> None:
    """批办 of a definition published before it could write the readers: every reader gets every round (as
    before), and 批示 recorded before rounds were are shown as rounds all the same."""
    p = org["people"]
    earlier = deepcopy(INCOMING_SPEC)
    next(n for n in earlier["nodes"] if n["id"] == "instruct").pop("fields")
    definition_publish(actor=None, spec={**earlier, "admins": []})
    document = _circulated(org)  # runs on the earlier definition
    publish_definitions()  # the current one is published again for new documents
    IncomingStep.objects.filter(document=document, kind=StepKind.INSTRUCTION).update(data={})  # as written then

    _second_instruction(org, document, INSTRUCTION)

    assert _notices(document, p["deputy1"]) == [TaskStatus.READ, TaskStatus.UNREAD]
    assert _notices(document, p["hr"]) == [TaskStatus.UNREAD, TaskStatus.UNREAD]
    rounds = selectors.circulation_rounds(document.instance, list(document.steps.select_related("actor")))
    assert [(r.no, [(x.reader, x.status) for x in r.readings]) for r in rounds] == [
        (1, [(p["deputy1"].display_name, "read"), (p["hr"].display_name, "unread")]),
        (2, [(p["deputy1"].display_name, "unread"), (p["hr"].display_name, "unread")]),
    ]
