"""The .ics feed: for the leader, secretaries and office only; the signed URL works without a session, holds what
its holder may read, and dies when revoked or when the holder no longer serves the leader."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.org.models import Secretary
from sanfu.schedules import feed
from sanfu.schedules.models import Visibility
from tests.schedules.conftest import entry


def test_feed_holds_what_its_holder_may_read(sch: dict[str, Any]) -> None:
    entry(sch["clerk"], sch["gm"], title="公开调研", place="一号机组")
    entry(sch["secretary"], sch["gm"], title="私人就诊", visibility=Visibility.PRIVATE)
    token = feed.feed_token(actor=sch["secretary"], leader_id=sch["gm"].pk)
    body = Client().get(reverse("schedules:feed", args=[token])).content.decode()
    assert body.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:公开调研" in body
    assert "LOCATION:一号机组" in body
    assert "私人就诊" in body
    office = Client().get(reverse("schedules:feed", args=[feed.feed_token(actor=sch["clerk"], leader_id=sch["gm"].pk)]))
    assert "公开调研" in office.content.decode()
    assert "私人就诊" not in office.content.decode()


@pytest.mark.parametrize("outsider", ["accountant", "deputy", "stranger"])
def test_others_get_no_feed(sch: dict[str, Any], outsider: str) -> None:
    with pytest.raises(PermissionDeniedError):
        feed.feed_token(actor=sch[outsider], leader_id=sch["gm"].pk)


def test_revoked_or_forged_or_no_longer_serving_is_404(sch: dict[str, Any], login: Any) -> None:
    token = feed.feed_token(actor=sch["secretary"], leader_id=sch["gm"].pk)
    url = reverse("schedules:feed", args=[token])
    assert Client().get(url).status_code == 200
    assert Client().get(reverse("schedules:feed", args=[token[:-2] + "xx"])).status_code == 404
    login(sch["secretary"]).post(reverse("schedules:subscribe", args=[sch["gm"].pk]))
    assert Client().get(url).status_code == 404
    fresh = feed.feed_token(actor=sch["secretary"], leader_id=sch["gm"].pk)
    assert fresh != token
    feed.feed_entries(fresh)
    Secretary.objects.filter(secretary=sch["secretary"]).delete()
    sch["secretary"]._schedules_served = None
    with pytest.raises(NotFoundError):
        feed.feed_entries(fresh)


def test_subscribe_page(sch: dict[str, Any], login: Any) -> None:
    page = login(sch["gm"]).get(reverse("schedules:subscribe", args=[sch["gm"].pk])).content.decode()
    assert "/schedules/feed/" in page
    assert login(sch["accountant"]).get(reverse("schedules:subscribe", args=[sch["gm"].pk])).status_code == 404
