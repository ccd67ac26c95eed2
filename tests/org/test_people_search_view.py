"""/org/people/search/: the person picker's options, for signed-in people only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sanfu.accounts.bootstrap import ensure_admin_roles
from sanfu.accounts.permissions import AdminKind
from sanfu.org.models import Position, Post
from tests.conftest import grant, make_department, make_staff

pytestmark = pytest.mark.django_db
URL = "/org/people/search/"


@pytest.fixture
def zhang(org: dict[str, Any]) -> Any:
    user = make_staff(org["finance"], username="p01", full_name="张三")
    Post.objects.filter(staff__user=user).update(
        position=Position.objects.create(unit=org["unit"], code="kuaiji", name="会计")
    )
    return user


def test_anonymous_people_are_sent_to_sign_in(org, zhang):
    response = Client().get(URL, {"q": "zs"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_options_show_name_department_and_post(org, zhang, login):
    response = login(org["clerk"]).get(URL, {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-id="{zhang.pk}"' in page
    assert 'role="option"' in page
    for text in ("张三", "财务部", "会计"):
        assert text in page, text
    assert page.count('role="option"') == 1


def test_no_match_says_so_and_an_empty_query_shows_nothing(org, zhang, login):
    client = login(org["clerk"])
    assert "没有找到“qqq”" in client.get(URL, {"q": "qqq"}).content.decode()
    assert client.get(URL, {"q": ""}).content.decode().strip() == ""


def test_administrators_are_not_offered(org, login):
    auditor = make_staff(org["office"], username="p09", full_name="审计员")
    grant(auditor, ensure_admin_roles()[AdminKind.AUDIT])
    page = login(org["clerk"]).get(URL, {"q": "sjy"}).content.decode()
    assert 'role="option"' not in page
    assert "没有找到" in page


def test_the_query_count_does_not_grow_with_the_matches(org, zhang, login):
    client = login(org["clerk"])

    def queries() -> int:
        client.get(URL, {"q": "zh"})  # warm up the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {"q": "zh"}).status_code == 200
        return len(captured)

    few = queries()
    department = make_department(org["unit"], "综合部")
    for i in range(20):
        make_staff(department, full_name=f"赵{i}")
    assert queries() == few


def test_only_get(org, login):
    assert login(org["clerk"]).post(URL, {"q": "zs"}).status_code == 405
