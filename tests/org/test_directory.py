"""通讯录: the search (name, pinyin, initials, office phone), a person's card, who reads a leader's mobile, and
the office's exports (Excel, vCard)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.models import Role
from sanfu.accounts.permissions import AdminKind
from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.org import contacts
from sanfu.org.models import Delegation, Post, PostRole, Rank, Secretary, Staff
from tests.conftest import grant, make_department, make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db

DEPUTY_MOBILE = "13900000050"
ZHANG_MOBILE = "13800000001"


@pytest.fixture
def people(org: dict[str, Any]) -> dict[str, Any]:
    """The org, with 张三 in 财务部 (a concurrent post in 办公室), mobiles, offices and desk phones."""
    ensure_admin_roles()
    zhang = make_staff(org["finance"], username="zhang", full_name="张三")
    staff = Staff.objects.get(user=zhang)
    staff.mobile, staff.office, staff.office_phone, staff.title = ZHANG_MOBILE, "2楼 205", "0571-8765 4321", "会计"
    staff.save()
    zhang.email = "zhangsan@example.com"
    zhang.save()
    Post.objects.create(staff=staff, department=org["office"], role=PostRole.DEPUTY, is_primary=False)
    deputy = Staff.objects.get(user=org["deputy"])
    deputy.mobile = DEPUTY_MOBILE
    deputy.save()
    return {**org, "zhang": zhang}


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def names(search: contacts.Search) -> list[str]:
    return [s.user.display_name for s in search.staff]


# --- search ---------------------------------------------------------------------------------------------------


def test_the_search_finds_by_initials_full_pinyin_name_and_office_phone(people):
    unit = people["unit"].pk
    assert names(contacts.directory_search(unit_id=unit, query="zs")) == ["张三"]
    assert names(contacts.directory_search(unit_id=unit, query="ZhangSan")) == ["张三"]
    assert names(contacts.directory_search(unit_id=unit, query="张")) == ["张三"]
    assert names(contacts.directory_search(unit_id=unit, query="8765 4321")) == ["张三"]
    assert names(contacts.directory_search(unit_id=unit, query="057187654321")) == ["张三"]  # digits alone
    assert names(contacts.directory_search(unit_id=unit, query="(0571) 8765-4321")) == ["张三"]
    assert names(contacts.directory_search(unit_id=unit, query="会计")) == ["张三"]  # 职务
    assert names(contacts.directory_search(unit_id=unit, query="qqqq")) == []


def test_the_search_stays_in_the_unit_and_the_department(people):
    other = make_unit("other", name="另一单位")
    make_staff(make_department(other, "综合部"), username="zhang2", full_name="张珊")
    assert names(contacts.directory_search(unit_id=people["unit"].pk, query="zs")) == ["张三"]
    in_office = contacts.directory_search(unit_id=people["unit"].pk, department=people["office"], query="zs")
    assert names(in_office) == ["张三"]  # through the concurrent post
    in_leaders = contacts.directory_search(unit_id=people["unit"].pk, department=people["leaders"], query="zs")
    assert names(in_leaders) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [("x" * 65, "搜索内容过长"), ("%%%", "请输入姓名、拼音或首字母"), ("'; --", "请输入姓名、拼音或首字母")],
)
def test_a_bad_query_finds_nobody_and_says_why(people, login, query, message):
    found = contacts.directory_search(unit_id=people["unit"].pk, query=query)
    assert found.message.startswith(message)
    assert list(found.staff) == []
    response = login(people["clerk"]).get("/org/", {"unit": people["unit"].pk, "q": query}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "张三" not in body


def test_the_directory_page_searches_live_by_initials(people, login):
    response = login(people["clerk"]).get("/org/", {"unit": people["unit"].pk, "q": "zs"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "张三" in body
    assert "0571-8765 4321" in body
    assert f'hx-get="/org/people/{people["zhang"].pk}/"' in body
    assert "办公室主任" not in body


# --- the mobile rule ------------------------------------------------------------------------------------------


def shows(viewer, person) -> bool:
    staff = Staff.objects.get(user=person)
    return contacts.mobile_rule(viewer, [staff]).shows(staff)


def test_a_leaders_mobile_is_for_them_their_secretary_the_office_and_hr(people):
    deputy = people["deputy"]
    secretary = people["section_head"]
    Secretary.objects.create(secretary=secretary, leader=deputy)
    office = make_staff(people["office"], username="office_clerk")
    grant(office, role("clerk"), people["unit"])
    hr = make_staff(people["office"], username="hr")
    grant(hr, role("hr-officer"))  # a grant without a unit: their own unit
    grant(people["gm"], role("leader"))  # data scope ALL: still not a leader's mobile
    grant(people["office_head"], role("dept-head"), people["unit"])
    for viewer in (deputy, secretary, office, hr):
        assert shows(viewer, deputy), viewer
    for viewer in (people["gm"], people["office_head"], people["clerk"], people["zhang"]):
        assert not shows(viewer, deputy), viewer


def test_below_the_rank_the_data_scope_and_the_office_decide(people):
    zhang = people["zhang"]
    grant(people["finance_head"], role("dept-head"), people["unit"])
    office = make_staff(people["leaders"], username="office_clerk")  # the office role, whatever their department
    grant(office, role("clerk"), people["unit"])
    other_unit_office = make_staff(make_department(make_unit("u2"), "办公室"), username="clerk_b")
    grant(other_unit_office, role("clerk"))
    assert shows(zhang, zhang)
    assert shows(people["finance_head"], zhang)  # 张三's primary post is in 财务部
    assert shows(office, zhang)
    assert not shows(people["accountant"], zhang)
    assert not shows(other_unit_office, zhang)


def test_the_rank_from_which_mobiles_are_hidden_is_a_setting(people, settings):
    grant(people["gm"], role("leader"))
    assert shows(people["gm"], people["finance_head"])
    settings.SANFU_DIRECTORY_HIDE_MOBILE_FROM_RANK = Rank.HEAD
    assert not shows(people["gm"], people["finance_head"])


def test_the_list_shows_the_hidden_label_by_role(people, login):
    url = f"/org/?unit={people['unit'].pk}&q=fzjl"  # 副总经理
    assert "—（不公开）" in login(people["clerk"]).get(url).content.decode()
    assert DEPUTY_MOBILE not in login(people["clerk"]).get(url).content.decode()
    grant(people["clerk"], role("clerk"), people["unit"])
    assert DEPUTY_MOBILE in login(people["clerk"]).get(url).content.decode()


# --- the card -------------------------------------------------------------------------------------------------


def test_the_card_shows_posts_office_phones_and_who_acts_for_them_now(people, login):
    zhang = people["zhang"]
    now = timezone.now()
    Delegation.objects.create(
        principal=zhang,
        delegate=people["accountant"],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
    )
    Delegation.objects.create(  # over: not shown
        principal=zhang,
        delegate=people["finance_head"],
        starts_at=now - timedelta(days=5),
        ends_at=now - timedelta(days=1),
    )
    page = login(people["accountant"]).get(f"/org/people/{zhang.pk}/").content.decode()
    for text in ("张三", "示例发电公司", "财务部", "兼职", "办公室", "副职", "2楼 205", "0571-8765 4321"):
        assert text in page, text
    assert "zhangsan@example.com" in page
    assert f"由 {people['accountant'].display_name} 代理" in page
    assert people["finance_head"].display_name not in page
    assert "—（不公开）" in page  # another department, no role
    assert ZHANG_MOBILE not in page
    assert ZHANG_MOBILE in login(zhang).get(f"/org/people/{zhang.pk}/").content.decode()


def test_the_card_is_a_partial_for_htmx_and_a_404_for_an_account_without_a_staff_record(people, login):
    partial = login(people["clerk"]).get(f"/org/people/{people['zhang'].pk}/", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "data-person-card" in partial.content.decode()
    admin = make_user("sysadmin2")
    grant(admin, ensure_admin_roles()[AdminKind.SYSTEM])
    assert login(people["clerk"]).get(f"/org/people/{admin.pk}/").status_code == 404
    assert login(people["clerk"]).get(f"/org/people/{admin.pk}/vcard.vcf").status_code == 404
    with pytest.raises(NotFoundError):
        contacts.person_card(viewer=people["clerk"], user_id=admin.pk, at=timezone.now())
    assert login(people["clerk"]).get(f"/org/people/{10**25}/").status_code == 404  # past any key: not an error


# --- vCard ----------------------------------------------------------------------------------------------------


def test_vcard_values_are_escaped_and_long_lines_folded_on_characters():
    assert contacts.vcard_escape("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    folded = contacts._fold("NOTE:" + "办" * 40)
    lines = folded.split("\r\n ")
    assert len(lines) > 1
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "".join(lines) == "NOTE:" + "办" * 40
    assert contacts.split_name("欧阳修") == ("欧阳", "修")
    assert contacts.split_name("张三") == ("张", "三")
    assert contacts.split_name("Anna Li") == ("", "Anna Li")


def test_a_persons_vcard_carries_the_mobile_only_for_who_may_read_it(people, login):
    Staff.objects.filter(user=people["zhang"]).update(title="会计, 主管; 兼\\出纳")
    response = login(people["accountant"]).get(f"/org/people/{people['zhang'].pk}/vcard.vcf")
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    card = response.content.decode("utf-8")
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n")
    assert card.endswith("END:VCARD\r\n")
    for line in ("N:张;三;;;", "FN:张三", "ORG:示例发电公司;财务部", "TITLE:会计\\, 主管\\; 兼\\\\出纳"):
        assert f"\r\n{line}\r\n" in card, line
    assert "TEL;TYPE=WORK,VOICE:0571-8765 4321" in card
    assert "EMAIL;TYPE=INTERNET:zhangsan@example.com" in card
    assert "CELL" not in card
    assert ZHANG_MOBILE not in card
    own = login(people["zhang"]).get(f"/org/people/{people['zhang'].pk}/vcard.vcf").content.decode()
    assert f"TEL;TYPE=CELL,VOICE:{ZHANG_MOBILE}" in own


# --- the office's exports -------------------------------------------------------------------------------------


def test_the_office_exports_the_department_to_excel_with_posts_and_phones(people, login):
    grant(people["clerk"], role("clerk"), people["unit"])
    response = login(people["clerk"]).get(f"/org/directory.xlsx?unit={people['unit'].pk}&dept={people['office'].pk}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["部门", "姓名", "工号", "职务", "岗位", "任职", "办公室", "办公电话", "手机", "邮箱"]
    zhang = next(r for r in rows if r[1] == "张三")
    assert zhang[0] == "办公室"  # only the office's post: the department chosen
    assert zhang[5] == "兼职·副职"
    assert zhang[6:10] == ["2楼 205", "0571-8765 4321", ZHANG_MOBILE, "zhangsan@example.com"]
    assert {r[1] for r in rows[1:]} == {"张三", "办公室主任", "section_head", "文书"}
    assert AuditRecord.objects.filter(action="org.directory_export").count() == 1


def test_the_office_exports_a_department_as_vcards_and_a_leaders_mobile_follows_the_rule(people, login):
    grant(people["clerk"], role("clerk"), people["unit"])
    Staff.objects.filter(user=people["gm"]).update(mobile="")  # no number, no CELL line
    body = login(people["clerk"]).get(f"/org/directory.vcf?unit={people['unit'].pk}&dept={people['leaders'].pk}")
    cards = body.content.decode().split("END:VCARD\r\n")
    assert body.content.decode().count("BEGIN:VCARD") == 2
    assert f"TEL;TYPE=CELL,VOICE:{DEPUTY_MOBILE}" in body.content.decode()
    assert "CELL" not in next(c for c in cards if "FN:总经理" in c)
    assert AuditRecord.objects.filter(action="org.directory_vcards").count() == 1


def test_exports_are_refused_to_anyone_but_the_units_office_and_change_nothing(people, login):
    other_unit_office = make_staff(make_department(make_unit("u3"), "办公室"), username="clerk_c")
    grant(other_unit_office, role("clerk"))
    grant(people["gm"], role("leader"))
    grant(people["finance_head"], role("dept-head"), people["unit"])
    for viewer in (people["accountant"], people["gm"], people["finance_head"], other_unit_office):
        for fmt in ("xlsx", "vcf"):
            assert login(viewer).get(f"/org/directory.{fmt}?unit={people['unit'].pk}").status_code == 404
        with pytest.raises(PermissionDeniedError):
            contacts.directory_workbook(actor=viewer, unit_id=people["unit"].pk)
    assert not AuditRecord.objects.filter(action__startswith="org.directory").exists()
    page = login(people["accountant"]).get(f"/org/?unit={people['unit'].pk}").content.decode()
    assert "/org/directory.xlsx" not in page


def test_an_unknown_export_format_or_a_department_of_another_unit_is_refused(people, login):
    grant(people["clerk"], role("clerk"), people["unit"])
    client = login(people["clerk"])
    assert client.get(f"/org/directory.csv?unit={people['unit'].pk}").status_code == 404
    other = make_department(make_unit("u4"), "别处")
    # a department of another unit is ignored by the page, as the directory ignores it: the whole unit
    response = client.get(f"/org/directory.xlsx?unit={people['unit'].pk}&dept={other.pk}")
    assert response.status_code == 200
    with pytest.raises(NotFoundError):
        contacts.directory_workbook(actor=people["clerk"], unit_id=people["unit"].pk, department=other)


# --- query counts ---------------------------------------------------------------------------------------------


def _queries(client, url, **extra) -> int:
    client.get(url, **extra)  # warm up: session, grants and other per-client first-time reads
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured)


def test_the_search_and_the_office_export_run_a_fixed_number_of_queries(people, login):
    grant(people["clerk"], role("clerk"), people["unit"])
    client = login(people["clerk"])
    search = f"/org/?unit={people['unit'].pk}&q=zh"
    export = f"/org/directory.xlsx?unit={people['unit'].pk}"
    few = (_queries(client, search, HTTP_HX_REQUEST="true"), _queries(client, export))
    for number in range(12):
        user = make_staff(people["finance"], username=f"zh{number}", full_name=f"张{number}")
        Post.objects.create(staff=user.staff, department=people["office"], role=PostRole.MEMBER, is_primary=False)
    assert (_queries(client, search, HTTP_HX_REQUEST="true"), _queries(client, export)) == few
