"""通讯录: a whole mobile number finds its owner through the keyed blind index, only for a searcher who may read
that mobile (``MobileRule``); for anyone else the owner is not found by it at all (no oracle). The index is
written on every save and import, filled for existing rows by the migration, and follows key rotation."""

from __future__ import annotations

import hashlib
import importlib
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.org import contacts
from sanfu.org.models import Post, PostRole, Secretary, Staff, mobile_digits, mobile_index, staff_mobile_index_fill
from tests.conftest import grant, make_staff
from tests.org.test_directory import DEPUTY_MOBILE, ZHANG_MOBILE, names, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org: dict[str, Any]) -> dict[str, Any]:
    """The org, with 张三 in 财务部 (a concurrent post in 办公室) and the mobiles of 张三 and 副总经理."""
    ensure_admin_roles()
    zhang = make_staff(org["finance"], username="zhang", full_name="张三")
    staff = Staff.objects.get(user=zhang)
    staff.mobile = ZHANG_MOBILE
    staff.save()
    Post.objects.create(staff=staff, department=org["office"], role=PostRole.DEPUTY, is_primary=False)
    deputy = Staff.objects.get(user=org["deputy"])
    deputy.mobile = DEPUTY_MOBILE
    deputy.save()
    return {**org, "zhang": zhang}


def search(people: dict[str, Any], viewer: Any, query: str) -> list[str]:
    return names(contacts.directory_search(unit_id=people["unit"].pk, query=query, viewer=viewer))


def test_the_index_is_keyed_normalised_and_stored_beside_the_ciphertext(people: dict[str, Any]) -> None:
    assert mobile_digits("+86 138-0000-0001") == ZHANG_MOBILE
    assert mobile_digits("0086 13800000001") == ZHANG_MOBILE
    assert mobile_index("138 0000 0001") == mobile_index(ZHANG_MOBILE)
    assert mobile_index("") == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, mobile_index FROM org_staff WHERE user_id = %s", [people["zhang"].pk])
        stored, index = cursor.fetchone()
    assert ZHANG_MOBILE not in stored
    assert ZHANG_MOBILE not in index
    assert index == mobile_index(ZHANG_MOBILE)
    assert index != hashlib.sha256(ZHANG_MOBILE.encode()).hexdigest()  # keyed, not a plain hash


def test_a_searcher_who_may_read_the_mobile_finds_its_owner(people: dict[str, Any]) -> None:
    grant(people["finance_head"], role("dept-head"), people["unit"])
    zhang = people["zhang"]
    assert search(people, zhang, ZHANG_MOBILE) == ["张三"]  # their own
    assert search(people, people["finance_head"], "138-0000-0001") == ["张三"]  # within their data scope
    assert search(people, people["finance_head"], "+86 13800000001") == ["张三"]
    # a part of the number is not a mobile search
    assert search(people, people["finance_head"], "13800000") == []


def test_a_hidden_mobile_finds_nobody(people: dict[str, Any]) -> None:
    """Not found, not "found but hidden": the result for a hidden person's number equals a number nobody has."""
    deputy = people["deputy"]
    assert search(people, people["accountant"], ZHANG_MOBILE) == []  # outside their data scope
    assert search(people, people["gm"], DEPUTY_MOBILE) == []  # a leader's: hidden from other leaders
    assert search(people, people["gm"], DEPUTY_MOBILE) == search(people, people["gm"], "13912345678")
    secretary = people["section_head"]
    Secretary.objects.create(secretary=secretary, leader=deputy)
    assert search(people, secretary, DEPUTY_MOBILE) == ["副总经理"]
    office = people["clerk"]
    assert search(people, office, DEPUTY_MOBILE) == []
    grant(office, role("clerk"), people["unit"])
    assert search(people, office, DEPUTY_MOBILE) == ["副总经理"]
    # without a viewer (the exports' listing) nobody is ever found by a mobile
    assert names(contacts.directory_search(unit_id=people["unit"].pk, query=ZHANG_MOBILE)) == []


def test_saves_keep_the_index_current_and_the_fill_repairs_bulk_rows(people: dict[str, Any]) -> None:
    staff = Staff.objects.get(user=people["zhang"])
    staff.mobile = "13700000007"
    staff.save(update_fields=["mobile"])
    assert search(people, people["zhang"], "13700000007") == ["张三"]
    assert search(people, people["zhang"], ZHANG_MOBILE) == []
    Staff.objects.filter(pk=staff.pk).update(mobile_index="")  # as a bulk insert leaves it
    assert search(people, people["zhang"], "13700000007") == []
    assert staff_mobile_index_fill() == 1
    assert search(people, people["zhang"], "13700000007") == ["张三"]
    assert staff_mobile_index_fill() == 0


def test_a_new_key_in_front_still_finds_rows_indexed_under_the_old_one(people: dict[str, Any], settings: Any) -> None:
    old = settings.SANFU_FIELD_KEY
    settings.SANFU_FIELD_KEY = "a-newer-field-key-for-rotation-" + "n" * 30 + "," + old
    assert search(people, people["zhang"], ZHANG_MOBILE) == ["张三"]
    assert staff_mobile_index_fill(rebuild=True) >= 2  # every row under the newest key
    assert search(people, people["zhang"], ZHANG_MOBILE) == ["张三"]


INDEX_MIGRATION = importlib.import_module("sanfu.org.migrations.0007_staff_mobile_index")


def test_the_migration_fills_the_index_of_numbers_already_stored(people: dict[str, Any]) -> None:
    staff = Staff.objects.get(user=people["zhang"])
    Staff.objects.filter(pk=staff.pk).update(mobile_index="")  # as before the migration

    class Editor:
        connection = connection

    INDEX_MIGRATION.fill_mobile_index(None, Editor())
    staff.refresh_from_db()
    assert staff.mobile_index == mobile_index(ZHANG_MOBILE)
    assert search(people, people["zhang"], ZHANG_MOBILE) == ["张三"]


def test_the_directory_page_finds_by_mobile_only_for_who_may_read_it(people: dict[str, Any], client: Any) -> None:
    """The 通讯录 page passes its viewer to the search: the person's own number finds them on the page, while a
    colleague who may not read that mobile gets the page's "nobody found" and no trace of the owner."""
    client.force_login(people["zhang"])
    own = client.get(reverse("org:directory"), {"q": ZHANG_MOBILE})
    assert own.status_code == 200
    assert own.content.decode().count("data-person-link") == 1
    assert "张三" in own.content.decode()
    other = make_staff(people["office"], username="li", full_name="李四")
    client.force_login(other)
    hidden = client.get(reverse("org:directory"), {"q": DEPUTY_MOBILE})
    assert hidden.status_code == 200
    assert "data-person-link" not in hidden.content.decode()  # the deputy is not found by the hidden number
