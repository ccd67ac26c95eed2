"""To-dos that are not flow tasks, offered by the domain that knows them, shown in 我的待办.

A meeting notice to reply to, a 督办 progress report falling due: each is a to-do of its person, but no flow
task, and the inbox (approvals) may not import the domain that knows it. So each domain registers a
``TodoSource`` in its ``AppConfig.ready()``; the inbox shows one tab per source and the navigation's badge
counts them with the flow's own to-dos. A source's ``count`` must be one cheap query (it runs on every page
for the badge); its ``entries`` the person's open to-dos of that kind, most pressing first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise


@dataclass(frozen=True)
class TodoEntry:
    """One line of a source's tab: what to do (``title``), where (``url``), by when (``due``), and a short
    ``note`` (待回复, 周报待报送 …). ``overdue``: its due time has passed."""

    title: str
    url: str
    due: date | datetime | None = None
    note: str = ""
    overdue: bool = False

    @property
    def due_text(self) -> str:
        """The due day (2026-12-08) or moment in local time (2026-12-08 09:30); "" when none."""
        if isinstance(self.due, datetime):
            return timezone.localtime(self.due).strftime("%Y-%m-%d %H:%M")
        return self.due.isoformat() if self.due else ""


@dataclass(frozen=True)
class TodoSource:
    """``key``: the tab's name in the URL (``?tab=meetings``); ``label`` and ``icon`` (Bootstrap icon) for the
    tab; ``order`` among the sources; ``count(user)`` and ``entries(user, limit)`` as the module says;
    ``empty``: the tab's text when there is nothing; ``more_url``: the domain's own page listing everything."""

    key: str
    label: str | Promise
    icon: str
    order: int
    count: Callable[[Any], int]
    entries: Callable[[Any, int], list[TodoEntry]]
    empty: str | Promise = ""
    more_url: str = ""


_SOURCES: dict[str, TodoSource] = {}


def register(source: TodoSource) -> None:
    """Add (or replace, on a second ``ready()``) the source named ``source.key``."""
    _SOURCES[source.key] = source


def sources() -> list[TodoSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def source(key: str) -> TodoSource | None:
    return _SOURCES.get(key)


def open_count(user: Any) -> int:
    """Every source's open to-dos of ``user`` (one query per source)."""
    return sum(s.count(user) for s in _SOURCES.values())
