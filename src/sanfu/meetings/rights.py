"""Who may do what with rooms and bookings (reads only; the services check them, the pages offer what they allow).

A person sees the rooms of their own unit (their staff record's) and every booking of those rooms. They may book
an active room that is open to the whole unit, or one whose bookable departments include one of theirs. The
office (办公室文秘, the role ``clerk``, and the process administrators, as for 公文) manages the rooms of its unit
and may cancel or move any booking there; anyone else only their own."""

from __future__ import annotations

from sanfu.accounts.models import RoleGrant, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.meetings.models import Booking, Room
from sanfu.org.models import Staff
from sanfu.org.selectors import departments_of


def unit_of(user: User) -> int | None:
    """The unit whose rooms ``user`` sees (None without a staff record: no rooms at all)."""
    cached = getattr(user, "_meetings_unit", False)
    if cached is not False:
        return cached
    unit_id = Staff.objects.filter(user_id=user.pk).values_list("unit_id", flat=True).first()
    user._meetings_unit = unit_id  # type: ignore[attr-defined]
    return unit_id


def is_office(user: User) -> bool:
    """The office: clerks and process administrators (the same rule as the 公文 office)."""
    cached = getattr(user, "_meetings_office", None)
    if cached is None:
        cached = RoleGrant.objects.filter(user=user, role__code="clerk").exists() or has_perm(
            user, Perm.MANAGE_PROCESSES
        )
        user._meetings_office = cached  # type: ignore[attr-defined]
    return bool(cached)


def may_manage_rooms(user: User) -> bool:
    return unit_of(user) is not None and is_office(user)


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
