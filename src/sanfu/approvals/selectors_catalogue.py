"""Reads for the matter catalogue."""

from __future__ import annotations

from django.db.models import Count, Q

from sanfu.accounts.models import User
from sanfu.accounts.selectors import permissions_of, role_codes_of
from sanfu.approvals.models import MaterialReturn, MatterType, Request


def may_start(user: User, matter: MatterType) -> bool:
    """Whether ``user`` may start ``matter``: active, and (when the matter names roles) holding one of them
    (``start_roles`` lists role codes or permission codes; empty means everyone)."""
    if not matter.is_active:
        return False
    if not matter.start_roles:
        return True
    allowed = set(matter.start_roles)
    return bool(role_codes_of(user) & allowed) or bool(permissions_of(user) & allowed)


def catalogue_for(user: User, *, query: str = "") -> list[MatterType]:
    """Active matters ``user`` may start, optionally filtered by a word in the name or group."""
    matters = MatterType.objects.filter(is_active=True)
    if query:
        matters = matters.filter(Q(name__icontains=query) | Q(group__icontains=query) | Q(code__icontains=query))
    return [m for m in matters.order_by("area", "sort", "code") if may_start(user, m)]


def material_return_counts() -> dict[int, dict[str, float]]:
    """Per matter: requests, how many came back for materials, and the share (the figure the office
    watches to see whether the one-time notification works)."""
    requests = dict(Request.objects.values_list("matter_id").annotate(n=Count("id")).values_list("matter_id", "n"))
    returned = dict(
        MaterialReturn.objects.values_list("matter_id")
        .annotate(n=Count("request_id", distinct=True))
        .values_list("matter_id", "n")
    )
    return {
        matter_id: {
            "requests": total,
            "returned": returned.get(matter_id, 0),
            "share": returned.get(matter_id, 0) / total if total else 0.0,
        }
        for matter_id, total in requests.items()
    }
