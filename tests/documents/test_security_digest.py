"""Security issue, hole 8 (DI-2): the 签发 digest was an unkeyed SHA-256 stored beside the text and never checked.
It is now HMAC-SHA256 under ``SANFU_SIGNING_KEY`` (outside the database), over the text, the document, the
revision and the signer; every DOCX/PDF download and the 归档 check it, and a mismatch is refused with a clear
message and an audit row — tampered text is never served. Digests made before the key are re-signed by a data
migration after checking them."""

from __future__ import annotations

import hashlib
import importlib
import json
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from sanfu.archive.models import ArchiveRecord
from sanfu.core.models import AuditRecord
from sanfu.documents import services
from sanfu.documents.models import OutgoingDocument, OutgoingRevision, OutgoingSignOff
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft, take_to_signoff

MIGRATION = importlib.import_module("sanfu.documents.migrations.0006_signoff_digests_keyed")


def _signed(org: dict[str, Any]) -> OutgoingDocument:
    document = take_to_signoff(org, draft(org))
    return services.outgoing_assign_number(actor=org["people"]["clerk"], document_id=document.pk, year=2026)


def _sql(statement: str, params: list[Any]) -> None:
    """Change a row behind the application's back, as someone with write access to the database would."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _plain_sha256(revision: OutgoingRevision) -> str:
    """The digest as it was computed before the key (anyone can recompute it)."""
    content = {n: getattr(revision, n) for n in ("title", "body", "recipients", "copy_to")}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _mismatches(document: OutgoingDocument) -> list[AuditRecord]:
    return list(
        AuditRecord.objects.filter(action="documents.outgoing.digest_mismatch", target=f"outgoing:{document.pk}")
    )


def test_hole8_the_digest_is_keyed_and_bound_to_document_and_signer(org: dict[str, Any]) -> None:
    document = _signed(org)
    frozen = document.frozen_revision
    assert frozen is not None
    assert document.digest != _plain_sha256(frozen)  # not recomputable without the key
    assert services.digest_of(frozen, signer_id=document.signed_by_id) == document.digest
    assert services.digest_of(frozen, signer_id=org["people"]["deputy1"].pk) != document.digest
    with override_settings(SANFU_SIGNING_KEY="another-key-" + "k" * 40):
        assert services.digest_of(frozen, signer_id=document.signed_by_id) != document.digest
        assert not services.verify_frozen(document)
    assert services.verify_frozen(document)


def test_hole8_tampered_text_is_not_downloaded_and_the_refusal_is_audited(org: dict[str, Any]) -> None:
    document = _signed(org)
    clerk = client_for(org["people"]["clerk"])
    for fmt in ("docx", "pdf"):  # intact: served
        assert clerk.get(reverse("documents:outgoing_download", args=[document.pk, fmt])).status_code == 200
    assert _mismatches(document) == []

    _sql(
        "UPDATE documents_outgoingrevision SET body = %s WHERE id = %s",
        ["各部门：\n\n篡改后的正文。", document.frozen_revision_id],
    )
    for fmt in ("docx", "pdf"):
        response = clerk.get(reverse("documents:outgoing_download", args=[document.pk, fmt]), follow=True)
        assert response.redirect_chain == [(reverse("documents:outgoing", args=[document.pk]), 302)]
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "签发定稿未通过校验" in page
        assert "校验不一致" in page
    audits = _mismatches(document)
    assert [(a.outcome, a.actor_id, a.detail["use"]) for a in audits] == [
        ("denied", org["people"]["clerk"].pk, "download.docx"),
        ("denied", org["people"]["clerk"].pk, "download.pdf"),
    ]
    with pytest.raises(services.TamperedError):
        services.outgoing_export(actor=org["people"]["gm"], document_id=document.pk, fmt="pdf")


@pytest.mark.parametrize(
    "tamper",
    [
        "plain_digest",  # the text changed and the digest recomputed the old, unkeyed way
        "page_copy",  # the document's own copy of the text (what its page shows) changed
        "signer",  # another leader named as the one who signed
        "other_revision",  # the frozen mark moved to another revision
    ],
)
def test_hole8_any_tampering_of_the_signed_record_is_refused(org: dict[str, Any], tamper: str) -> None:
    document = _signed(org)
    frozen = document.frozen_revision
    assert frozen is not None
    if tamper == "plain_digest":
        frozen.body = "各部门：\n\n改过的正文。"
        _sql("UPDATE documents_outgoingrevision SET body = %s WHERE id = %s", [frozen.body, frozen.pk])
        _sql("UPDATE documents_outgoingdocument SET digest = %s WHERE id = %s", [_plain_sha256(frozen), document.pk])
    elif tamper == "page_copy":
        _sql("UPDATE documents_outgoingdocument SET body = %s WHERE id = %s", ["改过的正文。", document.pk])
    elif tamper == "signer":
        _sql(
            "UPDATE documents_outgoingdocument SET signed_by_id = %s WHERE id = %s",
            [org["people"]["deputy1"].pk, document.pk],
        )
    else:
        first = document.revisions.order_by("no").first()
        assert first is not None
        _sql("UPDATE documents_outgoingdocument SET frozen_revision_id = %s WHERE id = %s", [first.pk, document.pk])
    with pytest.raises(services.TamperedError):
        services.outgoing_export(actor=org["people"]["clerk"], document_id=document.pk, fmt="docx")
    assert len(_mismatches(document)) == 1


def test_hole8_archiving_refuses_tampered_text_and_audits_it(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = _signed(org)
    services.outgoing_issue(actor=clerk, document_id=document.pk, departments=[org["departments"]["finance"]])
    _sql("UPDATE documents_outgoingrevision SET title = %s WHERE id = %s", ["篡改的标题", document.frozen_revision_id])
    with pytest.raises(services.TamperedError):
        services.outgoing_archive(actor=clerk, document_id=document.pk)
    response = client_for(clerk).post(
        reverse("documents:outgoing_act", args=[document.pk, "archive"]), {"submit_token": "t-1"}, follow=True
    )
    said = [str(m) for m in response.context["messages"]]
    assert len(said) == 1
    assert said[0].startswith("该公文的签发定稿未通过校验")
    document.refresh_from_db()
    assert document.archived_at is None
    assert not ArchiveRecord.objects.filter(source="documents.outgoing", source_id=document.pk).exists()
    assert [a.detail["use"] for a in _mismatches(document)] == ["archive", "archive"]  # both attempts, kept


def test_hole8_the_migration_re_signs_old_digests_and_leaves_tampered_ones_failing(org: dict[str, Any]) -> None:
    intact, tampered = _signed(org), _signed(org)
    for document in (intact, tampered):  # as they were stored before the key
        frozen = document.frozen_revision
        assert frozen is not None
        OutgoingDocument.objects.filter(pk=document.pk).update(digest=_plain_sha256(frozen))
        OutgoingSignOff.objects.filter(document=document).update(digest=_plain_sha256(frozen))
    _sql("UPDATE documents_outgoingrevision SET body = %s WHERE id = %s", ["被改过", tampered.frozen_revision_id])
    stale = OutgoingDocument.objects.get(pk=tampered.pk).digest

    MIGRATION.sign_with_the_key(django_apps, None)

    intact = OutgoingDocument.objects.get(pk=intact.pk)
    assert services.verify_frozen(intact)
    assert OutgoingSignOff.objects.get(document=intact).digest == intact.digest
    tampered = OutgoingDocument.objects.get(pk=tampered.pk)
    assert tampered.digest == stale  # not re-signed: it no longer matched its text
    assert not services.verify_frozen(tampered)

    MIGRATION.back_to_plain(django_apps, None)  # reversible: the plain digests come back
    intact = OutgoingDocument.objects.get(pk=intact.pk)
    assert intact.frozen_revision is not None
    assert intact.digest == _plain_sha256(intact.frozen_revision)
