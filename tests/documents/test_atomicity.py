"""A step's writes and its audit row are one transaction: a failure between them leaves neither."""

from __future__ import annotations

from typing import Any

import pytest

from sanfu.core.models import AuditRecord
from sanfu.documents import services
from sanfu.documents.models import DocumentNumber, IncomingStep, NumberCounter, OutgoingDocument, StepKind
from sanfu.workflow.models import Task, TaskStatus
from tests.documents.test_incoming import register
from tests.documents.test_outgoing import draft, take_to_signoff


def _fail(**_kwargs: Any) -> None:
    raise RuntimeError("audit unavailable")


def test_a_failed_audit_leaves_no_number(org: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    document = take_to_signoff(org, draft(org))
    monkeypatch.setattr("sanfu.documents.services.outgoing.audit_record", _fail)
    with pytest.raises(RuntimeError):
        services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk, year=2026)
    document.refresh_from_db()
    assert document.number == ""
    assert not DocumentNumber.objects.exists()
    assert not NumberCounter.objects.filter(last__gt=0).exists()
    assert not AuditRecord.objects.filter(action="documents.number.assign").exists()


def test_a_failed_sign_off_audit_leaves_the_flow_and_the_text_as_they_were(
    org: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = draft(org)
    clerk, heads = org["people"]["clerk"], org["heads"]
    services.outgoing_review(actor=clerk, document_id=document.pk)
    for code in ("production", "safety"):
        services.outgoing_countersign(actor=heads[code], document_id=document.pk)
    monkeypatch.setattr("sanfu.documents.services.outgoing.audit_record", _fail)
    with pytest.raises(RuntimeError):
        services.outgoing_sign_off(actor=org["people"]["gm"], document_id=document.pk, comment="同意印发")
    document = OutgoingDocument.objects.get(pk=document.pk)
    assert document.frozen_revision_id is None
    assert document.digest == ""
    assert Task.objects.filter(instance=document.instance, node="signoff", status=TaskStatus.OPEN).exists()


def test_a_failed_step_record_leaves_the_flow_where_it_was(
    org: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk, gm = org["people"]["clerk"], org["people"]["gm"]
    document = register(org, original=None, attachments=[])
    services.incoming_propose(actor=clerk, document_id=document.pk, text="拟请总经理阅示。", leader=gm)

    class Failing:
        class objects:  # noqa: N801 - stands in for the model's manager
            @staticmethod
            def create(**_kwargs: Any) -> None:
                raise RuntimeError("database unavailable")

    monkeypatch.setattr("sanfu.documents.services.incoming.IncomingStep", Failing)
    with pytest.raises(RuntimeError):
        services.incoming_instruct(actor=gm, document_id=document.pk, text="请办公室牵头办理。")
    assert Task.objects.filter(instance=document.instance, node="instruct", status=TaskStatus.OPEN).exists()
    assert not IncomingStep.objects.filter(document=document, kind=StepKind.INSTRUCTION).exists()
