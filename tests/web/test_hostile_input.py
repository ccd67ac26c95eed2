"""Hostile input over HTTP (security issue, hole 14): every URL of the URL conf, signed in as a clerk and as
each administrator (system, security, audit, process), with hostile values on every query and form
parameter the view reads, by GET and by POST (no CSRF check), and with every integer in its path made too
large for any column. No 5xx anywhere, on SQLite and on PostgreSQL.

Which parameters a view reads is not listed by hand: a recording middleware (innermost) wraps
``request.GET`` and ``request.POST`` and notes each key asked for. The keys found are then sent with each
hostile value, and keys first read on the way (a view that reads ``dept`` once ``unit`` is given) are sent
too. A new view and a new parameter are covered without touching this file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest.mock import patch

import pytest
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.test import Client, override_settings
from django.urls import NoReverseMatch, Resolver404, get_resolver, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.approvals import services as approvals
from sanfu.approvals.models import Attachment, MatterType
from sanfu.archive.models import ArchiveFile, ArchiveRecord
from sanfu.core.models import Notification
from sanfu.demo.seed import seed_all
from sanfu.documents.models import DocumentFile, DocumentNumber, IncomingDocument, OutgoingDocument
from sanfu.org.models import Delegation
from tests.approvals.conftest import EXPENSE, pdf
from tests.conftest import make_user
from tests.web.test_url_walk import _walk

# "%00" reaches the view as a NUL (PostgreSQL refuses NUL in text); "１２" is full-width and "²" a superscript
# (both pass str.isdigit()); 25 ones overflow every integer column and 2**31 PostgreSQL's integer. A key that
# names a date also gets year one, which overflows when made a moment and moved to UTC.
HOSTILE = ["abc", "²", "-1", "0", "1" * 25, "1e3", "", "%00", "１２", "2147483648"]
DATE_KEY = re.compile(r"date|day|from|until|since")
HUGE = "9" * 25
SKIP = {"accounts:logout", "set_language", "web:favicon"}  # signing out or changing language ends the walk
_seen: dict[str, set[str]] = {"GET": set(), "POST": set()}


class _Recording(QueryDict):
    """A QueryDict that notes each key a view asks for."""

    method = "GET"

    def __getitem__(self, key: str) -> Any:
        _seen[self.method].add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        _seen[self.method].add(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> list[Any]:
        _seen[self.method].add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        _seen[self.method].add(str(key))
        return super().__contains__(key)


class _RecordingPost(_Recording):
    method = "POST"


class RecordingMiddleware:
    """Innermost: swaps the request's GET and POST for recording copies just before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _copy(_Recording, request.GET)
        if request.method == "POST":
            request.body  # noqa: B018 - read first, so that a view reading the raw body (JSON) still can
            request.POST = _copy(_RecordingPost, request.POST)
        return self.get_response(request)


def _copy(kind: type[_Recording], source: QueryDict) -> _Recording:
    copy = kind("", mutable=True)
    for key, values in source.lists():
        copy.setlist(key, values)
    copy._mutable = False
    return copy


@dataclass
class Walk:
    persona: str
    client: Client
    failures: list[str] = field(default_factory=list)
    sent: int = 0

    def send(self, method: str, path: str, query: dict[str, str], body: dict[str, str]) -> tuple[int, set[str]]:
        """One request inside a savepoint (a database error must not end the test's transaction); returns the
        status and the keys the view read, marked G: or P:."""
        for seen in _seen.values():
            seen.clear()
        self.sent += 1
        url = path + ("?" + "&".join(f"{k}={_quote(v)}" for k, v in query.items()) if query else "")
        savepoint = transaction.savepoint()
        try:
            if method == "POST":
                response = self.client.post(url, {k: "\x00" if v == "%00" else v for k, v in body.items()})
            else:
                response = self.client.get(url)
        except Exception as exc:
            transaction.savepoint_rollback(savepoint)
            self.failures.append(f"{self.persona} {method} {url} {body or ''}: {type(exc).__name__}: {exc}"[:400])
            return 0, set()
        transaction.savepoint_commit(savepoint)
        if response.status_code >= 500:
            self.failures.append(f"{self.persona} {method} {url} {body or ''}: HTTP {response.status_code}")
        return response.status_code, {f"G:{k}" for k in _seen["GET"]} | {f"P:{k}" for k in _seen["POST"]}


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="%")  # "%00" stays as typed: the server decodes it to a NUL


def _explore(walk: Walk, method: str, path: str, explored: set[Any]) -> None:
    """Probe the view, then send every key it reads at once with each hostile value (a GET the query's keys,
    a POST its body's: the query's are the GET's to try), following keys first read on the way. When the
    hostile batch is refused (404/403) where the probe was not, one key may be hiding the others: the batch
    is halved until each key has been read with the value. A page another persona explored the same way
    (same status, same keys) is not explored again, and a method a view refuses (405, whoever asks) is not
    asked again."""
    if (method, path, 405) in explored:
        return
    probe = {"_probe": "1"} if method == "POST" else {}  # a non-empty POST makes `Form(request.POST or None)` bind
    status, keys = walk.send(method, path, {}, probe)
    if status == 405:
        explored.add((method, path, 405))
    mine = {k for k in keys if k.startswith("G:" if method == "GET" else "P:")}
    signature = (method, path, status, frozenset(mine))
    if not mine or signature in explored:
        return
    explored.add(signature)

    def send(batch: list[str], value: str) -> set[str]:
        named = {k.split(":", 1)[1]: value for k in batch}
        code, found = walk.send(
            method, path, named if method == "GET" else {}, {**probe, **named} if method == "POST" else {}
        )
        if code in (403, 404) and status not in (403, 404) and len(batch) > 1:
            half = len(batch) // 2
            return send(batch[:half], value) | send(batch[half:], value)
        return found

    tried: set[str] = set()
    while mine - tried:
        batch = sorted(mine - tried)
        tried |= set(batch)
        for value in HOSTILE:
            mine |= {k for k in send(batch, value) if k.startswith("G:" if method == "GET" else "P:")}
        dated = [k for k in batch if DATE_KEY.search(k)]
        if dated:
            send(dated, "0001-01-01")


def _data(clerk: User) -> dict[str, Any]:
    """Real objects for the path parameters, so that views get past their 404 to the parameters they read."""
    matter = MatterType.objects.get(code="expense")
    request = approvals.matter_submit(
        actor=clerk,
        matter=matter,
        title="办公用纸报销",
        data=EXPENSE,
        materials={"invoice": [pdf()], "list": [pdf("清单.pdf")]},
    )
    draft = approvals.draft_save(actor=clerk, matter=matter, title="草稿", data=EXPENSE)
    target = make_user("walk_target")
    grant = RoleGrant.objects.create(
        user=target, role=Role.objects.filter(Q(admin_kind__isnull=True) | Q(admin_kind="")).order_by("pk").first()
    )
    return {
        "request": request,
        "draft": draft,
        "target": target,
        "grant": grant,
    }


def _first(model: Any) -> int:
    return model.objects.order_by("pk").values_list("pk", flat=True).first() or 1


def _paths(data: dict[str, Any]) -> Iterator[str]:
    """Every URL, its parameters filled with real objects where one exists."""
    request = data["request"]
    ints = {
        "user_id": data["target"].pk,
        "grant_id": data["grant"].pk,
        "delegation_id": _first(Delegation),
        "draft_id": data["draft"].pk,
        "notification_id": _first(Notification),
        "instance_id": request.instance_id,
        "attachment_id": Attachment.objects.filter(request=request).values_list("pk", flat=True).first(),
        "record_id": _first(ArchiveRecord),
        "file_id": _first(ArchiveFile),
        "version": 1,
    }
    pks = {
        "documents:incoming": _first(IncomingDocument),
        "documents:incoming_act": _first(IncomingDocument),
        "documents:outgoing": _first(OutgoingDocument),
        "documents:outgoing_act": _first(OutgoingDocument),
        "documents:outgoing_download": _first(OutgoingDocument),
        "documents:file": _first(DocumentFile),
        "documents:number_void": _first(DocumentNumber),
    }
    texts = {"code": "expense", "kind": "staff", "fmt": "pdf"}
    steps = {
        "documents:incoming_act": ["propose", "instruct", "distribute", "reply", "close", "return", "resubmit"],
        "documents:outgoing_act": [
            "revise", "review", "return", "resubmit", "agree", "disagree", "signoff", "number", "issue", "archive",
            "receive",
        ],
    }  # fmt: skip
    for name, walked in _walk(get_resolver().url_patterns):
        if name in SKIP or walked.startswith("/static/"):
            continue
        try:
            match = resolve(walked)
        except Resolver404:
            yield walked
            continue
        kwargs: dict[str, Any] = {}
        for key, value in match.kwargs.items():
            if key == "pk":
                kwargs[key] = pks.get(name, value)
            elif isinstance(value, int):
                kwargs[key] = ints.get(key, value)
            else:
                kwargs[key] = texts.get(key, value)
        for step in steps.get(name, [None]):
            if step is not None:
                kwargs["step"] = step
            try:
                yield reverse(match.view_name, kwargs=kwargs)
            except NoReverseMatch:
                yield walked


def _signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="walk", confirmed=True
    )
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def _with_recording() -> Any:
    from django.conf import settings

    return override_settings(MIDDLEWARE=[*settings.MIDDLEWARE, f"{__name__}.RecordingMiddleware"])


@pytest.mark.django_db
def test_no_hostile_query_form_or_path_value_gives_a_server_error() -> None:
    seed_all()
    clerk = User.objects.get(username="clerk")
    data = _data(clerk)
    personas = {
        "clerk": clerk,
        "process-admin": RoleGrant.objects.get(role__code="process-admin").user,
        **{u.username: u for u in User.objects.filter(username__in=["sysadmin", "secadmin", "auditadmin"])},
    }
    paths = list(_paths(data))
    failures: list[str] = []
    sent = 0
    explored: set[Any] = set()
    quiet = logging.getLogger("django.request")  # thousands of expected 404/405 warnings; errors are ours
    with _with_recording(), patch.object(quiet, "level", logging.ERROR):
        for persona, user in personas.items():
            walk = Walk(persona, _signed_in(user))
            # Django admin checks its permission before any view of it reads a parameter: the site is walked
            # by those it lets in; the others see that it does not.
            admitted = walk.send("GET", "/admin/", {}, {})[0] == 200
            for path in paths:
                if path.startswith("/admin/") and not admitted:
                    continue
                for method in ("GET", "POST"):
                    _explore(walk, method, path, explored)
                huge = re.sub(r"(?<=/)\d+(?=[/.])", HUGE, path)  # every id in the path, too large for a column
                if huge != path and walk.send("GET", huge, {}, {})[0] == 405:
                    walk.send("POST", huge, {}, {"_probe": "1"})
            failures += walk.failures
            sent += walk.sent
    assert len(paths) > 100
    assert sent > 1000
    assert not failures, f"{len(failures)} server errors in {sent} requests:\n" + "\n".join(dict.fromkeys(failures))
