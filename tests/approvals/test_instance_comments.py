"""Opinions and comments on the instance page: a length limit the browser enforces (maxlength) and the server
checks again, and a refused action shows the page again with the reason and the text still in its form."""

from __future__ import annotations

import html
from typing import Any

from django.urls import reverse

from sanfu.workflow.models import Instance, InstanceEvent
from tests.approvals import test_inbox

flows = test_inbox.flows  # the shared fixture
submit = test_inbox.submit


def _snapshot(instance: Instance) -> tuple[Any, ...]:
    fresh = Instance.objects.get(pk=instance.pk)
    return fresh.version, fresh.status, fresh.state, InstanceEvent.objects.filter(instance=instance).count()


def _post(client: Any, instance: Instance, action: str, data: dict[str, Any]) -> Any:
    return client.post(reverse(f"approvals:instance_{action}", args=[instance.pk]), data, follow=True)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_every_comment_field_carries_the_limit(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    page = login(org["section_head"]).get(reverse("approvals:instance", args=[instance.pk])).content.decode()
    # 审批意见, 退回, 转交, 加签, 评论 (退回补正 and 作废 where the matter and the role offer them)
    assert page.count('name="comment"') == page.count('maxlength="2000"')
    assert page.count('maxlength="2000"') >= 5


def test_a_megabyte_opinion_is_refused_kept_in_the_form_and_changes_nothing(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    before = _snapshot(instance)
    huge = "同意" * 170_000  # 340,000 characters: a megabyte in UTF-8
    response = _post(head, instance, "approve", {"comment": huge})
    assert response.status_code == 200
    assert _messages(response) == ["意见不能超过 2000 字（现有 340000 字），请精简后再提交，未做任何更改。"]
    assert _snapshot(instance) == before
    assert not InstanceEvent.objects.filter(instance=instance, comment__startswith="同意同意").exists()
    opinion = response.context["kept"]["approve"]
    assert opinion == huge  # the person's text is not lost: it is back in the 审批意见 box
    assert 'name="comment" rows="3" maxlength="2000" placeholder' in response.content.decode()


def test_the_limit_itself_is_accepted_and_line_breaks_count_once(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    opinion = "同\r\n" * 666 + "意意"  # 2000 characters as the browser counts them (a line break is one)
    response = _post(head, instance, "approve", {"comment": opinion})
    assert _messages(response) == ["已提交您的意见。"]
    assert InstanceEvent.objects.filter(instance=instance, comment=opinion.replace("\r\n", "\n")).exists()


def test_one_character_over_is_refused_for_a_comment_too(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    clerk = login(org["clerk"])
    before = _snapshot(instance)
    text = "请" * 2001
    response = _post(clerk, instance, "comment", {"comment": text})
    assert "不能超过 2000 字" in _messages(response)[0]
    assert _snapshot(instance) == before
    assert f">{text}</textarea>" in response.content.decode()  # back in the 评论 box


def test_a_refused_action_keeps_its_text_in_its_own_form(org, flows, login):
    instance = submit(org["clerk"], flows["leave"], "年假五天")
    head = login(org["section_head"])
    before = _snapshot(instance)
    reason = "请<财务>先看一下，金额较大"
    response = _post(head, instance, "transfer", {"comment": reason, "to": ""})
    assert _messages(response) == ["请选择转交给谁。"]
    assert _snapshot(instance) == before
    page = response.content.decode()
    assert f'value="{html.escape(reason)}"' in page  # escaped, and in the 转交 form, which is open
    assert 'id="act-transfer" class="accordion-collapse collapse show"' in page
