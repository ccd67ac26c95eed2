"""Every write of 办会 (``services.<name>``): rooms and bookings (``bookings``)."""

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

__all__ = [
    "EQUIPMENT_CHOICES",
    "MAX_OCCURRENCES",
    "RoomIn",
    "booking_cancel",
    "booking_create",
    "booking_move",
    "occurrence_days",
    "room_create",
    "room_update",
    "series_cancel",
    "series_create",
]
