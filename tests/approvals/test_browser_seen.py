"""The holder's first opening of a task (``Task.seen_at``) as Chromium does it: the instance page, once shown, posts
it by itself (sanfu.js's ``data-autopost``, like 已阅); the initiator's page posts nothing."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.workflow.models import Task
from tests.approvals import test_inbox

pytestmark = pytest.mark.browser

flows = test_inbox.flows  # the shared fixture


def test_the_holders_page_records_the_first_opening_once_shown(app_server, org, flows, signed_in: Any) -> None:
    instance = test_inbox.submit(org["clerk"], flows["leave"], "年假两天")
    task = Task.objects.get(instance=instance, assignee=org["section_head"], status="open")
    initiator = signed_in(org["clerk"].username)
    initiator.goto(f"{app_server}/approvals/instances/{instance.pk}/")
    assert initiator.locator("form.mark-seen").count() == 0
    holder = signed_in(org["section_head"].username)
    holder.goto(f"{app_server}/approvals/instances/{instance.pk}/")
    holder.wait_for_selector("form.mark-seen.is-done", state="attached")
    first = Task.objects.get(pk=task.pk).seen_at
    assert first is not None
    holder.reload()
    assert holder.locator("form.mark-seen").count() == 0  # opened: the page asks no more
    assert Task.objects.get(pk=task.pk).seen_at == first
