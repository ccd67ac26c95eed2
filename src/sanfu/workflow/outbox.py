"""Deliver the outbox: every effect at least once, each claim expiring so that a worker killed mid-way
does not lose it; receivers deduplicate on the message key (Huey's SQLite storage loses a task that was
running when its process died — the outbox is the truth, the queue only a nudge).

Each flow notice is also an event for the signed webhooks (``sanfu.api.webhooks``): its subscribers whose
owner may read the instance — the pages' own rule, ``selectors.visible_instances`` — get a delivery with ids,
links and the status only, never the title."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_task

from sanfu.accounts.models import User
from sanfu.api import webhooks
from sanfu.core.notify import notify_people
from sanfu.org.clearance import RESTRICTED_LEVELS
from sanfu.workflow import selectors, subjects
from sanfu.workflow.models import Instance, OutboxMessage, Task

log = logging.getLogger(__name__)
CLAIM_SECONDS = 60

_TITLES = {
    "task": "待办：",
    "cc": "抄送：",
    "filing": "备案：",
    "urge": "催办：",
    "remind": "即将到期：",
    "overdue": "已超时：",
    "escalate": "下属待办超时：",
    "ended": "已办结：",
    "returned": "已退回：",
    "withdrawn": "发起人已撤回：",
}


# 委托代理: what a delegate did in the principal's name, told to the principal (the delegate holds the task).
_DEPUTY_ACTS = {
    "deputy_approved": "同意",
    "deputy_completed": "办理",
    "deputy_rejected": "驳回",
    "deputy_returned": "退回",
}


def _title(message: OutboxMessage, kind: str, title: str) -> str:
    act = _DEPUTY_ACTS.get(kind)
    if act is None:
        return f"{_TITLES.get(kind, '')}{title}"
    task_no = message.payload.get("task")
    names = (
        Task.objects.filter(instance_id=message.instance_id or 0, task_no=task_no or 0)
        .values_list("assignee__full_name", "assignee__username")
        .first()
    )
    deputy = (names[0] or names[1]) if names else "代理人"
    return f"委托代理：{deputy} 代您{act}了“{title}”"


def _notify(message: OutboxMessage) -> None:
    payload = message.payload
    kind = str(payload.get("kind", "task"))
    # A 秘密/机密 instance's notices are mailed without their title (core.notify).
    classified = Instance.objects.filter(pk=message.instance_id or 0, confidentiality__in=RESTRICTED_LEVELS).exists()
    notify_people(
        key=message.key,
        people=payload.get("people", []),
        kind=kind,
        title=_title(message, kind, str(payload.get("title", ""))),
        url=f"/workflow/instances/{message.instance_id}/" if message.instance_id else "",
        classified=classified,
    )
    _publish_webhook(message, kind)


# The flow's notices as webhook event types (sanfu.api.webhooks.EVENT_TYPES); the 委托代理 notices are the
# principal's own business and are not published.
WEBHOOK_EVENTS = {
    "task": "task.created",
    "urge": "task.urged",
    "remind": "task.due_soon",
    "overdue": "task.overdue",
    "escalate": "task.escalated",
    "cc": "notice.cc",
    "filing": "notice.filing",
    "returned": "instance.returned",
    "ended": "instance.ended",
    "withdrawn": "instance.withdrawn",
}


def _absolute(path: str) -> str:
    return f"{str(getattr(settings, 'SANFU_BASE_URL', '')).rstrip('/')}{path}"


def _publish_webhook(message: OutboxMessage, kind: str) -> None:
    """The notice as a webhook event, for the subscribers who may read its instance. Ids and links only:
    the subscriber fetches the rest with its token, under the same rules as the page."""
    event_type = WEBHOOK_EVENTS.get(kind)
    if event_type is None or not message.instance_id:
        return
    instance_id = message.instance_id

    def data() -> dict[str, Any]:
        process, status = Instance.objects.filter(pk=instance_id).values_list("definition__key", "status").get()
        page = subjects.pages_of([(instance_id, process)]).get(instance_id) or f"/workflow/instances/{instance_id}/"
        return {
            "instance_id": instance_id,
            "process": process,
            "status": status,
            "node": message.payload.get("node"),
            "people": list(message.payload.get("people", [])),
            "api_url": _absolute(f"/api/v1/approvals/requests/{instance_id}"),
            "url": _absolute(page),
        }

    def may_read(owner: User) -> bool:
        return selectors.visible_instance(owner, instance_id).exists()

    webhooks.publish(
        event_id="evt_" + message.key.replace(":", "_"),
        event_type=event_type,
        occurred_at=message.created_at,
        data=data,
        may_read=may_read,
    )


HANDLERS: dict[str, Callable[[OutboxMessage], None]] = {"notify": _notify}


def register(kind: str, handler: Callable[[OutboxMessage], None]) -> None:
    """Domains add the receivers of their own effects (e.g. the flow services for subprocesses)."""
    HANDLERS[kind] = handler


# Nudges are coalesced per process: one delivery run picks up every pending message, so a busy process
# need not enqueue one per commit (each enqueue is a write to the queue's own database). The first commit
# after a quiet spell nudges at once; commits within the next NUDGE_INTERVAL seconds share one nudge
# scheduled for the end of that interval, so every message still leaves within about NUDGE_INTERVAL
# seconds. The periodic sweep remains the guarantee (e.g. if this process dies before the nudge runs).
NUDGE_INTERVAL = 1.0


class _NudgeThrottle:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_sent = -math.inf  # monotonic time of the last nudge enqueued to run at once
        self.covered_until = -math.inf  # a nudge is queued to run then; earlier commits need no other

    def delay(self) -> float | None:
        """Seconds until the nudge this commit should enqueue, or None when one already covers it."""
        now = time.monotonic()
        with self.lock:
            if now < self.covered_until:
                return None
            if now - self.last_sent >= NUDGE_INTERVAL:
                self.last_sent = self.covered_until = now
                return 0.0
            self.covered_until = self.last_sent + NUDGE_INTERVAL
            return self.covered_until - now


_throttle = _NudgeThrottle()


def enqueue(*, key: str, kind: str, payload: dict[str, Any], instance_id: int | None = None) -> None:
    """An effect for another domain (or the outside) to receive after the caller's transaction commits, at
    least once, by the handler registered for ``kind``. Call it inside the transaction of the change it
    follows from; ``key`` names the effect once (the same key again adds nothing)."""
    if kind not in HANDLERS:
        raise ValueError(f"no receiver is registered for outbox messages of kind {kind!r}")
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(key=key, kind=kind, payload=payload, instance_id=instance_id)], ignore_conflicts=True
    )
    nudge()


def nudge() -> None:
    """Ask the worker to deliver soon after the current transaction commits."""
    transaction.on_commit(_send_nudge)


def _send_nudge() -> None:
    if HUEY.immediate:  # tests and one-off scripts: deliver now, synchronously, as before
        deliver_outbox_now()
        return
    delay = _throttle.delay()
    if delay is None:
        return
    if delay > 0:
        deliver_outbox_now.schedule(delay=delay)
    else:
        deliver_outbox_now()


@db_task()  # type: ignore[untyped-decorator]  # huey ships no types
def deliver_outbox_now() -> int:
    """Queued after a commit so notifications go out at once; the periodic sweep catches anything missed."""
    return deliver_pending()


def _claim(message_id: int, seconds: float) -> bool:
    """Claim one message with a conditional update: of several workers, exactly one gets it."""
    now = timezone.now()
    return (
        OutboxMessage.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            pk=message_id,
            delivered_at__isnull=True,
        ).update(claimed_until=now + timedelta(seconds=seconds), attempts=F("attempts") + 1)
        == 1
    )


def deliver_pending(
    *,
    limit: int = 200,
    handlers: dict[str, Callable[[OutboxMessage], Any]] | None = None,
    claim_seconds: float = CLAIM_SECONDS,
) -> int:
    """Deliver up to ``limit`` undelivered messages; returns how many were delivered now."""
    handlers = handlers or HANDLERS
    now = timezone.now()
    ids = list(
        OutboxMessage.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            delivered_at__isnull=True,
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = 0
    for message_id in ids:
        if not _claim(message_id, claim_seconds):
            continue  # another worker has it
        message = OutboxMessage.objects.get(pk=message_id)
        try:
            handlers[message.kind](message)
        except Exception as exc:  # one bad message must not stop the others
            log.exception("outbox message %s failed", message.key)
            OutboxMessage.objects.filter(pk=message_id).update(last_error=str(exc)[:2000])
            continue
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=message_id).update(delivered_at=timezone.now(), last_error="")
        delivered += 1
    return delivered
