"""意见箱 services: submitting named and anonymous suggestions, triage by the office, the department's answer,
adoption with its rules and conflicts, following by code, the yearly list. A refusal changes nothing."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.suggestions import selectors, services
from sanfu.suggestions.models import Status, Suggestion
from tests.suggestions.conftest import submit


def test_a_named_suggestion_keeps_its_author_and_time(sg: dict[str, Any]) -> None:
    made = submit(sg["accountant"], concerns_id=sg["office"].pk, campaign_id=12)
    s = Suggestion.objects.get(pk=made.suggestion.pk)
    assert made.code == ""
    assert (s.author_id, s.anonymous, s.code_hash, s.campaign_id) == (sg["accountant"].pk, False, "", 12)
    assert s.submitted_at is not None
    assert s.unit_id == sg["unit"].pk
    assert s.concerns_id == sg["office"].pk
    assert list(selectors.my_suggestions(sg["accountant"])) == [s]


def test_an_anonymous_suggestion_stores_only_the_hash_of_its_code(sg: dict[str, Any]) -> None:
    made = submit(sg["accountant"], anonymous=True, today=date(2026, 12, 7))
    s = Suggestion.objects.get(pk=made.suggestion.pk)
    assert len(services.normalise_code(made.code)) == services.CODE_LENGTH
    assert s.author_id is None
    assert s.submitted_at is None
    assert s.submitted_on == date(2026, 12, 7)
    assert s.code_hash == hashlib.sha256(services.normalise_code(made.code).encode()).hexdigest()
    assert made.code not in str(Suggestion.objects.filter(pk=s.pk).values().first())
    assert list(selectors.my_suggestions(sg["accountant"])) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "  "}, "请填写标题"),
        ({"body": ""}, "请填写建议内容"),
        ({"title": "长" * 101}, "标题不能超过100字"),
        ({"category": "nonsense"}, "请选择建议类别"),
        ({"campaign_id": 0}, "征集活动不存在"),
        ({"campaign_id": 2**31}, "征集活动不存在"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(sg: dict[str, Any], fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ApplicationError, match=message):
        submit(sg["accountant"], anonymous=True, **fields)
    assert not Suggestion.objects.exists()


def test_a_department_of_another_unit_is_refused(sg: dict[str, Any]) -> None:
    other_department = sg["stranger"].staff.posts.first().department
    with pytest.raises(ApplicationError, match="请选择本单位的部门"):
        submit(sg["accountant"], concerns_id=other_department.pk)
    assert not Suggestion.objects.exists()


def test_someone_without_a_unit_cannot_submit(sg: dict[str, Any], admins: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="不属于任何单位"):
        submit(admins["outsider"], anonymous=True)


def test_the_office_assigns_the_department_answers_and_the_named_author_is_told(sg: dict[str, Any]) -> None:
    s = submit(sg["accountant"]).suggestion
    services.suggestion_assign(actor=sg["clerk"], suggestion_id=s.pk, department_id=sg["finance"].pk)
    assert Notification.objects.filter(user=sg["finance_head"], title__contains=s.title).exists()
    assert s in selectors.queue(sg["finance_head"])
    services.suggestion_reply(
        actor=sg["finance_head"], suggestion_id=s.pk, reply="已与食堂协商，下月起执行。", public=True
    )
    s.refresh_from_db()
    assert s.reply == "已与食堂协商，下月起执行。"
    assert s.reply_public
    assert s.replied_on is not None
    assert Notification.objects.filter(user=sg["accountant"], title__contains="已答复").exists()
    assert s in selectors.public_suggestions(sg["deputy"])
    assert s not in selectors.public_suggestions(sg["stranger"])


def test_only_the_office_assigns_and_only_answerers_reply(sg: dict[str, Any]) -> None:
    s = submit(sg["accountant"]).suggestion
    with pytest.raises(PermissionDeniedError):
        services.suggestion_assign(actor=sg["accountant"], suggestion_id=s.pk, department_id=sg["finance"].pk)
    with pytest.raises(PermissionDeniedError):
        services.suggestion_reply(actor=sg["accountant"], suggestion_id=s.pk, reply="自问自答", public=True)
    with pytest.raises(NotFoundError):
        services.suggestion_reply(actor=sg["finance_head"], suggestion_id=s.pk, reply="未分办", public=True)
    with pytest.raises(NotFoundError):
        services.suggestion_assign(actor=sg["stranger"], suggestion_id=s.pk, department_id=sg["finance"].pk)
    s.refresh_from_db()
    assert (s.department_id, s.reply) == (None, "")


def test_a_private_reply_is_not_public(sg: dict[str, Any]) -> None:
    s = submit(sg["accountant"]).suggestion
    services.suggestion_reply(actor=sg["clerk"], suggestion_id=s.pk, reply="内部答复", public=False)
    assert s not in selectors.public_suggestions(sg["deputy"])
    with pytest.raises(NotFoundError):
        selectors.access_suggestion(actor=sg["deputy"], suggestion_id=s.pk)
    assert selectors.access_suggestion(actor=sg["accountant"], suggestion_id=s.pk).reply == "内部答复"


def test_adoption_needs_a_department_declining_a_reason(sg: dict[str, Any]) -> None:
    s = submit(sg["accountant"]).suggestion
    with pytest.raises(ApplicationError, match="请选择采纳部门"):
        services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.ADOPTED)
    with pytest.raises(ApplicationError, match="请填写不采纳理由"):
        services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.DECLINED, reason=" ")
    with pytest.raises(ConflictError):
        services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.DONE)
    with pytest.raises(PermissionDeniedError):
        services.suggestion_decide(
            actor=sg["accountant"], suggestion_id=s.pk, status=Status.ADOPTED, adopting_department_id=sg["office"].pk
        )
    s.refresh_from_db()
    assert (s.status, s.adopting_department_id, s.decided_on) == (Status.PENDING, None, None)


def test_adopted_then_done_and_the_yearly_list(sg: dict[str, Any]) -> None:
    s = submit(sg["accountant"]).suggestion
    last_year = submit(sg["accountant"], anonymous=True, title="去年的建议").suggestion
    services.suggestion_decide(
        actor=sg["clerk"],
        suggestion_id=last_year.pk,
        status=Status.PARTIAL,
        adopting_department_id=sg["finance"].pk,
        today=date(2025, 6, 1),
    )
    services.suggestion_decide(
        actor=sg["clerk"],
        suggestion_id=s.pk,
        status=Status.ADOPTED,
        adopting_department_id=sg["office"].pk,
        today=date(2026, 3, 2),
    )
    done = services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.DONE, today=date(2026, 5, 1))
    assert (done.status, done.done_on, done.adopting_department_id) == (Status.DONE, date(2026, 5, 1), sg["office"].pk)
    assert list(selectors.adopted_in_year(sg["accountant"], 2026)) == [done]
    assert [x.title for x in selectors.adopted_in_year(sg["accountant"], 2025)] == ["去年的建议"]
    assert list(selectors.adopted_in_year(sg["stranger"], 2026)) == []
    assert Notification.objects.filter(user=sg["accountant"], title__contains="已采纳").exists()


def test_a_decision_no_longer_possible_is_a_conflict(sg: dict[str, Any]) -> None:
    s = submit(sg["accountant"]).suggestion
    services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.DECLINED, reason="预算不足")
    with pytest.raises(ConflictError, match="暂不采纳"):
        services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.DECLINED, reason="重复")
    with pytest.raises(ConflictError):
        services.suggestion_decide(actor=sg["clerk"], suggestion_id=s.pk, status=Status.DONE)
    assert Suggestion.objects.get(pk=s.pk).decline_reason == "预算不足"


def test_following_by_code(sg: dict[str, Any]) -> None:
    made = submit(sg["accountant"], anonymous=True)
    services.suggestion_reply(actor=sg["clerk"], suggestion_id=made.suggestion.pk, reply="感谢建议", public=False)
    followed = services.suggestion_follow(actor=sg["accountant"], code=made.code.lower().replace("-", " "))
    assert (followed.pk, followed.reply) == (made.suggestion.pk, "感谢建议")
    with pytest.raises(NotFoundError, match="查询码不正确"):
        services.suggestion_follow(actor=sg["accountant"], code="AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(NotFoundError, match="查询码不正确"):
        services.suggestion_follow(actor=sg["accountant"], code="short")


def test_too_many_wrong_codes_are_refused_for_a_while(sg: dict[str, Any]) -> None:
    made = submit(sg["accountant"], anonymous=True)
    for _i in range(services.FOLLOW_FAILURES_ALLOWED):
        with pytest.raises(NotFoundError):
            services.suggestion_follow(actor=sg["deputy"], code="AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(PermissionDeniedError, match="输错次数过多"):
        services.suggestion_follow(actor=sg["deputy"], code=made.code)
    assert services.suggestion_follow(actor=sg["accountant"], code=made.code).pk == made.suggestion.pk
