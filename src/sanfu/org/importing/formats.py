"""The two file formats of the organisation import, and the small types every step shares.

Formats (header row in Chinese, column order free, unknown columns ignored):

- 部门: 单位代码, 部门代码, 部门名称, 上级部门代码 (blank = top level), 排序, 分管领导工号
- 人员: 工号, 姓名, 用户名, 单位代码, 部门代码, 身份, 职级, 职务, 手机, 邮箱, 兼职部门代码 (several, ``;``),
  办公室, 办公电话 (the 通讯录's room and desk phone; an absent column keeps what is there)
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass

from django.utils import translation

from sanfu.org.models import PostRole, Rank

DEPARTMENTS = "departments"
STAFF = "staff"
KINDS = (DEPARTMENTS, STAFF)
SHEET_NAMES = {DEPARTMENTS: "部门", STAFF: "人员"}

# Column headers as they appear in the files (data, not UI text: they are never translated).
DEPARTMENT_COLUMNS: tuple[str, ...] = ("单位代码", "部门代码", "部门名称", "上级部门代码", "排序", "分管领导工号")
DEPARTMENT_REQUIRED: tuple[str, ...] = ("单位代码", "部门代码", "部门名称")
STAFF_COLUMNS: tuple[str, ...] = (
    "工号",
    "姓名",
    "用户名",
    "单位代码",
    "部门代码",
    "身份",
    "职级",
    "职务",
    "手机",
    "邮箱",
    "兼职部门代码",
    "办公室",
    "办公电话",
)
STAFF_REQUIRED: tuple[str, ...] = ("工号", "姓名", "用户名", "单位代码", "部门代码", "身份", "职级")
COLUMNS = {DEPARTMENTS: DEPARTMENT_COLUMNS, STAFF: STAFF_COLUMNS}
REQUIRED = {DEPARTMENTS: DEPARTMENT_REQUIRED, STAFF: STAFF_REQUIRED}

MAX_ROWS = 20000

Key = tuple[str, str]  # (unit code, department code)


@dataclass(frozen=True)
class ImportFile:
    """One uploaded file. ``kind`` applies to CSV only (``None``: tell from the header row)."""

    name: str
    content: bytes
    kind: str | None = None


@dataclass
class ImportSummary:
    departments_created: int = 0
    departments_updated: int = 0
    staff_created: int = 0
    staff_updated: int = 0
    users_created: int = 0
    posts_created: int = 0
    posts_removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Errors:
    """Every problem found, as (sheet or file, row counting the header row, column header, reason)."""

    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def add(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.items.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


def role_labels() -> dict[str, str]:
    """身份 labels as written in files (the source-language labels), to their codes."""
    with translation.override(None):
        return {str(label): str(value) for value, label in PostRole.choices}


def rank_labels() -> dict[str, int]:
    """职级 labels as written in files, to their values."""
    with translation.override(None):
        return {str(label): int(value) for value, label in Rank.choices}


def csv_template(kind: str) -> bytes:
    """An empty CSV with the header row of ``kind``, with a UTF-8 BOM so that Excel reads the Chinese."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS[kind])
    return "\ufeff".encode() + buffer.getvalue().encode()
