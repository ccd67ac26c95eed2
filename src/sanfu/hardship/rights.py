"""Who sees and handles a hardship application (reads only).

The committee of a unit: everyone holding ``hardship_committee`` or ``hardship_chair`` for that unit (a grant
without a unit counts for the holder's own). An application is read by its applicant and that committee, nobody
else: not the process administrators, not the system's administrators, not the company's leaders."""

from __future__ import annotations

from django.db.models import Q

from sanfu.accounts.models import RoleGrant, User
from sanfu.hardship.models import CHAIR_ROLE, COMMITTEE_ROLE, Application
from sanfu.org import roles

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
unit_of = roles.unit_of


def committee_units(user: User) -> set[int]:
    """The units whose committee ``user`` sits on."""
    cached = getattr(user, "_hardship_units", None)
    if cached is None:
        grants = RoleGrant.objects.filter(user_id=user.pk, role__code__in=[COMMITTEE_ROLE, CHAIR_ROLE])
        cached = set()
        for unit_id in grants.values_list("unit_id", flat=True):
            home = unit_of(user) if unit_id is None else unit_id
            if home is not None:
                cached.add(home)
        if not user.is_active:
            cached = set()
        user._hardship_units = cached  # type: ignore[attr-defined]
    return set(cached)


def on_committee(user: User, unit_id: int) -> bool:
    return unit_id in committee_units(user)


def may_read(user: User, application: Application) -> bool:
    return application.applicant_id == user.pk or on_committee(user, application.unit_id)


def visible_q(user: User) -> Q:
    return Q(applicant_id=user.pk) | Q(unit_id__in=committee_units(user))
