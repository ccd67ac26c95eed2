"""The 签发 digest: HMAC-SHA256 of the signed-off text under ``SANFU_SIGNING_KEY``, a key kept outside the
database. Someone who can write the database can change the text, but cannot compute the digest that would
make the change pass; every download and export of the signed text (DOCX, PDF, 归档) checks it first and
refuses, with an audit row, when it no longer matches.

The digest covers the document and revision it belongs to and the leader who signed, besides the text
(title, body, 主送, 抄送), so it cannot be moved to another document or another signer. Digests made before the
key existed (plain SHA-256) were re-signed by migration ``documents.0006`` after checking them."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ConflictError
from sanfu.documents.models import OutgoingDocument, OutgoingRevision

SIGNED_FIELDS = ("title", "body", "recipients", "copy_to")


class TamperedError(ConflictError):
    """The signed-off text no longer matches its 签发 digest: nothing is served from it."""


def _key() -> bytes:
    # Derived with a label of its own, so that the digest never equals another use of the same key.
    return hashlib.sha256(b"sanfu-signoff:" + str(settings.SANFU_SIGNING_KEY).encode()).digest()


def digest_of(revision: OutgoingRevision, *, signer_id: int | None) -> str:
    """HMAC-SHA256 (hex) of the revision's text, its document and number, and the signing leader, in a canonical
    JSON form."""
    content = {
        "document": revision.document_id,
        "revision": revision.no,
        "signer": signer_id,
        **{name: getattr(revision, name) for name in SIGNED_FIELDS},
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(_key(), canonical.encode(), hashlib.sha256).hexdigest()


def verify_frozen(document: OutgoingDocument) -> bool:
    """Whether the frozen revision still matches the digest recorded at 签发, and the document's own copy of the
    text (what its page shows) is still that revision's."""
    frozen = document.frozen_revision
    if frozen is None or not document.digest:
        return False
    expected = digest_of(frozen, signer_id=document.signed_by_id)
    same_copy = all(getattr(document, name) == getattr(frozen, name) for name in SIGNED_FIELDS)
    return hmac.compare_digest(expected, document.digest) and same_copy


def require_intact(document: OutgoingDocument, *, actor: User | None, use: str) -> OutgoingDocument:
    """The document as stored now, for ``use`` (download.docx, download.pdf, archive) — refused when it is signed
    off and its text no longer matches the digest. The refusal is audited in a transaction of its own first
    (call this outside the caller's transaction, or the audit row goes with its rollback). A document not
    signed off has no digest to check."""
    fresh = OutgoingDocument.objects.select_related("frozen_revision", "signed_by").get(pk=document.pk)
    if fresh.frozen_revision_id is None or verify_frozen(fresh):
        return fresh
    frozen = fresh.frozen_revision
    with transaction.atomic():
        audit_record(
            action="documents.outgoing.digest_mismatch",
            actor=actor,
            outcome="denied",
            target=f"outgoing:{document.pk}",
            detail={"use": use, "revision": frozen.no if frozen else None, "digest": fresh.digest},
        )
    raise TamperedError(refusal())


def refusal() -> str:
    """What the person is told when a signed-off text fails its check."""
    return _(
        "该公文的签发定稿未通过校验：内容与签发时记录的校验值不符，可能已被篡改。已拒绝导出并记入审计，请联系安全管理员。"
    )
