"""Signed webhooks (Standard Webhooks 1.0): subscriptions, the fan-out of the flow's events, and delivery.

A subscription belongs to a person and acts as that person: an event reaches it only when its owner may
read the object (the caller passes the read rule to :func:`publish`; the flow's outbox passes the pages' own
rule). Payloads are thin — a type, a time, ids, links and a status, never a title or content — so a
secret (秘密/机密) item says nothing more than "something changed, fetch it with your token".

Each (event, subscription) is one row of the delivery log. The worker sends due rows (a periodic sweep plus a
nudge after each commit), signing ``id.timestamp.body`` with HMAC-SHA256 under the subscription's secret —
and, for a grace period after a rotation, under the previous one too, both signatures in the header. A 2xx
answer delivers; anything else is retried with exponential backoff and jitter up to ``max_attempts()``;
410 Gone disables the subscription (the receiver said it will never want more). Outbound calls go through
``core.egress``: private, loopback and link-local targets are refused unless the system administrator
allowed them for this endpoint."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from huey.contrib.djhuey import HUEY, db_task

from sanfu.accounts.middleware import second_factor_required
from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from sanfu.core import egress
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105  # the Standard Webhooks marker of a signing secret, not a secret
SECRET_BYTES = 32  # the standard asks for 24 to 64 random bytes
MAX_PER_OWNER = 20
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=7)
CLAIM_SECONDS = 60
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)

EVENT_TYPES: dict[str, str | Promise] = {
    "task.created": gettext_lazy("新待办"),
    "task.urged": gettext_lazy("催办"),
    "task.due_soon": gettext_lazy("待办即将到期"),
    "task.overdue": gettext_lazy("待办已超时"),
    "task.escalated": gettext_lazy("下属待办超时"),
    "notice.cc": gettext_lazy("抄送"),
    "notice.filing": gettext_lazy("备案"),
    "instance.returned": gettext_lazy("流程退回"),
    "instance.ended": gettext_lazy("流程办结（通过、驳回、作废）"),
    "instance.withdrawn": gettext_lazy("发起人撤回"),
}


def max_attempts() -> int:
    return int(getattr(settings, "SANFU_WEBHOOK_MAX_ATTEMPTS", 8))


# --- secrets and signatures ---------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` under one secret."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key_of(secret), signed, hashlib.sha256).digest()).decode()


def signing_secrets(subscription: WebhookSubscription, *, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    found = [subscription.secret]
    until = subscription.previous_secret_until
    if subscription.previous_secret and until is not None and until > now:
        found.append(subscription.previous_secret)
    return found


def headers_for(subscription: WebhookSubscription, *, event_id: str, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    signatures = [
        signature(secret=s, event_id=event_id, timestamp=timestamp, body=body)
        for s in signing_secrets(subscription, now=now)
    ]
    return {"webhook-id": event_id, "webhook-timestamp": str(timestamp), "webhook-signature": " ".join(signatures)}


# --- subscriptions ------------------------------------------------------------------------------------


def _manages_all(actor: User) -> bool:
    return has_perm(actor, Perm.MANAGE_ACCOUNTS)


def visible_subscriptions(actor: User) -> QuerySet[WebhookSubscription]:
    """A person's own subscriptions; the system administrator's view holds every one (he sets up those of
    integration accounts and decides which may call into the company network)."""
    rows = WebhookSubscription.objects.select_related("owner").order_by("-created_at", "-id")
    return rows if _manages_all(actor) else rows.filter(owner=actor)


def access_subscription(*, actor: User, subscription_id: int) -> WebhookSubscription:
    found = visible_subscriptions(actor).filter(pk=subscription_id).first()
    if found is None:
        raise NotFoundError(_("订阅不存在。"))
    return found


def deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return subscription.deliveries.order_by("-id")


def access_delivery(*, actor: User, delivery_id: int) -> WebhookDelivery:
    found = (
        WebhookDelivery.objects.select_related("subscription", "subscription__owner")
        .filter(pk=delivery_id, subscription__in=visible_subscriptions(actor))
        .first()
    )
    if found is None:
        raise NotFoundError(_("推送记录不存在。"))
    return found


def _check_url(url: str, *, allow_private: bool) -> str:
    url = url.strip()
    if not url or len(url) > 500:
        raise ApplicationError(_("接收地址必填，且不超过 500 个字符。"), errors=[{"field": "url"}])
    egress.check_url(url, allow_private=allow_private)
    if urlsplit(url).scheme != "https" and not allow_private:
        # a public endpoint is reached over the Internet: the thin payload still deserves TLS
        raise ApplicationError(_("公网接收地址须使用 https://。"), errors=[{"field": "url"}])
    return url


def _check_event_types(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    if not chosen:
        raise ApplicationError(_("请至少选择一种事件类型。"), errors=[{"field": "event_types"}])
    wrong = [t for t in chosen if t not in EVENT_TYPES]
    if wrong:
        raise ApplicationError(
            _("没有这些事件类型：%(t)s。") % {"t": "、".join(wrong)},
            errors=[{"field": "event_types", "values": wrong}],
        )
    return chosen


def _describe(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "subscription": subscription.pk,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "allow_private": subscription.allow_private,
    }


def subscription_create(
    *,
    actor: User,
    url: str,
    event_types: Iterable[str],
    owner: User | None = None,
    allow_private: bool = False,
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to ``event_types`` for ``owner`` (the actor by default); returns the subscription and
    its signing secret, shown this once. Only the system administrator subscribes for another person (an
    integration account) and allows private targets."""
    owner = owner or actor
    if (owner.pk != actor.pk or allow_private) and not _manages_all(actor):
        raise PermissionDeniedError(_("只有系统管理员可以为其他账户订阅，或允许内网地址。"))
    if not owner.is_active:
        raise ApplicationError(_("该账户已停用，不能订阅事件。"))
    if second_factor_required(owner):
        raise PermissionDeniedError(_("管理员和流程管理员须用第二因素登录，不能订阅事件推送。"))
    chosen = _check_event_types(event_types)
    url = _check_url(url, allow_private=allow_private)
    secret = new_secret()
    with transaction.atomic():
        if WebhookSubscription.objects.filter(owner=owner).count() >= MAX_PER_OWNER:
            raise ApplicationError(_("每个账户最多 %(n)d 个订阅。") % {"n": MAX_PER_OWNER})
        subscription = WebhookSubscription.objects.create(
            owner=owner,
            url=url,
            event_types=chosen,
            secret=secret,
            allow_private=allow_private,
            created_by=actor,
        )
        audit_record(
            action="api.webhook.create",
            actor=actor,
            target=f"user:{owner.username}",
            detail=_describe(subscription),
        )
    return subscription, secret


def subscription_delete(*, actor: User, subscription_id: int) -> None:
    """Remove a subscription and its delivery log (the audit trail keeps that it existed)."""
    with transaction.atomic():
        subscription = access_subscription(actor=actor, subscription_id=subscription_id)
        audit_record(
            action="api.webhook.delete",
            actor=actor,
            target=f"user:{subscription.owner.username}",
            detail=_describe(subscription),
        )
        subscription.delete()


def subscription_rotate_secret(
    *, actor: User, subscription_id: int, grace: timedelta = DEFAULT_GRACE, now: datetime | None = None
) -> tuple[WebhookSubscription, str]:
    """A new signing secret (returned, shown once); the old one keeps signing beside it for ``grace``, so the
    receiver can switch without refusing a message. ``grace`` 0 drops the old one at once (a leaked secret)."""
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise ApplicationError(_("过渡期须在 0 到 168 小时之间。"), errors=[{"field": "grace_hours"}])
    now = now or timezone.now()
    secret = new_secret()
    with transaction.atomic():
        subscription = access_subscription(actor=actor, subscription_id=subscription_id)
        subscription.previous_secret = subscription.secret if grace else ""
        subscription.previous_secret_until = now + grace if grace else None
        subscription.secret = secret
        subscription.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
        audit_record(
            action="api.webhook.rotate",
            actor=actor,
            target=f"user:{subscription.owner.username}",
            detail={"subscription": subscription.pk, "grace_seconds": int(grace.total_seconds())},
        )
    return subscription, secret


def subscription_enable(*, actor: User, subscription_id: int) -> WebhookSubscription:
    """Turn a disabled subscription (e.g. after a 410) back on; its address is checked again. Events of the
    time it was off were not logged for it (a receiver that said 410 is not flooded on its return); deliveries
    still pending from before go out."""
    with transaction.atomic():
        subscription = access_subscription(actor=actor, subscription_id=subscription_id)
        if subscription.active:
            return subscription
        _check_url(subscription.url, allow_private=subscription.allow_private)
        subscription.active = True
        subscription.disabled_reason = ""
        subscription.save(update_fields=["active", "disabled_reason"])
        audit_record(
            action="api.webhook.enable",
            actor=actor,
            target=f"user:{subscription.owner.username}",
            detail={"subscription": subscription.pk},
        )
        nudge()
    return subscription


def _disable(subscription: WebhookSubscription, *, reason: str) -> None:
    with transaction.atomic():
        if WebhookSubscription.objects.filter(pk=subscription.pk, active=True).update(
            active=False, disabled_reason=reason[:200]
        ):
            audit_record(
                action="api.webhook.disable",
                target=f"user:{subscription.owner.username}",
                detail={**_describe(subscription), "reason": reason},
                actor_name="system",
            )


def delivery_replay(*, actor: User, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """Send one delivery again (the same ``webhook-id`` and body, a fresh timestamp and signature), whatever
    became of it before; its attempts start again from one."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = access_delivery(actor=actor, delivery_id=delivery_id)
        if not delivery.subscription.active:
            raise ApplicationError(_("订阅已停用，请先启用再重发。"))
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, claimed_until=None, delivered_at=None
        )
        audit_record(
            action="api.webhook.replay",
            actor=actor,
            target=f"user:{delivery.subscription.owner.username}",
            detail={"subscription": delivery.subscription_id, "delivery": delivery.pk, "event": delivery.event_id},
        )
        nudge()
    delivery.refresh_from_db()
    return delivery


# --- fan-out ------------------------------------------------------------------------------------------


def event_body(*, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    """The JSON body as sent: ``{"type", "timestamp", "data"}`` (Standard Webhooks' thin payload)."""
    moment = occurred_at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return orjson.dumps({"type": event_type, "timestamp": moment, "data": data}).decode()


def publish(
    *,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    data: Callable[[], dict[str, Any]],
    may_read: Callable[[User], bool],
) -> int:
    """Log one delivery of the event for every active subscription to ``event_type`` whose owner is active
    and ``may_read`` the object; the same event again adds nothing. ``data`` is asked only when someone is
    to receive it (most events have no subscriber). Returns how many deliveries were new."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    candidates = (
        WebhookSubscription.objects.filter(active=True, owner__is_active=True)
        .select_related("owner")
        .defer("secret", "previous_secret")  # not needed to fan out: no decryption per event
    )
    wanted = [s for s in candidates if event_type in s.event_types and may_read(s.owner)]
    if not wanted:
        return 0
    body = event_body(event_type=event_type, occurred_at=occurred_at, data=data())
    now = timezone.now()
    with transaction.atomic():
        known = set(
            WebhookDelivery.objects.filter(event_id=event_id, subscription__in=wanted).values_list(
                "subscription_id", flat=True
            )
        )
        fresh = [
            WebhookDelivery(
                subscription=s, event_id=event_id, event_type=event_type, body=body, created_at=now, next_attempt_at=now
            )
            for s in wanted
            if s.pk not in known
        ]
        WebhookDelivery.objects.bulk_create(fresh, ignore_conflicts=True)  # a concurrent fan-out wrote it first
        if fresh:
            nudge()
    return len(fresh)


# --- delivery -----------------------------------------------------------------------------------------


def nudge() -> None:
    """Ask the worker to send due deliveries once the current transaction commits."""
    transaction.on_commit(_send_nudge)


def _send_nudge() -> None:
    if HUEY.immediate:  # tests and one-off scripts: send now, synchronously
        deliver_due()
    else:
        deliver_webhooks_now()


@db_task()  # type: ignore[untyped-decorator]  # huey ships no types
def deliver_webhooks_now() -> int:
    return deliver_due()


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter: 30 s doubled per attempt made, at most 6 h, each wait drawn between
    half and all of it, so that receivers coming back from an outage are not hit by every sender at once."""
    ceiling: timedelta = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)
    return ceiling * (0.5 + secrets.randbelow(501) / 1000)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Claim one delivery with a conditional update: of several workers, exactly one sends it."""
    return (
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=delivery_id,
            status=DeliveryStatus.PENDING,
        ).update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
        == 1
    )


def deliver_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send up to ``limit`` deliveries that are due (to active subscriptions); returns how many arrived."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            subscription__active=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = 0
    for delivery_id in due:
        if _claim(delivery_id, now):
            delivered += _attempt(
                WebhookDelivery.objects.select_related("subscription__owner").get(pk=delivery_id), now
            )
    return delivered


def _attempt(delivery: WebhookDelivery, now: datetime) -> int:
    subscription = delivery.subscription
    body = delivery.body.encode()
    headers = headers_for(subscription, event_id=delivery.event_id, body=body, now=now)
    status: int | None = None
    try:
        answer = egress.post(subscription.url, body, headers=headers, allow_private=subscription.allow_private)
    except (egress.EgressRefusedError, OSError) as exc:
        error = str(getattr(exc, "message", "") or exc or type(exc).__name__)
    else:
        status = answer.status
        error = "" if 200 <= status < 300 else answer.body[:300].decode(errors="replace")
    done: dict[str, Any] = {
        "last_attempt_at": now,
        "last_status": status,
        "last_error": error[:500],
        "claimed_until": None,
    }
    if status is not None and 200 <= status < 300:
        done |= {"status": DeliveryStatus.DELIVERED, "delivered_at": timezone.now(), "next_attempt_at": None}
    elif status == 410:
        done |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        _disable(subscription, reason=_("接收方答复 410 Gone"))
    elif delivery.attempts >= max_attempts():
        done |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
    else:
        done |= {"next_attempt_at": now + retry_delay(delivery.attempts)}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**done)
    if status is None or status >= 300:
        log.info("webhook %s to subscription %s failed: %s %s", delivery.event_id, subscription.pk, status, error)
    return 1 if done.get("status") == DeliveryStatus.DELIVERED else 0
