"""Every API read applies the same visibility as the page, for the same person: the 收文 and 发文 lists and pages,
the archive's search and records, and the 审批中心's requests and inbox. For each persona (the office's clerk, a
leader who signs, another leader, a department head, plain staff, a person of another company) the ids a list
answers are the ids the page's selector gives, and each item's API page answers 200 exactly where the web page
does (404 elsewhere) — 内部 and 秘密 items included. A classified API read is audited as the page's is."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanfu.approvals.selectors import inbox
from sanfu.archive.selectors import Filters, search_records, visible_records
from sanfu.core.models import AuditRecord
from sanfu.documents import selectors as documents
from tests.api.documents_world import PERSONAS, World, module_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


def _ids(client: Any, path: str, **params: Any) -> list[int]:
    """Every id a paged list answers, following its cursor."""
    seen: list[int] = []
    cursor = None
    while True:
        response = client.get(path, limit=2, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return seen


def _page(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.people[name])
    return client


def _same_answer(page: Any, api: Any) -> bool:
    assert page.status_code in (200, 404), page.status_code
    assert api.status_code in (200, 404), api.content
    return page.status_code == api.status_code


@pytest.mark.parametrize("name", PERSONAS)
def test_incoming_list_and_pages_show_what_the_page_shows(world: World, name: str) -> None:
    person, api, page = world.people[name], world.api(name), _page(world, name)
    listed = _ids(api, "/documents/incoming")
    assert listed == sorted(documents.visible_incoming(person).values_list("pk", flat=True), reverse=True)
    assert len(set(listed)) == len(listed)
    for doc in world.incoming.values():
        on_page = page.get(reverse("documents:incoming", args=[doc.pk]))
        over_api = api.get(f"/documents/incoming/{doc.pk}")
        assert _same_answer(on_page, over_api), (name, doc.confidentiality)
        assert (over_api.status_code == 200) == (doc.pk in listed)


@pytest.mark.parametrize("name", PERSONAS)
def test_outgoing_list_and_pages_show_what_the_page_shows(world: World, name: str) -> None:
    person, api, page = world.people[name], world.api(name), _page(world, name)
    listed = _ids(api, "/documents/outgoing")
    assert listed == sorted(documents.visible_outgoing(person).values_list("pk", flat=True), reverse=True)
    for doc in world.outgoing.values():
        on_page = page.get(reverse("documents:outgoing", args=[doc.pk]))
        over_api = api.get(f"/documents/outgoing/{doc.pk}")
        assert _same_answer(on_page, over_api), (name, doc.confidentiality)
        assert (over_api.status_code == 200) == (doc.pk in listed)


@pytest.mark.parametrize("name", PERSONAS)
def test_document_files_download_where_the_page_lets_them(world: World, name: str) -> None:
    api, page = world.api(name), _page(world, name)
    for doc in [*world.incoming.values(), *world.outgoing.values()]:
        for stored in doc.files.all():
            on_page = page.get(reverse("documents:file", args=[stored.pk]))
            assert _same_answer(on_page, api.get(f"/documents/files/{stored.pk}")), (name, doc.title)


@pytest.mark.parametrize("name", PERSONAS)
def test_archive_search_and_records_show_what_the_page_shows(world: World, name: str) -> None:
    person, api, page = world.people[name], world.api(name), _page(world, name)
    listed = _ids(api, "/archive/records")
    assert listed == sorted(visible_records(person).values_list("pk", flat=True), reverse=True)
    found = _ids(api, "/archive/records", q="迎峰度夏")
    ranked = search_records(actor=person, filters=Filters(query="迎峰度夏"))
    assert found == [r.pk for r in ranked]
    assert set(found) == {r.pk for r in world.records.values()} & set(listed)
    for record in world.records.values():
        on_page = page.get(reverse("archive:record", args=[record.pk]))
        assert _same_answer(on_page, api.get(f"/archive/records/{record.pk}")), (name, record.confidentiality)
        stored = record.files.get()
        on_page = page.get(reverse("archive:file", args=[record.pk, stored.pk]))
        assert _same_answer(on_page, api.get(f"/archive/records/{record.pk}/files/{stored.pk}"))


@pytest.mark.parametrize("name", PERSONAS)
def test_requests_and_the_inbox_show_what_the_page_shows(world: World, name: str) -> None:
    person, api, page = world.people[name], world.api(name), _page(world, name)
    assert _ids(api, "/approvals/requests") == list(inbox.started_instances(person).values_list("pk", flat=True))
    todo = [item["task"]["id"] for item in api.get("/approvals/inbox", box="todo", limit=200).json()["items"]]
    assert sorted(todo) == sorted(inbox.todo_tasks(person).values_list("pk", flat=True))
    on_page = page.get(reverse("approvals:instance", args=[world.leave_id]))
    assert _same_answer(on_page, api.get(f"/approvals/requests/{world.leave_id}")), name


def test_the_matrix_is_not_empty_nor_everything(world: World) -> None:
    """The scene separates the personas: the secret items are read by some and not by others."""
    secret_in, secret_out = world.incoming["secret"], world.outgoing["secret"]
    readers = {n for n in PERSONAS if documents.visible_incoming(world.people[n]).filter(pk=secret_in.pk).exists()}
    assert {"clerk", "gm"} <= readers
    assert {"staff", "hr", "stranger"}.isdisjoint(readers)
    drafters = {n for n in PERSONAS if documents.visible_outgoing(world.people[n]).filter(pk=secret_out.pk).exists()}
    assert "office_head" in drafters
    assert {"staff", "stranger"}.isdisjoint(drafters)
    secret_record = world.records["secret"]
    record_readers = {n for n in PERSONAS if visible_records(world.people[n]).filter(pk=secret_record.pk).exists()}
    assert "clerk" in record_readers
    assert {"staff", "stranger", "hr"}.isdisjoint(record_readers)
    assert not visible_records(world.people["stranger"]).filter(pk=world.records["internal"].pk).exists()
    assert visible_records(world.people["hr"]).filter(pk=world.records["confidential"].pk).exists()


def test_a_classified_api_read_is_audited_as_the_page_read_is(world: World) -> None:
    clerk = world.api("clerk")
    secret = world.incoming["secret"]
    assert clerk.get(f"/documents/incoming/{secret.pk}").status_code == 200
    stored = secret.files.get()
    assert clerk.get(f"/documents/files/{stored.pk}").status_code == 200
    record = world.records["secret"]
    assert clerk.get(f"/archive/records/{record.pk}").status_code == 200
    audited = AuditRecord.objects.filter(actor_id=world.people["clerk"].pk, action__startswith="classified.")
    assert sorted(audited.values_list("action", "target")) == [
        ("classified.download", f"incoming:{secret.pk}"),
        ("classified.read", f"archive:{record.pk}"),
        ("classified.read", f"incoming:{secret.pk}"),
    ]
    assert all(row.detail == {"level": "secret"} for row in audited)
    # 内部 reads are not security events; a refused read of one that exists is an audited denial.
    assert clerk.get(f"/documents/incoming/{world.incoming['internal'].pk}").status_code == 200
    assert audited.count() == 3
    assert world.api("stranger").get(f"/documents/incoming/{secret.pk}").status_code == 404
    assert AuditRecord.objects.filter(
        action="access.denied", actor_id=world.people["stranger"].pk, target=f"incoming:{secret.pk}"
    ).exists()
