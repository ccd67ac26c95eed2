"""档案目录: the archive search's results as an Excel catalogue. Each person's catalogue holds exactly the rows
their own search lists, in its order (the read matrix's scene: a record of each 密级 in unit A, read by every
persona), the page's filters narrow both alike, 秘密/机密 records in a catalogue are audited as exported, text
Excel would run as a formula stays text, and a search past the limit is refused with a message."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.archive import search as fulltext
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import ArchiveFileIn, archive_record
from sanfu.core import xlsx
from sanfu.core.models import AuditRecord
from sanfu.org.clearance import Level
from sanfu.org.models import PostRole, Rank
from tests.conftest import make_department, make_staff, make_unit
from tests.web.test_read_matrix import EXPECTED, LEVELS, PERSONAS, Rule, Scene, build_scene, title_of

HEADER = [
    "档案编号",
    "题名",
    "类别",
    "分类号",
    "年度",
    "保管期限",
    "密级",
    "单位",
    "部门",
    "责任人",
    "归档时间",
    "状态",
    "文件数",
    "来源",
]
FORMULA_TITLE = '=HYPERLINK("http://evil.example/","档案")'
OLD_TITLE = "二〇二五年度矩阵收文"


def _org() -> dict[str, Any]:
    """The conftest company (a module-wide fixture cannot use the function-scoped ``org``)."""
    unit = make_unit("demo", name="示例发电公司")
    leaders = make_department(unit, "公司领导")
    office = make_department(unit, "办公室")
    return {
        "unit": unit,
        "leaders": leaders,
        "office": office,
        "section": make_department(unit, "文秘科", parent=office),
        "finance": (finance := make_department(unit, "财务部")),
        "gm": make_staff(leaders, role=PostRole.HEAD, rank=Rank.LEADER, username="gm", full_name="总经理"),
        "deputy": make_staff(leaders, rank=Rank.DEPUTY_LEADER, username="deputy", full_name="副总经理"),
        "accountant": make_staff(finance, username="accountant"),
    }


@pytest.fixture(scope="module")
def scene(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    """The read matrix's scene, built once for the module in a transaction rolled back at its end, plus a 公开
    record of 2025 with two files and one whose title looks like a formula."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # as Django's TestCase does
        atomic.__enter__()
        try:
            built = build_scene(_org())
            unit = built.records[Level.PUBLIC].unit_id
            owner = built.people["initiator"].pk
            department = built.records[Level.PUBLIC].department_id
            common = {
                "unit_id": unit,
                "department_id": department,
                "confidentiality": Level.PUBLIC,
                "owner_id": owner,
                "body_text": "矩阵",
            }
            built.records["old"] = archive_record(
                source="catalogue",
                source_id=1,
                title=OLD_TITLE,
                kind="收文",
                year=2025,
                files=[
                    ArchiveFileIn(name="正文.pdf", content=b"1", text=""),
                    ArchiveFileIn(name="附件.pdf", content=b"2"),
                ],
                **common,
            )
            built.records["formula"] = archive_record(
                source="catalogue", source_id=2, title=FORMULA_TITLE, kind="-类别", year=2026, **common
            )
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
    media.disable()


def _catalogue(client: Client, **filters: Any) -> list[dict[str, Any]]:
    response = client.get(reverse("archive:catalogue"), filters)
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def _listed(client: Client, **filters: Any) -> list[int]:
    response = client.get(reverse("archive:search"), filters)
    assert response.status_code == 200
    return [record.pk for record, _excerpt in response.context["rows"]]


@pytest.mark.parametrize("filters", [{}, {"q": "矩阵"}], ids=["newest first", "ranked"])
def test_each_persons_catalogue_holds_exactly_their_searchs_rows(
    scene: Scene, db: None, login: Any, filters: dict[str, str]
) -> None:
    wrong = []
    for persona in PERSONAS:
        client = login(scene.people[persona])
        rows = _catalogue(client, **filters)
        if [r["档案编号"] for r in rows] != _listed(client, **filters):
            wrong.append(f"{persona}: catalogue and search differ")
        titles = {r["题名"] for r in rows}
        seen = {level for level in LEVELS if title_of("档案", level) in titles}
        if seen != EXPECTED[Rule.ARCHIVE][persona]:
            wrong.append(f"{persona} saw {sorted(seen)}")
    assert not wrong, "; ".join(wrong)


def test_an_outsider_sees_no_record_of_another_unit_beyond_the_public_ones(scene: Scene, db: None, login: Any) -> None:
    rows = _catalogue(login(scene.people["clerk_b"]))
    assert {r["密级"] for r in rows} == {"公开"}
    assert title_of("档案", Level.INTERNAL) not in {r["题名"] for r in rows}


def test_the_pages_filters_narrow_the_catalogue(scene: Scene, db: None, login: Any) -> None:
    client = login(scene.people["leader_cleared"])
    old = scene.records["old"]
    for filters in ({"year": "2025"}, {"kind": "收文"}, {"q": "矩阵", "year": "2025"}):
        rows = _catalogue(client, **filters)
        assert [r["档案编号"] for r in rows] == [old.pk] == _listed(client, **filters), filters
    assert _catalogue(client, status="voided") == []
    unit = scene.records[Level.SECRET].unit_id
    assert {r["档案编号"] for r in _catalogue(client, unit=str(unit))} == set(
        ArchiveRecord.objects.filter(unit_id=unit).values_list("pk", flat=True)
    )


def test_the_catalogues_columns_hold_the_records_data(scene: Scene, db: None, login: Any) -> None:
    old = scene.records["old"]
    [row] = _catalogue(login(scene.people["initiator"]), year="2025")
    assert row["题名"] == OLD_TITLE
    assert row["类别"] == "收文"
    assert row["年度"] == 2025
    assert row["保管期限"] == "30年"
    assert row["密级"] == "公开"
    assert row["单位"] == "示例发电公司"
    assert row["责任人"] == scene.people["initiator"].display_name
    assert row["状态"] == "已归档"
    assert row["文件数"] == 2
    assert row["来源"] == f"catalogue#{old.source_id}"
    assert row["归档时间"] is not None


def test_classified_records_in_a_catalogue_are_audited_as_exported(scene: Scene, db: None, login: Any) -> None:
    since = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    _catalogue(login(scene.people["leader_uncleared"]))  # 公开 and 内部 only: nothing to record
    assert not AuditRecord.objects.filter(seq__gt=since, action__startswith="classified.").exists()
    leader = scene.people["leader_cleared"]
    _catalogue(login(leader))
    records = AuditRecord.objects.filter(seq__gt=since, action="classified.export", actor_id=leader.pk)
    expected = [f"archive:{scene.records[level].pk}" for level in (Level.SECRET, Level.CONFIDENTIAL)]
    assert sorted(records.values_list("target", flat=True)) == sorted(expected)


def test_formula_like_text_stays_text(scene: Scene, db: None, login: Any) -> None:
    response = login(scene.people["initiator"]).get(reverse("archive:catalogue"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value in (FORMULA_TITLE, "-类别")]
    assert len(cells) == 2
    for cell in cells:
        assert cell.data_type == "s", cell.coordinate
        assert cell.quotePrefix, cell.coordinate
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_a_catalogue_past_the_limit_is_refused_with_the_filters_kept(
    scene: Scene, db: None, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login(scene.people["leader_cleared"])
    monkeypatch.setattr(xlsx, "ROW_LIMIT", 3)
    response = client.get(reverse("archive:catalogue"), {"year": "2026"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('archive:search')}?year=2026"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "上限 3 条" in message
    # A ranked search counts only up to its cap: past it, the catalogue is refused too.
    monkeypatch.setattr(xlsx, "ROW_LIMIT", 5000)
    monkeypatch.setattr(fulltext.RankedResults, "COUNT_CAP", 2)
    response = client.get(reverse("archive:catalogue"), {"q": "矩阵"})
    assert response.status_code == 302
    assert "结果超过 2 条" in [str(m) for m in get_messages(response.wsgi_request)][-1]


def test_the_search_page_offers_the_catalogue_with_its_filters(scene: Scene, db: None, login: Any) -> None:
    html = login(scene.people["initiator"]).get(reverse("archive:search"), {"year": "2026", "page": "1"}).content
    assert f'id="archive-catalogue" href="{reverse("archive:catalogue")}?year=2026"' in html.decode()
