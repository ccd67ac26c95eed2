"""The holder's first opening of a task (``Task.seen_at``, the efficiency review's queue / handling split): the
instance page records it with a POST it sends by itself once it is shown (like 已阅: a GET — a prefetch, a link
opened by a scanner — records nothing); the API's request detail records it for the holder's client. Only the
holder's open tasks, only the first time."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from sanfu.api.tokens import token_issue
from sanfu.workflow.models import Instance, Task
from tests.approvals import test_inbox
from tests.approvals.test_read_receipts import csrf_client

flows = test_inbox.flows  # the shared fixture


def request_at_head(org: dict[str, Any], flows: dict[str, Any]) -> tuple[Instance, Task]:
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假三天")
    return instance, Task.objects.get(instance=instance, assignee=org["section_head"], status="open")


def test_opening_the_page_records_nothing_the_shown_page_posts_it(org, flows, login):
    instance, task = request_at_head(org, flows)
    client = csrf_client(login, org["section_head"])
    page = client.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert Task.objects.get(pk=task.pk).seen_at is None  # the GET wrote nothing
    token = re.search(r'class="mark-seen"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)', page)
    assert token is not None
    assert re.search(r'<form[^>]*class="mark-seen"[^>]*data-autopost', page)  # sanfu.js posts it once shown
    url = reverse("approvals:instance_seen", args=[instance.pk])
    response = client.post(url, {"csrfmiddlewaretoken": token.group(1)}, HTTP_ACCEPT="application/json")
    assert response.json() == {"marked": 1}
    first = Task.objects.get(pk=task.pk).seen_at
    assert first is not None
    # a second opening does not move it, and the page stops asking
    response = client.post(url, {"csrfmiddlewaretoken": token.group(1)}, HTTP_ACCEPT="application/json")
    assert response.json() == {"marked": 0}
    assert Task.objects.get(pk=task.pk).seen_at == first
    assert 'id="mark-seen"' not in client.get(reverse("approvals:instance", args=[instance.pk])).content.decode()


def test_only_the_holder_marks_and_a_stranger_gets_404(org, flows, login):
    instance, task = request_at_head(org, flows)
    url = reverse("approvals:instance_seen", args=[instance.pk])
    initiator = login(org["clerk"])
    assert 'id="mark-seen"' not in initiator.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert initiator.post(url, HTTP_ACCEPT="application/json").json() == {"marked": 0}
    assert login(org["finance_head"]).post(url).status_code == 404  # not a participant
    assert login(org["section_head"]).get(url).status_code == 405  # a GET records nothing
    assert Task.objects.get(pk=task.pk).seen_at is None


def test_a_cross_site_post_is_refused(org, flows, login):
    instance, task = request_at_head(org, flows)
    client = csrf_client(login, org["section_head"])
    response = client.post(
        reverse("approvals:instance_seen", args=[instance.pk]),
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).seen_at is None


def test_the_apis_request_detail_records_it_for_the_holder(org, flows):
    instance, task = request_at_head(org, flows)

    def detail(person: Any) -> int:
        _token, raw = token_issue(actor=person, name="测试", scopes=["approvals:read"], days=30)
        path = f"/api/v1/approvals/requests/{instance.pk}"
        return Client().get(path, headers={"Authorization": f"Bearer {raw}"}).status_code

    assert detail(org["clerk"]) == 200  # the initiator reads it: not his task
    assert Task.objects.get(pk=task.pk).seen_at is None
    assert detail(org["section_head"]) == 200
    assert Task.objects.get(pk=task.pk).seen_at is not None
