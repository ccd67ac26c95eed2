"""Anonymity at the database level: after an employee drops an anonymous suggestion through the page (every
middleware on the way), no column of the suggestion, no audit record, no notification, no outbox message and no
remembered API answer names the author, their address or their browser; and following it by code leaves no trace
either."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Model
from django.urls import reverse

from sanfu.api.models import IdempotentResponse
from sanfu.api.tokens import token_issue
from sanfu.core.models import AuditRecord, Notification
from sanfu.core.throttle import TABLE as THROTTLE_TABLE
from sanfu.suggestions.models import Suggestion
from sanfu.workflow.models import OutboxMessage

ADDRESS = "10.23.45.67"
BROWSER = "Mozilla/5.0 (Anonymity-Probe 42)"


def _texts(model: type[Model], since: int = 0) -> list[str]:
    return [str(row) for row in model.objects.filter(pk__gt=since).values()]  # type: ignore[attr-defined]


def _names(author: Any) -> list[str]:
    return [author.username, author.display_name, ADDRESS, BROWSER]


def _mentions_author(text: str, author: Any) -> bool:
    if any(name in text for name in _names(author)):
        return True
    return re.search(rf"\b(user_id|actor_id|author_id)'?: {author.pk}\b", text) is not None


def test_an_anonymous_suggestion_leaves_nothing_that_links_its_author(sg: dict[str, Any], login: Any) -> None:
    author = sg["accountant"]
    client = login(author)
    before = {
        m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for m in (AuditRecord, Notification, OutboxMessage)
    }
    response = client.post(
        reverse("suggestions:new"),
        {
            "title": "夜班通勤车",
            "body": "建议增开夜班通勤车。",
            "category": "welfare",
            "anonymous": "on",
            "concerns": sg["office"].pk,
        },
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT=BROWSER,
    )
    assert response.status_code == 200
    code = re.search(r'id="follow-code">([A-Z0-9-]+)<', response.content.decode()).group(1)  # type: ignore[union-attr]
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]

    row = Suggestion.objects.get()
    values = Suggestion.objects.filter(pk=row.pk).values().get()
    assert values["author_id"] is None
    assert values["submitted_at"] is None
    assert values["anonymous"] is True
    assert not _mentions_author(str(values), author)
    assert code not in str(values)
    assert str(author.pk) not in [str(v) for k, v in values.items() if k.endswith("_id") and k != "unit_id"]

    for model, since in before.items():
        for text in _texts(model, since):
            assert not _mentions_author(text, author), (model.__name__, text)
            assert f"suggestion:{row.pk}" not in text, (model.__name__, text)
    assert not AuditRecord.objects.filter(pk__gt=before[AuditRecord], actor_id=author.pk).exists()
    assert not AuditRecord.objects.filter(pk__gt=before[AuditRecord], ip_address=ADDRESS).exists()

    # Following it by code writes nothing either (not even a count of tries), and shows the answer.
    marks = {
        m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
        for m in (AuditRecord, Notification, OutboxMessage)
    }
    followed = client.post(reverse("suggestions:follow"), {"code": code}, REMOTE_ADDR=ADDRESS)
    assert "夜班通勤车" in followed.content.decode()
    for model, since in marks.items():
        assert not model.objects.filter(pk__gt=since).exists(), model.__name__
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {THROTTLE_TABLE}")  # noqa: S608
        assert cursor.fetchone() == (0,)


def test_an_anonymous_api_submission_refuses_an_idempotency_key(sg: dict[str, Any]) -> None:
    from django.test import Client

    _token, raw = token_issue(actor=sg["accountant"], name="测试", scopes=["suggestions:write"], days=30)
    body = {"title": "匿名", "body": "内容", "anonymous": True}
    refused = Client().post(
        "/api/v1/suggestions",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "k-1"},
    )
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["error"]["message"]
    assert not Suggestion.objects.exists()
    assert not IdempotentResponse.objects.exists()
    made = Client().post(
        "/api/v1/suggestions", body, content_type="application/json", headers={"Authorization": f"Bearer {raw}"}
    )
    assert made.status_code == 201
    assert made.json()["code"]
    assert Suggestion.objects.get().author_id is None
    assert not IdempotentResponse.objects.exists()


def test_the_key_does_not_tell_the_order_of_submission(sg: dict[str, Any]) -> None:
    from tests.suggestions.conftest import submit

    before = submit(sg["deputy"]).suggestion
    anonymous = submit(sg["accountant"], anonymous=True).suggestion
    after = submit(sg["deputy"]).suggestion
    # a sequential key would put the anonymous one between the two named (audited) ones
    assert not (before.pk < anonymous.pk < after.pk and after.pk - before.pk == 2)
    assert abs(anonymous.pk - before.pk) > 1
    assert abs(after.pk - anonymous.pk) > 1
