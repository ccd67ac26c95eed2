"""Moments in the engine's data: read from the ISO text events and stored states carry, and written back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

A = TypeVar("A")
R = TypeVar("R")


class LastOne(Generic[A, R]):
    """``func`` that remembers its last argument (by identity: equal is not enough, as moments equal
    across zones read differently) and its answer. A decision formats its one ``now`` and parses that text
    back for every task and run it touches; consecutive decisions usually share ``now`` too."""

    __slots__ = ("func", "last")

    def __init__(self, func: Callable[[A], R]) -> None:
        self.func = func
        self.last: tuple[A, R] | None = None

    def __call__(self, arg: A) -> R:
        last = self.last  # one read and one write: consistent across threads
        if last is not None and last[0] is arg:
            return last[1]
        answer = self.func(arg)
        self.last = (arg, answer)
        return answer


_parse_moment = LastOne(datetime.fromisoformat)


def to_moment(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return _parse_moment(value if type(value) is str else str(value))


def to_iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
