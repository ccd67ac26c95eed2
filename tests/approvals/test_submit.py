"""Submitting a matter: one-time notification (every problem at once), numbering, drafts, returns."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from sanfu.approvals import services
from sanfu.approvals.models import Attachment, Draft, MaterialReturn, Request
from sanfu.approvals.selectors.catalogue import material_return_counts, may_start
from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.workflow.models import Instance, Task
from tests.approvals.conftest import EXPENSE, pdf, png_named


def _submit(demo, who="clerk", **extra):
    kwargs = {
        "actor": demo["people"][who],
        "matter": demo["matters"]["expense"],
        "title": "办公用纸报销",
        "data": EXPENSE,
        "materials": {"invoice": [pdf()], "list": [pdf("清单.pdf")]},
    }
    kwargs.update(extra)
    return services.matter_submit(**kwargs)


def test_every_missing_material_and_field_is_reported_at_once_and_nothing_is_saved(demo):
    with pytest.raises(ApplicationError) as raised:
        _submit(demo, data={**EXPENSE, "reason": ""}, materials={})
    problems = raised.value.errors
    materials = sorted(p["field"] for p in problems if p["where"] == "material")
    assert materials == ["invoice", "list"]  # both missing materials, in one message
    assert any(p["where"] == "form" and p["field"] == "reason" for p in problems)
    assert "发票" in raised.value.message
    assert "费用清单" in raised.value.message
    assert Request.objects.count() == 0
    assert Instance.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_file_that_lies_about_its_format_is_refused(demo):
    with pytest.raises(ApplicationError, match="格式不符"):
        _submit(demo, materials={"invoice": [png_named("发票.pdf")], "list": [pdf()]})


def test_a_complete_submission_is_numbered_started_and_filed(demo):
    request = _submit(demo)
    assert request.number.startswith("BX-")
    assert request.number.endswith("-0001")
    assert request.instance.status == "running"
    assert {a.material for a in request.attachments.all()} == {"invoice", "list"}
    assert all(len(a.sha256) == 64 for a in request.attachments.all())
    second = _submit(demo)
    assert second.number.endswith("-0002")
    form = request.instance.state["form"]
    assert form["amount"] == 300.0  # a number, as the conditions compare it
    assert form["items_sum_money"] == 300.0


@pytest.mark.django_db(transaction=True)
def test_numbers_never_repeat_under_concurrency(transactional_db):
    numbers: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def claim() -> None:
        barrier.wait()
        try:
            for _ in range(5):
                number = services.number_next(prefix="T")
                with lock:
                    numbers.append(number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(numbers) == 30
    assert len(set(numbers)) == 30


def test_only_the_roles_named_may_start_a_matter(demo):
    matter = demo["matters"]["expense"]
    matter.start_roles = ["leader"]
    matter.save()
    with pytest.raises(PermissionDeniedError):
        _submit(demo)
    assert may_start(demo["people"]["gm"], matter)


def test_drafts_save_without_validation_and_copy_starts_from_an_earlier_request(demo):
    clerk = demo["people"]["clerk"]
    matter = demo["matters"]["expense"]
    draft = services.draft_save(actor=clerk, matter=matter, title="半成品", data={"amount": "12"})
    again = services.draft_save(actor=clerk, matter=matter, title="半成品2", data={"amount": "13"}, draft_id=draft.pk)
    assert again.pk == draft.pk
    assert Draft.objects.get().data == {"amount": "13"}
    request = _submit(demo, draft=draft)
    assert not Draft.objects.filter(pk=draft.pk).exists()  # submitting the draft removes it
    copy = services.request_copy(actor=clerk, request_id=request.pk)
    assert copy.data["reason"] == EXPENSE["reason"]
    assert "_matter" not in copy.data


def test_returning_for_materials_is_counted_per_matter(demo):
    request = _submit(demo)
    task = Task.objects.get(instance=request.instance, status="open")
    head = task.assignee
    with pytest.raises(ApplicationError):
        services.request_return_for_materials(actor=head, task_id=task.pk, materials=["nonsense"])
    services.request_return_for_materials(actor=head, task_id=task.pk, materials=["invoice"], comment="发票抬头错")
    request.instance.refresh_from_db()
    assert request.instance.status == "returned"
    assert MaterialReturn.objects.get().materials == ["invoice"]
    counts = material_return_counts()[request.matter_id]
    assert counts == {"requests": 1, "returned": 1, "share": 1.0}


def test_a_returned_request_is_corrected_and_resubmitted_with_materials_on_file_kept(demo):
    request = _submit(demo)
    task = Task.objects.get(instance=request.instance, status="open")
    services.request_return_for_materials(actor=task.assignee, task_id=task.pk, materials=["invoice"])
    clerk = demo["people"]["clerk"]
    with pytest.raises(ApplicationError, match="事由"):
        services.request_resubmit(actor=clerk, request_id=request.pk, data={**EXPENSE, "reason": ""})
    services.request_resubmit(
        actor=clerk,
        request_id=request.pk,
        data={**EXPENSE, "reason": "补正后的事由"},
        materials={"invoice": [pdf("新发票.pdf")]},
    )
    request.instance.refresh_from_db()
    assert request.instance.status == "running"
    assert request.instance.state["form"]["reason"] == "补正后的事由"
    names = sorted(request.attachments.values_list("name", flat=True))
    assert names == ["新发票.pdf", "清单.pdf"]  # the invoice replaced, the list kept
    with pytest.raises(ApplicationError, match="已退回"):
        services.request_resubmit(actor=clerk, request_id=request.pk, data=EXPENSE)


def test_the_start_page_corrects_a_returned_request(demo, login):
    request = _submit(demo)
    task = Task.objects.get(instance=request.instance, status="open")
    services.request_return_for_materials(actor=task.assignee, task_id=task.pk, materials=["list"])
    client = login(demo["people"]["clerk"])
    page = client.get(f"/approvals/matters/expense/start/?resubmit={request.pk}").content.decode()
    assert "修改后重新提交" in page
    assert "清单.pdf" in page
    response = client.post(
        f"/approvals/matters/expense/start/?resubmit={request.pk}",
        {
            "title": "x",
            "urgency": "平急",
            "action": "submit",
            "kind": EXPENSE["kind"],
            "items-0-item": "打印纸",
            "items-0-date": "2026-11-20",
            "items-0-money": "300",
            "amount": "300",
            "reason": "补正",
            "material-list": pdf("新清单.pdf"),
        },
    )
    assert response.status_code == 302
    request.instance.refresh_from_db()
    assert request.instance.status == "running"


def test_the_instance_page_and_print_view_show_the_form_with_its_labels(demo, login):
    request = _submit(demo)
    client = login(demo["people"]["clerk"])
    page = client.get(f"/approvals/instances/{request.instance_id}/").content.decode()
    for text in ("费用类别", "办公费", "费用明细", "打印纸", "金额（元）", "叁佰元整", "部门办公用纸"):
        assert text in page
    printed = client.get(f"/approvals/instances/{request.instance_id}/print/").content.decode()
    assert "费用类别" in printed
    assert "items_sum_money" not in printed


def test_an_approver_returns_a_request_for_materials_from_the_instance_page(demo, login):
    request = _submit(demo)
    task = Task.objects.get(instance=request.instance, status="open")
    client = login(task.assignee)
    page = client.get(f"/approvals/instances/{request.instance_id}/").content.decode()
    assert 'id="return-materials"' in page
    response = client.post(
        f"/approvals/instances/{request.instance_id}/return-materials/",
        {"task": task.pk, "materials": ["invoice", "list"], "comment": "请补盖章件"},
    )
    assert response.status_code == 302
    request.instance.refresh_from_db()
    assert request.instance.status == "returned"
    assert MaterialReturn.objects.get(request=request).materials == ["invoice", "list"]


def test_per_node_field_permissions_let_an_approver_fill_their_field_and_hide_others(demo, login):
    from sanfu.approvals.models import MatterType
    from sanfu.workflow import services as workflow

    people = demo["people"]
    workflow.definition_publish(
        actor=None,
        spec={
            "key": "fieldperm",
            "fields": [{"name": "reason"}, {"name": "note"}, {"name": "secret"}],
            "nodes": [
                {"id": "start", "kind": "start", "next": "head"},
                {
                    "id": "head",
                    "kind": "approval",
                    "name": "审核",
                    "approvers": {"type": "users", "users": [people["gm"].pk]},
                    "fields": {"note": "write", "secret": "hidden"},
                    "next": "end",
                },
                {"id": "end", "kind": "end"},
            ],
        },
    )
    matter = MatterType.objects.create(
        code="fieldperm",
        name="字段权限",
        definition_key="fieldperm",
        form_schema={
            "fields": [
                {"name": "reason", "type": "text", "label": "事由", "required": True},
                {"name": "note", "type": "text", "label": "审核意见栏", "max_length": 10},
                {"name": "secret", "type": "text", "label": "内部备注"},
            ]
        },
    )
    request = services.matter_submit(
        actor=people["clerk"], matter=matter, title="试", data={"reason": "测试", "secret": "保密内容"}
    )
    client = login(people["gm"])
    page = client.get(f"/approvals/instances/{request.instance_id}/").content.decode()
    assert 'name="note"' in page  # the node may write it
    assert "保密内容" not in page  # hidden from this node
    task = Task.objects.get(instance=request.instance, status="open")
    too_long = client.post(
        f"/approvals/instances/{request.instance_id}/approve/",
        {"task": task.pk, "note": "这段审核意见写得太长了超过十个字"},
        follow=True,
    )
    assert "不能超过" in too_long.content.decode() or "最多" in too_long.content.decode()
    request.instance.refresh_from_db()
    assert request.instance.status == "running"
    client.post(f"/approvals/instances/{request.instance_id}/approve/", {"task": task.pk, "note": "同意，已核"})
    request.instance.refresh_from_db()
    assert request.instance.status == "approved"
    assert request.instance.state["form"]["note"] == "同意，已核"
    assert request.instance.state["form"]["secret"] == "保密内容"  # untouched


def test_amount_conditions_see_money_as_a_number_and_take_the_graded_path(demo):
    big = _submit(
        demo, data={**EXPENSE, "amount": "8000", "items": [{"item": "投影仪", "date": "2026-11-20", "money": "8000"}]}
    )
    nodes = {t.node for t in Task.objects.filter(instance=big.instance)}
    assert nodes == {"big_review"}  # above 5,000: the longer path, not 一审一核
    small = _submit(demo)
    assert {t.node for t in Task.objects.filter(instance=small.instance)} == {"review"}


def test_the_applicant_copies_a_request_into_a_new_draft_from_its_page(demo, login):
    request = _submit(demo)
    client = login(demo["people"]["clerk"])
    page = client.get(f"/approvals/instances/{request.instance_id}/").content.decode()
    assert 'id="copy-request"' in page
    response = client.get(f"/approvals/matters/expense/start/?copy={request.pk}")
    assert response.status_code == 302
    resumed = client.get(response["Location"]).content.decode()
    assert "部门办公用纸" in resumed  # the earlier reason, ready to edit
    assert (
        'id="copy-request"'
        not in login(demo["people"]["gm"]).get(f"/approvals/instances/{request.instance_id}/").content.decode()
    )
