"""Every write of 办会 (``services.<name>``): rooms and bookings (``bookings``), meetings (``meetings``)."""

from sanfu.meetings.services.bookings import (
    EQUIPMENT_CHOICES,
    MAX_OCCURRENCES,
    RoomIn,
    booking_cancel,
    booking_create,
    booking_move,
    occurrence_days,
    room_create,
    room_update,
    series_cancel,
    series_create,
)
from sanfu.meetings.services.meetings import (
    AgendaIn,
    attendee_reply,
    checklist_tick,
    ics_of,
    invitations_send,
    meeting_approve,
    meeting_create,
    meeting_return,
    meeting_submit,
)

__all__ = [
    "EQUIPMENT_CHOICES",
    "MAX_OCCURRENCES",
    "AgendaIn",
    "RoomIn",
    "attendee_reply",
    "booking_cancel",
    "booking_create",
    "booking_move",
    "checklist_tick",
    "ics_of",
    "invitations_send",
    "meeting_approve",
    "meeting_create",
    "meeting_return",
    "meeting_submit",
    "occurrence_days",
    "room_create",
    "room_update",
    "series_cancel",
    "series_create",
]
