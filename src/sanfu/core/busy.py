"""Times a person is taken, offered by the domain that knows them (a meeting they attend, a room booking), read by
a domain that may not import it (领导日程 flags an entry overlapping a meeting of the leader).

Each domain registers a provider in its ``AppConfig.ready()``: ``provide("meetings", fn)`` where
``fn(user_ids, start, end)`` returns the ``Busy`` spans of those people overlapping [start, end). A reader asks
``spans(user_ids, start, end)``; with no provider registered the answer is empty, so a domain works alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Busy:
    """``user_id`` is taken from ``starts_at`` to ``ends_at`` by ``title`` (会议: 安全生产例会), ``source`` naming the
    provider."""

    user_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    source: str


Provider = Callable[[list[int], datetime, datetime], Iterable[Busy]]

_PROVIDERS: dict[str, Provider] = {}


def provide(name: str, provider: Provider) -> None:
    _PROVIDERS[name] = provider


def spans(user_ids: Iterable[int], start: datetime, end: datetime) -> list[Busy]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    found: list[Busy] = []
    for provider in _PROVIDERS.values():
        found.extend(provider(ids, start, end))
    return found
