"""The ledger in Excel through ``supervision.excel``: the import (all or nothing; every problem as (sheet, row,
column, why); a wrong or missing column; a refusal of the service on a late row undoes the rows before it), the
export (the columns, the formula guard, a round trip through the import), on the people of
``test_bulletin_world`` with time frozen on its ``as of`` day."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from sanfu.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.supervision import excel, selectors, services
from sanfu.supervision.models import Item, Source
from tests.conftest import make_staff
from tests.supervision.test_bulletin_world import AS_OF, World, at, module_world

pytestmark = pytest.mark.django_db

HEADER = (
    "序号",
    "事项名称",
    "督办内容",
    "来源",
    "牵头部门",
    "协办部门",
    "责任人",
    "交办领导",
    "完成时限",
    "报送周期",
    "密级",
)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from module_world(django_db_blocker, tmp_path_factory)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with at(AS_OF.isoformat(), 10):
        yield


def sheet(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER, title: str = "督办台账") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def do_import(world: World, content: bytes, who: str = "clerk") -> list[Item]:
    return excel.items_import(actor=world.people[who], name="台账.xlsx", content=content)


def problems(world: World, content: bytes) -> list[tuple[object, ...]]:
    before = Item.objects.count()
    with pytest.raises(ApplicationError) as caught:
        do_import(world, content)
    assert caught.value.code == ErrorCode.IMPORT_FAILED
    assert Item.objects.count() == before, "nothing may be created"
    return [(e["sheet"], e["row"], e["column"]) for e in caught.value.errors]


GOOD = [
    (
        1,
        "全年安全生产目标",
        "零事故",
        "年度重点工作",
        "办公室",
        "财务部、文秘科",
        "文书",
        "总经理",
        "2026-12-31",
        "每月",
        "内部",
    ),
    (
        2,
        "预算执行分析",
        "",
        "",
        "财务部",
        "",
        "accountant",
        "",
        datetime(2026, 12, 15),  # noqa: DTZ001  # an Excel date cell: naive
        "14",
        "秘密",
    ),
    (3, "报表报送", None, "手工录入", "", "", "会计", None, "2026年11月30日", "7天", None),
]


def test_a_good_sheet_creates_every_item_through_the_service(world: World) -> None:
    created = do_import(world, sheet(GOOD))
    assert [i.title for i in created] == ["全年安全生产目标", "预算执行分析", "报表报送"]
    first, second, third = created
    assert first.source == Source.WORK_PLAN
    assert first.owner == world.people["clerk"]
    assert first.assigned_by == world.people["gm"]
    assert first.lead_department == world.departments["office"]
    assert set(first.co_departments.all()) == {world.departments["finance"], world.departments["section"]}
    assert (first.deadline, first.cadence_days) == (date(2026, 12, 31), 30)
    assert (second.source, second.confidentiality, second.cadence_days) == (Source.MANUAL, "secret", 14)
    assert second.deadline == date(2026, 12, 15)
    assert (third.deadline, third.cadence_days, third.lead_department) == (
        date(2026, 11, 30),
        7,
        world.departments["finance"],
    )
    assert AuditRecord.objects.filter(action="supervision.import").count() == 1
    assert AuditRecord.objects.filter(action="supervision.item.create").count() >= 3


def test_source_cadence_and_level_are_read_as_words_codes_or_english(world: World) -> None:
    rows = [
        (1, "代码写法", "", "work_plan", "财务部", "", "会计", "", "2026-12-31", "weekly", "secret"),
        (2, "英文写法", "", "Annual key work", "财务部", "", "会计", "", "2026-12-31", "Every two weeks", "Public"),
        (3, "大小写与空格", "", "MANUAL", "财务部", "", "会计", "", "2026-12-31", "semi-monthly", " confidential "),
        (4, "英文手工", "", "manual entry", "财务部", "", "会计", "", "2026-12-31", "Quarterly", "Internal"),
        (5, "天数", "", "", "财务部", "", "会计", "", "2026-12-31", "10 days", "内部"),
    ]
    created = do_import(world, sheet(rows))
    assert [(i.source, i.cadence_days, i.confidentiality) for i in created] == [
        (Source.WORK_PLAN, 7, "secret"),
        (Source.WORK_PLAN, 14, "public"),
        (Source.MANUAL, 15, "confidential"),
        (Source.MANUAL, 90, "internal"),
        (Source.MANUAL, 10, "internal"),
    ]


def test_an_unknown_code_or_english_word_is_still_refused(world: World) -> None:
    rows = [
        (1, "会议", "", "meeting", "财务部", "", "会计", "", "2026-12-31", "yearly", "top secret"),
        (2, "批示", "", "Leader's instructions", "财务部", "", "会计", "", "2026-12-31", "monthly", "public"),
    ]
    assert problems(world, sheet(rows)) == [
        ("督办台账", 2, "来源"),
        ("督办台账", 2, "报送周期"),
        ("督办台账", 2, "密级"),
        ("督办台账", 3, "来源"),
    ]


def test_every_bad_row_is_reported_and_nothing_is_created(world: World) -> None:
    rows = [
        GOOD[0],
        (2, "", "", "", "", "", "文书", "", "2026-12-31", "", ""),  # no title
        (3, "甲", "", "会议议定事项", "", "", "无名氏", "", "2026-12-32", "", ""),  # source, owner, date
        (4, "乙", "", "", "不存在的部门", "财务部,也不存在", "文书", "", "2026-11-19", "每年", "绝密"),
    ]
    assert problems(world, sheet(rows)) == [
        ("督办台账", 3, "事项名称"),
        ("督办台账", 4, "来源"),
        ("督办台账", 4, "责任人"),
        ("督办台账", 4, "完成时限"),
        ("督办台账", 5, "牵头部门"),
        ("督办台账", 5, "完成时限"),  # before today (11-20)
        ("督办台账", 5, "协办部门"),
        ("督办台账", 5, "报送周期"),
        ("督办台账", 5, "密级"),
    ]


def test_a_wrong_or_missing_column_is_named(world: World) -> None:
    header = tuple("负责人" if h == "责任人" else h for h in HEADER)
    with pytest.raises(ApplicationError) as caught:
        do_import(world, sheet(GOOD, header=header))
    messages = [e["message"] for e in caught.value.errors]
    assert any("无法识别的列“负责人”" in str(m) for m in messages)
    assert any("表头缺少必填列“责任人”" in str(m) for m in messages)
    assert not Item.objects.filter(title="全年安全生产目标").exists()
    duplicated = (*HEADER, "密级")
    assert ("督办台账", 1, "密级") in problems(world, sheet(GOOD, header=duplicated))


def test_an_ambiguous_name_asks_for_the_username(world: World) -> None:
    make_staff(world.departments["finance"], username="clerk2", full_name="文书")
    with pytest.raises(ApplicationError) as caught:
        do_import(world, sheet([GOOD[0]]))
    assert "请改填用户名" in str(caught.value.errors[0]["message"])
    assert do_import(world, sheet([(*GOOD[0][:6], "clerk", *GOOD[0][7:])]))[0].owner == world.people["clerk"]


def test_a_refusal_of_the_service_on_a_late_row_undoes_the_rows_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.item_create

    def refusing(**fields: Any) -> Item:
        if fields["title"] == "报表报送":
            raise ApplicationError("模拟的拒绝")
        return real(**fields)

    monkeypatch.setattr(services, "item_create", refusing)
    assert problems(world, sheet(GOOD)) == [("督办台账", 4, "")]
    assert not Item.objects.filter(title__in=["全年安全生产目标", "预算执行分析"]).exists()


def test_only_the_office_and_leaders_import_and_only_xlsx(world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        do_import(world, sheet(GOOD), who="accountant")
    with pytest.raises(ApplicationError) as caught:
        excel.items_import(actor=world.people["clerk"], name="台账.csv", content=b"a,b")
    assert "只支持 .xlsx" in str(caught.value.errors[0]["message"])
    with pytest.raises(ApplicationError) as caught:
        excel.items_import(actor=world.people["clerk"], name="台账.xlsx", content=b"not a workbook")
    assert "无法读取" in str(caught.value.errors[0]["message"])


def test_the_export_guards_formulas_and_reads_back_through_the_import(world: World) -> None:
    services.item_create(
        actor=world.people["gm"],
        title='=HYPERLINK("http://example.invalid","点我")',
        content="+1+1",
        owner=world.people["accountant"],
        lead_department=world.departments["finance"],
        deadline=date(2026, 12, 20),
    )
    content = excel.ledger_workbook(actor=world.people["clerk"], filters=selectors.LedgerFilters(month=(2026, 12)))
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book["督办台账"]
    assert tuple(c.value for c in ws[1]) == excel.EXPORT_COLUMNS
    rows = {row[1].value: row for row in ws.iter_rows(min_row=2)}
    formula = rows['=HYPERLINK("http://example.invalid","点我")']
    assert formula[1].data_type == "s"
    assert formula[1].quotePrefix
    assert formula[2].value == "+1+1"
    assert formula[2].quotePrefix
    assert rows["事项O3"][12].value == "有风险"  # 状态, computed
    assert rows["事项O3"][13].value == "进展"  # 最新进展
    # what the export wrote reads back: the same items again (the computed columns ignored)
    again = do_import(world, content)
    assert sorted(i.title for i in again) == sorted(rows)
    assert {i.lead_department for i in again if i.title.startswith("=")} == {world.departments["finance"]}


def test_the_template_has_the_imported_columns_only(world: World) -> None:
    book = openpyxl.load_workbook(io.BytesIO(excel.template_workbook()))
    assert tuple(c.value for c in book["督办台账"][1]) == excel.IMPORTED
