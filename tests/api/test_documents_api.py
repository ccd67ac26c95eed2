"""公文 over HTTP with a token: the whole 收文 and 发文 loops driven through the API by the people who hold each step,
with the pages' rules — only the office registers, only the holder of a step acts, a stale version or a step
someone else took is a 409 with the current version, a retried write with the same Idempotency-Key applies once,
files are checked as the page checks them, and a token without ``documents:write`` writes nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from sanfu.api.tokens import token_issue
from sanfu.archive.models import ArchiveRecord
from sanfu.documents.models import IncomingDocument, IncomingStep, OutgoingDocument, OutgoingRevision
from sanfu.workflow.models import Instance, Task
from tests.api.conftest import ApiClient
from tests.api.documents_world import PDF, World, module_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


def _file(name: str = "来文.pdf", content: bytes = PDF) -> dict[str, str]:
    return {"name": name, "content": base64.b64encode(content).decode()}


REGISTRATION = {
    "title": "关于开展防汛应急演练的通知",
    "source_unit": "贵港市应急管理局",
    "source_number": "贵应急〔2026〕12号",
    "urgency": "加急",
    "confidentiality": "internal",
    "pages": 3,
    "summary": "七月上旬开展防汛应急演练。",
}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body: dict[str, Any] = response.json()
    return body


def _holder_of(doc_id: int, node: str) -> list[str]:
    instance = IncomingDocument.objects.get(pk=doc_id).instance
    return [t.assignee.username for t in Task.objects.filter(instance=instance, node=node, status="open")]


def test_the_whole_incoming_loop_over_http(world: World) -> None:
    p, d, heads = world.people, world.departments, world.heads
    clerk = world.api("clerk")
    doc = _ok(clerk.post("/documents/incoming", {**REGISTRATION, "original": _file()}), 201)
    assert doc["status"] == "running"
    assert [h["step"] for h in doc["holders"]] == ["拟办"]
    assert doc["my_steps"] == ["propose"]
    assert [f["name"] for f in doc["files"]] == ["来文.pdf"]
    assert clerk.get(f"/documents/files/{doc['files'][0]['id']}").getvalue() == PDF
    doc_id = doc["id"]

    proposal = {"text": "拟请总经理阅示。", "leader": p["gm"].pk, "readers": [p["deputy1"].pk]}
    doc = _ok(clerk.post(f"/documents/incoming/{doc_id}/propose", proposal))
    assert doc["my_steps"] == []
    gm = world.api("gm")
    assert _ok(gm.get(f"/documents/incoming/{doc_id}"))["my_steps"] == ["instruct"]
    instruction = "请生产部牵头，\n安监部配合。 "
    doc = _ok(gm.post(f"/documents/incoming/{doc_id}/instruct", {"text": instruction}))
    assert [s["text"] for s in doc["steps"] if s["kind"] == "instruction"] == [instruction]  # verbatim

    deputy = world.api("deputy1")
    assert _ok(deputy.get(f"/documents/incoming/{doc_id}"))["read_pending"] is True
    assert _ok(deputy.post(f"/documents/incoming/{doc_id}/read")) == {"marked": 1}
    assert _ok(deputy.post(f"/documents/incoming/{doc_id}/read")) == {"marked": 0}

    distribution = {"lead": d["production"].pk, "co": [d["safety"].pk], "text": "请办理"}
    doc = _ok(clerk.post(f"/documents/incoming/{doc_id}/distribute", distribution))
    assert sorted(_holder_of(doc_id, "handling")) == sorted([heads["production"].username, heads["safety"].username])
    for code in ("production", "safety"):
        head = ApiClient(_token(heads[code]))
        _ok(head.post(f"/documents/incoming/{doc_id}/reply", {"text": f"{d[code].name}已落实。"}))
    doc = _ok(clerk.post(f"/documents/incoming/{doc_id}/close", {"text": "办结"}))
    assert doc["status"] == "approved"
    assert doc["archived_at"] is not None
    assert [s["name"] for s in doc["loop"]] == ["拟办", "批办", "传阅", "分办", "承办", "办结"]
    assert [s["kind"] for s in doc["steps"]] == [
        "proposal",
        "instruction",
        "distribution",
        "reply",
        "reply",
        "closing",
    ]
    assert ArchiveRecord.objects.filter(title=REGISTRATION["title"]).exists()


def test_the_whole_outgoing_loop_over_http(world: World) -> None:
    p, d, heads = world.people, world.departments, world.heads
    drafter = world.api("office_head")
    new = _ok(drafter.get("/documents/outgoing/new"))
    assert new["may_draft"] is True
    assert p["gm"].pk in new["signers"]
    notice = next(k for k in new["kinds"] if k["kind"] == "notice")
    body = {
        "kind": "notice",
        "title": "关于做好迎峰度夏工作的通知",
        "body": notice["body"],
        "recipients": "各部门",
        "countersign": [d["production"].pk],
        "signer": p["gm"].pk,
        "attachments": [_file("附件1.pdf")],
    }
    doc = _ok(drafter.post("/documents/outgoing", body), 201)
    doc_id = doc["id"]
    assert [h["node"] for h in doc["holders"]] == ["review"]
    assert [r["no"] for r in doc["revisions"]] == [1]

    clerk = world.api("clerk")
    revised = {"title": body["title"], "body": notice["body"] + "\n\n特此通知。", "comment": "补结束语"}
    doc = _ok(clerk.post(f"/documents/outgoing/{doc_id}/revise", revised))
    assert [r["no"] for r in doc["revisions"]] == [1, 2]
    _ok(clerk.post(f"/documents/outgoing/{doc_id}/review", {"comment": "核稿通过"}))
    head = ApiClient(_token(heads["production"]))
    _ok(head.post(f"/documents/outgoing/{doc_id}/agree", {"comment": "同意"}))
    doc = _ok(world.api("gm").post(f"/documents/outgoing/{doc_id}/signoff", {"comment": "同意印发"}))
    assert doc["signed_at"] is not None
    assert doc["signoffs"][0]["revision"] == 2
    assert len(doc["signoffs"][0]["digest"]) == 64
    doc = _ok(clerk.post(f"/documents/outgoing/{doc_id}/number", {}))
    assert doc["number"].startswith("贵港发电〔")
    issue = {"departments": [d["finance"].pk], "external": ["贵港市应急管理局"]}
    doc = _ok(clerk.post(f"/documents/outgoing/{doc_id}/issue", issue))
    assert doc["issued_at"] is not None
    assert doc["may_archive"] is True
    doc = _ok(clerk.post(f"/documents/outgoing/{doc_id}/archive", {}))
    assert doc["archived_at"] is not None

    finance = world.api("finance_head")  # the receiving department's head: it reached them
    received = _ok(finance.get(f"/documents/outgoing/{doc_id}"))
    assert received["read_pending"] is True
    issuance = next(i for i in received["issuances"] if i["recipient"] == d["finance"].name)
    doc = _ok(finance.post(f"/documents/outgoing/{doc_id}/receive", {"issuance": issuance["id"]}))
    mine = next(i for i in doc["issuances"] if i["id"] == issuance["id"])
    assert mine["received_at"] is not None
    assert mine["read_at"] is not None


def test_only_the_office_registers_and_only_drafters_draft(world: World) -> None:
    staff = world.api("staff")
    refused = staff.post("/documents/incoming", REGISTRATION)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert _ok(staff.get("/documents/outgoing/new"))["may_draft"] is False
    drafted = staff.post("/documents/outgoing", {"title": "我的发文", "body": "正文"})
    assert drafted.status_code == 403
    assert not IncomingDocument.objects.filter(title=REGISTRATION["title"]).exists()
    assert not OutgoingDocument.objects.filter(title="我的发文").exists()


def test_only_the_holder_of_the_step_acts(world: World) -> None:
    """拟办 is the office's: a leader who may read the document is told someone else holds it (409, with the
    version); a person who may not read it is told it does not exist (404); neither changes anything."""
    doc = world.incoming["internal"]
    instance = Instance.objects.get(pk=doc.instance_id)
    proposal = {"text": "我来拟办", "leader": world.people["gm"].pk}
    taken = world.api("deputy1").post(f"/documents/incoming/{doc.pk}/propose", proposal)
    assert taken.status_code == 409, taken.content
    assert taken.json()["error"]["current_version"] == instance.version
    hidden = world.api("stranger").post(f"/documents/incoming/{doc.pk}/propose", proposal)
    assert hidden.status_code == 404
    assert world.api("staff").post(f"/documents/incoming/{doc.pk}/instruct", {"text": "同意"}).status_code == 404
    assert Instance.objects.get(pk=instance.pk).version == instance.version
    assert not IncomingStep.objects.filter(document=doc).exists()


def test_a_stale_version_is_a_409_with_the_current_version_and_nothing_done(world: World) -> None:
    doc = world.outgoing["internal"]
    current = Instance.objects.get(pk=doc.instance_id).version
    stale = world.api("clerk").post(f"/documents/outgoing/{doc.pk}/review", {"version": current - 1})
    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "conflict",
        "message": stale.json()["error"]["message"],
        "details": [],
        "current_version": current,
    }
    assert Task.objects.filter(instance_id=doc.instance_id, node="review", status="open").exists()
    fresh = world.api("clerk").post(f"/documents/outgoing/{doc.pk}/review", {"version": current})
    assert _ok(fresh)["version"] > current


def test_a_retried_write_with_the_same_idempotency_key_applies_once(world: World) -> None:
    clerk = world.api("clerk")
    first = clerk.post("/documents/incoming", REGISTRATION, key="reg-1")
    again = clerk.post("/documents/incoming", REGISTRATION, key="reg-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert IncomingDocument.objects.filter(title=REGISTRATION["title"]).count() == 1
    doc_id = first.json()["id"]
    proposal = {"text": "拟请阅示。", "leader": world.people["gm"].pk}
    assert _ok(clerk.post(f"/documents/incoming/{doc_id}/propose", proposal, key="p-1"))["my_steps"] == []
    replayed = clerk.post(f"/documents/incoming/{doc_id}/propose", proposal, key="p-1")
    assert replayed.status_code == 200
    assert replayed["Idempotent-Replayed"] == "true"
    assert IncomingStep.objects.filter(document_id=doc_id, kind="proposal").count() == 1
    # without the key, the same step again is someone acting on a step no longer theirs
    assert clerk.post(f"/documents/incoming/{doc_id}/propose", proposal).status_code == 409


def test_the_idempotency_key_is_the_services_form_token_too(world: World) -> None:
    """Should the API lose its remembered answer (the process died after the service committed), the service
    itself still applies the key once."""
    from sanfu.api.models import IdempotentResponse

    clerk = world.api("clerk")
    first = _ok(clerk.post("/documents/incoming", REGISTRATION, key="reg-lost"), 201)
    IdempotentResponse.objects.filter(key="reg-lost").delete()
    again = _ok(clerk.post("/documents/incoming", REGISTRATION, key="reg-lost"), 201)
    assert again["id"] == first["id"]
    assert IncomingDocument.objects.filter(title=REGISTRATION["title"]).count() == 1


@pytest.mark.parametrize(
    ("original", "message"),
    [
        ({"name": "来文.pdf", "content": "不是base64!"}, "Base64"),
        ({"name": "来文.exe", "content": base64.b64encode(b"MZ").decode()}, "类型不允许"),
        ({"name": "来文.pdf", "content": base64.b64encode(b"GIF89a").decode()}, "内容与扩展名不符"),
    ],
)
def test_files_are_checked_as_the_page_checks_them(world: World, original: dict[str, str], message: str) -> None:
    refused = world.api("clerk").post("/documents/incoming", {**REGISTRATION, "original": original})
    assert refused.status_code == 422
    assert message in refused.json()["error"]["message"]
    assert not IncomingDocument.objects.filter(title=REGISTRATION["title"]).exists()


def test_a_read_only_token_writes_nothing(world: World) -> None:
    _t, raw = token_issue(actor=world.people["clerk"], name="只读", scopes=["documents:read"], days=1)
    reader = ApiClient(raw)
    assert reader.get("/documents/incoming").status_code == 200
    refused = reader.post("/documents/incoming", REGISTRATION)
    assert refused.status_code == 403
    assert "documents:write" in refused.json()["error"]["message"]
    assert not IncomingDocument.objects.filter(title=REGISTRATION["title"]).exists()


def test_lists_page_with_a_cursor_and_search_like_the_page(world: World) -> None:
    clerk = world.api("clerk")
    made = [
        _ok(clerk.post("/documents/incoming", {**REGISTRATION, "title": f"防汛通知第{i}号"}), 201)["id"]
        for i in range(3)
    ]
    found = clerk.get("/documents/incoming", q="防汛通知", limit=2).json()
    assert [item["id"] for item in found["items"]] == sorted(made, reverse=True)[:2]
    rest = clerk.get("/documents/incoming", q="防汛通知", limit=2, cursor=found["next_cursor"]).json()
    assert [item["id"] for item in rest["items"]] == [min(made)]
    assert rest["next_cursor"] is None
    by_number = clerk.get("/documents/incoming", q="华南能源保").json()["items"]
    assert [item["id"] for item in by_number] == [world.incoming["secret"].pk]
    assert clerk.get("/documents/incoming", cursor="nope").status_code == 422


def test_a_return_sends_the_draft_back_and_its_drafter_resubmits(world: World) -> None:
    doc = world.outgoing["internal"]
    clerk, drafter = world.api("clerk"), world.api("office_head")
    refused = clerk.post(f"/documents/outgoing/{doc.pk}/return", {"comment": ""})
    assert refused.status_code == 422  # a return says why
    returned = _ok(clerk.post(f"/documents/outgoing/{doc.pk}/return", {"comment": "请补充落实时间"}))
    assert returned["status"] == "returned"
    mine = _ok(drafter.get(f"/documents/outgoing/{doc.pk}"))
    assert mine["may_resubmit"] is True
    assert mine["may_revise"] is True
    revised = {"title": doc.title, "body": "各部门：\n\n请于月底前落实。", "comment": "补时间"}
    _ok(drafter.post(f"/documents/outgoing/{doc.pk}/revise", revised))
    again = _ok(drafter.post(f"/documents/outgoing/{doc.pk}/resubmit", {"comment": "已补充"}))
    assert again["status"] == "running"
    assert [h["node"] for h in again["holders"]] == ["review"]
    assert OutgoingRevision.objects.filter(document=doc).count() == 2


def _token(person: Any) -> str:
    _t, raw = token_issue(actor=person, name="测试", scopes=["documents:read", "documents:write"], days=1)
    return raw


def test_an_id_the_database_cannot_hold_is_a_422_and_nothing_is_drafted(world: World) -> None:
    # Found by schemathesis: a 会签 department id past the database's bigint was a 500.
    before = OutgoingDocument.objects.count()
    response = world.api("clerk").post(
        "/documents/outgoing", {"title": "越界", "body": "正文", "countersign": [2**63]}, key="overflow-1"
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["loc"][-2:] == ["countersign", "0"]
    assert OutgoingDocument.objects.count() == before
