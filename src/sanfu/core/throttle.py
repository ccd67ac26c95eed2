"""Counting tries across processes: at most ``allowed`` tries per client in each fixed window, held in the database.

Django's default cache is per process unless a shared one is configured (the embedded default has none), so a
counter kept there lets each app process (each gunicorn worker) allow the full number. This one lives in the
database every process shares, on SQLite and PostgreSQL alike.

**How a try is counted.** :meth:`Throttle.take` reserves a try before the caller checks anything, with one
statement — an upsert whose update is conditional on the count being under the limit::

    INSERT … VALUES (digest, 1, window end) ON CONFLICT (digest) DO UPDATE SET hits = hits + 1
        WHERE hits < allowed RETURNING hits

The database serialises the statements on the row, so however many processes race, no more than ``allowed``
tries are ever granted in a window; past it :class:`ThrottledError` tells how long until the window ends. A try that
turns out not to count (the right code) is handed back with :meth:`Throttle.give_back`.

**What is stored.** One row per client and window that has counted tries: a keyed hash (HMAC under the
``SECRET_KEY``) of the scope, the client key and the window, the count, and when the window ends. Never the
person, an address or the moment of a try; and the hash changes with every window, so the rows of one client
cannot be linked to each other without the key. A try handed back to nothing leaves no row. Rows whose window
has ended are deleted when a new window's first try is written.

The table has no model on purpose: the counters are ephemeral, have nothing to show in the admin and nothing to
back up or export, and no ORM path can join them to anything. The migration ``core.0009_throttle`` creates it.

Count outside any transaction that may roll back (services call it before their own ``atomic`` block): a count
rolled back is a try not counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.utils import timezone
from django.utils.crypto import salted_hmac

TABLE = "core_throttle"
_SALT = "sanfu.core.throttle"


class ThrottledError(Exception):
    """No try is left in this window; ``retry_after`` seconds until it ends."""

    def __init__(self, retry_after: int):
        super().__init__(f"throttled for {retry_after} s")
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        """The wait in whole minutes, rounded up (at least one)."""
        return max(1, math.ceil(self.retry_after / 60))


@dataclass(frozen=True)
class Ticket:
    """One try taken: ``hits`` tries (this one included) are counted in the window ending at ``ends``."""

    digest: str
    hits: int
    ends: int


@dataclass(frozen=True)
class Throttle:
    """At most ``allowed`` tries per client key in each window of ``window_seconds`` (windows are aligned to
    multiples of their length). ``scope`` names what is counted, so that two throttles never share a count."""

    scope: str
    allowed: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.allowed < 1 or self.window_seconds < 1 or not self.scope:
            raise ValueError("a throttle needs a scope, at least one try and a window of at least one second")

    def _window(self, now: datetime | None) -> tuple[int, int]:
        """This window's index, and the time now in seconds since the epoch."""
        seconds = int((now or timezone.now()).timestamp())
        return seconds // self.window_seconds, seconds

    def _digest(self, client: str, index: int) -> str:
        return salted_hmac(_SALT, f"{self.scope}\0{client}\0{index}", algorithm="sha256").hexdigest()

    def take(self, client: str, *, now: datetime | None = None) -> Ticket:
        """Count one try of ``client`` (a key naming who tries, e.g. ``user:42``; only its keyed hash is stored).
        Raises :class:`ThrottledError` when ``allowed`` tries were already counted in this window."""
        index, seconds = self._window(now)
        ends = (index + 1) * self.window_seconds
        digest = self._digest(client, index)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (digest, hits, ends) VALUES (%s, 1, %s) "  # noqa: S608  # constant table name
                f"ON CONFLICT (digest) DO UPDATE SET hits = {TABLE}.hits + 1 WHERE {TABLE}.hits < %s "
                "RETURNING hits",
                [digest, ends, self.allowed],
            )
            row = cursor.fetchone()
            if row is None:
                raise ThrottledError(max(1, ends - seconds))
            hits = int(row[0])
            if hits == 1:  # a window's first try: the ended windows are of no use any more
                cursor.execute(f"DELETE FROM {TABLE} WHERE ends <= %s", [seconds])  # noqa: S608
        return Ticket(digest=digest, hits=hits, ends=ends)

    def give_back(self, ticket: Ticket) -> None:
        """The try of ``ticket`` does not count after all (it succeeded): uncount it; a count back at nothing
        leaves no row."""
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET hits = hits - 1 WHERE digest = %s AND hits > 0", [ticket.digest])  # noqa: S608
            cursor.execute(f"DELETE FROM {TABLE} WHERE digest = %s AND hits <= 0", [ticket.digest])  # noqa: S608

    def counted(self, client: str, *, now: datetime | None = None) -> int:
        """The tries of ``client`` counted in this window."""
        index, _seconds = self._window(now)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT hits FROM {TABLE} WHERE digest = %s", [self._digest(client, index)])  # noqa: S608
            row = cursor.fetchone()
        return int(row[0]) if row else 0
