"""Content-Security-Policy (security issue, hole 11; DI-1): every response carries it, scripts run only from
Sanfu's own files (no 'unsafe-inline' in script-src), and no template carries an inline script or an inline
event handler that the policy would block. Chromium's own verdict is in tests/approvals/test_browser_csp.py."""

from __future__ import annotations

import re
from pathlib import Path

from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import get_resolver

from sanfu.core import csp
from tests.web.test_url_walk import _walk

SRC = Path(__file__).resolve().parents[2] / "src" / "sanfu"

# An attribute named on… (onclick=, onchange=, onsubmit=, onload= …) in a tag; and a <script> without src
# (a JSON data block, which is never run, is fine).
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def check_policy(header: str) -> None:
    d = directives(header)
    assert d["default-src"] == ["'self'"]
    assert "'self'" in d["script-src"]
    assert "'unsafe-inline'" not in d["script-src"]
    assert all(v in {"'self'", "'unsafe-eval'"} for v in d["script-src"]), d["script-src"]  # no host, no *
    assert "'unsafe-inline'" in d["style-src"]
    assert d["img-src"] == ["'self'", "data:", "blob:"]
    assert d["font-src"] == ["'self'", "data:"]
    assert d["object-src"] == ["'none'"]
    for name in ("base-uri", "form-action", "frame-ancestors", "frame-src"):
        assert d[name] == ["'self'"], name


def test_the_policy_is_what_the_issue_asks_for() -> None:
    check_policy(csp.POLICY)
    assert "script-src-attr" not in directives(csp.POLICY)  # handler attributes fall under script-src


def test_every_page_of_the_walk_carries_the_policy_signed_in_as_a_clerk(org, login) -> None:
    client: Client = login(org["clerk"])
    client.raise_request_exception = False
    missing: list[str] = []
    checked = 0
    for name, path in _walk(get_resolver().url_patterns):
        if path.startswith("/static/"):
            continue
        response = client.get(path)
        checked += 1
        header = response.get(csp.HEADER)
        if header is None:
            missing.append(f"{name} {path} -> {response.status_code}")
            continue
        check_policy(header)
    assert checked > 100
    assert not missing, "responses without a Content-Security-Policy:\n" + "\n".join(missing)


def test_anonymous_responses_carry_it_too(db: None) -> None:
    client = Client()
    for path in ("/accounts/login/", "/", "/no-such-page/"):
        check_policy(client.get(path)[csp.HEADER])


def test_a_view_that_sets_its_own_policy_keeps_it() -> None:
    own = "default-src 'none'; sandbox"
    middleware = csp.ContentSecurityPolicyMiddleware(lambda request: HttpResponse(headers={csp.HEADER: own}))
    assert middleware(RequestFactory().get("/"))[csp.HEADER] == own


def templates() -> list[Path]:
    found = sorted(SRC.glob("*/templates/**/*.html"))
    assert len(found) > 50
    return found


def test_no_template_has_an_inline_script_or_an_inline_event_handler() -> None:
    problems: list[str] = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        relative = "/".join(path.parts[path.parts.index("templates") + 1 :])
        for match in SCRIPT.finditer(text):
            attrs = match.group(1)
            if not re.search(r"\ssrc\s*=", attrs) and 'type="application/json"' not in attrs:
                problems.append(f"{relative}: inline <script>")
        handler = HANDLER.search(text)
        if handler:
            problems.append(f"{relative}: inline event handler …{handler.group(0)[-40:]}")
    assert not problems, "\n".join(problems)
