"""换班: ask, agree, approve through the flow ``duty-swap`` (the office, 或签); refusals that change nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sanfu.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from sanfu.core.models import Notification
from sanfu.duty import services
from sanfu.duty.models import RotaKind, Shift, ShiftKind, Swap, SwapStatus
from sanfu.workflow.models import Instance, InstanceStatus
from tests.duty.conftest import at, make_rota, roster

BEFORE = date(2026, 9, 20)


@pytest.fixture
def shifts(duty: dict[str, Any]) -> dict[str, Shift]:
    rota = make_rota(duty, kind=RotaKind.HOLIDAY)
    with at(BEFORE, 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 3), duty["clerk"])
    first, second, third = Shift.objects.order_by("day")  # A, B, C
    return {"first": first, "second": second, "third": third}


def test_a_swap_exchanges_two_shifts_once_the_office_approves(duty: dict[str, Any], shifts: dict[str, Shift]) -> None:
    a, b, clerk = duty["a"], duty["b"], duty["clerk"]
    first, second = shifts["first"], shifts["second"]
    with at(BEFORE, 10):
        swap = services.swap_request(
            actor=a, shift_id=first.pk, counterpart_id=b.pk, counter_shift_id=second.pk, reason="家中有事"
        )
        assert Notification.objects.filter(user=b, url=f"/duty/swaps/{swap.pk}/").exists()
        swap = services.swap_agree(actor=b, swap_id=swap.pk)
        assert swap.status == SwapStatus.AGREED
        assert swap.instance_id is not None
        assert services.may_approve(clerk, swap)
        assert not services.may_approve(a, swap)
        swap = services.swap_approve(actor=clerk, swap_id=swap.pk, comment="同意")
    assert swap.status == SwapStatus.APPROVED
    assert Instance.objects.get(pk=swap.instance_id).status == InstanceStatus.APPROVED
    assert Shift.objects.get(pk=first.pk).officer_id == b.pk
    assert Shift.objects.get(pk=second.pk).officer_id == a.pk


def test_a_plain_hand_over_and_a_rejection(duty: dict[str, Any], shifts: dict[str, Shift]) -> None:
    a, c, clerk = duty["a"], duty["c"], duty["clerk"]
    first = shifts["first"]
    with at(BEFORE, 10):
        swap = services.swap_request(actor=a, shift_id=first.pk, counterpart_id=c.pk, reason="出差")
        services.swap_agree(actor=c, swap_id=swap.pk)
        with pytest.raises(ApplicationError, match="驳回时请写明原因"):
            services.swap_reject(actor=clerk, swap_id=swap.pk, comment=" ")
        swap = services.swap_reject(actor=clerk, swap_id=swap.pk, comment="人手不足")
    assert swap.status == SwapStatus.REJECTED
    assert Shift.objects.get(pk=first.pk).officer_id == a.pk
    with at(BEFORE, 11):  # the shift is free for a new request
        again = services.swap_request(actor=a, shift_id=first.pk, counterpart_id=c.pk, reason="出差")
        services.swap_agree(actor=c, swap_id=again.pk)
        services.swap_approve(actor=clerk, swap_id=again.pk)
    assert Shift.objects.get(pk=first.pk).officer_id == c.pk


def test_bad_requests_are_refused_and_write_nothing(duty: dict[str, Any], shifts: dict[str, Shift]) -> None:
    a, b, first, second = duty["a"], duty["b"], shifts["first"], shifts["second"]
    with at(BEFORE, 10):
        with pytest.raises(NotFoundError):  # not A's shift
            services.swap_request(actor=a, shift_id=second.pk, counterpart_id=b.pk, reason="x")
        with pytest.raises(ApplicationError, match="请写明换班原因"):
            services.swap_request(actor=a, shift_id=first.pk, counterpart_id=b.pk, reason="")
        with pytest.raises(ApplicationError, match="另一位同事"):
            services.swap_request(actor=a, shift_id=first.pk, counterpart_id=duty["stranger"].pk, reason="x")
        with pytest.raises(ApplicationError, match="对方本人的班次"):
            services.swap_request(
                actor=a, shift_id=first.pk, counterpart_id=duty["c"].pk, counter_shift_id=second.pk, reason="x"
            )
        services.swap_request(actor=a, shift_id=first.pk, counterpart_id=b.pk, reason="x")
        with pytest.raises(ConflictError, match="进行中的换班申请"):
            services.swap_request(actor=a, shift_id=first.pk, counterpart_id=duty["c"].pk, reason="y")
    with at(date(2026, 10, 1), 9), pytest.raises(ApplicationError, match="班次已开始"):
        services.swap_request(actor=a, shift_id=first.pk, counterpart_id=b.pk, reason="x")
    assert Swap.objects.count() == 1


def test_only_the_colleague_agrees_and_outsiders_see_nothing(duty: dict[str, Any], shifts: dict[str, Shift]) -> None:
    a, b = duty["a"], duty["b"]
    with at(BEFORE, 10):
        swap = services.swap_request(actor=a, shift_id=shifts["first"].pk, counterpart_id=b.pk, reason="x")
        with pytest.raises(PermissionDeniedError):
            services.swap_agree(actor=a, swap_id=swap.pk)
        with pytest.raises(NotFoundError):
            services.swap_agree(actor=duty["stranger"], swap_id=swap.pk)
        with pytest.raises(NotFoundError):
            services.access_swap(actor=duty["accountant"], swap_id=swap.pk)
        services.swap_decline(actor=b, swap_id=swap.pk)
        with pytest.raises(ConflictError):
            services.swap_agree(actor=b, swap_id=swap.pk)
    assert Swap.objects.get(pk=swap.pk).status == SwapStatus.DECLINED


def test_a_swap_that_became_invalid_is_refused_and_changes_nothing(
    duty: dict[str, Any], shifts: dict[str, Shift]
) -> None:
    a, b, c, clerk = duty["a"], duty["b"], duty["c"], duty["clerk"]
    first, second = shifts["first"], shifts["second"]
    with at(BEFORE, 10):
        swap = services.swap_request(
            actor=a, shift_id=first.pk, counterpart_id=b.pk, counter_shift_id=second.pk, reason="x"
        )
        services.swap_agree(actor=b, swap_id=swap.pk)
        services.shift_reassign(actor=clerk, shift_id=second.pk, officer_id=c.pk)  # the office edits meanwhile
        with pytest.raises(ApplicationError, match="排班已变动"):
            services.swap_approve(actor=clerk, swap_id=swap.pk)
    assert Swap.objects.get(pk=swap.pk).status == SwapStatus.AGREED
    assert (Shift.objects.get(pk=first.pk).officer_id, Shift.objects.get(pk=second.pk).officer_id) == (a.pk, c.pk)
    with at(date(2026, 10, 1), 9), pytest.raises(ApplicationError, match="班次已开始"):
        services.swap_approve(actor=clerk, swap_id=swap.pk)
    with at(date(2026, 10, 1), 9):
        services.swap_reject(actor=clerk, swap_id=swap.pk, comment="已失效")
    assert Swap.objects.get(pk=swap.pk).status == SwapStatus.REJECTED


def test_reassign_checks(duty: dict[str, Any], shifts: dict[str, Shift]) -> None:
    clerk, first = duty["clerk"], shifts["first"]
    with at(BEFORE, 10):
        with pytest.raises(PermissionDeniedError):
            services.shift_reassign(actor=duty["a"], shift_id=first.pk, officer_id=duty["b"].pk)
        with pytest.raises(ApplicationError, match="带班领导须是"):
            services.shift_reassign(
                actor=clerk, shift_id=first.pk, officer_id=duty["b"].pk, leader_id=duty["accountant"].pk
            )
        changed = services.shift_reassign(
            actor=clerk, shift_id=first.pk, officer_id=duty["b"].pk, leader_id=duty["deputy"].pk
        )
    assert (changed.officer_id, changed.leader_id) == (duty["b"].pk, duty["deputy"].pk)
    assert changed.kind == ShiftKind.DAY
