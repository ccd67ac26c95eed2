"""The compose form's 接收人员 is the house person picker: no <select> listing every person, the picker's
search, and a draft's chosen people shown as chips when it is edited; the form posts the same ``people``."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from sanfu.announcements.models import Announcement, Kind, Scope
from tests.announcements.conftest import notice


def test_the_form_uses_the_person_picker(ann: dict[str, Any], login: Any, django_assert_max_num_queries: Any) -> None:
    client = login(ann["clerk"])
    page = client.get(reverse("announcements:new")).content.decode()
    assert "data-people-picker" in page
    assert 'data-name="people"' in page
    assert reverse("org:people_search") in page
    assert "sanfu/people_picker.js" in page
    assert '<select name="people"' not in page
    assert ann["accountant"].display_name not in page  # nobody is listed until searched for
    response = client.post(
        reverse("announcements:new"),
        {
            "kind": Kind.NOTICE,
            "title": "财务人员培训",
            "body": "周五下午培训。",
            "scope": Scope.PEOPLE,
            "people": [ann["accountant"].pk, ann["finance_head"].pk],
            "publish": "0",
        },
    )
    assert response.status_code == 302
    made = Announcement.objects.get(title="财务人员培训")
    assert set(made.scope_people.values_list("pk", flat=True)) == {ann["accountant"].pk, ann["finance_head"].pk}
    edit = client.get(reverse("announcements:edit", args=[made.pk])).content.decode()
    assert 'data-picker-initial="id_people"' in edit
    assert f'name="people" value="{ann["accountant"].pk}"' in edit
    assert ann["accountant"].display_name in edit


def test_a_stranger_chosen_in_the_picker_is_refused(ann: dict[str, Any], login: Any) -> None:
    client = login(ann["clerk"])
    page = client.post(
        reverse("announcements:new"),
        {"kind": Kind.NOTICE, "title": "越权通知", "body": "b", "scope": Scope.PEOPLE, "people": [ann["stranger"].pk]},
    ).content.decode()
    assert not Announcement.objects.filter(title="越权通知").exists()
    assert "invalid-feedback" in page
    assert str(ann["stranger"].pk) in page.split("invalid-feedback", 1)[1][:200]  # named in the field's error


def test_existing_people_survive_an_edit(ann: dict[str, Any], login: Any) -> None:
    draft = notice(ann["clerk"], publish=False, scope=Scope.PEOPLE, people_ids=[ann["gm"].pk])
    client = login(ann["clerk"])
    client.post(
        reverse("announcements:edit", args=[draft.pk]),
        {
            "kind": Kind.NOTICE,
            "title": draft.title,
            "body": draft.body,
            "scope": Scope.PEOPLE,
            "people": [ann["gm"].pk, ann["deputy"].pk],
            "publish": "0",
        },
    )
    assert set(draft.scope_people.values_list("pk", flat=True)) == {ann["gm"].pk, ann["deputy"].pk}


pytestmark = pytest.mark.django_db
