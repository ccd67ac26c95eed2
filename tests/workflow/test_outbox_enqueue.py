"""A domain's own effect through the outbox: written in the caller's transaction, delivered after commit to
the registered receiver, once per key; rolled back with the change it follows from."""

from __future__ import annotations

import pytest
from django.db import transaction

from sanfu.workflow import outbox
from sanfu.workflow.models import OutboxMessage


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    got: list[dict[str, object]] = []
    monkeypatch.setitem(outbox.HANDLERS, "test_decision", lambda message: got.append(message.payload))
    return got


@pytest.mark.django_db(transaction=True)
def test_an_effect_is_delivered_after_commit_once_per_key(received: list[dict[str, object]]) -> None:
    with transaction.atomic():
        outbox.enqueue(key="meeting:7:decision:1", kind="test_decision", payload={"item": "迎峰度冬检查"})
        outbox.enqueue(key="meeting:7:decision:1", kind="test_decision", payload={"item": "迎峰度冬检查"})
        assert received == []  # nothing leaves before the commit
    outbox.deliver_pending()
    assert received == [{"item": "迎峰度冬检查"}]
    assert OutboxMessage.objects.filter(key="meeting:7:decision:1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_effect_goes_with_a_rolled_back_change(received: list[dict[str, object]]) -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox.enqueue(key="meeting:8:decision:1", kind="test_decision", payload={})
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    outbox.deliver_pending()
    assert received == []
    assert not OutboxMessage.objects.filter(key="meeting:8:decision:1").exists()


@pytest.mark.django_db
def test_an_effect_nobody_receives_is_refused() -> None:
    with pytest.raises(ValueError, match="no receiver"):
        outbox.enqueue(key="x:1", kind="nobody_listens", payload={})
