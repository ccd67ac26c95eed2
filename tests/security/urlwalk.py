"""Every URL pattern of the URL conf, with its parameters: what the access checklist (tests/security/test_access.py)
walks, so that a page added tomorrow is walked too. Built on the walk of ``tests/web/test_url_walk.py`` (its
sample path: ``1`` for an integer, ``x`` for anything else)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.web.test_url_walk import _route_part

_ROUTE_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Page:
    """One URL pattern: its name (``namespace:name``, or the view's dotted path when it has none), a sample
    path, and the names of the parameters in its URL (those of the resolvers above it included)."""

    name: str
    sample: str
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def is_api(self) -> bool:
        return self.sample.startswith("/api/")


def _params(pattern: RoutePattern | RegexPattern) -> list[str]:
    text = str(pattern)
    found = _ROUTE_PARAM if isinstance(pattern, RoutePattern) else _REGEX_PARAM
    return [m.group("name") for m in found.finditer(text)]


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, ns: str, params: tuple[str, ...]) -> Iterator[Page]:
    for entry in patterns:
        part = _route_part(entry.pattern)  # type: ignore[arg-type]
        here = (*params, *_params(entry.pattern))  # type: ignore[arg-type]
        if isinstance(entry, URLResolver):
            space = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from _walk(entry.url_patterns, prefix + part, space, here)
        else:
            yield Page(f"{ns}{entry.name or entry.lookup_str}", prefix + part, here)


def pages() -> list[Page]:
    """Every URL pattern of the site (static files left out)."""
    return [p for p in _walk(get_resolver().url_patterns, "/", "", ()) if not p.sample.startswith("/static/")]
