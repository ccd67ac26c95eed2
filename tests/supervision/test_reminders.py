"""Reminders and escalation on the working calendar with frozen time (time-machine) across the 2026 National
Day holiday, each sent once; and items opened by an outbox message, once however often it is delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from sanfu.core.models import Notification
from sanfu.supervision import services
from sanfu.supervision.models import Item, ReminderSent
from sanfu.supervision.reminders import reminders_send
from sanfu.supervision.tasks import send_supervision_reminders
from sanfu.workflow import outbox
from sanfu.workflow.models import OutboxMessage
from tests.supervision.conftest import day, new_item

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, hour: int = 9) -> datetime:
    return datetime.combine(day(text), datetime.min.time().replace(hour=hour), tzinfo=SHANGHAI)


def titles(user: Any) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def test_report_reminder_before_the_holiday_and_escalation_after_it(sup: dict[str, Any]) -> None:
    with time_machine.travel(at("2026-09-17"), tick=False):
        item = new_item(sup, days=60)
    with time_machine.travel(at("2026-09-24"), tick=False):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="开工", percent=10)
    # the next report is due Thu Sep 24 + 7 = Oct 1, a holiday: due Thu Oct 8; reminded on Wed Sep 30, the
    # last working day before it (not on the rest days between)
    with time_machine.travel(at("2026-09-29"), tick=False):
        assert reminders_send() == 0
    with time_machine.travel(at("2026-09-30"), tick=False):
        assert reminders_send() == 1
        assert reminders_send() == 0  # once per due date
    assert titles(sup["accountant"]) == [f"督办报送提醒：{item.title}"]
    # overdue by more than two working days: Oct 9, 10 (the adjusted Saturday) are two; Mon Oct 12 the third
    with time_machine.travel(at("2026-10-11"), tick=False):
        assert send_supervision_reminders.call_local() == 0
    with time_machine.travel(at("2026-10-12"), tick=False):
        assert reminders_send() == 1
    escalation = f"督办报送逾期：{item.title}"
    assert escalation in titles(sup["gm"])  # the assigner
    assert escalation in titles(sup["finance_head"])  # the lead department's head
    assert escalation not in titles(sup["accountant"])
    assert ReminderSent.objects.filter(item=item).count() == 2


def test_item_overdue_escalates_once_after_the_working_deadline(sup: dict[str, Any]) -> None:
    with time_machine.travel(at("2026-09-21"), tick=False):
        item = new_item(sup, days=12, cadence_days=60)  # due Sat Oct 3: runs to Thu Oct 8
    with time_machine.travel(at("2026-10-08"), tick=False):
        reminders_send()
        assert not ReminderSent.objects.filter(item=item, kind="item_overdue").exists()
    with time_machine.travel(at("2026-10-09"), tick=False):
        assert reminders_send() == 1
        assert reminders_send() == 0
    overdue = f"督办事项逾期：{item.title}"
    for name in ("accountant", "gm", "finance_head"):
        assert overdue in titles(sup[name]), name


def _payload(sup: dict[str, Any], ref: str) -> dict[str, Any]:
    return {
        "source": "meeting",
        "source_ref": ref,
        "source_label": "2026年第12次总经理办公会",
        "source_url": "/meetings/12/",
        "title": "落实迎峰度冬保供方案",
        "content": "会议议定：财务部牵头落实资金。",
        "owner_id": sup["accountant"].pk,
        "lead_department_id": sup["finance"].pk,
        "deadline": "2099-12-31",
        "assigned_by_id": sup["gm"].pk,
        "confidentiality": "internal",
    }


def test_an_outbox_message_opens_one_item_however_often_delivered(sup: dict[str, Any]) -> None:
    with transaction.atomic():
        outbox.enqueue(key="meeting-decision:12:1", kind="supervision.open_item", payload=_payload(sup, "12:1"))
    assert outbox.deliver_pending() >= 1
    item = Item.objects.get(source="meeting", source_ref="12:1")
    assert item.owner == sup["accountant"]
    assert item.assigned_by == sup["gm"]
    assert item.lead_department == sup["finance"]
    # delivered again (a worker died before marking it), and sent again under another key: still one item
    OutboxMessage.objects.filter(key="meeting-decision:12:1").update(delivered_at=None, claimed_until=None)
    with transaction.atomic():
        outbox.enqueue(key="meeting-decision:12:1:again", kind="supervision.open_item", payload=_payload(sup, "12:1"))
    assert outbox.deliver_pending() >= 2
    assert Item.objects.filter(source="meeting", source_ref="12:1").count() == 1
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


def test_the_sender_enters_the_item_and_the_leader_it_names_is_its_assigner(sup: dict[str, Any]) -> None:
    """转督办 by a secretary: she enters the item (and reads it), the meeting's leader is its 交办领导."""
    payload = {**_payload(sup, "12:3"), "entered_by_id": sup["clerk"].pk}
    with transaction.atomic():
        outbox.enqueue(key="meeting-decision:12:3", kind="supervision.open_item", payload=payload)
    outbox.deliver_pending()
    item = Item.objects.get(source="meeting", source_ref="12:3")
    assert (item.created_by, item.assigned_by) == (sup["clerk"], sup["gm"])
    without = Item.objects.get(pk=_open_without_sender(sup).pk)
    assert without.created_by == sup["gm"]  # no sender named: the assigner enters it, as before


def _open_without_sender(sup: dict[str, Any]) -> Item:
    with transaction.atomic():
        outbox.enqueue(key="meeting-decision:12:4", kind="supervision.open_item", payload=_payload(sup, "12:4"))
    outbox.deliver_pending()
    return Item.objects.get(source="meeting", source_ref="12:4")


def test_a_message_missing_a_key_is_not_delivered(sup: dict[str, Any]) -> None:
    payload = _payload(sup, "12:2")
    del payload["owner_id"]
    with transaction.atomic():
        outbox.enqueue(key="meeting-decision:12:2", kind="supervision.open_item", payload=payload)
    outbox.deliver_pending()
    message = OutboxMessage.objects.get(key="meeting-decision:12:2")
    assert message.delivered_at is None
    assert "owner_id" in message.last_error
    assert not Item.objects.exists()
