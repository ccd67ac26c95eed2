"""Concurrency: threads racing for one room's slot, each with its own connection, meeting at a barrier. Exactly
one booking wins; every other writer gets a conflict naming it and leaves nothing behind. Runs on whichever
database the suite runs on (the PostgreSQL exclusion constraint, or SQLite's guarded write)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError
from sanfu.meetings import flows, services
from sanfu.meetings.models import Booking, BookingSeries, BookingStatus, Meeting, MeetingKind, MeetingStatus, Repeat
from tests.meetings.conftest import at, next_monday
from tests.races import race

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_racing_writers_one_wins(meet: dict[str, Any]) -> None:
    day = next_monday()
    people = [meet["accountant"], meet["office_head"], meet["finance_head"], meet["clerk"], meet["gm"], meet["deputy"]]

    def book(person: Any, n: int) -> Any:
        # overlapping, not identical, slots: 9:00–10:00, 9:10–10:10, …
        return lambda: services.booking_create(
            actor=person,
            room_id=meet["big"].pk,
            title=f"会{n}",
            starts_at=at(day, 9, 10 * n),
            ends_at=at(day, 10, 10 * n),
        )

    results = race([book(p, n) for n, p in enumerate(people[:THREADS])])
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, ConflictError)]
    assert len(won) == 1, results
    assert len(lost) == THREADS - 1, results
    assert all(f"“{won[0].title}”" in e.message for e in lost)
    assert Booking.objects.filter(status=BookingStatus.BOOKED).count() == 1
    # in the same test: each transactional test flushes every table after it
    _series_against_a_booking(meet, earlier=won[0].pk)
    _approve_against_return(meet)


def _series_against_a_booking(meet: dict[str, Any], *, earlier: int) -> None:
    """A series of five Mondays races a single booking of its last Monday: all of the series, or the single."""
    monday = next_monday()
    last = monday + timedelta(days=28)

    def series() -> Any:
        return services.series_create(
            actor=meet["accountant"],
            room_id=meet["big"].pk,
            title="周例会",
            repeat=Repeat.WEEKLY,
            weekdays=[0],
            first_day=monday,
            count=5,
            start_time=time(14),
            end_time=time(15),
        )

    def single() -> Any:
        return services.booking_create(
            actor=meet["office_head"],
            room_id=meet["big"].pk,
            title="临时会",
            starts_at=at(last, 14, 30),
            ends_at=at(last, 15, 30),
        )

    results = race([series, single])
    assert sum(isinstance(r, ConflictError) for r in results) == 1, results
    booked = Booking.objects.filter(status=BookingStatus.BOOKED).exclude(pk=earlier)
    if isinstance(results[0], BookingSeries):
        assert booked.count() == 5
    else:
        assert list(booked.values_list("title", flat=True)) == ["临时会"]
        assert not BookingSeries.objects.exists()


def _approve_against_return(meet: dict[str, Any]) -> None:
    """The leader's approval and return of one plan at the same moment (two tabs): one wins, the meeting's
    status follows it, and the other is refused."""
    flows.publish_definitions()
    day = next_monday() + timedelta(days=2)
    booking = services.booking_create(
        actor=meet["office_head"], room_id=meet["big"].pk, title="会", starts_at=at(day, 9), ends_at=at(day, 10)
    )
    meeting = services.meeting_create(
        actor=meet["office_head"],
        kind_id=MeetingKind.objects.get(name="专题会").pk,
        title="专题会",
        booking_id=booking.pk,
        approver_id=meet["gm"].pk,
        attendee_ids=[meet["accountant"].pk],
        agenda=[services.AgendaIn("议题")],
    )
    services.meeting_submit(actor=meet["office_head"], meeting_id=meeting.pk)
    results = race(
        [
            lambda: services.meeting_approve(actor=meet["gm"], meeting_id=meeting.pk),
            lambda: services.meeting_return(actor=meet["gm"], meeting_id=meeting.pk, comment="再议"),
        ]
    )
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 1, results
    assert sum(isinstance(r, Meeting) for r in results) == 1, results
    status = Meeting.objects.get(pk=meeting.pk).status
    assert status == (MeetingStatus.RETURNED if isinstance(results[0], ApplicationError) else MeetingStatus.NOTIFIED)


def test_the_database_itself_refuses_an_overlap(meet: dict[str, Any]) -> None:
    """On PostgreSQL the exclusion constraint refuses even a write that skips the services (an ORM create); a
    cancelled booking does not count."""
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite relies on the guarded write")
    day = next_monday()
    fields = {"room": meet["big"], "booked_by": meet["clerk"], "starts_at": at(day, 9), "ends_at": at(day, 10)}
    Booking.objects.create(title="A", **fields)
    Booking.objects.create(title="B", status=BookingStatus.CANCELLED, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(title="C", **{**fields, "starts_at": at(day, 9, 30), "ends_at": at(day, 11)})
