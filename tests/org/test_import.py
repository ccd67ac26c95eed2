"""组织导入: CSV and Excel, all or nothing, every problem reported with its row and column."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from openpyxl import Workbook

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, ErrorCode, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.org import importing
from sanfu.org.importing import ImportFile, org_import
from sanfu.org.importing import service as import_service
from sanfu.org.models import Department, Post, PostRole, Rank, Staff, Unit
from sanfu.org.services import department_create
from tests.conftest import make_unit

DEPT_HEADER = ["单位代码", "部门代码", "部门名称", "上级部门代码", "排序", "分管领导工号"]
STAFF_HEADER = [
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
]

DEPT_ROWS = [
    ["acme", "sec", "文秘科", "off", "1", ""],  # parent defined further down
    ["acme", "arch", "档案室", "sec", "1", ""],
    ["acme", "off", "办公室", "", "1", "A001"],
    ["acme", "fin", "财务部", "", "2", "A001"],
    ["acme", "lead", "公司领导", "", "0", ""],
]
STAFF_ROWS = [
    ["A001", "张总", "zhang", "acme", "lead", "负责人", "公司正职", "总经理", "13800000001", "zhang@example.com", ""],
    ["A002", "李主任", "li", "acme", "off", "负责人", "部门正职", "主任", "", "", "fin；sec"],
    ["A003", "王文书", "wang", "acme", "sec", "成员", "员工", "", "", "", ""],
]


def csv_bytes(header: list[str], rows: list[list[str]], *, encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def csv_pair() -> list[ImportFile]:
    return [
        ImportFile("部门.csv", csv_bytes(DEPT_HEADER, DEPT_ROWS)),
        ImportFile("人员.csv", csv_bytes(STAFF_HEADER, STAFF_ROWS, encoding="gb18030")),
    ]


def workbook_bytes() -> bytes:
    book = Workbook()
    depts = book.active
    assert depts is not None
    depts.title = "部门"
    depts.append(DEPT_HEADER)
    for row in DEPT_ROWS:
        depts.append([*row[:4], int(row[4]), row[5] or None])  # 排序 as a number, blank as an empty cell
    staff = book.create_sheet("人员")
    staff.append(STAFF_HEADER)
    for row in STAFF_ROWS:
        staff.append([int(c) if c.isdigit() and len(c) == 11 else (c or None) for c in row])  # 手机 as a number
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts() -> dict[str, int]:
    return {
        "departments": Department.objects.count(),
        "staff": Staff.objects.count(),
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "audit": AuditRecord.objects.filter(action="org.import").count(),
    }


def dept(code: str) -> Department:
    return Department.objects.get(unit__code="acme", code=code)


@pytest.fixture
def acme(db: None) -> Unit:
    return make_unit("acme", name="阿克米公司")


def assert_imported_tree() -> None:
    lead, off, sec, arch, fin = (dept(c) for c in ("lead", "off", "sec", "arch", "fin"))
    assert off.path == f"/{off.pk}/"
    assert off.depth == 1
    assert sec.parent == off
    assert sec.path == f"/{off.pk}/{sec.pk}/"
    assert sec.depth == 2
    assert arch.path == f"/{off.pk}/{sec.pk}/{arch.pk}/"
    assert arch.depth == 3
    assert lead.parent is None
    assert fin.sort == 2
    zhang = User.objects.get(username="zhang")
    assert off.leader_in_charge == zhang
    assert fin.leader_in_charge == zhang
    assert zhang.must_change_password
    assert not zhang.has_usable_password()
    assert zhang.full_name == "张总"
    assert zhang.staff.rank == Rank.LEADER
    assert zhang.staff.mobile == "13800000001"
    assert zhang.email == "zhang@example.com"
    li = Staff.objects.get(employee_no="A002")
    posts = {p.department.code: p for p in li.posts.select_related("department")}
    assert set(posts) == {"off", "fin", "sec"}
    assert posts["off"].is_primary
    assert posts["off"].role == PostRole.HEAD
    assert not posts["fin"].is_primary
    assert not posts["sec"].is_primary
    assert li.rank == Rank.HEAD
    wang = Staff.objects.get(employee_no="A003")
    assert [(p.department.code, p.role, p.is_primary) for p in wang.posts.all()] == [("sec", PostRole.MEMBER, True)]


def test_csv_pair_imports_the_tree_and_posts(acme: Unit, admins: dict[str, User]) -> None:
    before = counts()
    summary = org_import(actor=admins["sysadmin"], files=csv_pair())
    assert summary.departments_created == 5
    assert summary.staff_created == 3
    assert summary.users_created == 3
    assert summary.posts_created == 5
    assert_imported_tree()
    after = counts()
    assert after["departments"] == before["departments"] + 5
    assert after["audit"] == before["audit"] + 1
    record = AuditRecord.objects.filter(action="org.import").latest("seq")
    assert record.actor_id == admins["sysadmin"].pk
    assert record.detail["departments_created"] == 5


def test_xlsx_workbook_with_both_sheets(acme: Unit, admins: dict[str, User]) -> None:
    summary = org_import(actor=admins["sysadmin"], files=[ImportFile("组织.xlsx", workbook_bytes())])
    assert (summary.departments_created, summary.staff_created) == (5, 3)
    assert_imported_tree()


def test_reimport_updates_without_duplicating(acme: Unit, admins: dict[str, User]) -> None:
    org_import(actor=admins["sysadmin"], files=csv_pair())
    before = counts()
    summary = org_import(actor=admins["sysadmin"], files=csv_pair())
    assert (summary.departments_created, summary.departments_updated) == (0, 5)
    assert (summary.staff_created, summary.staff_updated, summary.users_created) == (0, 3, 0)
    assert summary.posts_created == 0
    assert counts() == {**before, "audit": before["audit"] + 1}
    assert_imported_tree()

    # Move 文秘科 (with 档案室 under it) to 财务部, rename it, drop 李主任's concurrent post there.
    dept_rows = [["acme", "sec", "综合科", "fin", "1", ""]]
    staff_rows = [[*STAFF_ROWS[1][:10], "fin"]]
    summary = org_import(
        actor=admins["sysadmin"],
        files=[
            ImportFile("d.csv", csv_bytes(DEPT_HEADER, dept_rows)),
            ImportFile("s.csv", csv_bytes(STAFF_HEADER, staff_rows)),
        ],
    )
    assert summary.posts_removed == 1
    fin, sec, arch = dept("fin"), dept("sec"), dept("arch")
    assert sec.name == "综合科"
    assert sec.parent == fin
    assert sec.path == f"/{fin.pk}/{sec.pk}/"
    assert arch.path == f"/{fin.pk}/{sec.pk}/{arch.pk}/"
    assert (sec.depth, arch.depth) == (2, 3)
    codes = set(Post.objects.filter(staff__employee_no="A002").values_list("department__code", flat=True))
    assert codes == {"off", "fin"}


def test_bad_rows_are_all_reported_and_nothing_changes(acme: Unit, admins: dict[str, User]) -> None:
    other = make_unit("other")
    department_create(unit=other, code="elsewhere", name="外单位部门")
    department_create(unit=acme, code="base", name="已有部门")
    dept_rows = [
        ["acme", "", "无代码", "", "", ""],
        ["nounit", "x1", "某部门", "", "", ""],
        ["acme", "c1", "循环一", "c2", "", ""],
        ["acme", "c2", "循环二", "c1", "", ""],
        ["acme", "c1", "重复", "", "", ""],
        ["acme", "p1", "外单位上级", "elsewhere", "", ""],
        ["acme", "p2", "未知上级", "nosuch", "", ""],
        ["acme", "p3", "排序错", "", "abc", ""],
        ["acme", "p4", "领导错", "", "", "Z999"],
        ["acme", "ok", "正确的行", "base", "", ""],
    ]
    staff_rows = [
        ["S1", "甲", "outsider", "acme", "base", "成员", "员工", "", "", "", ""],
        ["S2", "乙", "b2", "acme", "nosuch", "成员", "员工", "", "", "", ""],
        ["S3", "丙", "b3", "acme", "base", "老大", "员工", "", "", "", ""],
        ["S4", "丁", "b4", "acme", "base", "成员", "科长", "", "", "", ""],
        ["S5", "戊", "b5", "acme", "base", "成员", "员工", "", "12345", "bad-email", ""],
        ["S5", "己", "b6", "acme", "base", "成员", "员工", "", "", "", ""],
        ["S7", "庚", "B2", "acme", "base", "成员", "员工", "", "", "", ""],
        ["S8", "", "b8", "acme", "base", "成员", "员工", "", "", "", ""],
        ["S9", "辛", "b9", "acme", "base", "成员", "员工", "", "", "", "nosuch"],
        ["S10", "壬", "b10", "acme", "ok", "副职", "主管", "", "13912345678", "", ""],
    ]
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        org_import(
            actor=admins["sysadmin"],
            files=[
                ImportFile("部门.csv", csv_bytes(DEPT_HEADER, dept_rows)),
                ImportFile("人员.csv", csv_bytes(STAFF_HEADER, staff_rows)),
            ],
        )
    assert caught.value.code == ErrorCode.IMPORT_FAILED
    found = {(e["sheet"], e["row"], e["column"]) for e in caught.value.errors}
    assert found == {
        ("部门.csv", 2, "部门代码"),
        ("部门.csv", 3, "单位代码"),
        ("部门.csv", 4, "上级部门代码"),
        ("部门.csv", 5, "上级部门代码"),
        ("部门.csv", 6, "部门代码"),
        ("部门.csv", 7, "上级部门代码"),
        ("部门.csv", 8, "上级部门代码"),
        ("部门.csv", 9, "排序"),
        ("部门.csv", 10, "分管领导工号"),
        ("人员.csv", 2, "用户名"),
        ("人员.csv", 3, "部门代码"),
        ("人员.csv", 4, "身份"),
        ("人员.csv", 5, "职级"),
        ("人员.csv", 6, "手机"),
        ("人员.csv", 6, "邮箱"),
        ("人员.csv", 7, "工号"),
        ("人员.csv", 8, "用户名"),
        ("人员.csv", 9, "姓名"),
        ("人员.csv", 10, "兼职部门代码"),
    }
    messages = {(e["row"], e["column"]): str(e["message"]) for e in caught.value.errors if e["sheet"] == "部门.csv"}
    assert "循环" in messages[(4, "上级部门代码")]
    assert "其他单位" in messages[(7, "上级部门代码")]
    assert counts() == before


def test_missing_columns_are_reported_on_the_header_row(acme: Unit, admins: dict[str, User]) -> None:
    header = [c for c in STAFF_HEADER if c not in ("姓名", "职级")]
    content = csv_bytes(header, [["A1", "a1", "acme", "x", "成员", "", "", "", ""]])
    with pytest.raises(ApplicationError) as caught:
        org_import(actor=admins["sysadmin"], files=[ImportFile("人员.csv", content, kind=importing.STAFF)])
    found = {(e["row"], e["column"]) for e in caught.value.errors}
    assert (1, "姓名") in found
    assert (1, "职级") in found


@pytest.mark.parametrize("target", ["audit_record", "apply_leaders"])
def test_database_failure_while_applying_rolls_everything_back(
    acme: Unit, admins: dict[str, User], monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(import_service, target, fail)
    before = counts()
    with pytest.raises(ApplicationError) as caught:
        org_import(actor=admins["sysadmin"], files=csv_pair())
    assert caught.value.code == ErrorCode.IMPORT_FAILED
    assert counts() == before
    assert not User.objects.filter(username="zhang").exists()


def test_only_the_system_administrator_may_import(acme: Unit, admins: dict[str, User], login: Any) -> None:
    for name in ("outsider", "secadmin", "auditadmin"):
        with pytest.raises(PermissionDeniedError):
            org_import(actor=admins[name], files=csv_pair())
    client = login(admins["outsider"])
    assert client.get(reverse("org:import")).status_code == 404
    assert client.get(reverse("org:import_template", args=["staff"])).status_code == 404
    assert not Department.objects.filter(unit=acme).exists()


def test_page_shows_the_error_table(acme: Unit, admins: dict[str, User], login: Any) -> None:
    client = login(admins["sysadmin"])
    page = client.get(reverse("org:import"))
    assert page.status_code == 200
    assert "兼职部门代码" in page.content.decode()
    assert "组织导入" in page.content.decode()  # in the navigation
    bad = csv_bytes(STAFF_HEADER, [["A9", "某人", "x9", "acme", "nosuch", "成员", "员工", "", "999", "", ""]])
    response = client.post(
        reverse("org:import"), {"uploads": SimpleUploadedFile("人员.csv", bad, content_type="text/csv"), "kind": ""}
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-errors"' in text
    assert "部门代码“nosuch”在单位“acme”中不存在。" in text
    assert "手机号码应为以 1 开头的 11 位数字。" in text
    assert not Staff.objects.filter(employee_no="A9").exists()


def test_page_upload_of_a_workbook_shows_the_summary(acme: Unit, admins: dict[str, User], login: Any) -> None:
    client = login(admins["sysadmin"])
    upload = SimpleUploadedFile("组织.xlsx", workbook_bytes())
    response = client.post(reverse("org:import"), {"uploads": upload})
    assert response.status_code == 200
    assert 'id="import-summary"' in response.content.decode()
    assert_imported_tree()


def test_csv_templates_carry_a_bom(admins: dict[str, User], login: Any) -> None:
    client = login(admins["sysadmin"])
    response = client.get(reverse("org:import_template", args=["departments"]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig").splitlines()[0] == ",".join(DEPT_HEADER)
    assert "attachment" in response["Content-Disposition"]
    assert client.get("/org/import/template/other.csv").status_code in (404,)


def _import_staff(admins: dict[str, User], header: list[str], rows: list[list[str]]) -> None:
    org_import(
        actor=admins["sysadmin"],
        files=[
            ImportFile("部门.csv", csv_bytes(DEPT_HEADER, DEPT_ROWS)),
            ImportFile("人员.csv", csv_bytes(header, rows)),
        ],
    )


def test_office_and_office_phone_are_imported_and_an_absent_column_keeps_them(
    acme: Unit, admins: dict[str, User]
) -> None:
    header = [*STAFF_HEADER, "办公室", "办公电话"]
    first = STAFF_ROWS[0]
    _import_staff(admins, header, [[*first, "3楼 301", "(0571) 8765 4321 转 8001"]])
    staff = Staff.objects.get(employee_no=first[0])
    assert (staff.office, staff.office_phone) == ("3楼 301", "(0571) 8765 4321 转 8001")
    _import_staff(admins, STAFF_HEADER, [first])  # a file without the columns changes neither
    staff.refresh_from_db()
    assert (staff.office, staff.office_phone) == ("3楼 301", "(0571) 8765 4321 转 8001")


@pytest.mark.parametrize(
    ("office", "phone", "column"),
    [("室" * 65, "", "办公室"), ("", "0571-abc", "办公电话"), ("", "1" * 33, "办公电话")],
)
def test_a_bad_office_or_office_phone_is_refused_and_changes_nothing(
    acme: Unit, admins: dict[str, User], office: str, phone: str, column: str
) -> None:
    before = Staff.objects.count()
    with pytest.raises(ApplicationError) as caught:
        _import_staff(admins, [*STAFF_HEADER, "办公室", "办公电话"], [[*STAFF_ROWS[0], office, phone]])
    assert {e["column"] for e in caught.value.errors} == {column}
    assert Staff.objects.count() == before
