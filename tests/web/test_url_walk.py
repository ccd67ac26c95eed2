"""Every URL, visited anonymously, either asks for sign-in or does not exist; only a short, explicit list
of pages is public."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# Deliberately public: signing in, choosing a language, the admin's own sign-in page, the site's icon.
PUBLIC = {"accounts:login", "set_language", "admin:login", "web:favicon"}

_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>[^>]+)>(?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


def _route_part(pattern: RoutePattern | RegexPattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return _ROUTE_PARAM.sub(lambda m: "1" if m.group("conv") == "int" else "x", text)

    def group(m: re.Match[str]) -> str:
        body = m.group("body")
        if re.fullmatch(r"[\w|-]+", body):  # an alternation of literals, e.g. the admin's app labels
            return body.split("|")[0]
        return "1" if body in {r"\d+", "[0-9]+"} else "x"

    return _REGEX_GROUP.sub(group, text).lstrip("^").rstrip("$").replace("\\", "")


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "/", ns: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        part = _route_part(entry.pattern)  # type: ignore[arg-type]
        if isinstance(entry, URLResolver):
            space = f"{ns}{entry.namespace}:" if entry.namespace else ns
            yield from _walk(entry.url_patterns, prefix + part, space)
        else:
            yield f"{ns}{entry.name or entry.lookup_str}", prefix + part


def test_walk_finds_the_known_pages() -> None:
    names = dict(_walk(get_resolver().url_patterns))
    for name in ("web:home", "accounts:manage", "accounts:audit", "admin:index", "accounts:account_toggle"):
        assert name in names
    assert names["accounts:account_toggle"] == "/accounts/manage/1/toggle/"


def test_anonymous_visitors_see_nothing_but_sign_in(db: None) -> None:
    client = Client()
    leaked: list[str] = []
    checked = 0
    for name, path in _walk(get_resolver().url_patterns):
        if name in PUBLIC or path.startswith("/static/"):
            continue
        response = client.get(path)
        checked += 1
        location = response.get("Location", "")
        if response.status_code in (404, 405):
            continue
        if response.status_code == 302 and location.startswith(("/accounts/login/", "/admin/login/")):
            continue
        if path.startswith("/api/") and response.status_code == 401:  # the API asks for a token instead
            assert response.json()["error"]["code"] == "unauthorized"
            continue
        leaked.append(f"{name} {path} -> {response.status_code} {location}")
    assert checked > 10
    assert not leaked, "pages open to anonymous visitors:\n" + "\n".join(leaked)


def test_public_pages_are_reachable(db: None) -> None:
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
