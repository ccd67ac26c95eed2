"""A 公文's process on the 审批中心's generic instance page: the timeline and a link to the 公文 page, never a
generic 同意 / 退回 / 转交 that would skip the document's own work — checked at every node of both flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from sanfu.accounts.models import User
from sanfu.documents import services
from sanfu.documents.flows import INCOMING_KEY, OUTGOING_KEY
from sanfu.documents.models import DocKind
from sanfu.workflow.models import Instance, Task, TaskStatus
from sanfu.workflow.selectors import definition_of
from tests.documents import conftest as documents_fixtures

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ACTIONS = (
    "approve",
    "reject",
    "return",
    "return_materials",
    "transfer",
    "add_signers",
    "remove_signers",
    "withdraw",
    "urge",
    "resubmit",
    "comment",
    "cancel",
)


org = documents_fixtures.org  # the demo organisation with the 公文 processes, as the 公文 tests use it


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _snapshot(instance_id: int) -> tuple[Any, ...]:
    instance = Instance.objects.get(pk=instance_id)
    tasks = sorted(Task.objects.filter(instance_id=instance_id).values_list("pk", "status", "assignee_id"))
    return instance.version, instance.status, instance.state, tasks, instance.events.count()


class Checker:
    """At each node reached, every person holding a step there finds no generic action on the generic page,
    and a POST of 同意 (and the other actions) changes nothing."""

    def __init__(self, page_url: Callable[[], str]) -> None:
        self.page_url = page_url
        self.checked: set[str] = set()

    def __call__(self, instance_id: int) -> None:
        url = reverse("approvals:instance", args=[instance_id])
        held = Task.objects.filter(instance_id=instance_id, status__in=[TaskStatus.OPEN, TaskStatus.UNREAD])
        assert held.exists()
        for task in held.select_related("assignee"):
            client = _client(task.assignee)
            before = _snapshot(instance_id)
            html = client.get(url).content.decode()
            assert 'id="domain-page"' in html  # the link to the 公文 page, in the subject's words
            assert f'href="{self.page_url()}"' in html
            assert 'id="btn-approve"' not in html
            assert 'id="timeline"' in html
            for action in ACTIONS:
                assert reverse(f"approvals:instance_{action}", args=[instance_id]) not in html, action
            assert _snapshot(instance_id) == before  # opening the page read no 传阅 / 分发 notice either
            response = client.post(
                reverse("approvals:instance_approve", args=[instance_id]),
                {"task": task.pk, "comment": "同意"},
                follow=True,
            )
            where = "到收文页面办理" if task.instance.definition.key == INCOMING_KEY else "到发文页面办理"
            refusal = f"此流程不能在本页办理，请{where}，未做任何更改。"  # in the subject's words
            assert [str(m) for m in response.context["messages"]] == [refusal]
            for action in ("return", "transfer", "cancel", "comment"):
                client.post(
                    reverse(f"approvals:instance_{action}", args=[instance_id]),
                    {"task": task.pk, "to": "previous", "comment": "试"},
                )
            assert _snapshot(instance_id) == before
            self.checked.add(task.node)


def _nodes(instance: Instance) -> set[str]:
    return {node_id for node_id, node in definition_of(instance).nodes.items() if node.kind not in {"start", "end"}}


def test_every_node_of_the_incoming_flow_is_left_to_the_documents_page(org: dict[str, Any]) -> None:
    p, d, heads = org["people"], org["departments"], org["heads"]
    document = services.incoming_register(
        actor=p["clerk"],
        title="关于迎峰度冬安全检查的通知",
        source_unit="华南能源集团",
        original=SimpleUploadedFile("来文.pdf", PDF),
    )
    assert document.instance is not None
    instance_id = document.instance_id
    assert document.instance.definition.key == INCOMING_KEY
    check = Checker(lambda: reverse("documents:incoming", args=[document.pk]))
    check(instance_id)  # 拟办
    services.incoming_propose(
        actor=p["clerk"], document_id=document.pk, text="拟请总经理阅示。", leader=p["gm"], readers=[p["hr"]]
    )
    check(instance_id)  # 批办
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="请安全生产部办理。")
    check(instance_id)  # 传阅 (hr's unread notice) and 分办
    services.incoming_distribute(actor=p["clerk"], document_id=document.pk, lead=d["production"], co=[])
    check(instance_id)  # 承办
    services.incoming_reply(actor=heads["production"], document_id=document.pk, text="已落实。")
    check(instance_id)  # 办结
    assert check.checked == _nodes(Instance.objects.get(pk=instance_id))


def test_every_node_of_the_outgoing_flow_is_left_to_the_documents_page(org: dict[str, Any]) -> None:
    p, d, heads = org["people"], org["departments"], org["heads"]
    template = services.outgoing_template(DocKind.NOTICE)
    document = services.outgoing_draft(
        actor=p["office_head"],
        kind=DocKind.NOTICE,
        title="关于做好节日期间安全生产工作的通知",
        body=template["body"],
        recipients=template["recipients"],
        countersign=[d["production"]],
        signer=p["gm"],
    )
    assert document.instance is not None
    instance_id = document.instance_id
    assert document.instance.definition.key == OUTGOING_KEY
    check = Checker(lambda: reverse("documents:outgoing", args=[document.pk]))
    check(instance_id)  # 核稿
    services.outgoing_review(actor=p["clerk"], document_id=document.pk, comment="核稿通过")
    check(instance_id)  # 会签
    services.outgoing_countersign(actor=heads["production"], document_id=document.pk, comment="同意")
    check(instance_id)  # 签发
    services.outgoing_sign_off(actor=p["gm"], document_id=document.pk, comment="同意印发")
    check(instance_id)  # 编号
    services.outgoing_assign_number(actor=p["clerk"], document_id=document.pk, year=2026)
    check(instance_id)  # 印发
    services.outgoing_issue(actor=p["clerk"], document_id=document.pk, departments=[d["finance"]], external=[])
    check(instance_id)  # 分发 (the finance head's unread notice)
    assert check.checked == _nodes(Instance.objects.get(pk=instance_id))
