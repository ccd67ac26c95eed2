"""Where the directory's people work: offered by the organisation, which ``accounts`` may not import.

Accounts sit below org in the layers (docs/architecture.md), so the sync cannot create ``org.Staff`` rows or
departments itself. The org app registers a placer in its ``AppConfig.ready()``; ``sync`` calls every
registered placer after the accounts are in step, with the whole directory and the accounts it names. A
placer does its own writes through its own services, in its own transactions, audited, and returns what it
counted. With no placer registered the sync keeps accounts only.
"""

from __future__ import annotations

from collections.abc import Callable

from sanfu.accounts.directory.entries import Directory
from sanfu.accounts.models import User

# placer(*, directory, accounts, by) -> counts; ``accounts`` maps each directory user name to its account
# (administrators left out: they are never placed from the directory).
Placer = Callable[..., dict[str, int]]

_PLACERS: dict[str, Placer] = {}


def register(name: str, placer: Placer) -> None:
    _PLACERS[name] = placer


def place(*, directory: Directory, accounts: dict[str, User], by: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for placer in _PLACERS.values():
        counts.update(placer(directory=directory, accounts=accounts, by=by))
    return counts
