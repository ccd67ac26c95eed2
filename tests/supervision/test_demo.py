"""The demo ledger: 60 items (and their sub-items) in every state, made through the services; idempotent."""

from __future__ import annotations

import pytest

from sanfu.accounts.models import User
from sanfu.archive.models import ArchiveRecord
from sanfu.demo.org import seed_demo
from sanfu.demo.supervision import seed_supervision
from sanfu.supervision import selectors
from sanfu.supervision.models import Item, ItemState


@pytest.mark.django_db
def test_the_demo_ledger_has_every_state_and_is_idempotent() -> None:
    seed_demo()
    assert seed_supervision() == 60
    assert seed_supervision() == 0
    gm = User.objects.get(username="gm")
    counts = selectors.ledger(gm, selectors.LedgerFilters()).counts
    assert counts["done"] == 12
    assert counts["overdue"] >= 10
    assert counts["at_risk"] >= 12
    assert counts["on_track"] >= 20
    assert Item.objects.filter(state=ItemState.CLOSING).count() == 6
    assert Item.objects.filter(parent__isnull=False).exists()
    assert ArchiveRecord.objects.filter(source="supervision").count() == 12
    assert Item.objects.values("lead_department").distinct().count() >= 8
