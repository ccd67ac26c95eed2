"""The worker's share of the webhooks: the sweep that sends every due delivery (first attempts a nudge
missed, and the retries whose backoff has run out)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sanfu.api import webhooks


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no types
def send_due_webhooks() -> int:
    return webhooks.deliver_due()
