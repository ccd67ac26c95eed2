"""The status snapshot (``supervision.snapshots``): written by every service that changes an item, recomputed
by the first read of a later day (and by the worker's nightly job), made stale by a change of the working
calendar, never marked fresh from facts that changed meanwhile; and always the status the rules give on the
day (frozen time across the 2026 National Day holiday)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfu.org.models import CalendarDay, DayKind
from sanfu.supervision import forms, selectors, services, snapshots
from sanfu.supervision.models import Item
from sanfu.supervision.status import Status
from sanfu.supervision.tasks import refresh_supervision_statuses
from tests.supervision.conftest import day, new_item, pdf

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, hour: int = 9) -> time_machine.travel:
    moment = datetime.combine(day(text), datetime.min.time().replace(hour=hour), tzinfo=SHANGHAI)
    return time_machine.travel(moment, tick=False)


def row(item: Item) -> tuple[str, str | None, bool]:
    """(status, the day it holds for, whether it was computed from the row's current version)."""
    found = Item.objects.get(pk=item.pk)
    on = found.status_on.isoformat() if found.status_on else None
    return found.status, on, found.status_version == found.version


def test_a_new_item_and_every_change_write_the_snapshot_in_the_services_transaction(sup: dict[str, Any]) -> None:
    with at("2026-09-21"):
        item = new_item(sup, days=12)  # due Sat Oct 3 (a holiday): runs to Thu Oct 8
        assert row(item) == ("on_track", "2026-09-21", True)
    # the report due Mon Sep 28 is not made: at risk on Tue Sep 29, which a read of that day stores
    with at("2026-09-29"):
        assert row(item) == ("on_track", "2026-09-21", True)
        assert selectors.ledger(sup["gm"], selectors.LedgerFilters()).counts["at_risk"] == 1
        assert row(item) == ("at_risk", "2026-09-29", True)
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="推进", percent=70)
        assert row(item) == ("on_track", "2026-09-29", True)  # the report recomputed it, no read needed
    with at("2026-10-08"):
        services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="完成", files=[pdf()])
        assert row(item) == ("on_track", "2026-10-08", True)  # applied on the effective deadline
    with at("2026-10-09"):
        services.closeout_reject(actor=sup["gm"], item_id=item.pk, comment="佐证不足")
        assert row(item) == ("overdue", "2026-10-09", True)  # reopened after the effective deadline
        services.closeout_apply(actor=sup["accountant"], item_id=item.pk, summary="补充佐证", files=[pdf()])
        services.closeout_approve(actor=sup["gm"], item_id=item.pk, score=4)
        assert row(item) == ("done", "2026-10-09", True)
        assert Item.objects.get(pk=item.pk).on_time is False  # completed Oct 9, after Oct 8


def test_a_stale_snapshot_is_recomputed_by_the_first_read_of_the_day(sup: dict[str, Any]) -> None:
    with at("2026-09-21"):
        item = new_item(sup, days=12)
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="开工", percent=30)
    with at("2026-09-30"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="大部完成", percent=80)
    with at("2026-10-09"):
        assert row(item) == ("on_track", "2026-09-30", True)  # what Sep 30 said: stale on Oct 9
        found = selectors.ledger(sup["gm"], selectors.LedgerFilters(status="overdue"))
        assert [i.pk for i in found.rows] == [item.pk]
        assert found.counts == {"on_track": 0, "at_risk": 0, "overdue": 1, "done": 0}
        assert row(item) == ("overdue", "2026-10-09", True)
        assert snapshots.refresh() == 0  # fresh now: nothing to recompute


def test_the_nightly_job_recomputes_every_open_item_for_the_new_day(sup: dict[str, Any]) -> None:
    with at("2026-09-21"):
        first = new_item(sup, days=12)
        second = new_item(sup, title="第二项", days=60)
    with at("2026-09-29", 0):
        assert refresh_supervision_statuses.call_local() == 2
        assert row(first) == ("at_risk", "2026-09-29", True)  # report due Mon Sep 28 not made
        assert row(second) == ("at_risk", "2026-09-29", True)
        assert refresh_supervision_statuses.call_local() == 0


def test_a_change_of_the_working_calendar_makes_every_snapshot_stale(sup: dict[str, Any]) -> None:
    with at("2026-11-02"):
        item = new_item(sup, days=16)  # due Wed Nov 18
    with at("2026-11-18"):
        services.progress_report(actor=sup["accountant"], item_id=item.pk, text="完成", percent=100)
    with at("2026-11-19"):
        assert selectors.ledger(sup["gm"], selectors.LedgerFilters()).counts["overdue"] == 1
        # the administrator makes Nov 18 a rest day: the deadline runs to Thu Nov 19, not passed yet
        CalendarDay.objects.create(date=day("2026-11-18"), kind=DayKind.HOLIDAY, note="调休")
        assert Item.objects.get(pk=item.pk).status_version is None
        counts = selectors.ledger(sup["gm"], selectors.LedgerFilters()).counts
        assert (counts["overdue"], counts["on_track"]) == (0, 1)
        CalendarDay.objects.filter(date=day("2026-11-18")).delete()
        assert selectors.ledger(sup["gm"], selectors.LedgerFilters()).counts["overdue"] == 1


def test_a_recompute_from_facts_changed_meanwhile_is_not_marked_fresh(
    sup: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with at("2026-09-21"):
        item = new_item(sup, days=60)
    with at("2026-09-29"):
        real = snapshots.status_of

        def racing(*args: Any) -> Status:
            """Another request reports while this recompute judges the facts it read before."""
            Item.objects.filter(pk=item.pk).update(last_percent=50, version=Item.objects.get(pk=item.pk).version + 1)
            return real(*args)

        monkeypatch.setattr(snapshots, "status_of", racing)
        assert snapshots.refresh() == 0  # the row moved on: nothing written
        monkeypatch.setattr(snapshots, "status_of", real)
        assert row(item)[2] is False  # still stale: the next read recomputes it
        assert snapshots.refresh() == 1
        assert row(item)[2] is True


def test_nobody_types_a_status(sup: dict[str, Any]) -> None:
    names = {f.name for f in Item._meta.get_fields() if getattr(f, "editable", False)}
    assert not {"status", "status_on", "status_version", "on_time"} & names
    assert not {"status", "status_on", "on_time"} & set(forms.ItemForm.base_fields)
