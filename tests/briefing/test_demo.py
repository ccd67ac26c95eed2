"""The demo's requests: every step, made through the services; idempotent."""

from __future__ import annotations

import pytest

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.briefing import selectors
from sanfu.briefing.models import Request, State
from sanfu.demo.briefing import seed_briefing
from sanfu.demo.org import seed_demo


@pytest.mark.django_db
def test_the_demo_has_every_step_and_is_idempotent() -> None:
    seed_demo()
    assert seed_briefing() == 7
    assert seed_briefing() == 0
    states = set(Request.objects.values_list("state", flat=True))
    assert states == {State.INTAKE, State.COLLECTING, State.REVIEW, State.APPROVED, State.ISSUED}
    overdue = [m for r in Request.objects.filter(state=State.COLLECTING) for m in r.materials.all()]
    assert any(selectors.is_overdue(m) for m in overdue)
    assert ArchiveRecord.objects.filter(source="briefing").count() == 2
    gm = User.objects.get(username="gm")
    assert selectors.library(gm, selectors.LibraryFilters()).count() == 2
