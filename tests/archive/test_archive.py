"""电子档案: the archive_record API, search, access rules on every read path, dossier export and verify."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role, User
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.archive import search as fulltext
from sanfu.archive.models import ArchiveFile, ArchiveRecord, SearchIndexRow
from sanfu.archive.search import index_tokens, query_tokens
from sanfu.archive.selectors import Filters, search_records, visible_records
from sanfu.archive.services import ArchiveFileIn, archive_record, dossier_export, dossier_verify
from sanfu.core.errors import ApplicationError
from tests.conftest import grant, make_department, make_staff, make_unit

pytestmark = pytest.mark.django_db

HISTORY = [
    {"at": "2026-03-01T09:00:00+08:00", "who": "文书", "what": "拟稿", "comment": ""},
    {"at": "2026-03-02T10:00:00+08:00", "who": "办公室主任", "what": "核稿", "comment": "同意"},
]


def _archive(org: dict[str, Any], source_id: int = 1, **kw: Any) -> ArchiveRecord:
    args: dict[str, Any] = {
        "source": "documents",
        "source_id": source_id,
        "title": "关于加强迎峰度夏安全生产工作的通知",
        "kind": "发文",
        "unit_id": org["unit"].pk,
        "department_id": org["office"].pk,
        "year": 2026,
        "body_text": "各部门：为确保迎峰度夏期间机组稳定运行，现就设备巡检和防汛准备工作通知如下。",
        "history": HISTORY,
        "files": [ArchiveFileIn(name="正文.docx", content=b"docx-bytes", text="正文")],
    }
    args.update(kw)
    return archive_record(**args)


@pytest.fixture
def outsider(org: dict[str, Any]) -> User:
    """Someone of another unit, with no role."""
    other = make_unit("other", name="另一家公司")
    return make_staff(make_department(other, "综合部"), username="stranger")


# --- archive_record ---------------------------------------------------------------------------------


def test_archive_record_is_idempotent_and_adds_new_files(org: dict[str, Any]) -> None:
    first = _archive(org)
    again = _archive(
        org,
        title="关于加强迎峰度夏安全生产工作的通知（修订）",
        files=[
            ArchiveFileIn(name="正文.docx", content=b"docx-bytes", text="正文"),
            ArchiveFileIn(name="附件1.pdf", content=b"pdf", text="检修计划表"),
        ],
        history=[*HISTORY, {"at": "2026-03-03", "who": "总经理", "what": "签发", "comment": ""}],
    )
    assert again.pk == first.pk
    assert ArchiveRecord.objects.count() == 1
    again.refresh_from_db()
    assert again.revision == 2
    assert again.title.endswith("（修订）")
    assert [e["what"] for e in again.history] == ["拟稿", "核稿", "签发"]
    assert sorted(again.files.values_list("name", flat=True)) == ["正文.docx", "附件1.pdf"]
    stored = ArchiveFile.objects.get(name="附件1.pdf")
    assert stored.size == 3
    assert len(stored.sha256) == 64
    assert Path(stored.file.path).read_bytes() == b"pdf"
    assert SearchIndexRow.objects.count() == 1
    assert "检修" in SearchIndexRow.objects.get().tokens.split()


def test_archive_record_refuses_unknown_levels(org: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError):
        _archive(org, confidentiality="top-secret")
    with pytest.raises(ApplicationError):
        _archive(org, retention="5y")
    assert not ArchiveRecord.objects.exists()


# --- search -------------------------------------------------------------------------------------------


def test_segmentation_is_shared_by_index_and_query() -> None:
    assert set(query_tokens("安全生产")) <= set(index_tokens("加强安全生产管理").split())
    assert query_tokens("，。 ") == []


def test_search_finds_body_and_attachment_words_ranked(org: dict[str, Any]) -> None:
    gm = org["gm"]
    strong = _archive(
        org,
        1,
        title="防汛工作安排",
        body_text="防汛物资、防汛值班和防汛演练安排如下。",
        files=[],
    )
    weak = _archive(org, 2, title="年度工作总结", body_text="全年工作平稳，汛期前完成了防汛检查。", files=[])
    _archive(org, 3, title="采购管理办法", body_text="规范采购流程。", files=[])
    attached = _archive(
        org,
        4,
        title="会议纪要",
        body_text="会议研究了若干事项。",
        files=[ArchiveFileIn(name="附件.pdf", content=b"x", text="锅炉检修验收标准")],
    )
    found = list(search_records(actor=gm, filters=Filters(query="防汛")))
    assert found[:2] == [strong, weak]
    assert list(search_records(actor=gm, filters=Filters(query="锅炉检修"))) == [attached]
    assert list(search_records(actor=gm, filters=Filters(query="防汛 采购"))) == []
    assert list(search_records(actor=gm, filters=Filters(query='"防汛" * ('))) == [strong, weak]


def test_search_filters(org: dict[str, Any]) -> None:
    gm = org["gm"]
    a = _archive(org, 1, year=2025, kind="发文", body_text="安全检查")
    b = _archive(org, 2, year=2026, kind="收文", body_text="安全检查", status="transferred")

    def ids(**kw: Any) -> set[int]:
        return {r.pk for r in search_records(actor=gm, filters=Filters(**kw))}

    assert ids(query="安全检查") == {a.pk, b.pk}
    assert ids(query="安全检查", year=2025) == {a.pk}
    assert ids(kind="收文") == {b.pk}
    assert ids(status="transferred") == {b.pk}
    assert ids(unit_id=org["unit"].pk) == {a.pk, b.pk}
    assert ids(unit_id=org["unit"].pk + 1000) == set()


def test_search_page_highlights_and_paginates(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    for i in range(25):
        _archive(org, i + 1, body_text=f"第{i}号 关于设备巡检的通知")
    client = login(org["clerk"])
    page = client.get(reverse("archive:search"), {"q": "巡检"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<mark>巡检</mark>" in html
    assert "共 25 条" in html
    second = client.get(reverse("archive:search"), {"q": "巡检", "page": 2})
    assert second.content.decode().count('class="list-group-item archive-hit"') == 5


def test_the_list_without_a_query_marks_nothing(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    _archive(org, 1)
    html = login(org["clerk"]).get(reverse("archive:search")).content.decode()
    assert "迎峰度夏" in html
    assert "<mark>" not in html


def test_a_phrase_found_as_several_tokens_is_marked_as_one() -> None:
    marked = str(fulltext.snippet(["贵港发电有限公司检修分公司"], "贵港发电"))
    assert "<mark>贵港发电</mark>" in marked
    assert "</mark><mark>" not in marked


# --- access -------------------------------------------------------------------------------------------


def _paths(record: ArchiveRecord) -> list[str]:
    f = record.files.get()
    return [
        reverse("archive:record", args=[record.pk]),
        reverse("archive:file", args=[record.pk, f.pk]),
        reverse("archive:dossier", args=[record.pk]),
    ]


@pytest.mark.parametrize("level", ["internal", "secret", "confidential"])
def test_outsider_gets_404_on_every_path(
    org: dict[str, Any], outsider: User, login: Callable[[User], Client], level: str
) -> None:
    record = _archive(org, confidentiality=level, body_text="迎峰度夏专项检查")
    client = login(outsider)
    for url in _paths(record):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("archive:search"))
    assert record.title not in listing.content.decode()
    found = client.get(reverse("archive:search"), {"q": "迎峰度夏"})
    assert record.title not in found.content.decode()
    assert not visible_records(outsider).exists()


def test_public_record_open_to_everyone_signed_in(
    org: dict[str, Any], outsider: User, login: Callable[[User], Client]
) -> None:
    record = _archive(org, confidentiality="public")
    client = login(outsider)
    for url in _paths(record):
        assert client.get(url).status_code == 200, url
    assert Client().get(_paths(record)[0]).status_code == 302  # anonymous → sign in


def test_internal_record_open_to_own_unit(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    record = _archive(org, confidentiality="internal")
    client = login(org["accountant"])
    for url in _paths(record):
        assert client.get(url).status_code == 200, url
    assert record.title in client.get(reverse("archive:search")).content.decode()


def test_secret_record_only_owner_readers_and_restricted_holders(
    org: dict[str, Any], outsider: User, login: Callable[[User], Client]
) -> None:
    record = _archive(org, confidentiality="secret", owner_id=org["clerk"].pk, reader_ids=[org["finance_head"].pk])
    assert set(visible_records(org["clerk"])) == {record}
    assert set(visible_records(org["finance_head"])) == {record}
    assert not visible_records(org["accountant"]).exists()  # same unit, but not enough for 秘密
    assert login(org["accountant"]).get(_paths(record)[0]).status_code == 404
    # the built-in leader role carries archive.restricted with the 全部 scope
    ensure_admin_roles()
    leader = Role.objects.get(code="leader")
    assert Perm.READ_ARCHIVE_RESTRICTED in leader.permissions
    grant(org["gm"], leader)
    assert set(visible_records(org["gm"])) == {record}
    for url in _paths(record):
        assert login(org["gm"]).get(url).status_code == 200, url
    assert not visible_records(outsider).exists()


def test_restricted_permission_respects_data_scope(org: dict[str, Any]) -> None:
    in_office = _archive(org, 1, confidentiality="confidential", department_id=org["section"].pk)
    in_finance = _archive(org, 2, confidentiality="confidential", department_id=org["finance"].pk)
    role = Role.objects.create(
        code="archivist",
        name="档案员",
        permissions=[Perm.READ_ARCHIVE_RESTRICTED],
        data_scope=DataScope.DEPARTMENT_TREE,
    )
    grant(org["office_head"], role)
    assert set(visible_records(org["office_head"])) == {in_office}
    role.data_scope = DataScope.UNIT
    role.save()
    head = User.objects.get(pk=org["office_head"].pk)  # grants are cached per user object
    assert set(visible_records(head)) == {in_office, in_finance}


# --- dossier export and verify --------------------------------------------------------------------------


def test_dossier_export_contents_and_verify(org: dict[str, Any], tmp_path: Path) -> None:
    record = _archive(
        org,
        files=[
            ArchiveFileIn(name="正文.docx", content=b"docx-bytes", text="正文"),
            ArchiveFileIn(name="附件1.pdf", content=b"%PDF-1.7 ...", text="附件"),
        ],
    )
    data = dossier_export(record=record)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        index = json.loads(zf.read("index.json"))
        assert "迎峰度夏" in zf.read("index.html").decode()
        manifest = zf.read("manifest-sha256.txt").decode()
    assert set(names) == {
        "index.json",
        "index.html",
        "files/001-正文.docx",
        "files/002-附件1.pdf",
        "manifest-sha256.txt",
    }
    assert index["title"] == record.title
    assert [e["what"] for e in index["history"]] == ["拟稿", "核稿"]
    assert len(manifest.splitlines()) == 4
    assert dossier_verify(data).ok

    good = tmp_path / "good.zip"
    good.write_bytes(data)
    out = io.StringIO()
    call_command("archive", "verify", str(good), stdout=out)
    assert out.getvalue().startswith("OK")

    # tamper with one member: verify names it and the command fails
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            dst.writestr(name, b"forged" if name == "files/002-附件1.pdf" else body)
    result = dossier_verify(tampered.read_bytes())
    assert not result.ok
    assert result.problem == "mismatch: files/002-附件1.pdf"
    with pytest.raises(CommandError, match=r"mismatch: files/002-附件1\.pdf"):
        call_command("archive", "verify", str(tampered))

    # a missing and an extra member are named too
    def rewrite(target: Path, *, drop: str = "", extra: str = "") -> bytes:
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(target, "w") as dst:
            for name in src.namelist():
                if name != drop:
                    dst.writestr(name, src.read(name))
            if extra:
                dst.writestr(extra, b"?")
        return target.read_bytes()

    assert dossier_verify(rewrite(tmp_path / "m.zip", drop="index.html")).problem == "missing member: index.html"
    assert dossier_verify(rewrite(tmp_path / "e.zip", extra="files/x.txt")).problem == "extra member: files/x.txt"


def test_navigation_lists_the_archive(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    page = login(org["clerk"]).get(reverse("archive:search"))
    assert reverse("archive:search") in page.content.decode()
    assert "电子档案" in page.content.decode()


# --- ranked search in windows (search.RankedResults) -----------------------------------------------------


def _ranked_corpus(org: dict[str, Any]) -> dict[str, list[ArchiveRecord]]:
    """Secret records of the clerk that rank best for 巡检 (many occurrences), then internal and public
    ones with fewer; some ranks tie (identical texts), which the id breaks."""
    made: dict[str, list[ArchiveRecord]] = {"secret": [], "internal": [], "public": []}
    n = 0
    for level, count, repeat in (("secret", 8, 6), ("internal", 4, 3), ("public", 5, 1)):
        for i in range(count):
            n += 1
            body = "设备巡检" * (repeat + i % 2) + f"记录第{n}号"
            made[level].append(
                _archive(org, n, title=f"记录{n}", body_text=body, confidentiality=level, owner_id=org["clerk"].pk)
            )
    return made


@pytest.mark.parametrize(("window", "chunk"), [(3, 2), (500, 500)])
def test_windowed_search_matches_the_reference_ranking(
    org: dict[str, Any], outsider: User, monkeypatch: pytest.MonkeyPatch, window: int, chunk: int
) -> None:
    monkeypatch.setattr(fulltext.RankedResults, "WINDOW", window)
    monkeypatch.setattr(fulltext.RankedResults, "ACCESS_CHUNK", chunk)
    made = _ranked_corpus(org)
    secret = {r.pk for r in made["secret"]}
    for actor in (org["clerk"], org["accountant"], outsider):
        reference = list(fulltext.ranked_queryset(visible_records(actor), query_tokens("巡检")))
        results = search_records(actor=actor, filters=Filters(query="巡检"))
        assert isinstance(results, fulltext.RankedResults)
        assert list(results) == reference
        assert results.count() == len(reference)
        for start, stop in ((0, 2), (2, 5), (4, 20), (0, 1)):
            page = results[start:stop]
            assert page == reference[start:stop]
            assert [r.rank for r in page] == [r.rank for r in reference[start:stop]]  # type: ignore[attr-defined]
        if actor != org["clerk"]:
            assert not secret & {r.pk for r in results}
        # with a metadata filter the ranking runs inside the join (after the rule and the filter)
        narrowed = search_records(actor=actor, filters=Filters(query="巡检", year=2026))
        assert list(narrowed) == reference
        assert narrowed[1:3] == reference[1:3]
        assert narrowed.count() == len(reference)
    assert len(list(search_records(actor=outsider, filters=Filters(query="巡检")))) == len(made["public"])


def test_window_of_invisible_hits_never_leaks_and_still_fills_the_page(
    org: dict[str, Any], outsider: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The best hits are all secret: the first window holds none the outsider may see, the page is
    filled from further down (by ranking inside the join, after the rule), and no secret record shows."""
    monkeypatch.setattr(fulltext.RankedResults, "WINDOW", 3)
    made = _ranked_corpus(org)
    window = [pk for pk, _ in fulltext.ranked_window(query_tokens("巡检"), 0, 3)]
    assert set(window) <= {r.pk for r in made["secret"]}
    results = search_records(actor=outsider, filters=Filters(query="巡检"))
    page = results[0:4]
    assert len(page) == 4
    assert {r.confidentiality for r in page} == {"public"}
    assert page == list(fulltext.ranked_queryset(visible_records(outsider), query_tokens("巡检")))[:4]
    # metadata filters apply to the window too
    only = made["public"][0]
    ArchiveRecord.objects.filter(pk=only.pk).update(year=2020)
    assert [r.pk for r in search_records(actor=outsider, filters=Filters(query="巡检", year=2020))[0:20]] == [only.pk]
    assert list(search_records(actor=outsider, filters=Filters(query="巡检", year=2019))) == []


def test_ranked_count_is_capped(
    org: dict[str, Any], login: Callable[[User], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fulltext.RankedResults, "COUNT_CAP", 3)
    for i in range(5):
        _archive(org, i + 1, body_text=f"第{i}号 关于设备巡检的通知", confidentiality="public")
    results = search_records(actor=org["clerk"], filters=Filters(query="巡检"))
    assert isinstance(results, fulltext.RankedResults)
    assert results.count() == 3
    assert results.count_capped
    exact = search_records(actor=org["clerk"], filters=Filters(query="巡检", year=2026))
    monkeypatch.setattr(fulltext.RankedResults, "COUNT_CAP", 5)
    assert exact.count() == 5
    assert not getattr(exact, "count_capped")  # noqa: B009
    monkeypatch.setattr(fulltext.RankedResults, "COUNT_CAP", 2)
    monkeypatch.setattr("sanfu.archive.selectors.PAGE_SIZE", 1)
    html = login(org["clerk"]).get(reverse("archive:search"), {"q": "巡检"}).content.decode()
    assert "超过 2 条" in html
    assert "共 2 条" not in html
