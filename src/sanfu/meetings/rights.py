"""Who may do what with rooms and bookings (reads only; the services check them, the pages offer what they allow).

A person sees the rooms of their own unit (their staff record's) and every booking of those rooms. They may book
an active room that is open to the whole unit, or one whose bookable departments include one of theirs. The
office (``org.roles.is_office``: 办公室文秘, the role ``clerk``, and the process administrators) manages the
rooms of its unit and may cancel or move any booking there; anyone else only their own."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.meetings.models import Booking, Room
from sanfu.org import roles
from sanfu.org.selectors import departments_of

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
is_office = roles.is_office
unit_of = roles.unit_of


def may_manage_rooms(user: User) -> bool:
    """The office manages the rooms of its unit (``org.roles.is_office``: always on a unit's staff)."""
    return is_office(user)


def may_book(user: User, room: Room) -> bool:
    if not room.active or unit_of(user) != room.unit_id:
        return False
    if room.open_to_all or is_office(user):
        return True
    allowed = set(room.departments.values_list("pk", flat=True))
    return any(d.pk in allowed for d in departments_of(user))


def may_change(user: User, booking: Booking) -> bool:
    """Cancel or move: whoever booked it, or the office of the room's unit."""
    return booking.booked_by_id == user.pk or (is_office(user) and unit_of(user) == booking.room.unit_id)
