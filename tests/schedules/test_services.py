"""领导日程 services: who keeps a leader's schedule, validation (nothing changed on error), audit, visibility."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from sanfu.core import busy
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.schedules import rights, selectors, services
from sanfu.schedules.models import ScheduleEntry, Visibility
from tests.schedules.conftest import MONDAY, at, entry


@pytest.mark.parametrize("keeper", ["gm", "secretary", "clerk"])
def test_leader_secretary_and_office_keep_the_schedule(sch: dict[str, Any], keeper: str) -> None:
    made = entry(sch[keeper], sch["gm"])
    assert made.leader == sch["gm"]
    assert made.created_by == sch[keeper]
    assert made.unit == sch["unit"]
    assert AuditRecord.objects.filter(action="schedules.create", target=f"schedule:{made.pk}").exists()


@pytest.mark.parametrize("outsider", ["accountant", "secretary", "deputy", "stranger", "office_head"])
def test_others_may_not_keep_it(sch: dict[str, Any], outsider: str) -> None:
    leader = sch["deputy"] if outsider == "secretary" else sch["gm"]  # the secretary serves gm only
    with pytest.raises(PermissionDeniedError, match="只有领导本人"):
        entry(sch[outsider], leader)
    assert not ScheduleEntry.objects.exists()


def test_only_leaders_have_a_schedule(sch: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="请选择本单位的领导"):
        entry(sch["clerk"], sch["accountant"])


def test_end_must_follow_start_and_nothing_changes(sch: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="结束时间必须晚于开始时间"):
        entry(sch["gm"], sch["gm"], start=10, end=10)
    made = entry(sch["gm"], sch["gm"])
    data = services.EntryIn(leader_id=sch["gm"].pk, title="改了", starts_at=at(MONDAY, 12), ends_at=at(MONDAY, 8))
    with pytest.raises(ApplicationError, match="结束时间必须晚于开始时间"):
        services.entry_update(actor=sch["gm"], entry_id=made.pk, data=data)
    made.refresh_from_db()
    assert made.title == "安全生产例会"
    assert made.starts_at == at(MONDAY, 9)
    with pytest.raises(ApplicationError, match="请填写日程事项"):
        entry(sch["gm"], sch["gm"], title="  ")
    data = services.EntryIn(leader_id=sch["gm"].pk, title="调研", starts_at=at(MONDAY, 9))
    with pytest.raises(ApplicationError, match="请填写结束时间"):
        services.entry_create(actor=sch["gm"], data=data)
    assert ScheduleEntry.objects.count() == 1


def test_all_day_covers_the_whole_days(sch: dict[str, Any]) -> None:
    data = services.EntryIn(leader_id=sch["gm"].pk, title="出差", starts_at=at(MONDAY, 15), all_day=True)
    made = services.entry_create(actor=sch["secretary"], data=data)
    assert made.starts_at == at(MONDAY, 0)
    assert (made.ends_at - made.starts_at).days == 1


def test_update_and_delete_are_audited_and_guarded(sch: dict[str, Any]) -> None:
    made = entry(sch["secretary"], sch["gm"], visibility=Visibility.PRIVATE)
    data = services.EntryIn(
        leader_id=sch["gm"].pk, title="集团会议", starts_at=at(MONDAY, 14), ends_at=at(MONDAY, 16), place="三楼"
    )
    services.entry_update(actor=sch["gm"], entry_id=made.pk, data=data)
    made.refresh_from_db()
    assert (made.title, made.place, made.visibility) == ("集团会议", "三楼", Visibility.PUBLIC)
    with pytest.raises(PermissionDeniedError):
        services.entry_delete(actor=sch["accountant"], entry_id=made.pk)
    with pytest.raises(NotFoundError):
        services.entry_delete(actor=sch["stranger"], entry_id=made.pk)
    services.entry_delete(actor=sch["clerk"], entry_id=made.pk)
    assert not ScheduleEntry.objects.exists()
    assert AuditRecord.objects.filter(action="schedules.delete", target=f"schedule:{made.pk}").exists()


def test_visibility_by_role(sch: dict[str, Any]) -> None:
    public = entry(sch["clerk"], sch["gm"], visibility=Visibility.PUBLIC)
    internal = entry(sch["clerk"], sch["gm"], visibility=Visibility.INTERNAL)
    private = entry(sch["secretary"], sch["gm"], visibility=Visibility.PRIVATE)
    seen = {
        name: {e.visibility for e in (public, internal, private) if rights.may_read(sch[name], e)}
        for name in ("gm", "secretary", "clerk", "deputy", "accountant", "stranger")
    }
    everything = {Visibility.PUBLIC, Visibility.INTERNAL, Visibility.PRIVATE}
    assert seen["gm"] == everything
    assert seen["secretary"] == everything
    assert seen["clerk"] == seen["deputy"] == {Visibility.PUBLIC, Visibility.INTERNAL}
    assert seen["accountant"] == {Visibility.PUBLIC}
    assert seen["stranger"] == set()


def test_week_hides_details_as_busy_and_flags_conflicts(sch: dict[str, Any]) -> None:
    entry(sch["clerk"], sch["gm"], title="公开会议", start=9, end=11)
    entry(sch["secretary"], sch["gm"], title="私人安排", start=10, end=12, visibility=Visibility.PRIVATE)
    rows = {r.leader.username: r for r in selectors.week(sch["accountant"], MONDAY)}
    assert list(rows) == ["gm", "deputy"]
    morning = rows["gm"].days[0][0]
    assert [i.text for i in morning] == ["公开会议", "有安排"]
    assert morning[0].conflict  # the conflict itself is shown, not what it is with
    assert not rows["gm"].days[0][1]
    assert not rows["gm"].days[1][0]
    mine = selectors.week(sch["secretary"], MONDAY)[0].days[0][0]
    assert [(i.text, i.conflict, i.conflict_with) for i in mine] == [
        ("公开会议", True, ["私人安排"]),
        ("私人安排", True, ["公开会议"]),
    ]
    assert selectors.week(sch["stranger"], MONDAY)[0].leader == sch["other_leader"]
    assert selectors.week(sch["stranger"], MONDAY)[0].days[0][0] == []


def test_a_meeting_of_the_leader_is_a_conflict(sch: dict[str, Any]) -> None:
    made = entry(sch["clerk"], sch["deputy"], title="调研", start=14, end=16)
    gm_id, deputy_id = sch["gm"].pk, sch["deputy"].pk

    def meetings(user_ids: list[int], start: datetime, end: datetime) -> list[busy.Busy]:
        assert deputy_id in user_ids
        assert gm_id in user_ids
        return [busy.Busy(deputy_id, at(MONDAY, 15), at(MONDAY, 17), "经营分析会", "meetings")]

    busy.provide("test-meetings", meetings)
    try:
        rows = {r.leader.pk: r for r in selectors.week(sch["clerk"], MONDAY)}
    finally:
        busy._PROVIDERS.pop("test-meetings")
    (item,) = rows[deputy_id].days[0][1]
    assert item.entry == made
    assert item.conflict_with == ["经营分析会"]
