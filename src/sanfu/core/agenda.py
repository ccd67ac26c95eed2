"""What is on a person's calendar, offered by the domain that knows it, read by the personal calendar (我的日程),
its .ics feed and the workbench's "today", none of which may import the domains.

A meeting the person attends, a flow task falling due, a 督办 progress report due, a duty shift, a leader's own
schedule entry: each domain registers a provider in its ``AppConfig.ready()`` with ``provide("meetings", fn)``,
where ``fn(user, start, end)`` returns the person's ``AgendaItem`` overlapping [start, end). A reader asks
``items(user, start, end)`` and gets them all, sorted by start; with no provider registered the answer is empty,
so a domain works alone. Providers answer in a few queries whatever the span (no query per day or per item)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class AgendaItem:
    """One thing on the calendar. ``uid`` is stable across reads (``meeting-42@sanfu``: the .ics feed's UID, so a
    calendar app updates the event instead of duplicating it). ``ends_at`` is None for a moment (a deadline);
    ``all_day`` items span whole local days. ``kind`` is the provider's label shown as a badge (会议, 值班 …),
    ``url`` the page that shows the thing to this person, ``place`` and ``note`` optional lines."""

    uid: str
    title: str
    starts_at: datetime
    kind: str | Promise
    url: str = ""
    ends_at: datetime | None = None
    all_day: bool = False
    place: str = ""
    note: str = ""


Provider = Callable[[Any, datetime, datetime], Iterable[AgendaItem]]

_PROVIDERS: dict[str, Provider] = {}


def provide(name: str, provider: Provider) -> None:
    """Add (or replace, on a second ``ready()``) the provider named ``name``."""
    _PROVIDERS[name] = provider


def unprovide(name: str) -> None:
    """Remove the provider named ``name`` (a test's own; the domains' stay for the process's life)."""
    _PROVIDERS.pop(name, None)


def items(user: Any, start: datetime, end: datetime) -> list[AgendaItem]:
    """Every provider's items of ``user`` overlapping [start, end), the earliest first."""
    found: list[AgendaItem] = []
    for provider in _PROVIDERS.values():
        found.extend(provider(user, start, end))
    return sorted(found, key=lambda item: (item.starts_at, str(item.kind), item.title))
