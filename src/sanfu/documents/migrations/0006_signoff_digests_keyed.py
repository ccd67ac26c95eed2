"""签发 digests become keyed (security issue, hole 8): every stored plain SHA-256 digest that still matches its
text is re-signed as HMAC-SHA256 under ``SANFU_SIGNING_KEY`` (see ``documents.signing``), so no unkeyed digest
is left for someone with write access to the database to recompute. A digest that no longer matches its text
is left as it is: it was changed already, and fails the keyed check like any tampered text.

Written out here rather than imported: a migration must keep doing what it did when the code moves on."""

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FIELDS = ("title", "body", "recipients", "copy_to")


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _plain(revision: Any) -> str:
    return hashlib.sha256(_canonical({name: getattr(revision, name) for name in FIELDS})).hexdigest()


def _keyed(revision: Any, signer_id: int | None) -> str:
    key = hashlib.sha256(b"sanfu-signoff:" + str(settings.SANFU_SIGNING_KEY).encode()).digest()
    content = {
        "document": revision.document_id,
        "revision": revision.no,
        "signer": signer_id,
        **{name: getattr(revision, name) for name in FIELDS},
    }
    return hmac.new(key, _canonical(content), hashlib.sha256).hexdigest()


def _convert(apps: StateApps, *, forward: bool) -> None:
    OutgoingDocument = apps.get_model("documents", "OutgoingDocument")
    OutgoingSignOff = apps.get_model("documents", "OutgoingSignOff")

    def converted(stored: str, revision: Any, signer_id: int | None) -> str | None:
        old, new = (_plain(revision), _keyed(revision, signer_id))
        if not forward:
            old, new = new, old
        return new if hmac.compare_digest(stored, old) else None

    for signoff in OutgoingSignOff.objects.select_related("revision").iterator():
        digest = converted(signoff.digest, signoff.revision, signoff.signed_by_id)
        if digest is not None:
            OutgoingSignOff.objects.filter(pk=signoff.pk).update(digest=digest)
    signed = OutgoingDocument.objects.filter(frozen_revision__isnull=False).exclude(digest="")
    for document in signed.select_related("frozen_revision").iterator():
        digest = converted(document.digest, document.frozen_revision, document.signed_by_id)
        if digest is not None:
            OutgoingDocument.objects.filter(pk=document.pk).update(digest=digest)


def sign_with_the_key(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _convert(apps, forward=True)


def back_to_plain(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _convert(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_incoming_returns")]

    operations = [migrations.RunPython(sign_with_the_key, back_to_plain)]
