"""归档 is its own step after 印发: the office presses 归档 on the outgoing page (a separate, audited service);
印发 alone archives nothing, unless SANFU_DOCUMENTS_AUTO_ARCHIVE makes 归档 follow at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from sanfu.archive.models import ArchiveRecord
from sanfu.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.documents import services
from sanfu.documents.models import OutgoingDocument
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft, take_to_signoff


def _numbered(org: dict[str, Any]) -> OutgoingDocument:
    document = take_to_signoff(org, draft(org))
    return services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk, year=2026)


def _issue(org: dict[str, Any], document: OutgoingDocument) -> OutgoingDocument:
    departments = [org["departments"]["finance"]]
    return services.outgoing_issue(actor=org["people"]["clerk"], document_id=document.pk, departments=departments)


def _archived(document: OutgoingDocument) -> bool:
    return ArchiveRecord.objects.filter(source="documents.outgoing", source_id=document.pk).exists()


def test_issuing_does_not_archive_and_the_office_archives_as_its_own_audited_step(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = _numbered(org)
    with pytest.raises(ApplicationError):  # nothing to file before 印发
        services.outgoing_archive(actor=clerk, document_id=document.pk)
    document = _issue(org, document)
    assert document.issued_at is not None
    assert document.archived_at is None
    assert not _archived(document)
    with pytest.raises(PermissionDeniedError):  # the drafter is not the office
        services.outgoing_archive(actor=org["people"]["office_head"], document_id=document.pk)

    document = services.outgoing_archive(actor=clerk, document_id=document.pk)
    assert document.archived_at is not None
    assert _archived(document)
    audit = AuditRecord.objects.get(action="documents.outgoing.archive")
    assert audit.actor_id == clerk.pk
    assert audit.target == f"outgoing:{document.pk}"
    assert audit.detail["number"] == "贵港发电〔2026〕1号"
    with pytest.raises(ConflictError):  # once
        services.outgoing_archive(actor=clerk, document_id=document.pk)
    assert AuditRecord.objects.filter(action="documents.outgoing.archive").count() == 1


def test_the_outgoing_page_offers_archive_to_the_office_after_issue(org: dict[str, Any]) -> None:
    document = _numbered(org)
    clerk = client_for(org["people"]["clerk"])
    url = reverse("documents:outgoing", args=[document.pk])
    page = clerk.get(url).content.decode()
    assert "印发并归档" not in page
    assert 'id="form-archive"' not in page
    _issue(org, document)
    page = clerk.get(url).content.decode()
    assert 'id="form-archive"' in page
    assert 'id="form-archive"' not in client_for(org["people"]["office_head"]).get(url).content.decode()
    response = clerk.post(reverse("documents:outgoing_act", args=[document.pk, "archive"]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已归档。"]
    document.refresh_from_db()
    assert document.archived_at is not None
    assert 'id="form-archive"' not in response.content.decode()


@override_settings(SANFU_DOCUMENTS_AUTO_ARCHIVE=True)
def test_archive_can_be_set_to_follow_issue_at_once(org: dict[str, Any]) -> None:
    document = _issue(org, _numbered(org))
    assert document.archived_at is not None
    assert _archived(document)
    assert AuditRecord.objects.filter(action="documents.outgoing.archive", target=f"outgoing:{document.pk}").exists()
