"""What the 收文 and 发文 services share: the office check, choice checks, uploads checked and stored, the
actor's task at a step of the document's flow, marking notices read, and auditing reads of classified
documents."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, Protocol, TypeVar, cast

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.audit import audit_classified_read
from sanfu.core.errors import ApplicationError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.core.uploads import DEFAULT_ACCEPT, HEAD_BYTES, content_matches, extension_of
from sanfu.documents import selectors
from sanfu.documents.models import CLASSIFIED, DocumentFile, IncomingDocument, OutgoingDocument, SubmissionToken
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, Task, TaskStatus
from sanfu.workflow.selectors import open_task_for, tasks_of


class Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> Any: ...


P = ParamSpec("P")
R = TypeVar("R")
Document = IncomingDocument | OutgoingDocument


def _submitted(actor: User, token: str) -> Document | None:
    """The document an earlier submit of this token acted on, or None when the token is new."""
    record = SubmissionToken.objects.filter(creator=actor, token=token).select_related("incoming", "outgoing").first()
    if record is None:
        return None
    return record.incoming or record.outgoing


def _same(value: Any) -> Any:
    return value


def once(
    action: str, *, document: Callable[[Any], Document] = _same, replay: Callable[[Document], Any] = _same
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A service applied once per form: with a ``token`` (the hidden field of the rendered form), the service
    runs in one transaction whose first write records the token (unique per person), so a second submit of
    the same form waits for the first and then gets its result (``replay`` of the document it acted on)
    instead of applying again. ``document`` finds that document in the service's result. Without a token
    the service runs as it is."""

    def wrap(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            token = str(kwargs.get("token") or "").strip()[:64]
            if not token:
                return service(*args, **kwargs)
            actor = cast(User, kwargs["actor"])
            earlier = _submitted(actor, token)
            if earlier is not None:
                return cast(R, replay(earlier))
            try:
                with transaction.atomic():
                    # The transaction's first write: a second submit of this token waits here for the first.
                    record = SubmissionToken.objects.create(creator=actor, token=token, action=action)
                    result = service(*args, **kwargs)
                    acted_on = document(result)
                    if isinstance(acted_on, IncomingDocument):
                        record.incoming = acted_on
                    else:
                        record.outgoing = acted_on
                    record.save(update_fields=["incoming", "outgoing"])
                return result
            except (ApplicationError, IntegrityError):
                # The same form was submitted meanwhile and won: its result is this submit's result.
                earlier = _submitted(actor, token)
                if earlier is None:
                    raise
                return cast(R, replay(earlier))

        return run

    return wrap


def require_office(actor: User) -> None:
    if not selectors.is_office(actor):
        raise PermissionDeniedError(_("只有办公室（收发文）人员可以办理此事项。"))


def check_choice(value: str, choices: Any, label: str) -> None:
    if value not in choices.values:
        raise ApplicationError(_("%(label)s取值无效。") % {"label": label})


# The kinds the 审批中心 accepts by default (one rule for uploads: sanfu.core.uploads); a scanned 收文 of many
# pages is larger than a form's attachment, hence a limit of its own.
ACCEPTED = DEFAULT_ACCEPT
MAX_UPLOAD_MB = 50


def read_uploads(files: Sequence[tuple[str, Upload]]) -> list[tuple[str, str, bytes]]:
    """Each upload read and checked before anything is written: an accepted extension, at most
    ``MAX_UPLOAD_MB``, and content that is what the extension says (sniffed, not trusted). Returns (role, name,
    content) for :func:`store_files`; the first bad file refuses the whole submit."""
    limit = MAX_UPLOAD_MB * 1024 * 1024
    checked = []
    for role, upload in files:
        name = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
        extension = extension_of(name)
        if extension not in ACCEPTED:
            raise ApplicationError(
                _("文件“%(name)s”的类型不允许（仅限 %(kinds)s）。") % {"name": name, "kinds": _("、").join(ACCEPTED)}
            )
        too_big = _("文件“%(name)s”超过 %(mb)d MB。") % {"name": name, "mb": MAX_UPLOAD_MB}
        if (upload.size or 0) > limit:
            raise ApplicationError(too_big)  # refused before it is read
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise ApplicationError(too_big)
        if not content_matches(extension, content[:HEAD_BYTES]):
            raise ApplicationError(_("文件“%(name)s”的内容与扩展名不符。") % {"name": name})
        checked.append((role, name, content))
    return checked


def store_files(actor: User, files: Sequence[tuple[str, str, bytes]], **owner: Any) -> None:
    """Keep files checked by :func:`read_uploads`, with their size and SHA-256."""
    for role, name, content in files:
        record = DocumentFile(
            role=role,
            name=name,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=actor,
            **owner,
        )
        record.file.save(name, ContentFile(content), save=False)
        record.save()


def open_task(actor: User, instance: Instance | None, node: str) -> Task:
    """The actor's open task at ``node`` of the document's flow (theirs, or held for them by a delegate), or
    a conflict: someone else acted first, or the flow has moved on."""
    if instance is None:
        raise ApplicationError(_("该公文尚未进入流程。"), code=ErrorCode.CONFLICT)
    return open_task_for(actor=actor, instance_id=instance.pk, node=node)


def holds_open_task(actor: User, instance: Instance | None) -> Task | None:
    """The actor's open task at whatever step the flow is, or None."""
    if instance is None:
        return None
    try:
        return open_task_for(actor=actor, instance_id=instance.pk)
    except ApplicationError:
        return None


def flow_of(instance: Instance | None) -> Instance:
    if instance is None:
        raise ApplicationError(_("该公文尚未进入流程。"))
    instance.refresh_from_db()
    return instance


def circulation_read(*, actor: User, instance: Instance | None) -> int:
    """Mark the actor's unread notices (传阅 / 分发) on this flow as read, in one transaction (the caller's, when
    it holds one: a receipt and its read marks go together); returns how many. A notice someone else's step
    changed meanwhile is skipped (its savepoint rolls back alone)."""
    if instance is None:
        return 0
    count = 0
    with transaction.atomic():
        for task in tasks_of(actor, "cc").filter(instance=instance, status=TaskStatus.UNREAD):
            try:
                workflow.task_mark_read(actor=actor, task_id=task.pk, in_transaction=True)
                count += 1
            except (ApplicationError, NotFoundError):
                continue
    return count


def document_opened(*, actor: User, document: IncomingDocument | OutgoingDocument, how: str) -> None:
    """A person read (``read``: the page), downloaded (``download``: a stored file) or exported (``export``:
    DOCX/PDF) a 公文: audited when it is 秘密 or 机密 (AU-1), as the archive audits its records. Called after the
    read rule let them in (a refusal is audited by the access selectors)."""
    if document.confidentiality in CLASSIFIED:
        kind = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
        audit_classified_read(actor=actor, target=f"{kind}:{document.pk}", level=document.confidentiality, how=how)
