"""The archive over HTTP with a token: the archive page's search (ranked, with its filters and a highlighted
excerpt) paged by a cursor, a record with its history and files, a file's bytes and the dossier — every one through
``visible_records``: a record the holder may not see is a 404 (an audited denial), and reading, downloading or
exporting a 秘密 one is audited."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from sanfu.api.tokens import token_issue
from sanfu.archive.selectors import Filters, search_records, visible_records
from sanfu.archive.services import dossier_verify
from sanfu.core.models import AuditRecord
from tests.api.conftest import ApiClient
from tests.api.documents_world import PDF, World, archived, module_world

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


def _all(client: ApiClient, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = client.get("/archive/records", **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_search_ranks_like_the_page_and_marks_the_hits(world: World) -> None:
    clerk = world.api("clerk")
    found = _all(clerk, q="设备巡检", limit=50)
    expected = search_records(actor=world.people["clerk"], filters=Filters(query="设备巡检"))
    assert [r["id"] for r in found] == [r.pk for r in expected]
    assert found
    assert all("<mark>" in r["snippet"] for r in found)
    assert clerk.get("/archive/records", q="不存在的词语组合").json()["items"] == []


def test_a_ranked_search_pages_by_cursor_without_repeats(world: World) -> None:
    for n in range(5):
        archived(world, 100 + n, "public")
    clerk = world.api("clerk")
    whole = [r["id"] for r in _all(clerk, q="迎峰度夏", limit=50)]
    paged = [r["id"] for r in _all(clerk, q="迎峰度夏", limit=2)]
    assert paged == whole
    assert len(set(paged)) == len(paged) == visible_records(world.people["clerk"]).count()
    assert clerk.get("/archive/records", q="迎峰度夏", cursor="!!").status_code == 422


def test_filters_narrow_as_the_page_filters(world: World) -> None:
    clerk, person = world.api("clerk"), world.people["clerk"]
    unit = world.departments["office"].unit_id
    for params, filters in [
        ({"year": 2026}, Filters(year=2026)),
        ({"year": 2025}, Filters(year=2025)),
        ({"kind": "发文"}, Filters(kind="发文")),
        ({"unit": unit, "q": "迎峰度夏"}, Filters(unit_id=unit, query="迎峰度夏")),
        ({"status": "voided"}, Filters(status="voided")),
    ]:
        got = [r["id"] for r in _all(clerk, limit=3, **params)]
        assert got == [r.pk for r in search_records(actor=person, filters=filters)], params
    assert _all(clerk, year=2025) == []
    facets = clerk.get("/archive/facets").json()
    assert facets == {"years": [2026], "kinds": ["发文"]}


def test_a_record_with_its_history_files_and_dossier(world: World) -> None:
    record = world.records["internal"]
    clerk = world.api("clerk")
    detail = clerk.get(f"/archive/records/{record.pk}").json()
    assert detail["title"] == record.title
    assert detail["body_text"] == record.body_text
    assert [f["name"] for f in detail["files"]] == ["正文.pdf"]
    downloaded = clerk.get(f"/archive/records/{record.pk}/files/{detail['files'][0]['id']}")
    assert downloaded.status_code == 200
    assert downloaded.getvalue() == PDF + b"internal"
    dossier = clerk.get(f"/archive/records/{record.pk}/dossier")
    assert dossier["Content-Type"] == "application/zip"
    assert dossier_verify(dossier.content).ok
    assert "index.json" in zipfile.ZipFile(io.BytesIO(dossier.content)).namelist()
    assert not AuditRecord.objects.filter(action__startswith="classified.").exists()  # 内部: no security event


def test_every_read_of_a_secret_record_is_audited(world: World) -> None:
    record = world.records["secret"]
    clerk = world.api("clerk")  # its owner
    stored = record.files.get()
    for path in (
        f"/archive/records/{record.pk}",
        f"/archive/records/{record.pk}/files/{stored.pk}",
        f"/archive/records/{record.pk}/dossier",
    ):
        assert clerk.get(path).status_code == 200, path
    rows = AuditRecord.objects.filter(target=f"archive:{record.pk}", action__startswith="classified.")
    assert sorted(rows.values_list("action", flat=True)) == [
        "classified.download",
        "classified.export",
        "classified.read",
    ]
    assert set(rows.values_list("actor_id", flat=True)) == {world.people["clerk"].pk}


def test_a_record_one_may_not_see_is_a_404_on_every_path_and_an_audited_denial(world: World) -> None:
    record = world.records["secret"]
    stranger = world.api("stranger")
    stored = record.files.get()
    for path in (
        f"/archive/records/{record.pk}",
        f"/archive/records/{record.pk}/files/{stored.pk}",
        f"/archive/records/{record.pk}/dossier",
    ):
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert AuditRecord.objects.filter(action="access.denied", target=f"archive:{record.pk}").count() == 3
    assert not AuditRecord.objects.filter(action__startswith="classified.").exists()
    assert record.pk not in [r["id"] for r in _all(stranger, q="迎峰度夏")]
    assert stranger.get(f"/archive/records/{record.pk + 10_000}").status_code == 404
    assert AuditRecord.objects.filter(action="access.denied").count() == 3  # a record that does not exist


def test_a_token_without_the_archive_scope_reads_nothing(world: World) -> None:
    _t, raw = token_issue(actor=world.people["clerk"], name="公文", scopes=["documents:read"], days=1)
    refused = ApiClient(raw).get("/archive/records")
    assert refused.status_code == 403
    assert "archive:read" in refused.json()["error"]["message"]
