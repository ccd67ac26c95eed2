"""The personal .ics feed of 我的日程: a secret URL that works without a session, holds the person's own items with
stable UIDs, dies when revoked (every old URL at once) and when the person is no longer active."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanfu.core.errors import NotFoundError
from sanfu.core.models import AuditRecord
from sanfu.schedules import personal
from tests.schedules.conftest import entry


def _fetch(token: str) -> Any:
    return Client().get(reverse("schedules:agenda_feed", args=[token]))


def test_the_feed_holds_the_persons_items_with_stable_uids(sch: dict[str, Any]) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    made = entry(sch["secretary"], sch["gm"], day=tomorrow, title="接待调研组", place="接待室")
    token = personal.personal_feed_token(actor=sch["gm"])
    assert personal.personal_feed_token(actor=sch["gm"]) == token  # the same address until revoked
    response = _fetch(token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR")
    assert f"UID:schedule-{made.pk}@sanfu" in body
    assert "SUMMARY:[领导日程] 接待调研组" in body
    assert "LOCATION:接待室" in body
    assert "URL:http://testserver/schedules/" in body
    assert _fetch(token).content.decode().count("BEGIN:VEVENT") == 1
    # someone else's feed does not carry it
    assert "接待调研组" not in _fetch(personal.personal_feed_token(actor=sch["secretary"])).content.decode()


def test_revoking_kills_every_old_url(sch: dict[str, Any], login: Any) -> None:
    first = personal.personal_feed_token(actor=sch["accountant"])
    assert _fetch(first).status_code == 200
    client = login(sch["accountant"])
    page = client.get(reverse("schedules:agenda_subscribe")).content.decode()
    assert reverse("schedules:agenda_feed", args=[first]) in page
    assert client.post(reverse("schedules:agenda_subscribe")).status_code == 302
    assert _fetch(first).status_code == 404
    second = personal.personal_feed_token(actor=sch["accountant"])
    assert second != first
    assert _fetch(second).status_code == 200
    personal.personal_feed_revoke(actor=sch["accountant"])
    assert _fetch(second).status_code == 404
    assert (
        AuditRecord.objects.filter(action="schedules.personal_feed_revoke", actor_id=sch["accountant"].pk).count() == 2
    )


def test_forged_or_inactive_is_404(sch: dict[str, Any]) -> None:
    token = personal.personal_feed_token(actor=sch["accountant"])
    assert _fetch(token[:-2] + "xx").status_code == 404
    assert _fetch("1:1").status_code == 404
    other = personal.personal_feed_token(actor=sch["clerk"])
    _user, generation, signature = other.split(":")
    assert _fetch(f"{sch['accountant'].pk}:{generation}:{signature}").status_code == 404  # another's signature
    sch["accountant"].is_active = False
    sch["accountant"].save(update_fields=["is_active"])
    assert _fetch(token).status_code == 404
    with pytest.raises(NotFoundError):
        personal.personal_feed_items(token)
