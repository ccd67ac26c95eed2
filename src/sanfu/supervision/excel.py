"""督办 in Excel: the ledger (督办台账) exported with the columns offices keep today and imported back, and the
monthly bulletin as a workbook.

**Export** (``ledger_workbook``): the ledger page's rows (``selectors.ledger``: the viewer's visible items,
the same filters), in deadline order, at most ``xlsx.ROW_LIMIT`` (a wider export is refused with the count).
Every cell goes through ``core.xlsx`` (its formula guard). An export that holds 秘密/机密 items is audited
(``supervision.ledger.export``, with their ids), as 公文's ledgers are.

**Import** (``items_import``), all or nothing, mirroring ``org.importing``: the first worksheet (or the one named
督办台账), its first row the header. Every row is read and checked first, and every problem collected as
(sheet, row as Excel numbers it, column, why); only when there is none are the items created, each through
``services.item_create``, all inside one transaction — a refusal of the service on any row rolls back every
item created before it and is reported for that row. Columns (order free):

- required: 事项名称, 责任人 (用户名, or a name only one active person has), 完成时限 (a date cell or 2026-12-31,
  2026/12/31, 2026年12月31日; not before today);
- optional: 督办内容, 来源 (年度重点工作 or 手工录入/blank: the import creates nothing else), 来源说明,
  牵头部门 and 协办部门 (department names, several separated by 、 , ; — the importer's unit first),
  交办领导, 报送周期 (a number of days, "7天", "7 days", 每周, 每两周, 每半月, 每月, 每季度 or their codes
  weekly, biweekly, semimonthly, monthly, quarterly; default 7), 密级 (公开, 内部, 秘密, 机密; default 内部),
  质量要求. 来源 and 密级 may also be written as their codes (work_plan, manual; public, internal, secret,
  confidential) or their English labels (Annual key work, Manual entry; Public, Internal…), in any case;
- ignored (the export's computed columns, so an exported sheet reads back): 序号, 当前进度, 状态, 最新进展,
  最新报送时间.

Any other column, a repeated one or a missing required one is refused with a message naming it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core import xlsx
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, ConflictError, ErrorCode, PermissionDeniedError
from sanfu.org.clearance import RESTRICTED_LEVELS, Level
from sanfu.org.models import Department
from sanfu.org.selectors import staff_of
from sanfu.supervision import rights, selectors, services
from sanfu.supervision.assessment import Assessment, Record
from sanfu.supervision.bulletin import Bulletin, ItemLine, status_labels
from sanfu.supervision.models import DEFAULT_CADENCE_DAYS, Item, ProgressReport, Source

SHEET = "督办台账"
# Column headers as they appear in the files (data, not UI text: never translated, as org.importing's).
EXPORT_COLUMNS: tuple[str, ...] = (
    "序号",
    "事项名称",
    "督办内容",
    "来源",
    "来源说明",
    "牵头部门",
    "协办部门",
    "责任人",
    "交办领导",
    "完成时限",
    "报送周期",
    "当前进度",
    "状态",
    "最新进展",
    "最新报送时间",
    "密级",
    "质量要求",
)
REQUIRED: tuple[str, ...] = ("事项名称", "责任人", "完成时限")
IGNORED: tuple[str, ...] = ("序号", "当前进度", "状态", "最新进展", "最新报送时间")
IMPORTED: tuple[str, ...] = tuple(c for c in EXPORT_COLUMNS if c not in IGNORED)
WIDTHS = (6, 30, 40, 12, 20, 14, 20, 10, 10, 12, 8, 8, 10, 40, 18, 6, 30)
MAX_ROWS = 2000
CADENCE_WORDS = {"每周": 7, "每两周": 14, "每半月": 15, "每月": 30, "每季度": 90}
# the same cadences by code and in English (compared without case, spaces, hyphens or underscores)
CADENCE_CODES = {
    "weekly": 7,
    "everyweek": 7,
    "biweekly": 14,
    "fortnightly": 14,
    "everytwoweeks": 14,
    "semimonthly": 15,
    "halfmonthly": 15,
    "twiceamonth": 15,
    "everyhalfmonth": 15,
    "monthly": 30,
    "everymonth": 30,
    "quarterly": 90,
    "everyquarter": 90,
}
CADENCE_DAYS = re.compile(r"(\d{1,3})\s*(?:天|日|d|days?)?", re.IGNORECASE)
SPLIT = re.compile(r"[、,，;；]")


def _data_labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """value → the Chinese label as files write it, whatever the active language."""
    with translation.override(None):
        return {str(value): str(label) for value, label in choices}


def _key(text: str) -> str:
    """A cell's word compared without case, spaces, hyphens or underscores."""
    return re.sub(r"[\s_\-]+", "", text).casefold()


def _choice_words(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """``_key`` of what a sheet may write for a choice → its value: the Chinese label (as the export writes it),
    the code itself, and the English label (as the English interface shows it)."""
    pairs = list(choices)
    found: dict[str, str] = {}
    with translation.override("en"):
        for value, label in pairs:
            found[_key(str(label))] = str(value)
    for value, _label in pairs:
        found[_key(str(value))] = str(value)
    for value, label in _data_labels(pairs).items():
        found[_key(label)] = value
    return found


# --- export -------------------------------------------------------------------------------------------------


def _latest_text() -> Subquery:
    latest = ProgressReport.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-id")
    return Subquery(latest.values("text")[:1])


def ledger_rows(items: QuerySet[Item]) -> list[list[Any]]:
    """The export's rows of ``items`` (already scoped and ordered, from ``selectors.ledger``: their status
    snapshots fresh), with their computed statuses."""
    labels = status_labels()
    sources = _data_labels(Source.choices)
    levels = _data_labels(Level.choices)
    rows = []
    loaded = items.select_related("owner", "lead_department", "assigned_by").prefetch_related("co_departments")
    for number, item in enumerate(loaded.annotate(latest_text=_latest_text()), start=1):
        status = selectors.row_status(item)
        rows.append(
            [
                number,
                item.title,
                item.content,
                sources.get(item.source, item.source),
                item.source_label,
                item.lead_department.name if item.lead_department else "",
                "、".join(d.name for d in item.co_departments.all()),
                item.owner.display_name,
                item.assigned_by.display_name if item.assigned_by else "",
                item.deadline,
                f"{item.cadence_days}天",
                f"{item.last_percent}%",
                labels[status],
                item.latest_text or "",
                item.last_report_at,
                levels.get(item.confidentiality, item.confidentiality),
                item.quality_requirements,
            ]
        )
    return rows


def _audit_export(actor: User, items: QuerySet[Item], what: str) -> None:
    classified = [pk for pk, level in items.values_list("pk", "confidentiality") if level in RESTRICTED_LEVELS]
    if classified:
        with transaction.atomic():
            audit_record(
                action="supervision.ledger.export",
                actor=actor,
                target="supervision",
                detail={"what": what, "classified": classified},
            )


def ledger_workbook(*, actor: User, filters: selectors.LedgerFilters) -> bytes:
    """督办台账 as ``actor``'s ledger page shows it with ``filters`` (``xlsx.TooManyRowsError`` past the limit)."""
    found = selectors.ledger(actor, filters)
    rows = found.rows.order_by("deadline", "id")
    xlsx.require_within_limit(rows.count())
    content = xlsx.workbook(xlsx.Sheet(SHEET, EXPORT_COLUMNS, ledger_rows(rows), WIDTHS))
    _audit_export(actor, rows, "ledger")
    return content


def template_workbook() -> bytes:
    """An empty ledger with the import's header (the computed columns left out)."""
    widths = [w for c, w in zip(EXPORT_COLUMNS, WIDTHS, strict=True) if c in IMPORTED]
    return xlsx.workbook(xlsx.Sheet(SHEET, IMPORTED, [], widths))


# --- the bulletin as a workbook ---------------------------------------------------------------------------------

DEPARTMENT_HEADER = (
    "排名",
    "部门",
    "应完成",
    "按期完成",
    "完成率（%）",
    "逾期",
    "逾期率（%）",
    "未到期",
    "新增",
    "办结",
    "有风险",
)
LIST_HEADER = ("序号", "事项名称", "牵头部门", "责任人", "完成时限", "当前进度", "状态", "办结日期")


def _list_rows(lines: Sequence[ItemLine]) -> list[list[Any]]:
    labels = status_labels()
    return [
        [
            n,
            line.title,
            line.department,
            line.owner,
            line.deadline,
            f"{line.percent}%",
            labels[line.status],
            line.closed_on,
        ]
        for n, line in enumerate(lines, start=1)
    ]


def bulletin_workbook(*, actor: User, bulletin: Bulletin) -> bytes:
    """The bulletin's figures (its departments, ranked, and the total) and its four lists, and the month's
    ledger (the items due in the month, as the ledger export writes them)."""

    def rate(value: Any) -> Any:
        return None if value is None else float(value)

    departments = [
        [
            d.rank,
            d.name,
            d.due,
            d.on_time,
            rate(d.completion_rate),
            d.overdue,
            rate(d.overdue_rate),
            d.pending,
            d.new,
            d.closed,
            d.at_risk,
        ]
        for d in [*bulletin.departments, bulletin.total]
    ]
    widths = [6, 16, 8, 10, 12, 6, 12, 8, 6, 6, 8]
    list_widths = [6, 36, 14, 10, 12, 10, 10, 12]
    month = selectors.LedgerFilters(month=(bulletin.year, bulletin.month))
    due = selectors.ledger(actor, month)
    due_rows = due.rows.filter(parent__isnull=True)
    if bulletin.unit_id:
        due_rows = due_rows.filter(unit_id=bulletin.unit_id)
    due_rows = due_rows.order_by("deadline", "id")
    xlsx.require_within_limit(due_rows.count())
    content = xlsx.workbook(
        xlsx.Sheet(_("部门完成情况"), DEPARTMENT_HEADER, departments, widths),
        xlsx.Sheet(_("有风险事项"), LIST_HEADER, _list_rows(bulletin.at_risk), list_widths),
        xlsx.Sheet(_("逾期事项"), LIST_HEADER, _list_rows(bulletin.overdue), list_widths),
        xlsx.Sheet(_("本月办结事项"), LIST_HEADER, _list_rows(bulletin.closed), list_widths),
        xlsx.Sheet(_("本月新增事项"), LIST_HEADER, _list_rows(bulletin.new), list_widths),
        xlsx.Sheet(_("本月到期事项台账"), EXPORT_COLUMNS, ledger_rows(due_rows), WIDTHS),
    )
    _audit_export(actor, due_rows, f"bulletin {bulletin.month_text}")
    return content


# --- the assessment as a workbook -------------------------------------------------------------------------------

ASSESSMENT_HEADER = ("应完成", "按期完成", "按期完成率（%）", "平均质量评分", "逾期工作日")


def assessment_workbook(found: Assessment) -> bytes:
    """定期考核: one sheet per department, one per person, each with the total row last."""

    def rows(records: Sequence[Record]) -> list[list[Any]]:
        return [
            [
                r.name,
                r.due,
                r.on_time,
                None if r.on_time_rate is None else float(r.on_time_rate),
                None if r.average_score is None else float(r.average_score),
                r.overdue_days,
            ]
            for r in records
        ]

    widths = [16, 8, 10, 16, 14, 12]
    period = _("考核期间 %(start)s 至 %(end)s") % {"start": found.start.isoformat(), "end": found.end.isoformat()}
    return xlsx.workbook(
        xlsx.Sheet(_("部门考核"), (_("部门"), *ASSESSMENT_HEADER), rows([*found.departments, found.total]), widths),
        xlsx.Sheet(_("个人考核"), (_("责任人"), *ASSESSMENT_HEADER), rows([*found.people, found.total]), widths),
        xlsx.Sheet(_("说明"), (_("说明"),), [[period], [_("统计截至 %(d)s") % {"d": found.as_of.isoformat()}]], [60]),
    )


# --- import -----------------------------------------------------------------------------------------------------


@dataclass
class ImportErrors:
    """Every problem found, as (sheet, row counting the header row, column header, reason)."""

    items: list[dict[str, object]] = field(default_factory=list)

    def add(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class PlannedItem:
    row: int
    fields: dict[str, Any]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _date(text: str) -> date | None:
    found = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def _cadence(text: str) -> int | None:
    """Days between reports: a number of days (7, 7天, 7 days), a word (每周, 每月…) or its code or English
    (weekly, biweekly, semimonthly, monthly, quarterly; Every two weeks…); None when it is none of them."""
    if not text:
        return DEFAULT_CADENCE_DAYS
    if text in CADENCE_WORDS:
        return CADENCE_WORDS[text]
    if _key(text) in CADENCE_CODES:
        return CADENCE_CODES[_key(text)]
    found = CADENCE_DAYS.fullmatch(text.strip())
    return int(found.group(1)) if found else None


class _Directory:
    """People and departments by what a sheet writes (loaded once)."""

    def __init__(self, actor: User):
        staff = staff_of(actor)
        self.unit_id = staff.unit_id if staff else None
        self.by_username: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for user in User.objects.filter(is_active=True):
            self.by_username[user.username] = user
            self.by_name.setdefault(user.display_name, []).append(user)
        self.departments: dict[str, list[Department]] = {}
        for department in Department.objects.filter(is_active=True):
            self.departments.setdefault(department.name, []).append(department)

    def person(self, text: str) -> tuple[User | None, str]:
        if text in self.by_username:
            return self.by_username[text], ""
        found = self.by_name.get(text, [])
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, _("有 %(n)d 位在职人员叫“%(name)s”，请改填用户名。") % {"n": len(found), "name": text}
        return None, _("找不到在职人员“%(name)s”（填写姓名或用户名）。") % {"name": text}

    def department(self, text: str) -> tuple[Department | None, str]:
        found = self.departments.get(text, [])
        own = [d for d in found if d.unit_id == self.unit_id]
        if len(own) == 1:
            return own[0], ""
        if len(found) == 1:
            return found[0], ""
        if found:
            return None, _("有多个部门叫“%(name)s”，无法确定是哪一个。") % {"name": text}
        return None, _("找不到部门“%(name)s”。") % {"name": text}


def _rows_of(content: bytes, errors: ImportErrors) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook  # heavy; only an import needs it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        errors.add("", None, "", _("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))
        return "", [], []
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        raw = [[_cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        book.close()
    if not raw or not any(raw[0]):
        errors.add(title, 1, "", _("缺少表头行。"))
        return title, [], []
    header = [h.strip().lstrip("\ufeff").rstrip("*＊").strip() for h in raw[0]]
    rows = [(number, cells) for number, cells in enumerate(raw[1:], start=2) if any(cells)]
    return title, header, rows


def _check_header(sheet: str, header: list[str], errors: ImportErrors) -> None:
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name in seen:
            errors.add(sheet, 1, name, _("表头中“%(c)s”列重复。") % {"c": name})
        elif name not in EXPORT_COLUMNS:
            errors.add(
                sheet,
                1,
                name,
                _("无法识别的列“%(c)s”。可用的列：%(all)s。") % {"c": name, "all": "、".join(IMPORTED)},
            )
        seen.add(name)
    for name in REQUIRED:
        if name not in header:
            errors.add(sheet, 1, name, _("表头缺少必填列“%(c)s”。") % {"c": name})


@dataclass
class _Row:
    """One data row being checked: each method reads one column and notes its problem, if any."""

    sheet: str
    number: int
    cells: dict[str, str]
    directory: _Directory
    errors: ImportErrors
    failed: bool = False

    def bad(self, column: str, message: str) -> None:
        self.errors.add(self.sheet, self.number, column, message)
        self.failed = True

    def title(self) -> str:
        title = self.cells.get("事项名称", "")
        if not title:
            self.bad("事项名称", _("请填写事项名称。"))
        elif len(title) > services.TITLE_MAX:
            self.bad("事项名称", _("事项名称不能超过 %(n)d 个字。") % {"n": services.TITLE_MAX})
        return title

    def person(self, column: str, *, required: bool) -> User | None:
        text = self.cells.get(column, "")
        if not text:
            if required:
                self.bad(column, _("请填写%(c)s。") % {"c": column})
            return None
        user, why = self.directory.person(text)
        if why:
            self.bad(column, why)
        return user

    def deadline(self, today: date) -> date | None:
        text = self.cells.get("完成时限", "")
        if not text:
            self.bad("完成时限", _("请填写完成时限。"))
            return None
        deadline = _date(text)
        if deadline is None:
            self.bad("完成时限", _("“%(v)s”不是日期，请写成 2026-12-31。") % {"v": text})
        elif deadline < today:
            self.bad("完成时限", _("完成时限不能早于今天。"))
        return deadline

    def source(self) -> str:
        text = self.cells.get("来源", "")
        value = _choice_words(Source.choices).get(_key(text), "")
        if text and value not in (Source.WORK_PLAN, Source.MANUAL):
            self.bad("来源", _("导入只能创建“年度重点工作”或“手工录入”的事项。"))
        return value or Source.MANUAL

    def departments(self, column: str) -> list[Department]:
        found = []
        for name in (n.strip() for n in SPLIT.split(self.cells.get(column, ""))):
            if name:
                department, why = self.directory.department(name)
                if why:
                    self.bad(column, why)
                elif department is not None:
                    found.append(department)
        return found

    def cadence(self) -> int:
        cadence = _cadence(self.cells.get("报送周期", ""))
        if cadence is None or not 1 <= cadence <= services.MAX_CADENCE_DAYS:
            self.bad("报送周期", _("报送周期应为 1 到 %(n)d 天，或写每周、每月等。") % {"n": services.MAX_CADENCE_DAYS})
            return DEFAULT_CADENCE_DAYS
        return cadence

    def level(self) -> str:
        text = self.cells.get("密级", "")
        levels = _choice_words(Level.choices)
        if text and _key(text) not in levels:
            self.bad("密级", _("密级应为公开、内部、秘密或机密。"))
        return levels.get(_key(text), Level.INTERNAL.value)


def _plan_row(row: _Row, today: date) -> PlannedItem | None:
    lead = row.departments("牵头部门")
    if len(lead) > 1:
        row.bad("牵头部门", _("牵头部门只能填一个。"))
    fields: dict[str, Any] = {
        "title": row.title(),
        "content": row.cells.get("督办内容", ""),
        "source": row.source(),
        "source_label": row.cells.get("来源说明", ""),
        "owner": row.person("责任人", required=True),
        "deadline": row.deadline(today),
        "lead_department": lead[0] if lead else None,
        "co_departments": row.departments("协办部门"),
        "cadence_days": row.cadence(),
        "confidentiality": row.level(),
        "quality_requirements": row.cells.get("质量要求", ""),
    }
    assigned_by = row.person("交办领导", required=False)
    if assigned_by is not None:
        fields["assigned_by"] = assigned_by
    return None if row.failed else PlannedItem(row=row.number, fields=fields)


def _fail(errors: ImportErrors) -> ApplicationError:
    return ApplicationError(
        _("导入失败：发现 %(n)d 处问题，未导入任何数据。") % {"n": len(errors.items)},
        code=ErrorCode.IMPORT_FAILED,
        errors=errors.items,
    )


def items_import(*, actor: User, name: str, content: bytes, today: date | None = None) -> list[Item]:
    """Import the ledger in ``content`` (an .xlsx named ``name``): every row's item, or none. Raises
    ``ApplicationError`` (code ``IMPORT_FAILED``) whose ``errors`` lists every problem as
    ``{"sheet", "row", "column", "message"}``; ``PermissionDeniedError`` unless the office or a leader."""
    if not rights.may_create(actor):
        raise PermissionDeniedError(_("只有办公室人员或公司领导可以导入督办事项。"))
    errors = ImportErrors()
    if not name.lower().endswith(".xlsx"):
        errors.add(name, None, "", _("只支持 .xlsx 格式的 Excel 文件。"))
        raise _fail(errors)
    sheet, header, rows = _rows_of(content, errors)
    if errors:
        raise _fail(errors)
    _check_header(sheet, header, errors)
    if errors:
        raise _fail(errors)  # a wrong column: the rows are not read against a header they do not follow
    if not rows or len(rows) > MAX_ROWS:
        why = _("没有数据行。") if not rows else _("行数超过上限 %(n)d，请分批导入。") % {"n": MAX_ROWS}
        errors.add(sheet, None, "", why)
        raise _fail(errors)
    today = today or timezone.localdate()
    directory = _Directory(actor)
    plan = []
    for number, raw in rows:
        cells = {h: (raw[i] if i < len(raw) else "") for i, h in enumerate(header) if h and h not in IGNORED}
        planned = _plan_row(_Row(sheet, number, cells, directory, errors), today)
        if planned is not None:
            plan.append(planned)
    if errors:
        raise _fail(errors)
    created: list[Item] = []
    try:
        with transaction.atomic():
            for planned in plan:
                try:
                    created.append(services.item_create(actor=actor, **planned.fields))
                except (ApplicationError, ConflictError) as exc:
                    errors.add(sheet, planned.row, "", exc.message)
            if errors:
                raise _fail(errors)  # rolls back the items created before the refused row
            audit_record(
                action="supervision.import",
                actor=actor,
                target="supervision",
                detail={"file": name, "sheet": sheet, "items": [i.pk for i in created]},
            )
    except DatabaseError as exc:
        errors.add(sheet, None, "", str(exc))
        raise ApplicationError(
            _("导入时数据库出错，已全部撤销，未导入任何数据：%(e)s") % {"e": exc},
            code=ErrorCode.IMPORT_FAILED,
            errors=errors.items,
        ) from exc
    return created
