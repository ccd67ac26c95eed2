"""收文登记簿 and 发文登记簿: the 收文 and 发文 lists as Excel ledgers. Each person's ledger holds exactly the rows of
their own list (the read matrix's scene: a 收文 and a 发文 of each 密级 in unit A, read by every persona), the
search box narrows both alike, 秘密/机密 documents in a ledger are audited as exported, text Excel would run as a
formula stays text, and a ledger past the row limit is refused with a message instead of cut short."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.core import xlsx
from sanfu.core.models import AuditRecord
from sanfu.documents import services as documents
from sanfu.documents.models import DocKind, IncomingDocument, OutgoingDocument
from sanfu.org.clearance import Level
from sanfu.org.models import PostRole, Rank
from tests.conftest import make_department, make_staff, make_unit
from tests.web.test_read_matrix import EXPECTED, LEVELS, PDF, PERSONAS, Rule, Scene, build_scene, title_of

INCOMING_HEADER = [
    "编号",
    "来文单位",
    "来文字号",
    "标题",
    "密级",
    "紧急程度",
    "页数",
    "收文日期",
    "登记人",
    "状态",
    "当前办理",
    "办理时限",
    "超时",
    "办结时间",
    "归档时间",
    "疑似重复",
]
OUTGOING_HEADER = [
    "文号",
    "文种",
    "标题",
    "密级",
    "保密期限（年）",
    "份号",
    "紧急程度",
    "发文机关",
    "主送",
    "抄送",
    "拟稿部门",
    "拟稿人",
    "拟稿时间",
    "签发人",
    "签发时间",
    "印发时间",
    "状态",
    "当前办理",
    "超时",
    "归档时间",
]
FORMULA_TITLE = "=cmd|' /C calc'!A0"
FORMULA_SOURCE = "+上级公司"
LISTS = {
    "incoming": ("documents:incoming_list", "documents:incoming_export", "收文", INCOMING_HEADER),
    "outgoing": ("documents:outgoing_list", "documents:outgoing_export", "发文", OUTGOING_HEADER),
}


def _org() -> dict[str, Any]:
    """The conftest company (a module-wide fixture cannot use the function-scoped ``org``)."""
    unit = make_unit("demo", name="示例发电公司")
    leaders = make_department(unit, "公司领导")
    office = make_department(unit, "办公室")
    section = make_department(unit, "文秘科", parent=office)
    finance = make_department(unit, "财务部")
    return {
        "unit": unit,
        "leaders": leaders,
        "office": office,
        "section": section,
        "finance": finance,
        "gm": make_staff(leaders, role=PostRole.HEAD, rank=Rank.LEADER, username="gm", full_name="总经理"),
        "deputy": make_staff(leaders, rank=Rank.DEPUTY_LEADER, username="deputy", full_name="副总经理"),
        "accountant": make_staff(finance, username="accountant"),
    }


@dataclass
class World:
    scene: Scene
    formula_incoming: IncomingDocument
    formula_outgoing: OutgoingDocument


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The read matrix's scene, built once for the module in a transaction rolled back at its end, plus a 公开
    收文 and 发文 whose words look like formulas."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # as Django's TestCase does
        atomic.__enter__()
        try:
            scene = build_scene(_org())
            initiator = scene.people["initiator"]
            incoming = documents.incoming_register(
                actor=initiator,
                title=FORMULA_TITLE,
                source_unit=FORMULA_SOURCE,
                source_number="-1",
                confidentiality=Level.PUBLIC,
                original=SimpleUploadedFile("来文.pdf", PDF, content_type="application/pdf"),
            )
            outgoing = documents.outgoing_draft(
                actor=initiator,
                kind=DocKind.NOTICE,
                title=FORMULA_TITLE,
                body="@各部门",
                recipients="@各部门",
                confidentiality=Level.PUBLIC,
            )
            for level in (Level.INTERNAL, Level.SECRET):  # numbered as at the 编号 step (the scene only claims)
                number = f"矩阵发〔2026〕{LEVELS.index(level) + 1}号"
                OutgoingDocument.objects.filter(pk=scene.outgoing[level].pk).update(number=number)
            built = World(scene, incoming, outgoing)
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


def _ledger(client: Client, name: str, query: str = "") -> list[dict[str, Any]]:
    _list, export, _word, header = LISTS[name]
    response = client.get(reverse(export), {"q": query} if query else {})
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == header
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _listed_titles(client: Client, name: str, query: str = "") -> list[str]:
    page, _export, _word, _header = LISTS[name]
    response = client.get(reverse(page), {"q": query} if query else {})
    assert response.status_code == 200
    return [row.doc.title for row in response.context["rows"]]


@pytest.mark.parametrize("name", list(LISTS))
def test_each_persons_ledger_holds_exactly_their_lists_rows(world: World, db: None, login: Any, name: str) -> None:
    word = LISTS[name][2]
    wrong = []
    for persona in PERSONAS:
        client = login(world.scene.people[persona])
        titles = [row["标题"] for row in _ledger(client, name)]
        if titles != _listed_titles(client, name):
            wrong.append(f"{persona}: ledger {titles}, list {_listed_titles(client, name)}")
        seen = {level for level in LEVELS if title_of(word, level) in titles}
        if seen != EXPECTED[Rule.DOCUMENT][persona]:
            wrong.append(f"{persona} saw {sorted(seen)}")
    assert not wrong, "; ".join(wrong)


def test_an_outsider_gets_an_empty_ledger(world: World, db: None, login: Any) -> None:
    """Plain staff of unit A and a person of unit B take part in none of the documents: headers, no rows."""
    for persona in ("staff_a", "participant_b"):
        client = login(world.scene.people[persona])
        assert _ledger(client, "incoming") == []
        assert _ledger(client, "outgoing") == []


def test_the_search_box_narrows_the_ledger_as_it_narrows_the_list(world: World, db: None, login: Any) -> None:
    client = login(world.scene.people["leader_cleared"])
    secret = world.scene.incoming[Level.SECRET]
    for query in (title_of("收文", Level.SECRET), secret.source_number):
        rows = _ledger(client, "incoming", query)
        assert [r["编号"] for r in rows] == [secret.pk]
        assert [r["标题"] for r in rows] == _listed_titles(client, "incoming", query)
    rows = _ledger(client, "outgoing", title_of("发文", Level.PUBLIC))
    assert [r["标题"] for r in rows] == [title_of("发文", Level.PUBLIC)]
    number = OutgoingDocument.objects.get(pk=world.scene.outgoing[Level.INTERNAL].pk).number
    assert number
    assert [r["标题"] for r in _ledger(client, "outgoing", number)] == [title_of("发文", Level.INTERNAL)]
    # A 秘密 one the viewer may not read is not found by its exact title either.
    uncleared = login(world.scene.people["leader_uncleared"])
    assert _ledger(uncleared, "incoming", title_of("收文", Level.SECRET)) == []


def test_the_ledgers_columns_hold_the_documents_data(world: World, db: None, login: Any) -> None:
    client = login(world.scene.people["initiator"])
    document = world.scene.incoming[Level.CONFIDENTIAL]
    row = next(r for r in _ledger(client, "incoming") if r["编号"] == document.pk)
    assert row["来文单位"] == "上级公司"
    assert row["来文字号"] == document.source_number
    assert row["密级"] == "机密"
    assert row["紧急程度"] == "平急"
    assert row["收文日期"].date() == document.received_on
    assert row["登记人"] == world.scene.people["initiator"].display_name
    assert row["状态"] == "办理中"
    assert row["当前办理"]  # the step in hand and its people
    outgoing = OutgoingDocument.objects.get(pk=world.scene.outgoing[Level.SECRET].pk)
    row = next(r for r in _ledger(client, "outgoing") if r["标题"] == outgoing.title)
    assert row["文号"] == outgoing.number
    assert row["文种"] == "通知"
    assert row["密级"] == "秘密"
    assert row["份号"] == outgoing.copy_no
    assert row["拟稿人"] == world.scene.people["initiator"].display_name


def test_classified_documents_in_a_ledger_are_audited_as_exported(world: World, db: None, login: Any) -> None:
    scene = world.scene
    since = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    _ledger(login(scene.people["leader_uncleared"]), "incoming")  # 公开 and 内部 only: nothing to record
    assert not AuditRecord.objects.filter(seq__gt=since, action__startswith="classified.").exists()
    leader = scene.people["leader_cleared"]
    _ledger(login(leader), "incoming")
    _ledger(login(leader), "outgoing")
    records = AuditRecord.objects.filter(seq__gt=since, action="classified.export", actor_id=leader.pk)
    expected = {
        f"{kind}:{docs[level].pk}"
        for kind, docs in (("incoming", scene.incoming), ("outgoing", scene.outgoing))
        for level in (Level.SECRET, Level.CONFIDENTIAL)
    }
    assert set(records.values_list("target", flat=True)) == expected
    assert records.count() == len(expected)


def test_formula_like_text_stays_text(world: World, db: None, login: Any) -> None:
    client = login(world.scene.people["initiator"])
    for name, export in (("incoming", "documents:incoming_export"), ("outgoing", "documents:outgoing_export")):
        content = client.get(reverse(export), {"q": FORMULA_TITLE}).content
        sheet = load_workbook(io.BytesIO(content)).active
        cells = [
            c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and c.value[0] in "=+-@"
        ]
        assert {c.value for c in cells} >= {FORMULA_TITLE}, name
        for cell in cells:
            assert cell.data_type == "s", (name, cell.coordinate)
            assert cell.quotePrefix, (name, cell.coordinate)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode(), name


def test_a_ledger_past_the_limit_is_refused_with_the_search_kept(
    world: World, db: None, login: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "ROW_LIMIT", 2)
    client = login(world.scene.people["initiator"])
    response = client.get(reverse("documents:incoming_export"), {"q": "矩阵"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('documents:incoming_list')}?q=%E7%9F%A9%E9%98%B5"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "共 4 条" in message
    assert "上限 2 条" in message
    assert _ledger(client, "incoming", title_of("收文", Level.SECRET))  # one row: within the limit


def test_the_lists_offer_the_export_with_their_search(world: World, db: None, login: Any) -> None:
    client = login(world.scene.people["initiator"])
    for name, (page, export, _word, _header) in LISTS.items():
        html = client.get(reverse(page), {"q": "矩阵 秘密"}).content.decode()
        assert f'id="{name}-export" href="{reverse(export)}?q=%E7%9F%A9%E9%98%B5%20%E7%A7%98%E5%AF%86"' in html
