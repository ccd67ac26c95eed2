"""What a token may do: each domain declares the scopes its operations require (``declare``), and a token
holds a subset of the declared ones. Reading and writing are separate scopes, so a reporting integration
holds only ``…:read``."""

from __future__ import annotations

from django.utils.functional import Promise

_DECLARED: dict[str, str | Promise] = {}


def declare(code: str, label: str | Promise) -> str:
    """Declare a scope (idempotent; called at import of a domain's ``api`` module). Returns the code."""
    _DECLARED.setdefault(code, label)
    return code


def declared() -> dict[str, str | Promise]:
    return dict(sorted(_DECLARED.items()))


def unknown(codes: list[str]) -> list[str]:
    return [code for code in codes if code not in _DECLARED]
