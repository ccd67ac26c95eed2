"""The catalogue, the one-time notification (page and PDF) and the start page."""

from __future__ import annotations

from sanfu.approvals.models import Request
from tests.approvals.conftest import EXPENSE, pdf


def test_catalogue_groups_matters_under_the_three_services(demo, login):
    page = login(demo["people"]["staff"]).get("/approvals/catalogue/").content.decode()
    for heading in ("服务领导", "服务运转", "服务群众"):
        assert heading in page
    assert "费用报销" in page
    assert "请假" in page
    searched = login(demo["people"]["staff"]).get("/approvals/catalogue/?q=请假").content.decode()
    assert "请假" in searched
    assert "费用报销" not in searched


def test_the_notice_lists_every_material_with_its_standard(demo, login):
    page = login(demo["people"]["staff"]).get("/approvals/matters/expense/notice/").content.decode()
    assert "一次性告知书" in page
    for text in ("发票", "费用清单", "事前审批单", "PDF", "增值税发票或电子发票"):
        assert text in page
    assert "审核" in page  # the process steps


def test_the_notice_is_also_a_pdf(demo, login):
    response = login(demo["people"]["staff"]).get("/approvals/matters/expense/notice.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_start_page_shows_the_form_and_the_materials(demo, login):
    page = login(demo["people"]["clerk"]).get("/approvals/matters/expense/start/").content.decode()
    assert "费用明细" in page
    assert 'name="material-invoice"' in page
    assert 'name="items-0-item"' in page  # the detail table starts with a row to fill
    assert "紧急程度" in page


def _post(amount="300", **materials):
    data = {
        "title": "办公用纸报销",
        "urgency": "平急",
        "action": "submit",
        "kind": EXPENSE["kind"],
        "items-0-item": "打印纸",
        "items-0-date": "2026-11-20",
        "items-0-money": amount,
        "amount": amount,
        "reason": EXPENSE["reason"],
    }
    data.update(materials)
    return data


def test_submitting_with_missing_materials_lists_them_all_in_one_message(demo, login):
    response = login(demo["people"]["clerk"]).post("/approvals/matters/expense/start/", _post())
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="submission-problems"' in page
    assert "缺少材料“发票”" in page
    assert "缺少材料“费用清单”" in page
    assert page.count("缺少材料“发票”") == 2  # once in the list at the top, once under its file input
    assert Request.objects.count() == 0


def test_submitting_everything_starts_the_process(demo, login):
    response = login(demo["people"]["clerk"]).post(
        "/approvals/matters/expense/start/", _post(**{"material-invoice": pdf(), "material-list": pdf("清单.pdf")})
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert response["Location"].endswith(f"/approvals/instances/{request.instance_id}/")


def test_saving_a_draft_and_resuming_it(demo, login):
    client = login(demo["people"]["clerk"])
    response = client.post("/approvals/matters/expense/start/", {**_post(), "action": "draft"})
    assert response.status_code == 302
    resumed = client.get(response["Location"]).content.decode()
    assert "办公用纸报销" in resumed
    assert "草稿" in resumed


def test_preview_re_renders_the_form_for_conditional_fields(demo, login):
    client = login(demo["people"]["clerk"])
    hidden = client.post("/approvals/matters/travel/preview/", {"transport": "火车"}).content.decode()
    shown = client.post("/approvals/matters/travel/preview/", {"transport": "飞机"}).content.decode()
    assert "乘飞机理由" not in hidden
    assert "乘飞机理由" in shown


def test_a_draft_opens_in_its_start_page_for_its_owner_only(demo, login):
    from sanfu.approvals import services

    draft = services.draft_save(actor=demo["people"]["clerk"], matter=demo["matters"]["leave"], title="年假", data={})
    response = login(demo["people"]["clerk"]).get(f"/approvals/drafts/{draft.pk}/")
    assert response["Location"].endswith(f"/approvals/matters/leave/start/?draft={draft.pk}")
    assert login(demo["people"]["staff"]).get(f"/approvals/drafts/{draft.pk}/").status_code == 404


def test_the_process_administrator_sees_how_often_matters_come_back_for_materials(demo, login):
    from sanfu.approvals import services
    from sanfu.workflow.models import Task

    request = services.matter_submit(
        actor=demo["people"]["clerk"],
        matter=demo["matters"]["expense"],
        title="报销",
        data=EXPENSE,
        materials={"invoice": [pdf()], "list": [pdf("清单.pdf")]},
    )
    task = Task.objects.get(instance=request.instance, status="open")
    services.request_return_for_materials(actor=task.assignee, task_id=task.pk, materials=["invoice"])
    admin_page = login(demo["people"]["flowadmin"]).get("/approvals/catalogue/").content.decode()
    assert "退回补正 1/1" in admin_page
    assert "退回补正" not in login(demo["people"]["staff"]).get("/approvals/catalogue/").content.decode()
