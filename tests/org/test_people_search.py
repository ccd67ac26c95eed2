"""The person picker's search: by name, pinyin (full and initials), 工号, department; active staff only, never
an administrator; one query however many match; pinyin keys kept current when a name changes."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.permissions import AdminKind
from sanfu.org.models import Position, Post, Staff
from sanfu.org.people_search import search_people
from sanfu.org.pinyin import name_keys
from tests.conftest import grant, make_department, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org: dict[str, Any]) -> dict[str, Any]:
    """张三 in 财务部 (会计), 李四 in 办公室, 曾小红 (曾 read zeng), a disabled 张珊, and a system administrator
    who even has a staff record."""
    zhang = make_staff(org["finance"], username="p01", full_name="张三")
    accountant_post = Position.objects.create(unit=org["unit"], code="kuaiji", name="会计")
    Post.objects.filter(staff__user=zhang).update(position=accountant_post)
    li = make_staff(org["office"], username="p02", full_name="李四")
    zeng = make_staff(org["office"], username="p03", full_name="曾小红")
    gone = make_staff(org["finance"], username="p04", full_name="张珊")
    gone.is_active = False
    gone.save()
    admin = make_staff(org["office"], username="root", full_name="张管理")
    grant(admin, ensure_admin_roles()[AdminKind.SYSTEM])
    return {"zhang": zhang, "li": li, "zeng": zeng, "gone": gone, "admin": admin}


def _names(actor: Any, query: str, **kwargs: Any) -> list[str]:
    return [hit.name for hit in search_people(actor=actor, query=query, **kwargs)]


def test_initials_find_the_person_and_the_best_match_comes_first(org, people):
    assert _names(org["clerk"], "zs") == ["张三"]
    assert _names(org["clerk"], "ZS") == ["张三"]
    assert _names(org["clerk"], "zx")[0] == "曾小红"  # 曾's reading zeng is kept beside ceng


def test_full_pinyin_from_the_start_or_the_given_name(org, people):
    assert _names(org["clerk"], "zhangsan") == ["张三"]
    assert _names(org["clerk"], "Zhang San") == ["张三"]
    assert "张三" in _names(org["clerk"], "zhang")
    assert _names(org["clerk"], "xiaohong") == ["曾小红"]
    assert _names(org["clerk"], "zengxiao") == ["曾小红"]


def test_chinese_name_employee_number_and_department(org, people):
    assert _names(org["clerk"], "张三") == ["张三"]
    number = Staff.objects.get(user=people["li"]).employee_no
    assert _names(org["clerk"], number) == ["李四"]
    in_finance = _names(org["clerk"], "财务")
    assert "张三" in in_finance
    assert str(org["accountant"]) in in_finance
    assert "李四" not in in_finance


def test_each_hit_says_department_and_post(org, people):
    (hit,) = search_people(actor=org["clerk"], query="zs")
    assert (hit.user_id, hit.department, hit.post) == (people["zhang"].pk, "财务部", "会计")
    staff = Staff.objects.get(user=people["li"])
    staff.title = "秘书"
    staff.save()
    (li,) = search_people(actor=org["clerk"], query="lisi")
    assert (li.department, li.post) == ("办公室", "秘书")  # no position: the 职务 stands in


def test_disabled_people_and_administrators_are_never_found(org, people, admins):
    assert _names(org["clerk"], "张珊") == []
    assert _names(org["clerk"], "zhangshan") == []
    assert _names(org["clerk"], "张管理") == []
    assert _names(org["clerk"], "root") == []
    for username in ("sysadmin", "secadmin", "auditadmin"):  # the three, without staff records
        assert _names(org["clerk"], username) == []
    assert "张珊" not in _names(org["clerk"], "zh", limit=50)


def test_the_actor_is_left_out_and_a_disabled_actor_finds_nobody(org, people):
    assert _names(people["zhang"], "zs") == []
    assert _names(people["li"], "zs") == ["张三"]
    people["li"].is_active = False
    assert _names(people["li"], "zs") == []


def test_empty_query_finds_nobody_and_the_limit_holds(org, people):
    assert _names(org["clerk"], "   ") == []
    for i in range(8):
        make_staff(org["finance"], full_name=f"张{'一二三四五六七八'[i]}明")
    assert len(_names(org["clerk"], "zhang", limit=5)) == 5
    assert len(_names(org["clerk"], "zhang", limit=500)) == 9  # 张三 and the eight: all of them, under the cap


def test_one_query_however_many_match(org, people):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            hits = search_people(actor=org["clerk"], query="zh", limit=50)
        return len(captured), len(hits)

    few, found = count()
    department = make_department(org["unit"], "综合部")
    for i in range(25):
        user = make_staff(department, full_name=f"赵{i}")
        Post.objects.create(staff=Staff.objects.get(user=user), department=org["office"], is_primary=False)
    many, found_many = count()
    assert found_many == found + 25
    assert many == few == 1


def test_a_renamed_account_is_found_by_its_new_pinyin(org, people):
    user = people["li"]
    user.full_name = "王五"
    user.save()
    assert _names(org["clerk"], "ww") == ["王五"]
    assert _names(org["clerk"], "ls") == []
    user.full_name = "李四"
    user.save(update_fields=["full_name"])  # as the import saves it
    assert _names(org["clerk"], "ls") == ["李四"]


def test_saving_an_account_without_its_name_leaves_the_staff_record_alone(org, people):
    with CaptureQueriesContext(connection) as captured:
        people["li"].save(update_fields=["last_login"])  # every sign-in saves this
    assert len(captured) == 1


def test_the_migration_spells_the_names_already_there(org, people):
    Staff.objects.update(name_pinyin="", name_initials="")
    migration = importlib.import_module("sanfu.org.migrations.0004_staff_name_pinyin")
    migration.spell_names(apps, None)
    assert Staff.objects.get(user=people["zhang"]).name_initials == "zs"
    assert _names(org["clerk"], "zs") == ["张三"]


def test_name_keys_keep_the_surname_readings_and_skip_what_is_not_a_name():
    assert name_keys("张三") == ("zhangsan", "zs")
    full, initials = name_keys("单雄信")
    assert "shanxiongxin" in full.split()
    assert "sxx" in initials.split()
    assert name_keys("Tom Lee 张") == ("tomleezhang", "tlz")
    assert name_keys("阿依古丽·买买提")[1].split()[0] == "ayglmmt"
    assert name_keys("") == ("", "")
