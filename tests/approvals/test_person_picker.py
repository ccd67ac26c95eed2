"""转交 and 加签 choose people with the person picker; whatever is posted, the flow refuses a disabled account
or one of the three administrators, and leaves the instance as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from sanfu.core.errors import ApplicationError
from sanfu.workflow import services
from sanfu.workflow.models import Task
from tests.approvals import test_inbox
from tests.approvals.test_instance import open_task, post, snapshot

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def _page(client: Any, instance: Any) -> str:
    return client.get(reverse("approvals:instance", args=[instance.pk])).content.decode()


def test_the_page_offers_pickers_not_a_list_of_everyone(org, flows, admins, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    page = _page(login(org["section_head"]), instance)
    assert 'data-people-picker data-name="to"' in page
    assert 'data-people-picker data-name="people" data-multiple' in page
    assert "sanfu/people_picker.js" in page
    assert f'hx-get="{reverse("org:people_search")}"' in page
    assert '<select class="form-select form-select-sm mb-2" id="transfer-to"' not in page
    for username in ("sysadmin", "secadmin", "auditadmin"):  # the old list named every account
        assert username not in page
    assert str(org["office_head"]) not in page  # nobody is listed before one types


def test_transfer_to_an_administrator_or_a_disabled_account_is_refused(org, flows, admins, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    before = snapshot(instance)
    assert post(head, instance, "transfer", {"to": admins["sysadmin"].pk}) == [
        "不能转交给管理员账户（三员不办理业务）。"
    ]
    org["accountant"].is_active = False
    org["accountant"].save()
    assert post(head, instance, "transfer", {"to": org["accountant"].pk}) == ["不能转交给已停用的账户。"]
    assert snapshot(instance) == before
    assert open_task(instance, org["section_head"])


def test_adding_an_administrator_or_a_disabled_signer_is_refused_by_name(org, flows, admins, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    before = snapshot(instance)
    people = [org["finance_head"].pk, admins["auditadmin"].pk]
    assert post(head, instance, "add_signers", {"people": people}) == ["不能加签已停用的账户或管理员账户：auditadmin。"]
    org["accountant"].is_active = False
    org["accountant"].save()
    people = [org["finance_head"].pk, org["accountant"].pk]
    assert post(head, instance, "add_signers", {"people": people}) == [
        "不能加签已停用的账户或管理员账户：accountant。"
    ]  # refused, not quietly narrowed to the others
    assert snapshot(instance) == before


def test_the_flow_itself_refuses_administrators(org, flows, admins):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    task = open_task(instance, org["section_head"])
    before = snapshot(instance)
    with pytest.raises(ApplicationError, match="管理员"):
        services.task_transfer(actor=org["section_head"], task_id=task.pk, to=admins["secadmin"])
    with pytest.raises(ApplicationError, match="secadmin"):
        services.task_add_signers(actor=org["section_head"], task_id=task.pk, people=[admins["secadmin"]])
    assert snapshot(instance) == before


def test_a_signer_disabled_after_being_added_can_still_be_removed(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    post(head, instance, "add_signers", {"position": "before", "people": [org["finance_head"].pk]})
    assert open_task(instance, org["finance_head"])
    org["finance_head"].is_active = False
    org["finance_head"].save()
    assert post(head, instance, "remove_signers", {"people": [org["finance_head"].pk]}) == ["已减签。"]
    assert not Task.objects.filter(instance=instance, assignee=org["finance_head"], status="open").exists()
    assert open_task(instance, org["section_head"])
