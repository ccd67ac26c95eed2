"""The window's pages through the Django test client: the catalogue and a service with its one-time notice, the
desk (registration, queue, lookup by phone), a request's page and its steps, complaints, the figures and their
Excel, the public page; another person's request is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanfu.servicedesk import services
from sanfu.servicedesk.models import Complaint, ServiceRequest
from tests.servicedesk.conftest import walk_in

pytestmark = pytest.mark.django_db


def test_catalogue_and_service_page_show_the_shared_notice(
    desk: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    client = login(desk["accountant"])
    page = client.get("/service/").content.decode()
    assert "工作证明开具" in page
    assert "费用报销咨询" in page
    assert "desk-link" not in page
    notice = client.get(f"/service/services/{desk['expense'].pk}/").content.decode()
    assert "发票原件" in notice
    assert "须有税务监制章" in notice
    assert "notice-matter" in notice
    refused = client.post(f"/service/services/{desk['proof'].pk}/", {"summary": "开证明"})
    assert refused.status_code == 400
    assert "身份证复印件" in refused.content.decode()
    done = client.post(f"/service/services/{desk['proof'].pk}/", {"summary": "开证明", "materials": ["m1"]})
    request = ServiceRequest.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/service/requests/{request.pk}/"


def test_the_desk_registers_queues_and_finds_by_phone(desk: dict[str, Any], login: Callable[[Any], Client]) -> None:
    client = login(desk["clerk"])
    proof = desk["proof"].pk
    form = {
        "channel": "window",
        "service": proof,
        "caller_name": "李女士",
        "phone": "(0551) 6288-1234",
        "summary": "开具收入证明",
        "materials": [f"{proof}:m1", f"{desk['expense'].pk}:invoice"],
    }
    assert client.post("/service/desk/", form).status_code == 302
    request = ServiceRequest.objects.get()
    assert request.materials_received == ["m1"]
    assert request.phone == "(0551) 6288-1234"
    assert client.post("/service/desk/", {**form, "caller_name": ""}).status_code == 400
    assert ServiceRequest.objects.count() == 1
    page = client.get("/service/desk/").content.decode()
    assert request.number in page
    assert 'data-people-picker data-name="requester"' in page  # the person picker, not a list of every account
    assert '<select class="form-select" id="id_requester"' not in page
    found = client.get("/service/desk/", {"phone": "62881234"}).content.decode()
    assert "phone-results" in found
    assert found.count(request.number) == 4
    assert login(desk["clerk"]).get("/service/desk/", {"phone": "13900"}).content.decode().count(request.number) == 2
    assert login(desk["accountant"]).get("/service/desk/").status_code == 404


def test_the_request_page_steps_and_rights(desk: dict[str, Any], login: Callable[[Any], Client]) -> None:
    request = walk_in(desk)
    url = f"/service/requests/{request.pk}/"
    assert login(desk["section_head"]).get(url).status_code == 404
    head = login(desk["finance_head"])
    assert "handle-form" in head.get(url).content.decode()
    assert head.post(url + "act/", {"action": "return", "other": "工资条"}).status_code == 302
    requester = login(desk["accountant"])
    assert "supply-form" in requester.get(url).content.decode()
    requester.post(url + "act/", {"action": "supply"})
    assert head.post(url + "act/", {"action": "handle", "reply": ""}).status_code == 400
    head.post(url + "act/", {"action": "handle", "reply": "已核对"})
    login(desk["office_head"]).post(url + "act/", {"action": "handle", "reply": "已开具"})
    page = requester.get(url).content.decode()
    assert "rate-form" in page
    assert "工资条" in page
    requester.post(url + "act/", {"action": "rate", "score": "1", "comment": "跑了两趟"})
    assert "review-form" in login(desk["office_head"]).get(url).content.decode()


def test_complaints_figures_and_public_page(desk: dict[str, Any], login: Callable[[Any], Client]) -> None:
    requester = login(desk["accountant"])
    done = requester.post(f"/service/services/{desk['proof'].pk}/", {"action": "complain", "content": "窗口没人"})
    assert done.status_code == 302
    clerk = login(desk["clerk"])
    url = done["Location"]
    assert "answer-form" in clerk.get(url).content.decode()
    clerk.post(url, {"investigation": "午休无人值守", "reply": "已安排午间值班"})
    assert "已安排午间值班" in requester.get(url).content.decode()
    assert login(desk["finance_head"]).get(url).status_code == 404
    walk_in(desk)
    figures = clerk.get("/service/figures/")
    assert figures.status_code == 200
    assert "figures-chart-data" in figures.content.decode()
    assert clerk.get("/service/figures/", {"month": "2026-13"}).status_code == 400
    sheet = clerk.get("/service/figures.xlsx")
    assert sheet.status_code == 200
    assert sheet.content[:2] == b"PK"
    assert requester.get("/service/figures/").status_code == 404
    public = Client().get(f"/service/public/{desk['unit'].pk}/").content.decode()  # no sign-in
    assert "工作证明开具" in public
    assert "费用报销咨询" not in public


def test_the_desk_queue_costs_the_same_with_more_rows(desk: dict[str, Any], login: Callable[[Any], Client]) -> None:
    client = login(desk["clerk"])
    walk_in(desk)
    client.get("/service/desk/")
    with CaptureQueriesContext(connection) as few:
        client.get("/service/desk/")
    for i in range(5):
        walk_in(desk, summary=f"第{i}件")
    with CaptureQueriesContext(connection) as many:
        client.get("/service/desk/")
    assert len(many) == len(few)


def test_the_catalogue_and_figures_cost_the_same_with_more_services(
    desk: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    client = login(desk["clerk"])
    client.get("/service/")
    with CaptureQueriesContext(connection) as few_catalogue:
        client.get("/service/")
    with CaptureQueriesContext(connection) as few_figures:
        client.get("/service/figures/")
    for i in range(4):
        services.service_save(
            actor=desk["clerk"],
            data=services.ServiceIn(code=f"more-{i}", name=f"服务{i}", department_ids=[desk["office"].pk]),
        )
        walk_in(desk, summary=f"第{i}件")
    with CaptureQueriesContext(connection) as many_catalogue:
        client.get("/service/")
    with CaptureQueriesContext(connection) as many_figures:
        client.get("/service/figures/")
    assert len(many_catalogue) == len(few_catalogue)
    assert len(many_figures) == len(few_figures)


def test_the_request_page_shows_which_materials_the_window_received(
    desk: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    """Those who handle the request see, item by item, what the window took in and what it did not; the requester
    is offered the way to complain from the page."""
    accountant = login(desk["accountant"])
    accountant.post(f"/service/services/{desk['proof'].pk}/", {"summary": "开证明", "materials": ["m1"]})
    request = ServiceRequest.objects.get()
    page = accountant.get(f"/service/requests/{request.pk}/").content.decode()
    received = page.split('id="request-materials"')[1].split("</dd>")[0]
    assert 'data-material="m1"><i class="bi bi-check-circle-fill' in received
    assert received.count("bi-check-circle-fill") == 1
    assert "bi bi-circle text-muted" in received  # the items not brought are listed as such
    assert 'id="request-complain"' in page
    assert " ·  · " not in page  # no phone given: no empty field between the separators
    clerk_page = login(desk["clerk"]).get(f"/service/requests/{request.pk}/").content.decode()
    assert 'id="request-materials"' in clerk_page
    assert 'id="request-complain"' not in clerk_page


def _closed(desk: dict[str, Any], login: Callable[[Any], Client]) -> tuple[Any, str]:
    request = walk_in(desk)
    url = f"/service/requests/{request.pk}/"
    login(desk["finance_head"]).post(url + "act/", {"action": "handle", "reply": "已核对"})
    login(desk["office_head"]).post(url + "act/", {"action": "handle", "reply": "已开具"})
    return request, url


def test_a_refused_rating_keeps_what_was_chosen_and_a_bad_one_says_it_goes_to_review(
    desk: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    _request, url = _closed(desk, login)
    requester = login(desk["accountant"])
    refused = requester.post(url + "act/", {"action": "rate", "score": "2", "comment": ""})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="score-2" required checked' in page
    assert 'id="score-5" required>' in page
    again = requester.post(url + "act/", {"action": "rate", "score": "2", "comment": "排队太久"}, follow=True)
    page = again.content.decode()
    assert "承办部门负责人将核查整改" in page
    assert 'id="review-pending"' in page
    login(desk["office_head"]).post(url + "act/", {"action": "review", "answer": "已增派引导员"})
    page = requester.get(url).content.decode()
    assert 'id="review-pending"' not in page
    assert "核查整改：已增派引导员" in page


def test_a_complaint_from_a_request_page_names_that_request(
    desk: dict[str, Any], login: Callable[[Any], Client]
) -> None:
    request, url = _closed(desk, login)
    requester = login(desk["accountant"])
    link = f"/service/services/{desk['proof'].pk}/?request={request.pk}#complain-form"
    assert f'href="{link}"'.replace("&", "&amp;") in requester.get(url).content.decode()
    form = requester.get(f"/service/services/{desk['proof'].pk}/", {"request": request.pk}).content.decode()
    assert f'name="request" value="{request.pk}"' in form
    assert request.number in form
    # another service's page does not take the request; a stranger's id is ignored
    other = requester.get(f"/service/services/{desk['expense'].pk}/", {"request": request.pk}).content.decode()
    assert 'name="request"' not in other
    done = requester.post(
        f"/service/services/{desk['proof'].pk}/",
        {"action": "complain", "content": "办结后没人通知领取", "request": request.pk},
    )
    assert done.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.request_id == request.pk
    assert request.number in requester.get(done["Location"]).content.decode()


def test_the_desk_and_the_complaints_put_what_waits_first(desk: dict[str, Any], login: Callable[[Any], Client]) -> None:
    closed, _url = _closed(desk, login)
    waiting = walk_in(desk, caller_name="李女士", phone="13900000000")
    clerk = login(desk["clerk"])
    queue = clerk.get("/service/desk/").content.decode()
    assert queue.index(waiting.number) < queue.index(closed.number)
    requester = login(desk["accountant"])
    first = requester.post(f"/service/services/{desk['proof'].pk}/", {"action": "complain", "content": "第一件"})
    requester.post(f"/service/services/{desk['proof'].pk}/", {"action": "complain", "content": "第二件"})
    clerk.post(first["Location"], {"investigation": "已查", "reply": "已答复"})
    listing = clerk.get("/service/complaints/").content.decode()
    assert listing.index("第二件") < listing.index("第一件")
