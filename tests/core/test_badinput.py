"""A NUL in a query or a form is refused with a 400 before any view runs (PostgreSQL refuses NUL in text:
a comment or a search word with one was a 500) (security issue, hole 14)."""

from __future__ import annotations

from sanfu.approvals.models import Request
from sanfu.workflow.models import InstanceEvent


def test_a_nul_in_the_query_is_a_400(org, login):
    client = login(org["clerk"])
    assert client.get("/org/?q=%00").status_code == 400
    assert client.get("/org/?q%00=1").status_code == 400  # in a key, too
    assert client.get("/org/?q=%E6%96%87").status_code == 200


def test_a_nul_in_a_form_is_a_400_and_nothing_changes(org, login):
    client = login(org["clerk"])
    before = InstanceEvent.objects.count()
    for body in ({"comment": "同意\x00"}, {"comment\x00": "x"}):
        assert client.post("/approvals/instances/1/comment/", body).status_code == 400
        urlencoded = client.post(
            "/approvals/instances/1/comment/",
            "comment=%00",
            content_type="application/x-www-form-urlencoded",
        )
        assert urlencoded.status_code == 400
    assert InstanceEvent.objects.count() == before
    assert Request.objects.count() == 0
