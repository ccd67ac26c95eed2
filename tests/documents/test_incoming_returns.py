"""退回 in 收文: from 拟办 to the registrar, from 批办 / 分办 / 承办 to the previous step or to the registrar, with
the reason; the page then shows where it went and why, the people it went to can do the step again (the
registrar resubmits), and the message names them. A doubled submit returns once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.documents import selectors, services
from sanfu.documents.models import IncomingDocument, IncomingStep, StepKind
from sanfu.workflow.models import Instance, InstanceStatus, Task, TaskStatus
from tests.documents.conftest import client_for
from tests.documents.test_double_submit import _other_clerk
from tests.documents.test_incoming import PDF, register
from tests.workflow.test_concurrency import race


def _open_nodes(document: IncomingDocument) -> set[str]:
    return set(Task.objects.filter(instance=document.instance, status=TaskStatus.OPEN).values_list("node", flat=True))


def _status(document: IncomingDocument) -> str:
    return Instance.objects.get(pk=document.instance_id).status


def _page(user: Any, document: IncomingDocument) -> str:
    return client_for(user).get(reverse("documents:incoming", args=[document.pk])).content.decode()


def _act(user: Any, document: IncomingDocument, step: str, **data: Any) -> list[str]:
    url = reverse("documents:incoming_act", args=[document.pk, step])
    response = client_for(user).post(url, data, follow=True)
    return [str(m) for m in response.context["messages"]]


def _at_instruct(org: dict[str, Any]) -> IncomingDocument:
    p = org["people"]
    document = register(org)
    services.incoming_propose(
        actor=p["clerk"], document_id=document.pk, text="拟请总经理阅示。", leader=p["gm"], readers=[p["hr"]]
    )
    return document


def _at_distribute(org: dict[str, Any]) -> IncomingDocument:
    document = _at_instruct(org)
    services.incoming_instruct(actor=org["people"]["gm"], document_id=document.pk, text="请安全生产部牵头办理。")
    return document


def _at_handling(org: dict[str, Any]) -> IncomingDocument:
    d = org["departments"]
    document = _at_distribute(org)
    services.incoming_distribute(
        actor=org["people"]["clerk"], document_id=document.pk, lead=d["production"], co=[d["safety"]]
    )
    return document


def test_a_return_at_instruct_goes_back_to_propose_and_the_clerk_proposes_again(org: dict[str, Any]) -> None:
    p = org["people"]
    clerk, gm = p["clerk"], p["gm"]
    document = _at_instruct(org)

    said = _act(gm, document, "return", to="previous", text="请补充来文背景后再呈批。")

    clerks = selectors.holders_of(document.instance)[0]
    assert said == [f"已退回给 {'、'.join(clerks.people)}（拟办）。"]
    assert clerk.display_name in clerks.people
    assert _open_nodes(document) == {"propose"}
    assert _status(document) == InstanceStatus.RUNNING
    step = IncomingStep.objects.get(document=document, kind=StepKind.RETURN)
    assert (step.actor, step.text, step.data) == (gm, "请补充来文背景后再呈批。", {"from": "instruct", "to": "propose"})

    page = _page(clerk, document)
    banner = page[page.index('id="returned"') :]
    assert "请补充来文背景后再呈批。" in banner[: banner.index("</div>")]
    assert 'id="form-propose"' in page
    assert f'<option value="{gm.pk}" selected>' in page  # the earlier proposal's leader, chosen again
    assert 'id="form-return"' in page  # 拟办 may in turn go back to the registrar
    assert "form-instruct" not in _page(gm, document)

    services.incoming_propose(actor=clerk, document_id=document.pk, text="已补充背景，拟请阅示。", leader=gm)
    assert _open_nodes(document) == {"instruct"}
    assert 'id="returned"' not in _page(clerk, document)  # done again: the banner is gone
    services.incoming_instruct(actor=gm, document_id=document.pk, text="同意。")
    assert _open_nodes(document) == {"distribute"}


def test_a_return_to_the_registrar_waits_for_them_and_they_resubmit(org: dict[str, Any]) -> None:
    p = org["people"]
    clerk = p["clerk"]
    document = register(org)
    other = _other_clerk(org)  # any clerk holds 拟办; the registrar is the one who registered it

    said = _act(other, document, "return", to="registrar", text="原件扫描缺第3页，请补扫。")

    assert said == [f"已退回给 {clerk.display_name}（登记）。"]
    assert _status(document) == InstanceStatus.RETURNED
    assert _open_nodes(document) == set()
    page = _page(clerk, document)
    assert "原件扫描缺第3页，请补扫。" in page[page.index('id="returned"') :]
    assert 'id="form-resubmit"' in page
    assert 'id="form-resubmit"' not in _page(other, document)
    listing = client_for(other).get(reverse("documents:incoming_list")).content.decode()
    assert f'<span class="fw-semibold">登记</span> · {clerk.display_name}' in listing  # who holds it now
    with pytest.raises(PermissionDeniedError):
        services.incoming_resubmit(actor=other, document_id=document.pk)

    services.incoming_resubmit(
        actor=clerk,
        document_id=document.pk,
        comment="已补扫第3页。",
        attachments=[SimpleUploadedFile("第3页.pdf", PDF)],
    )
    assert _status(document) == InstanceStatus.RUNNING
    assert _open_nodes(document) == {"propose"}
    assert document.files.filter(name="第3页.pdf").exists()
    assert IncomingStep.objects.filter(document=document, kind=StepKind.RESUBMIT, text="已补扫第3页。").exists()
    page = _page(clerk, document)
    assert 'id="returned"' not in page
    assert 'id="form-propose"' in page


def test_a_return_at_distribute_goes_back_to_the_leader(org: dict[str, Any]) -> None:
    p = org["people"]
    document = _at_distribute(org)
    said = _act(p["clerk"], document, "return", to="previous", text="批示未明确主办部门，请领导明确。")
    assert said == [f"已退回给 {p['gm'].display_name}（批办）。"]
    assert _open_nodes(document) == {"instruct"}
    page = _page(p["gm"], document)
    assert 'id="form-instruct"' in page
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="请安全生产部牵头，安监部配合。")
    assert _open_nodes(document) == {"distribute"}
    page = _page(p["gm"], document)
    latest = page[page.index('id="instruction"') :]
    assert latest.index("请安全生产部牵头，安监部配合。") < latest.index("</div>")  # the latest 批示 is the one marked
    assert page.count('id="instruction"') == 1


def test_a_return_at_handling_withdraws_every_reply_and_the_office_distributes_again(org: dict[str, Any]) -> None:
    p, d, heads = org["people"], org["departments"], org["heads"]
    clerk = p["clerk"]
    document = _at_handling(org)
    assert _open_nodes(document) == {"handling"}

    said = _act(heads["safety"], document, "return", to="previous", text="本部门不涉及，请改分设备部。")

    clerks = selectors.holders_of(document.instance)[0]
    assert said == [f"已退回给 {'、'.join(clerks.people)}（分办）。"]
    assert not Task.objects.filter(instance=document.instance, node="handling", status=TaskStatus.OPEN).exists()
    loop = {s.node: s for s in selectors.loop_of(document.instance)}
    assert loop["handling"].left_at is not None  # the step it left is no longer shown as in hand
    assert loop["distribute"].left_at is None
    page = _page(clerk, document)
    assert "承办 → 分办" in page  # the return in the 办理意见, with where it went
    services.incoming_distribute(actor=clerk, document_id=document.pk, lead=d["production"], co=[d["equipment"]])
    for code in ("production", "equipment"):
        services.incoming_reply(actor=heads[code], document_id=document.pk, text="已落实。")
    closed = services.incoming_close(actor=clerk, document_id=document.pk, text="办结。")
    assert closed.archived_at is not None


def test_each_step_returns_only_where_it_may(org: dict[str, Any]) -> None:
    p = org["people"]
    document = _at_instruct(org)
    assert services.RETURN_TARGETS == {
        "propose": ("registrar",),
        "instruct": ("propose", "registrar"),
        "distribute": ("instruct", "registrar"),
        "handling": ("distribute", "registrar"),
    }
    with pytest.raises(ApplicationError, match="不能退回到所选的步骤"):
        services.incoming_return(actor=p["gm"], document_id=document.pk, comment="理由", to="distribute")
    page = _page(p["gm"], document)
    assert 'value="previous"' in page
    assert 'value="registrar"' in page
    services.incoming_instruct(actor=p["gm"], document_id=document.pk, text="同意。")
    services.incoming_distribute(actor=p["clerk"], document_id=document.pk, lead=org["departments"]["production"])
    services.incoming_reply(actor=org["heads"]["production"], document_id=document.pk, text="已办。")
    with pytest.raises(ApplicationError):  # 办结 is the office's to close, not to return
        services.incoming_return(actor=p["clerk"], document_id=document.pk, comment="理由")
    assert 'id="form-return"' not in _page(p["clerk"], document)


def test_a_return_needs_a_reason_and_a_task_and_changes_nothing_otherwise(org: dict[str, Any]) -> None:
    p = org["people"]
    document = _at_instruct(org)
    before = Instance.objects.get(pk=document.instance_id).version
    assert _act(p["gm"], document, "return", to="previous", text="  ") == ["退回时请写明理由。"]
    with pytest.raises(ApplicationError, match="没有待办"):
        services.incoming_return(actor=p["clerk"], document_id=document.pk, comment="越权退回")
    assert Instance.objects.get(pk=document.instance_id).version == before
    assert not IncomingStep.objects.filter(document=document, kind=StepKind.RETURN).exists()
    assert _open_nodes(document) == {"instruct"}


def test_a_doubled_return_is_applied_once(org: dict[str, Any]) -> None:
    p = org["people"]
    document = _at_distribute(org)
    form = {"to": "previous", "text": "请领导再明确。", "submit_token": "tok-return-1"}
    first = _act(p["clerk"], document, "return", **form)
    second = _act(p["clerk"], document, "return", **form)
    assert first == second == [f"已退回给 {p['gm'].display_name}（批办）。"]
    assert IncomingStep.objects.filter(document=document, kind=StepKind.RETURN).count() == 1
    assert _open_nodes(document) == {"instruct"}


def test_a_doubled_resubmit_is_applied_once(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = register(org)
    services.incoming_return(actor=clerk, document_id=document.pk, comment="缺附件", to="registrar")
    form = {"text": "已补。", "submit_token": "tok-resubmit-1"}
    assert _act(clerk, document, "resubmit", **form) == ["已重新提交，转拟办。"]
    assert _act(clerk, document, "resubmit", **form) == ["已重新提交，转拟办。"]
    assert IncomingStep.objects.filter(document=document, kind=StepKind.RESUBMIT).count() == 1
    assert _open_nodes(document) == {"propose"}


@pytest.mark.django_db(transaction=True)
def test_two_heads_returning_at_once_return_it_once(org: dict[str, Any]) -> None:
    heads = org["heads"]
    document = _at_handling(org)
    results = race(
        lambda: services.incoming_return(actor=heads["production"], document_id=document.pk, comment="不归本部门。"),
        lambda: services.incoming_return(actor=heads["safety"], document_id=document.pk, comment="请改分。"),
    )
    assert len([r for r in results if isinstance(r, IncomingDocument)]) == 1, results
    losers = [r for r in results if isinstance(r, ApplicationError)]
    assert len(losers) == 1, results
    assert losers[0].message  # told in words, by the flow
    assert IncomingStep.objects.filter(document=document, kind=StepKind.RETURN).count() == 1  # the loser wrote none
    assert _open_nodes(document) == {"distribute"}
