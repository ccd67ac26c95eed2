"""值班记录, 交接班, incidents escalated to the leader on call and beyond, and the reminders: each once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.duty import services
from sanfu.duty.models import Handover, LogEntry, RotaKind, Severity, Shift, ShiftKind
from tests.duty.conftest import at, make_rota, moment, roster

OCT1 = date(2026, 10, 1)


@pytest.fixture
def shifts(duty: dict[str, Any]) -> list[Shift]:
    rota = make_rota(duty, kind=RotaKind.BOTH)
    with at(date(2026, 9, 20), 9):
        roster(rota, OCT1, date(2026, 10, 2), duty["clerk"])
    return list(Shift.objects.order_by("starts_at"))  # Oct 1 day A, Oct 1 night B, Oct 2 day C, Oct 2 night A


def test_the_officer_logs_hands_over_and_the_next_officer_confirms(duty: dict[str, Any], shifts: list[Shift]) -> None:
    day, night = shifts[0], shifts[1]
    a, b = duty["a"], duty["b"]
    with at(OCT1, 10):
        entry = services.log_write(
            actor=a,
            shift_id=day.pk,
            data=services.EntryIn(content="巡查厂区，一切正常", handling="无", caller="调度 0775-1111"),
        )
    assert entry.occurred_at == moment(OCT1, 10)
    with at(OCT1, 17, 20):
        handover = services.handover_write(actor=a, shift_id=day.pk, note="一号机组运行正常，钥匙已交")
        assert handover.next_shift_id == night.pk
        assert Notification.objects.filter(user=b, kind="task").exists()
        handover = services.handover_write(actor=a, shift_id=day.pk, note="一号机组运行正常，钥匙和记录本已交")
    with at(OCT1, 17, 35):
        with pytest.raises(PermissionDeniedError):
            services.handover_confirm(actor=duty["c"], shift_id=day.pk)
        handover = services.handover_confirm(actor=b, shift_id=day.pk)
        assert handover.received_by_id == b.pk
        assert handover.received_at == moment(OCT1, 17, 35)
        with pytest.raises(ConflictError, match="已确认接班"):
            services.handover_confirm(actor=b, shift_id=day.pk)
        with pytest.raises(ConflictError, match="不能再修改"):
            services.handover_write(actor=a, shift_id=day.pk, note="改一下")
        with pytest.raises(ApplicationError, match="交接完毕"):
            services.log_write(actor=a, shift_id=day.pk, data=services.EntryIn(content="补记"))
    assert Handover.objects.get(pk=handover.pk).note == "一号机组运行正常，钥匙和记录本已交"


def test_log_refusals_change_nothing(duty: dict[str, Any], shifts: list[Shift]) -> None:
    day = shifts[0]
    with at(date(2026, 9, 30), 9), pytest.raises(ApplicationError, match="本班值班期间"):
        services.log_write(actor=duty["a"], shift_id=day.pk, data=services.EntryIn(content="早了"))
    with at(OCT1, 10):
        with pytest.raises(PermissionDeniedError):
            services.log_write(actor=duty["b"], shift_id=day.pk, data=services.EntryIn(content="不是我的班"))
        with pytest.raises(NotFoundError):
            services.log_write(actor=duty["stranger"], shift_id=day.pk, data=services.EntryIn(content="外单位"))
        with pytest.raises(ApplicationError, match="请填写情况"):
            services.log_write(actor=duty["a"], shift_id=day.pk, data=services.EntryIn(content="  "))
        with pytest.raises(ApplicationError, match="突发事件请选择等级"):
            services.log_write(
                actor=duty["a"], shift_id=day.pk, data=services.EntryIn(content="火情", is_incident=True)
            )
        with pytest.raises(ApplicationError, match="发生时间"):
            services.log_write(
                actor=duty["a"],
                shift_id=day.pk,
                data=services.EntryIn(content="将来", occurred_at=moment(OCT1, 12)),
            )
        with pytest.raises(ApplicationError, match="尚未开始"):
            services.handover_write(actor=duty["b"], shift_id=shifts[1].pk, note="早交班")
    assert not LogEntry.objects.exists()
    assert not Handover.objects.exists()


@override_settings(DUTY_ESCALATE_MINUTES=30)
def test_an_incident_reaches_the_leader_on_call_then_escalates_once(duty: dict[str, Any], shifts: list[Shift]) -> None:
    day = shifts[0]
    leader = day.leader
    assert leader is not None
    with at(OCT1, 11):
        entry = services.log_write(
            actor=duty["a"],
            shift_id=day.pk,
            data=services.EntryIn(
                content="二号输煤皮带着火", handling="已报119", is_incident=True, severity=Severity.MAJOR
            ),
        )
    assert list(Notification.objects.filter(kind="escalate").values_list("user_id", flat=True)) == [leader.pk]
    with at(OCT1, 11, 20):
        assert services.incidents_escalate() == 0
    with at(OCT1, 11, 31):
        assert services.incidents_escalate() == 1
        assert services.incidents_escalate() == 0  # never twice
    told = set(Notification.objects.filter(title__startswith="突发事件未获批示").values_list("user_id", flat=True))
    assert told == {duty["gm"].pk, duty["clerk"].pk}  # the unit's top leader and the office
    with at(OCT1, 11, 40):
        with pytest.raises(PermissionDeniedError):
            services.incident_acknowledge(actor=duty["a"], entry_id=entry.pk, instruction="好")
        with pytest.raises(ApplicationError, match="请填写批示意见"):
            services.incident_acknowledge(actor=leader, entry_id=entry.pk, instruction="")
        acknowledged = services.incident_acknowledge(
            actor=leader, entry_id=entry.pk, instruction="立即组织扑救，注意安全"
        )
        with pytest.raises(ConflictError):
            services.incident_acknowledge(actor=duty["gm"], entry_id=entry.pk, instruction="再批")
    assert acknowledged.acknowledged_by_id == leader.pk
    assert Notification.objects.filter(user=duty["a"], title__startswith="带班领导已批示").exists()


def test_reminders_go_to_the_officer_and_the_leader_once(duty: dict[str, Any], shifts: list[Shift]) -> None:
    day = shifts[0]
    with at(date(2026, 9, 30), 9):
        sent = services.reminders_send()
        assert sent == 1  # Oct 1 day shift is within a day; its night shift is not yet
        assert services.reminders_send() == 0
    eve = Notification.objects.filter(title__startswith="值班提醒")
    assert set(eve.values_list("user_id", flat=True)) == {day.officer_id, day.leader_id}
    with at(OCT1, 8, 31):
        assert services.reminders_send() == 3  # the day shift starts; the eves of Oct 1 night and Oct 2 day
        assert services.reminders_send() == 0
    assert Notification.objects.filter(title__startswith="值班开始", user_id=day.officer_id).count() == 1


def test_agenda_and_todos(duty: dict[str, Any], shifts: list[Shift]) -> None:
    from sanfu.core import agenda, todos

    a = duty["a"]
    items = [
        i for i in agenda.items(a, moment(OCT1, 0), moment(OCT1, 0) + timedelta(days=2)) if i.uid.startswith("duty-")
    ]
    assert [(i.starts_at, i.ends_at) for i in items] == [
        (s.starts_at, s.ends_at) for s in shifts if s.officer_id == a.pk
    ]
    source = todos.source("duty")
    assert source is not None
    assert source.count(duty["b"]) == 0
    with at(OCT1, 17, 20):
        services.handover_write(actor=a, shift_id=shifts[0].pk, note="交班")
    assert source.count(duty["b"]) == 1
    assert source.entries(duty["b"], 5)[0].url == f"/duty/shifts/{shifts[1].pk}/"
    assert shifts[1].kind == ShiftKind.NIGHT
