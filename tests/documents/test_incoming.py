"""收文: the whole loop through the services — register → 拟办 → 批办 (verbatim) → 传阅 → 分办 (parallel) →
承办 (a reply per department) → 办结 → 归档; duplicates flagged; holders and overdue."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfu.core.errors import ApplicationError
from sanfu.documents import selectors, services
from sanfu.documents.models import IncomingStep, StepKind
from sanfu.workflow.models import Task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def register(org: dict[str, Any], **extra: Any):  # type: ignore[no-untyped-def]
    values = {
        "title": "关于迎峰度冬安全检查的通知",
        "source_unit": "华南能源集团",
        "source_number": "华南能源安〔2026〕45号",
        "urgency": "加急",
        "deadline": timezone.localdate() + timedelta(days=5),
        "pages": 4,
        "original": SimpleUploadedFile("来文.pdf", PDF),
        "attachments": [SimpleUploadedFile("附件1.pdf", PDF)],
        **extra,
    }
    return services.incoming_register(actor=org["people"]["clerk"], **values)


def test_the_whole_incoming_loop_ends_archived(org: dict[str, Any]) -> None:
    p, d, heads = org["people"], org["departments"], org["heads"]
    clerk, gm = p["clerk"], p["gm"]
    document = register(org)
    assert document.files.count() == 2
    assert document.instance is not None
    assert document.instance.status == "running"
    holders = selectors.holders_of(document.instance)
    assert [h.node_name for h in holders] == ["拟办"]
    assert clerk.display_name in holders[0].people

    services.incoming_propose(
        actor=clerk, document_id=document.pk, text="拟请总经理阅示。", leader=gm, readers=[p["deputy1"], p["hr"]]
    )
    instruction = "请安全生产部牵头，\n设备部、安监部配合。  12月20日前报结果！ "
    services.incoming_instruct(actor=gm, document_id=document.pk, text=instruction)
    kept = IncomingStep.objects.get(document=document, kind=StepKind.INSTRUCTION)
    assert kept.text == instruction  # verbatim, whitespace and all
    # 传阅: the readers have unread notices, with read receipts.
    notices = Task.objects.filter(instance=document.instance, node="circulate")
    assert {t.assignee_id for t in notices} == {p["deputy1"].pk, p["hr"].pk}
    assert {t.status for t in notices} == {"unread"}
    assert services.circulation_read(actor=p["deputy1"], instance=document.instance) == 1
    assert Task.objects.get(instance=document.instance, node="circulate", assignee=p["deputy1"]).status == "read"

    services.incoming_distribute(
        actor=clerk, document_id=document.pk, lead=d["production"], co=[d["equipment"], d["safety"]]
    )
    handling = Task.objects.filter(instance=document.instance, node="handling", status="open")
    assert {t.assignee_id for t in handling} == {heads["production"].pk, heads["equipment"].pk, heads["safety"].pk}
    assert len(selectors.holders_of(document.instance)[0].people) == 3  # in parallel
    with pytest.raises(ApplicationError):
        services.incoming_close(actor=clerk, document_id=document.pk)  # not the close step yet
    for code in ("equipment", "production", "safety"):
        services.incoming_reply(actor=heads[code], document_id=document.pk, text=f"{d[code].name}已落实。")
    replies = IncomingStep.objects.filter(document=document, kind=StepKind.REPLY)
    assert {r.department_id for r in replies} == {d["production"].pk, d["equipment"].pk, d["safety"].pk}

    document = services.incoming_close(actor=clerk, document_id=document.pk, text="各部门已落实，办结。")
    assert document.instance is not None
    document.instance.refresh_from_db()
    assert document.instance.status == "approved"
    assert document.archived_at is not None
    assert document.archive_ref
    loop = selectors.loop_of(document.instance)
    assert [s.name for s in loop] == ["拟办", "批办", "传阅", "分办", "承办", "办结"]
    assert all(s.left_at is not None for s in loop)


def test_a_second_registration_of_the_same_number_is_flagged(org: dict[str, Any]) -> None:
    first = register(org)
    second = register(org, original=None, attachments=[])
    other = register(org, source_number="华南能源安〔2026〕46号", original=None, attachments=[])
    assert first.duplicate_of is None
    assert second.duplicate_of == first
    assert other.duplicate_of is None
    assert selectors.duplicates_of("华南能源集团", "华南能源安〔2026〕45号") == [first, second]


def test_only_the_office_registers_and_only_the_holder_acts(org: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError):
        services.incoming_register(actor=org["people"]["staff"], title="x", source_unit="y")
    document = register(org)
    with pytest.raises(ApplicationError):
        services.incoming_instruct(actor=org["people"]["gm"], document_id=document.pk, text="同意")


def test_overdue_steps_are_marked(org: dict[str, Any]) -> None:
    document = register(org)
    Task.objects.filter(instance=document.instance, status="open").update(due_at=timezone.now() - timedelta(hours=1))
    assert selectors.holders_of(document.instance)[0].overdue
