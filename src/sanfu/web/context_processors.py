"""What every page of the shell shows: the organisation's name, the navigation and the to-do badges.

Each value is lazy: a partial (an HTMX swap, a redirect's empty body) that shows none of them asks the database
nothing, and a full page asks once. The badges come from ``approvals.selectors.inbox.counts_for``, read once per
request (one statement for the flow's, other systems' and the notifications' numbers, one count per
``core.todos`` source) and shared with the inbox's tabs when the page is the inbox."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from sanfu.accounts.selectors import permissions_of
from sanfu.approvals.selectors.inbox import counts_for
from sanfu.core.navigation import SECTION_TITLES, NavItem, Section
from sanfu.org.selectors import unit_name_of


@cache
def _declared_items() -> tuple[NavItem, ...]:
    """Every installed app's ``navigation``, in section and order (fixed once the apps are loaded)."""
    items = [item for config in apps.get_app_configs() for item in getattr(config, "navigation", ())]
    sections = list(Section)
    return tuple(sorted(items, key=lambda item: (sections.index(item.section), item.order)))


@cache
def _predicate(path: str) -> Callable[[Any], bool]:
    return cast("Callable[[Any], bool]", import_string(path))


def navigation_for(perms: set[str] | frozenset[str], user: Any = None) -> list[dict[str, Any]]:
    """The sections a person with ``perms`` sees, each with its entries (label, url); empty sections go. An entry
    with ``shown_to`` is shown only to a ``user`` its predicate accepts."""
    grouped: dict[Section, list[tuple[Any, str]]] = {}
    for item in _declared_items():
        if item.perm and item.perm not in perms:
            continue
        if item.shown_to and (user is None or not _predicate(item.shown_to)(user)):
            continue
        grouped.setdefault(item.section, []).append((item.label, reverse(item.url_name)))
    return [
        {"title": SECTION_TITLES[section][0], "icon": SECTION_TITLES[section][1], "items": entries}
        for section, entries in grouped.items()
    ]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"org_name": settings.SANFU_ORG_NAME}
    perms = SimpleLazyObject(lambda: permissions_of(user))
    return {
        # The header names the person's own unit unless the deployment names itself.
        "org_name": SimpleLazyObject(lambda: settings.SANFU_ORG_NAME or unit_name_of(user)),
        "nav_sections": SimpleLazyObject(lambda: navigation_for(permissions_of(user), user)),
        "nav_perms": perms,
        "nav_todo_count": SimpleLazyObject(lambda: counts_for(request).badge),
        "nav_unread_count": SimpleLazyObject(lambda: counts_for(request).unread),
    }
