"""已阅 is a POST (security issue, hole 12): opening the instance page — a link from another site, a mail
scanner, a prefetch — records no read receipt; the page's POST with the CSRF token does, and a cross-site
POST without the token is refused."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from sanfu.workflow import services
from sanfu.workflow.models import Instance, InstanceEvent, Task
from tests.approvals import test_inbox

flows = test_inbox.flows  # the shared fixture


def cc_notice(org: dict[str, Any], flows: dict[str, Any]) -> tuple[Instance, Task]:
    """A leave request approved by both heads: the accountant holds its unread 抄送 notice."""
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假五天")
    for who in ("section_head", "deputy"):
        task = Task.objects.get(instance=instance, assignee=org[who], status="open")
        services.task_approve(actor=org[who], task_id=task.pk)
    notice = Task.objects.get(instance=instance, assignee=org["accountant"])
    assert notice.status == "unread"
    return instance, notice


def reads(instance: Instance) -> int:
    return InstanceEvent.objects.filter(instance=instance, type="read").count()


def csrf_client(login: Any, user: Any) -> Client:
    """A signed-in client that, like a browser, must show the CSRF token."""
    signed_in = login(user)
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    return client


def test_a_plain_get_marks_nothing_read(org, flows, login):
    instance, notice = cc_notice(org, flows)
    url = reverse("approvals:instance", args=[instance.pk])
    response = login(org["accountant"]).get(url, HTTP_REFERER="https://elsewhere.example/mail")
    assert response.status_code == 200
    assert Task.objects.get(pk=notice.pk).status == "unread"
    assert reads(instance) == 0
    html = response.content.decode()
    assert 'id="mark-read"' in html  # the page offers 已阅 and posts it itself once shown
    assert reverse("approvals:instance_read", args=[instance.pk]) in html
    assert "data-autopost" in html


def test_the_pages_post_with_the_token_marks_it_read(org, flows, login):
    instance, notice = cc_notice(org, flows)
    client = csrf_client(login, org["accountant"])
    page = client.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    token = re.search(r'id="mark-read"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    url = reverse("approvals:instance_read", args=[instance.pk])
    response = client.post(url, {"csrfmiddlewaretoken": token.group(1)}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert Task.objects.get(pk=notice.pk).status == "read"
    assert reads(instance) == 1
    again = client.get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    assert 'id="mark-read"' not in again  # nothing left to acknowledge
    # Pressing the button without scripts: a redirect back to the page; a second time marks nothing more.
    response = client.post(url, {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert response["Location"] == reverse("approvals:instance", args=[instance.pk])
    assert reads(instance) == 1


def test_a_cross_site_post_without_the_token_is_refused(org, flows, login):
    instance, notice = cc_notice(org, flows)
    client = csrf_client(login, org["accountant"])
    response = client.post(
        reverse("approvals:instance_read", args=[instance.pk]),
        HTTP_ORIGIN="https://elsewhere.example",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 403
    assert Task.objects.get(pk=notice.pk).status == "unread"
    assert reads(instance) == 0


def test_read_is_post_only_and_others_get_404(org, flows, login):
    instance, notice = cc_notice(org, flows)
    url = reverse("approvals:instance_read", args=[instance.pk])
    assert login(org["accountant"]).get(url).status_code == 405
    assert login(org["finance_head"]).post(url).status_code == 404  # not a participant: no such page for them
    assert Task.objects.get(pk=notice.pk).status == "unread"


def test_someone_with_nothing_to_acknowledge_marks_nothing(org, flows, login):
    instance, notice = cc_notice(org, flows)
    response = login(org["clerk"]).post(
        reverse("approvals:instance_read", args=[instance.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"marked": 0}
    assert Task.objects.get(pk=notice.pk).status == "unread"
    assert (
        'id="mark-read"'
        not in login(org["clerk"]).get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    )
