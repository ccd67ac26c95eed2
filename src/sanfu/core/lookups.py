"""Named lists that an upper app offers to the pages of a lower one that may not import it.

The delegation form (org) offers the matters by name, which only the 审批中心 (approvals) knows: approvals
registers a ``matters`` provider in its ``AppConfig.ready()``, the form asks for ``choices("matters")``. A
list nobody provides is empty, so a lower app works alone."""

from __future__ import annotations

from collections.abc import Callable

Choices = list[tuple[str, str]]

_PROVIDERS: dict[str, Callable[[], Choices]] = {}


def provide(name: str, provider: Callable[[], Choices]) -> None:
    """Offer the list ``name``: ``provider`` returns (code, label) pairs, read afresh at each call."""
    _PROVIDERS[name] = provider


def choices(name: str) -> Choices:
    provider = _PROVIDERS.get(name)
    return provider() if provider is not None else []
