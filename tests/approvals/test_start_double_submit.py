"""A start or resubmit form carries a token made when it is rendered: the same form posted twice (a double
click, a retry) applies once and shows the same result, also when both posts arrive at the same moment."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sanfu.approvals import services
from sanfu.approvals.models import Draft, Request
from sanfu.workflow.models import Instance, InstanceEvent, Task
from tests.approvals.conftest import EXPENSE, pdf
from tests.approvals.test_catalogue_views import _post
from tests.workflow.test_concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)
START = "/approvals/matters/expense/start/"


def _token(client: Client, url: str = START) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', client.get(url).content.decode())
    assert match, "the form carries its token"
    return match.group(1)


def _materials() -> dict[str, object]:
    return {"material-invoice": pdf(), "material-list": pdf("清单.pdf")}


def test_two_posts_of_one_new_request_at_the_same_moment_make_one_request(demo, login):
    first, second = login(demo["people"]["clerk"]), login(demo["people"]["clerk"])
    token = _token(first)
    results = race(
        lambda: first.post(START, {**_post(), "form_token": token, **_materials()}),
        lambda: second.post(START, {**_post(), "form_token": token, **_materials()}),
    )
    assert [getattr(r, "status_code", r) for r in results] == [302, 302]
    request = Request.objects.get()
    assert Instance.objects.count() == 1
    assert {r["Location"] for r in results} == {f"/approvals/instances/{request.instance_id}/"}
    assert request.attachments.count() == 2  # the loser stored nothing


def test_two_service_calls_with_one_token_at_the_same_moment_apply_once(demo):
    clerk, matter = demo["people"]["clerk"], demo["matters"]["expense"]

    def submit() -> Request:
        return services.matter_submit(
            actor=clerk,
            matter=matter,
            title="报销",
            data=EXPENSE,
            materials={"invoice": [pdf()], "list": [pdf("清单.pdf")]},
            form_token="same-form-token-0123456789",
        )

    results = race(submit, submit, submit)
    assert all(isinstance(r, Request) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Request.objects.count() == 1


def test_a_retried_submission_shows_the_same_result(demo, login):
    client = login(demo["people"]["clerk"])
    token = _token(client)
    first = client.post(START, {**_post(), "form_token": token, **_materials()})
    again = client.post(START, {**_post(), "form_token": token, **_materials()}, follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    request = Request.objects.get()
    assert f"已提交，编号 {request.number}" in again.content.decode()
    # a fresh form is a new request
    assert client.post(START, {**_post(), "form_token": _token(client), **_materials()}).status_code == 302
    assert Request.objects.count() == 2


def test_a_doubled_submit_of_a_draft_shows_the_request_not_a_missing_draft(demo, login):
    clerk = demo["people"]["clerk"]
    draft = services.draft_save(actor=clerk, matter=demo["matters"]["expense"], title="报销", data={})
    client = login(clerk)
    url = f"{START}?draft={draft.pk}"
    token = _token(client, url)
    first = client.post(url, {**_post(), "form_token": token, **_materials()})
    again = client.post(url, {**_post(), "form_token": token, **_materials()})
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Request.objects.count() == 1


def test_a_doubled_draft_save_makes_one_draft(demo, login):
    first, second = login(demo["people"]["clerk"]), login(demo["people"]["clerk"])
    token = _token(first)
    results = race(
        lambda: first.post(START, {**_post(), "action": "draft", "form_token": token}),
        lambda: second.post(START, {**_post(), "action": "draft", "form_token": token}),
    )
    assert [getattr(r, "status_code", r) for r in results] == [302, 302]
    assert Draft.objects.count() == 1


def test_two_posts_of_one_resubmission_at_the_same_moment_resubmit_once(demo, login):
    clerk = demo["people"]["clerk"]
    request = services.matter_submit(
        actor=clerk,
        matter=demo["matters"]["expense"],
        title="报销",
        data=EXPENSE,
        materials={"invoice": [pdf()], "list": [pdf("清单.pdf")]},
    )
    task = Task.objects.get(instance=request.instance, status="open")
    services.request_return_for_materials(actor=task.assignee, task_id=task.pk, materials=["invoice"])
    url = f"{START}?resubmit={request.pk}"
    first, second = login(clerk), login(clerk)
    token = _token(first, url)
    results = race(
        lambda: first.post(url, {**_post(), "form_token": token, "material-invoice": pdf()}),
        lambda: second.post(url, {**_post(), "form_token": token, "material-invoice": pdf()}),
    )
    assert [getattr(r, "status_code", r) for r in results] == [302, 302]
    assert {r["Location"] for r in results} == {f"/approvals/instances/{request.instance_id}/"}
    assert InstanceEvent.objects.filter(instance=request.instance, type="resubmitted").count() == 1
    assert request.attachments.filter(material="invoice").count() == 1
    assert Task.objects.filter(instance=request.instance, status="open").count() == 1
