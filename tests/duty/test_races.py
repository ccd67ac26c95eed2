"""Concurrency: two swaps of different shifts that both want the same colleague's shift in exchange, approved at
once by two people of the office, each thread with its own connection meeting at a barrier; and two office
people approving the same swap at once. One wins; the roster changes exactly once. Runs on whichever database
the suite runs on."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sanfu.accounts.models import Role
from sanfu.duty import services
from sanfu.duty.models import RotaKind, Shift, Swap, SwapStatus
from tests.conftest import grant, make_staff
from tests.duty.conftest import at, make_rota, roster
from tests.races import race


def _scene(duty: dict[str, Any]) -> tuple[list[Shift], Any]:
    second_clerk = make_staff(duty["section"], username="clerk2")
    grant(second_clerk, Role.objects.get(code="clerk"))
    rota = make_rota(duty, kind=RotaKind.HOLIDAY)
    with at(date(2026, 9, 20), 9):
        roster(rota, date(2026, 10, 1), date(2026, 10, 3), duty["clerk"])
    return list(Shift.objects.order_by("day")), second_clerk  # A, B, C


@pytest.mark.django_db(transaction=True)
def test_two_approvals_wanting_one_shift_cannot_both_win(duty: dict[str, Any]) -> None:
    (first, second, third), second_clerk = _scene(duty)
    a, b, c = duty["a"], duty["b"], duty["c"]
    with at(date(2026, 9, 20), 10):
        one = services.swap_request(
            actor=a, shift_id=first.pk, counterpart_id=c.pk, counter_shift_id=third.pk, reason="x"
        )
        two = services.swap_request(
            actor=b, shift_id=second.pk, counterpart_id=c.pk, counter_shift_id=third.pk, reason="y"
        )
        services.swap_agree(actor=c, swap_id=one.pk)
        services.swap_agree(actor=c, swap_id=two.pk)
    with at(date(2026, 9, 21), 9):  # the clock is the process's: every thread sees the same day
        results = race(
            [
                lambda: services.swap_approve(actor=duty["clerk"], swap_id=one.pk),
                lambda: services.swap_approve(actor=second_clerk, swap_id=two.pk),
            ]
        )
    won = [r for r in results if isinstance(r, Swap)]
    assert len(won) == 1, results
    assert Swap.objects.filter(status=SwapStatus.APPROVED).count() == 1
    winner = won[0]
    officers = dict(Shift.objects.values_list("pk", "officer_id"))
    assert officers[third.pk] == winner.requester_id
    assert sorted(officers.values()) == sorted([a.pk, b.pk, c.pk])  # an exchange: nobody gained or lost a shift


@pytest.mark.django_db(transaction=True)
def test_two_office_people_approving_one_swap(duty: dict[str, Any]) -> None:
    (first, _second, _third), second_clerk = _scene(duty)
    with at(date(2026, 9, 20), 10):
        swap = services.swap_request(actor=duty["a"], shift_id=first.pk, counterpart_id=duty["c"].pk, reason="x")
        services.swap_agree(actor=duty["c"], swap_id=swap.pk)
    with at(date(2026, 9, 21), 9):
        results = race(
            [
                lambda: services.swap_approve(actor=duty["clerk"], swap_id=swap.pk),
                lambda: services.swap_approve(actor=second_clerk, swap_id=swap.pk),
            ]
        )
    assert len([r for r in results if isinstance(r, Swap)]) == 1, results
    assert Swap.objects.get(pk=swap.pk).status == SwapStatus.APPROVED
    assert Shift.objects.get(pk=first.pk).officer_id == duty["c"].pk
