"""组织导出: the workbook is the import's own format, so exporting and importing it back changes nothing and
reports no problem; only the system administrator exports; the export is audited; mobile numbers stay out of
the file and in the database; text Excel would run as a formula stays text."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sanfu.accounts.models import User
from sanfu.core.errors import PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.org import exporting
from sanfu.org.importing import DEPARTMENTS, STAFF, ImportFile, org_import
from sanfu.org.importing.formats import DEPARTMENT_COLUMNS, SHEET_NAMES, STAFF_COLUMNS
from sanfu.org.models import Department, Post, PostRole, Rank, Staff
from sanfu.org.services import department_create
from tests.conftest import make_department, make_staff, make_unit

FORMULA_NAME = '=HYPERLINK("http://evil.example/","点我")'


@pytest.fixture
def company(org: dict[str, Any], admins: dict[str, User]) -> dict[str, Any]:
    """The conftest company with what the import's format can say: a second unit, a concurrent post, titles,
    e-mails, a deputy's role, mobiles (which the file leaves out), and names that look like formulas."""
    unit_b = make_unit("branch", name="分公司")
    works = department_create(unit=unit_b, code="works", name="-生产部", sort=3)
    shift = department_create(unit=unit_b, code="shift", name="@运行值", parent=works, sort=1)
    plant_head = make_staff(works, role=PostRole.HEAD, rank=Rank.HEAD, username="plant_head", full_name=FORMULA_NAME)
    make_staff(shift, role=PostRole.DEPUTY, rank=Rank.SUPERVISOR, username="shift_deputy", full_name="+值长")
    Department.objects.filter(pk=works.pk).update(leader_in_charge=plant_head)
    clerk = Staff.objects.get(user=org["clerk"])
    Post.objects.create(staff=clerk, department=org["finance"], role=PostRole.MEMBER, is_primary=False)
    Staff.objects.filter(user=org["gm"]).update(title="总经理")
    for user, mobile in ((org["gm"], "13800000001"), (org["clerk"], "13900000002")):
        staff = Staff.objects.get(user=user)
        staff.mobile = mobile
        staff.save()
    User.objects.filter(pk=org["accountant"].pk).update(email="accountant@example.com")
    # the 通讯录's room and desk phone travel both ways (a phone with a + is written as text, not a formula)
    Staff.objects.filter(user=org["accountant"]).update(office="2楼 205", office_phone="0571-8765 4321")
    Staff.objects.filter(user=org["gm"]).update(office="5楼 501", office_phone="+86 571 8765 0001")
    # Someone without a primary post cannot be written in the import's format: left out, named on 说明.
    loose = make_staff(org["finance"], username="loose", full_name="无主职")
    Post.objects.filter(staff__user=loose).update(is_primary=False)
    return {**org, **admins, "unit_b": unit_b, "loose": loose}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Everything the import could change, in a stable order."""
    return {
        "departments": list(
            Department.objects.order_by("pk").values_list(
                "pk", "unit_id", "code", "name", "parent_id", "path", "sort", "leader_in_charge_id", "is_active"
            )
        ),
        "staff": [
            (
                s.pk,
                s.user_id,
                s.unit_id,
                s.employee_no,
                s.rank,
                s.title,
                s.mobile,
                s.mobile_index,
                s.name_pinyin,
                s.office,
                s.office_phone,
            )
            for s in Staff.objects.order_by("pk")
        ],
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "full_name", "email", "is_active")),
        "posts": list(
            Post.objects.order_by("pk").values_list(
                "pk", "staff_id", "department_id", "role", "is_primary", "position_id"
            )
        ),
    }


def download(client: Client) -> bytes:
    response = client.get(reverse("org:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_export_then_import_changes_nothing(company: dict[str, Any], login: Any) -> None:
    before = snapshot()
    content = download(login(company["sysadmin"]))

    # Back through the import page, as the administrator would upload it.
    response = login(company["sysadmin"]).post(
        reverse("org:import"), {"uploads": [_upload(content)], "kind": ""}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-summary"' in page
    assert 'id="import-errors"' not in page
    summary = response.context["summary"]
    assert summary.departments_created == 0
    assert summary.staff_created == 0
    assert summary.users_created == 0
    assert summary.posts_created == 0
    assert summary.posts_removed == 0
    assert summary.departments_updated == Department.objects.count()
    assert summary.staff_updated == Staff.objects.count() - 1  # everyone but the person without a primary post
    assert snapshot() == before


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "组织机构.xlsx", content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_the_workbook_has_the_import_sheets_and_headers(company: dict[str, Any]) -> None:
    exported = exporting.org_export(actor=company["sysadmin"])
    book = load_workbook(io.BytesIO(exported.content))
    assert book.sheetnames == [SHEET_NAMES[DEPARTMENTS], SHEET_NAMES[STAFF], "说明"]
    departments = [list(r) for r in book[SHEET_NAMES[DEPARTMENTS]].iter_rows(values_only=True)]
    staff = [list(r) for r in book[SHEET_NAMES[STAFF]].iter_rows(values_only=True)]
    assert departments[0] == list(DEPARTMENT_COLUMNS)
    assert staff[0] == [c for c in STAFF_COLUMNS if c != "手机"]  # mobiles stay out of the file
    assert len(departments) - 1 == Department.objects.count()
    by_no = {row[0]: dict(zip(staff[0], row, strict=True)) for row in staff[1:]}
    clerk = by_no[Staff.objects.get(user=company["clerk"]).employee_no]
    assert clerk["兼职部门代码"] == company["finance"].code
    assert clerk["身份"] == "成员"
    assert clerk["职级"] == "员工"
    gm = by_no[Staff.objects.get(user=company["gm"]).employee_no]
    assert (gm["身份"], gm["职级"], gm["职务"]) == ("负责人", "公司正职", "总经理")
    assert (gm["办公室"], gm["办公电话"]) == ("5楼 501", "+86 571 8765 0001")
    accountant = by_no[Staff.objects.get(user=company["accountant"]).employee_no]
    assert (accountant["办公室"], accountant["办公电话"]) == ("2楼 205", "0571-8765 4321")
    assert "13800000001" not in str(staff)
    assert "13900000002" not in str(staff)
    loose = Staff.objects.get(user=company["loose"])
    assert loose.employee_no not in by_no
    notes = [r[0] for r in book["说明"].iter_rows(min_row=2, values_only=True)]
    assert any(loose.employee_no in (n or "") for n in notes)
    works = next(r for r in departments if r[1] == "works")
    assert works == ["branch", "works", "-生产部", None, 3, Staff.objects.get(user__username="plant_head").employee_no]
    assert (exported.departments, exported.staff, exported.skipped) == (
        Department.objects.count(),
        Staff.objects.count() - 1,
        [loose],
    )


def test_formula_like_text_is_written_as_text(company: dict[str, Any]) -> None:
    content = exporting.org_export(actor=company["sysadmin"]).content
    book = load_workbook(io.BytesIO(content))
    cells = [c for row in book[SHEET_NAMES[STAFF]].iter_rows() for c in row if c.value == FORMULA_NAME]
    cells += [c for row in book[SHEET_NAMES[DEPARTMENTS]].iter_rows() for c in row if c.value in ("-生产部", "@运行值")]
    assert len(cells) == 3
    for cell in cells:
        assert cell.data_type == "s", cell.coordinate  # text, shown with Excel's apostrophe
        assert cell.quotePrefix, cell.coordinate
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in sheet for sheet in sheets)  # no formula anywhere in the file


def test_the_round_trip_also_holds_for_an_import_made_file(company: dict[str, Any]) -> None:
    """A second export equals the first: importing the export wrote back exactly what it read."""
    first = exporting.org_export(actor=company["sysadmin"]).content
    org_import(actor=company["sysadmin"], files=[ImportFile("组织机构.xlsx", first)])
    second = exporting.org_export(actor=company["sysadmin"]).content
    rows = [
        [list(r) for r in load_workbook(io.BytesIO(content))[SHEET_NAMES[kind]].iter_rows(values_only=True)]
        for content in (first, second)
        for kind in (DEPARTMENTS, STAFF)
    ]
    assert rows[:2] == rows[2:]


def test_only_the_system_administrator_exports(company: dict[str, Any], login: Any) -> None:
    for name in ("secadmin", "auditadmin", "outsider", "clerk", "gm"):
        assert login(company[name]).get(reverse("org:export")).status_code == 404, name
        with pytest.raises(PermissionDeniedError):
            exporting.org_export(actor=company[name])
    assert not AuditRecord.objects.filter(action="org.export").exists()


def test_the_export_is_audited(company: dict[str, Any], login: Any) -> None:
    download(login(company["sysadmin"]))
    record = AuditRecord.objects.get(action="org.export")
    assert record.actor_id == company["sysadmin"].pk
    expected = {"departments": Department.objects.count(), "staff": Staff.objects.count() - 1, "skipped": 1}
    assert record.detail == expected


def test_the_import_page_offers_the_export(company: dict[str, Any], login: Any) -> None:
    page = login(company["sysadmin"]).get(reverse("org:import")).content.decode()
    assert f'href="{reverse("org:export")}"' in page


def test_a_staff_in_a_new_department_round_trips_too(company: dict[str, Any]) -> None:
    """Departments deeper in the tree come after their parents or not: the import orders them itself."""
    deep = make_department(company["unit"], "三级部门", parent=company["section"])
    make_staff(deep, username="deep_member", full_name="深层成员")
    before = snapshot()
    content = exporting.org_export(actor=company["sysadmin"]).content
    org_import(actor=company["sysadmin"], files=[ImportFile("组织机构.xlsx", content)])
    assert snapshot() == before


def test_office_and_office_phone_come_back_from_an_edited_file(company: dict[str, Any]) -> None:
    """The office edits the rooms and desk phones in the exported file and imports it: they change, nothing else."""
    content = exporting.org_export(actor=company["sysadmin"]).content
    book = load_workbook(io.BytesIO(content))
    sheet = book[SHEET_NAMES[STAFF]]
    header = [c.value for c in sheet[1]]
    accountant_no = Staff.objects.get(user=company["accountant"]).employee_no
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("工号")].value == accountant_no:
            row[header.index("办公室")].value = "3楼 310"
            row[header.index("办公电话")].value = "0571-8765 9999"
    buffer = io.BytesIO()
    book.save(buffer)
    before = snapshot()
    org_import(actor=company["sysadmin"], files=[ImportFile("组织机构.xlsx", buffer.getvalue())])
    after = snapshot()
    accountant = Staff.objects.get(user=company["accountant"])
    assert (accountant.office, accountant.office_phone) == ("3楼 310", "0571-8765 9999")
    changed = [row for row in after["staff"] if row not in before["staff"]]
    assert [row[0] for row in changed] == [accountant.pk]
