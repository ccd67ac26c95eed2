"""Signed webhooks: a flow's events reach a real HTTP receiver on this machine, signed per Standard Webhooks 1.0
(checked with the reference library), only for subscribers who may read the instance, retried with backoff,
disabled by a 410, replayed on request, refused for private addresses unless the system administrator
allowed them, with a rotated secret signing beside the new one for its grace period."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from sanfu.accounts.models import User
from sanfu.api import webhooks
from sanfu.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from sanfu.api.tokens import token_issue
from sanfu.core.egress import EgressRefusedError
from sanfu.core.errors import PermissionDeniedError
from sanfu.core.models import AuditRecord, Notification
from sanfu.org.clearance import Marking
from sanfu.workflow import outbox, services
from sanfu.workflow.models import OutboxMessage, Task
from tests.api.conftest import ApiClient
from tests.workflow.conftest import REFERENCE

TITLE = "关于电网调度方案调整的报销"


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every POST and answers the next scripted status (then 204)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append({"headers": dict(self.headers.items()), "body": body})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sanfu-hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, secret: str, index: int = -1) -> Any:
        sent = self.received[index]
        return Webhook(secret).verify(sent["body"], sent["headers"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def expense(db: None) -> Any:
    """The reference expense process (head → leader for small amounts), published."""
    return services.definition_publish(actor=None, spec=REFERENCE)


@pytest.fixture
def sysadmin(admins: dict[str, User]) -> User:
    return admins["sysadmin"]


def _subscribe(sysadmin: User, owner: User, receiver: Receiver, *types: str) -> tuple[WebhookSubscription, str]:
    """The system administrator subscribes ``owner`` to the local receiver (a private address he allows)."""
    return webhooks.subscription_create(
        actor=sysadmin, owner=owner, url=receiver.url, event_types=types or ["task.created"], allow_private=True
    )


def _start(org: dict[str, Any], level: str = "internal") -> int:
    instance = services.instance_start(
        actor=org["clerk"],
        definition_key="expense",
        title=TITLE,
        form={"amount": 10},
        marking=Marking(level, org["unit"].pk, org["section"].pk),
    )
    outbox.deliver_pending()  # the worker: the flow's notices, and with them the webhook fan-out
    return instance.pk


def test_a_flow_event_reaches_the_receiver_signed_and_thin(org, expense, sysadmin, receiver):
    head = org["section_head"]
    subscription, secret = _subscribe(sysadmin, head, receiver)
    assert secret.startswith("whsec_")
    assert len(webhooks._key_of(secret)) >= 24
    instance_id = _start(org)

    assert webhooks.deliver_due() == 1
    payload = receiver.verified(secret)
    assert payload["type"] == "task.created"
    assert payload["data"]["instance_id"] == instance_id
    assert payload["data"]["people"] == [head.pk]
    assert payload["data"]["api_url"].endswith(f"/api/v1/approvals/requests/{instance_id}")
    assert TITLE not in receiver.received[-1]["body"].decode()
    headers = receiver.received[-1]["headers"]
    assert headers["webhook-id"] == WebhookDelivery.objects.get().event_id
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert (delivery.status, delivery.attempts, delivery.last_status) == (DeliveryStatus.DELIVERED, 1, 204)
    assert delivery.delivered_at is not None
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(receiver.received[-1]["body"], headers)


def test_the_same_event_fans_out_once(org, expense, sysadmin, receiver):
    _subscribe(sysadmin, org["section_head"], receiver)
    _start(org)
    outbox.deliver_pending()
    OutboxMessage.objects.update(delivered_at=None, claimed_until=None)  # a worker died after the fan-out
    outbox.deliver_pending()
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize("level", ["internal", "secret", "confidential"])
def test_only_subscribers_who_may_read_the_instance_get_its_events(org, expense, sysadmin, receiver, level):
    reader, _secret = _subscribe(sysadmin, org["section_head"], receiver)  # the approver: he takes part
    outsider, _other = _subscribe(sysadmin, org["accountant"], receiver)  # no part in it, another department
    _start(org, level)
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [reader.pk]
    assert not WebhookDelivery.objects.filter(subscription=outsider).exists()
    webhooks.deliver_due()
    assert TITLE not in receiver.received[-1]["body"].decode()
    assert "title" not in receiver.verified(_secret)["data"]


def test_a_return_and_a_rejection_are_events_of_their_own(org, expense, sysadmin, receiver):
    clerk = org["clerk"]
    _subscription, secret = _subscribe(sysadmin, clerk, receiver, "instance.returned", "instance.ended")
    instance_id = _start(org)
    task = Task.objects.get(instance_id=instance_id, status="open")
    services.task_return(actor=task.assignee, task_id=task.pk, comment="请补充发票")
    outbox.deliver_pending()
    webhooks.deliver_due()
    returned = receiver.verified(secret)
    assert (returned["type"], returned["data"]["instance_id"]) == ("instance.returned", instance_id)
    assert "请补充发票" not in receiver.received[-1]["body"].decode()

    second = _start(org)
    task = Task.objects.get(instance_id=second, status="open")
    services.task_reject(actor=task.assignee, task_id=task.pk, comment="不符合规定")
    outbox.deliver_pending()
    webhooks.deliver_due()
    ended = receiver.verified(secret)
    assert (ended["type"], ended["data"]["instance_id"], ended["data"]["status"]) == (
        "instance.ended",
        second,
        "rejected",
    )
    assert len(receiver.received) == 2  # task.created was not subscribed


def test_a_withdrawal_tells_the_approver_and_is_an_event(org, expense, sysadmin, receiver):
    head = org["section_head"]
    _subscription, secret = _subscribe(sysadmin, head, receiver, "instance.withdrawn")
    instance_id = _start(org)
    services.instance_withdraw(actor=org["clerk"], instance_id=instance_id)
    outbox.deliver_pending()
    webhooks.deliver_due()
    event = receiver.verified(secret)
    assert (event["type"], event["data"]["instance_id"], event["data"]["people"]) == (
        "instance.withdrawn",
        instance_id,
        [head.pk],
    )
    notice = Notification.objects.get(user=head, kind="withdrawn")
    assert notice.title == f"发起人已撤回：{TITLE}"


def test_a_500_is_retried_with_growing_jittered_backoff_until_it_arrives(org, expense, sysadmin, receiver):
    _subscription, secret = _subscribe(sysadmin, org["section_head"], receiver)
    _start(org)
    receiver.answers = [500, 500]
    first = timezone.now()
    assert webhooks.deliver_due(now=first) == 0
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status) == (DeliveryStatus.PENDING, 1, 500)
    assert timedelta(seconds=15) <= delivery.next_attempt_at - first <= timedelta(seconds=30)
    assert webhooks.deliver_due(now=first) == 0  # not due yet: nothing sent
    assert len(receiver.received) == 1

    second = delivery.next_attempt_at
    assert webhooks.deliver_due(now=second) == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert timedelta(seconds=30) <= delivery.next_attempt_at - second <= timedelta(seconds=60)

    assert webhooks.deliver_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.DELIVERED, 3, None)
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1  # one event, three attempts
    receiver.verified(secret)


def test_retries_stop_at_the_limit(org, expense, sysadmin, receiver, settings):
    settings.SANFU_WEBHOOK_MAX_ATTEMPTS = 2
    _subscribe(sysadmin, org["section_head"], receiver)
    _start(org)
    receiver.answers = [503, 503, 503]
    webhooks.deliver_due()
    webhooks.deliver_due(now=timezone.now() + timedelta(hours=1))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 2, None)
    assert webhooks.deliver_due(now=timezone.now() + timedelta(days=1)) == 0
    assert len(receiver.received) == 2


def test_a_410_disables_the_subscription_audited_until_it_is_enabled_again(org, expense, sysadmin, receiver):
    subscription, _secret = _subscribe(sysadmin, org["section_head"], receiver, "task.created", "instance.ended")
    _start(org)
    receiver.answers = [410]
    webhooks.deliver_due()
    subscription.refresh_from_db()
    assert not subscription.active
    assert "410" in subscription.disabled_reason
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    assert AuditRecord.objects.filter(action="api.webhook.disable", target="user:section_head").exists()

    _start(org)  # a disabled subscription receives nothing
    assert WebhookDelivery.objects.count() == 1
    assert webhooks.deliver_due(now=timezone.now() + timedelta(days=1)) == 0
    webhooks.subscription_enable(actor=sysadmin, subscription_id=subscription.pk)
    assert AuditRecord.objects.filter(action="api.webhook.enable", target="user:section_head").exists()
    _start(org)
    assert webhooks.deliver_due() == 1
    assert len(receiver.received) == 2


def test_replay_sends_the_same_event_again_freshly_signed(org, expense, sysadmin, receiver):
    subscription, secret = _subscribe(sysadmin, org["section_head"], receiver)
    _start(org)
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    _token, raw = token_issue(actor=org["section_head"], name="审批系统", scopes=["webhooks:manage"], days=30)
    replayed = ApiClient(raw).post(f"/webhooks/deliveries/{delivery.pk}/replay")
    assert replayed.status_code == 200, replayed.content
    assert replayed.json()["status"] == "pending"
    webhooks.deliver_due()
    assert len(receiver.received) == 2
    first, again = receiver.received
    assert first["body"] == again["body"]
    assert first["headers"]["webhook-id"] == again["headers"]["webhook-id"]
    receiver.verified(secret)
    assert AuditRecord.objects.filter(action="api.webhook.replay", target="user:section_head").exists()
    someone_else = ApiClient(token_issue(actor=org["clerk"], name="x", scopes=["webhooks:manage"], days=30)[1])
    assert someone_else.post(f"/webhooks/deliveries/{delivery.pk}/replay").status_code == 404
    assert subscription.deliveries.get().status == DeliveryStatus.DELIVERED


def test_a_rotated_secret_signs_beside_the_new_one_during_its_grace(org, expense, sysadmin, receiver):
    subscription, old = _subscribe(sysadmin, org["section_head"], receiver)
    _same, new = webhooks.subscription_rotate_secret(
        actor=sysadmin, subscription_id=subscription.pk, grace=timedelta(hours=2)
    )
    assert new != old
    _start(org)
    webhooks.deliver_due()
    assert len(receiver.received[-1]["headers"]["webhook-signature"].split(" ")) == 2
    receiver.verified(old)
    receiver.verified(new)
    assert AuditRecord.objects.filter(action="api.webhook.rotate").exists()

    subscription.refresh_from_db()
    later = timezone.now() + timedelta(hours=3)
    headers = webhooks.headers_for(subscription, event_id="evt_x", body=b"{}", now=later)
    assert len(headers["webhook-signature"].split(" ")) == 1
    assert headers["webhook-signature"] == webhooks.signature(
        secret=new, event_id="evt_x", timestamp=int(later.timestamp()), body=b"{}"
    )


def test_private_addresses_are_refused_unless_the_system_administrator_allows_them(org, sysadmin, receiver):
    clerk = org["clerk"]
    for url in [receiver.url, "http://10.0.0.8/hook", "https://169.254.169.254/latest", "https://[::1]/x"]:
        with pytest.raises(EgressRefusedError):
            webhooks.subscription_create(actor=clerk, url=url, event_types=["task.created"])
    with pytest.raises(PermissionDeniedError):
        webhooks.subscription_create(actor=clerk, url=receiver.url, event_types=["task.created"], allow_private=True)
    with pytest.raises(PermissionDeniedError):  # nor for another person
        webhooks.subscription_create(
            actor=clerk, owner=org["accountant"], url="https://93.184.215.14/h", event_types=["task.created"]
        )
    assert not WebhookSubscription.objects.exists()

    api = ApiClient(token_issue(actor=clerk, name="x", scopes=["webhooks:manage"], days=30)[1])
    refused = api.post("/webhooks/subscriptions", {"url": receiver.url, "event_types": ["task.created"]})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "url"
    forbidden = api.post(
        "/webhooks/subscriptions", {"url": receiver.url, "event_types": ["task.created"], "allow_private": True}
    )
    assert forbidden.status_code == 403
    _subscribe(sysadmin, clerk, receiver)  # the system administrator may


def test_a_subscription_over_the_api_lives_and_dies_audited(org):
    clerk = org["clerk"]
    api = ApiClient(token_issue(actor=clerk, name="x", scopes=["webhooks:manage"], days=30)[1])
    assert {t["type"] for t in api.get("/webhooks/event-types").json()} == set(webhooks.EVENT_TYPES)
    created = api.post(
        "/webhooks/subscriptions",
        {"url": "https://93.184.215.14/hook", "event_types": ["instance.ended", "task.created"]},
        key="sub-1",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["event_types"] == ["instance.ended", "task.created"]
    with connection.cursor() as cursor:  # encrypted at rest: the stored column is not the secret
        cursor.execute("SELECT secret FROM api_webhooksubscription")
        (stored,) = cursor.fetchone()
    assert stored.startswith("gcm1:")
    assert body["secret"] not in stored
    listed = api.get("/webhooks/subscriptions").json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert api.get(f"/webhooks/subscriptions/{body['id']}/deliveries").json()["items"] == []
    rotated = api.post(f"/webhooks/subscriptions/{body['id']}/rotate", {"grace_hours": 1})
    assert rotated.json()["secret"] not in {body["secret"], ""}
    assert rotated.json()["previous_secret_until"] is not None

    other = ApiClient(token_issue(actor=org["accountant"], name="x", scopes=["webhooks:manage"], days=30)[1])
    assert other.get(f"/webhooks/subscriptions/{body['id']}").status_code == 404
    wrong = api.post("/webhooks/subscriptions", {"url": "https://93.184.215.14/h", "event_types": ["nope"]})
    assert wrong.status_code == 422
    no_scope = ApiClient(token_issue(actor=clerk, name="y", scopes=["org:read"], days=30)[1])
    assert no_scope.get("/webhooks/subscriptions").status_code == 403

    deleted = api.client.delete(f"/api/v1/webhooks/subscriptions/{body['id']}", headers=api.headers)
    assert deleted.status_code == 204
    assert not WebhookSubscription.objects.exists()
    actions = set(AuditRecord.objects.filter(target="user:clerk").values_list("action", flat=True))
    assert {"api.webhook.create", "api.webhook.rotate", "api.webhook.delete"} <= actions


def test_the_page_shows_the_secret_once_and_lets_the_administrator_allow_a_private_address(
    org, expense, sysadmin, receiver, login
):
    page = login(sysadmin)
    created = page.post(
        "/tokens/webhooks/",
        {"url": receiver.url, "event_types": ["task.created"], "owner": "section_head", "allow_private": "on"},
    )
    assert created.status_code == 200
    secret = created.context["secret"]
    subscription = WebhookSubscription.objects.get()
    assert (subscription.owner, subscription.allow_private) == (org["section_head"], True)
    assert secret in created.content.decode()
    assert secret not in page.get("/tokens/webhooks/").content.decode()

    _start(org)
    receiver.answers = [500]
    webhooks.deliver_due()
    own = Client()
    own.force_login(org["section_head"])
    log = own.get(f"/tokens/webhooks/{subscription.pk}/").content.decode()
    assert WebhookDelivery.objects.get().event_id in log
    delivery = WebhookDelivery.objects.get()
    assert own.post(f"/tokens/webhooks/deliveries/{delivery.pk}/replay/").status_code == 302
    webhooks.deliver_due()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    Webhook(secret).verify(receiver.received[-1]["body"], receiver.received[-1]["headers"])

    mine = Client()
    mine.force_login(org["clerk"])
    form = mine.post("/tokens/webhooks/", {"url": receiver.url, "event_types": ["task.created"], "owner": "x"})
    assert form.status_code == 200
    assert WebhookSubscription.objects.count() == 1  # refused: a private address, and no owner field for him
    assert mine.get(f"/tokens/webhooks/{subscription.pk}/").status_code == 404
    assert own.post(f"/tokens/webhooks/{subscription.pk}/delete/").status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_the_body_is_the_thin_standard_shape():
    body = webhooks.event_body(
        event_type="instance.ended", occurred_at=timezone.now(), data={"instance_id": 1, "status": "approved"}
    )
    parsed = orjson.loads(body)
    assert set(parsed) == {"type", "timestamp", "data"}
    assert parsed["timestamp"].endswith("Z")
