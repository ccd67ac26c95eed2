"""The worked example of docs/api.md, step by step over HTTP: a token made on the 接口令牌 page, the matter's
notification, the person search, a submission retried with the same key, the head's inbox and approval — and
the signed webhook that tells the employee's system the outcome, received on a local HTTP endpoint and
verified with the Standard Webhooks reference library."""

from __future__ import annotations

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from standardwebhooks.webhooks import Webhook

from sanfu.accounts.models import User
from sanfu.api import webhooks
from sanfu.approvals.models import Request
from sanfu.workflow import outbox
from sanfu.workflow.models import Task
from tests.api.conftest import LEAVE, ApiClient
from tests.api.test_webhooks import receiver  # noqa: F401  # an HTTP endpoint on 127.0.0.1


def _token_from_the_page(username: str, scopes: list[str]) -> str:
    page = Client()
    page.force_login(User.objects.get(username=username))
    created = page.post("/tokens/", {"name": "请假系统", "scopes": scopes, "days": "30"})
    assert created.status_code == 200
    return str(created.context["secret"])


def _subscribed_by_the_system_administrator(url: str) -> str:
    """接口令牌 → 事件推送, signed in as the system administrator (second factor passed): the employee's
    receiver inside the company network, for staff, with 允许内网地址. Returns the secret the page showed."""
    sysadmin = User.objects.get(username="sysadmin")
    page = Client()
    page.force_login(sysadmin)
    session = page.session
    session["otp_device_id"] = TOTPDevice.objects.create(user=sysadmin, name="t", confirmed=True).persistent_id
    session.save()
    created = page.post(
        "/tokens/webhooks/",
        {"url": url, "event_types": ["instance.ended"], "owner": "staff", "allow_private": "on"},
    )
    assert created.status_code == 200
    return str(created.context["secret"])


def test_the_worked_example_of_the_api_guide(demo, receiver):  # noqa: F811
    staff = ApiClient(
        _token_from_the_page("staff", ["approvals:read", "approvals:write", "org:read", "webhooks:manage"])
    )

    # where the outcome goes: an address inside the company network is refused over the API...
    hook = {"url": receiver.url, "event_types": ["instance.ended"]}
    refused = staff.post("/webhooks/subscriptions", hook)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid"
    assert refused.json()["error"]["details"][0]["field"] == "url"
    # ...until the system administrator subscribes it on the page, allowing the private address
    secret = _subscribed_by_the_system_administrator(receiver.url)
    assert secret.startswith("whsec_")

    leave = staff.get("/approvals/matters/leave")
    assert leave.status_code == 200
    assert {f["name"] for f in leave.json()["form_schema"]["fields"]} >= {"kind", "period", "handover", "reason"}

    found = staff.get("/org/people", q="bgszr").json()  # 办公室主任 by the initials of the post's holder
    handover = found[0]["user_id"] if found else demo["people"]["office_head"].pk

    body = {"matter": "leave", "title": "事假两天", "data": {**LEAVE, "handover": handover}}
    first = staff.post("/approvals/requests", body, key="leave-2026-12-14")
    retried = staff.post("/approvals/requests", body, key="leave-2026-12-14")
    assert first.status_code == 201
    assert retried.json() == first.json()
    assert Request.objects.count() == 1
    created = first.json()

    task = Task.objects.get(pk=created["open_tasks"][0]["id"])
    head = ApiClient(_token_from_the_page(task.assignee.username, ["approvals:read", "approvals:write"]))
    todo = head.get("/approvals/inbox", box="todo").json()["items"]
    assert [item["request_id"] for item in todo] == [created["id"]]
    approved = head.post(
        f"/approvals/requests/{created['id']}/approve", {"comment": "同意", "version": created["version"]}
    )
    assert approved.status_code == 200
    assert approved.json()["version"] > created["version"]
    assert Task.objects.get(pk=task.pk).status == "approved"
    assert approved.json()["status"] == "approved"

    # the worker (here called directly) delivers: the flow's outbox, then the webhook
    outbox.deliver_pending()
    webhooks.deliver_due()
    (sent,) = receiver.received
    event = Webhook(secret).verify(sent["body"], sent["headers"])
    assert event["type"] == "instance.ended"
    assert event["data"]["instance_id"] == created["id"]
    assert event["data"]["status"] == "approved"
    assert "事假两天" not in sent["body"].decode()  # ids and links only: the title is fetched with the token
    fetched = staff.get(event["data"]["api_url"].removeprefix("/api/v1"))
    assert fetched.json()["status"] == "approved"
