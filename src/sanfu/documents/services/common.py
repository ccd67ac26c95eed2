"""What the 收文 and 发文 services share: the office check, choice checks, stored files, the actor's task at a
step of the document's flow, and marking notices read."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError, ErrorCode, NotFoundError, PermissionDeniedError
from sanfu.documents import selectors
from sanfu.documents.models import DocumentFile
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, Task


class Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> Any: ...


def require_office(actor: User) -> None:
    if not selectors.is_office(actor):
        raise PermissionDeniedError(_("只有办公室（收发文）人员可以办理此事项。"))


def check_choice(value: str, choices: Any, label: str) -> None:
    if value not in choices.values:
        raise ApplicationError(_("%(label)s取值无效。") % {"label": label})


def store_files(actor: User, files: Sequence[tuple[str, Upload]], **owner: Any) -> None:
    for role, upload in files:
        content = upload.read()
        name = (upload.name or "file").rsplit("/", 1)[-1][:200]
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
    """The actor's open task at ``node`` of the document's flow, or a clear refusal."""
    task = None
    if instance is not None:
        task = (
            Task.objects.filter(instance=instance, node=node, status="open", kind__in=["approval", "handle"])
            .filter(assignee=actor)
            .order_by("task_no")
            .first()
        )
    if task is None:
        raise ApplicationError(_("您在该步骤没有待办，可能已由他人办理或流程已前进。"), code=ErrorCode.CONFLICT)
    return task


def flow_of(instance: Instance | None) -> Instance:
    if instance is None:
        raise ApplicationError(_("该公文尚未进入流程。"))
    instance.refresh_from_db()
    return instance


def circulation_read(*, actor: User, instance: Instance | None) -> int:
    """Mark the actor's unread notices (传阅 / 分发) on this flow as read; returns how many."""
    if instance is None:
        return 0
    unread = Task.objects.filter(instance=instance, assignee=actor, kind__in=["cc", "filing"], status="unread")
    count = 0
    for task in unread:
        try:
            workflow.task_mark_read(actor=actor, task_id=task.pk)
            count += 1
        except (ApplicationError, NotFoundError):
            continue
    return count
