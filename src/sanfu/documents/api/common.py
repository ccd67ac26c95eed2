"""What the 公文 operations share: the scopes, the router, and what every step takes and does."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable
from typing import Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema

from sanfu.api import scopes
from sanfu.api.kit import MAX_ID, VersionConflictError, actor
from sanfu.core.errors import ApplicationError, ErrorCode
from sanfu.documents import selectors
from sanfu.documents.api.pages import IncomingDetailOut, OutgoingDetailOut, incoming_page, outgoing_page
from sanfu.workflow.models import Instance

READ = scopes.declare("documents:read", gettext_lazy("查看收文、发文及其流转和附件"))
WRITE = scopes.declare("documents:write", gettext_lazy("登记收文、起草发文，并办理公文的各个步骤"))

router = Router(tags=["公文"])

TEXT_MAX = 4000  # an opinion, a 批示, a reply: what a page's text area takes in practice
MAX_FILES = 10
MAX_FILE_BASE64 = 2_800_000  # the request as a whole is capped by DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default)

UrgencyIn = Literal["平急", "加急", "特急"]
LevelIn = Literal["public", "internal", "secret", "confidential"]


# --- writes: what every step shares ----------------------------------------------------------------------------


class DocumentFileIn(Schema):
    name: str = Field(min_length=1, max_length=200, description="文件名（扩展名决定类型，内容须与之相符）")
    content: str = Field(max_length=MAX_FILE_BASE64, description="文件内容，Base64 编码")


class StepIn(Schema):
    version: int | None = Field(None, ge=0, le=MAX_ID, description="所见的版本号；与当前不同则 409，并给出当前版本号")


class TextIn(StepIn):
    text: str = Field("", max_length=TEXT_MAX)


class DocumentCommentIn(StepIn):
    comment: str = Field("", max_length=TEXT_MAX)


def form_token(request: HttpRequest) -> str:
    """The Idempotency-Key as the services' form token: one key is applied once even if the process died
    before the API remembered its answer."""
    key = request.headers.get("Idempotency-Key", "")
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:40] if key else ""


def uploads_of(files: list[DocumentFileIn]) -> list[SimpleUploadedFile]:
    """Base64 files as the uploads a page posts; the services check their type, size and content."""
    if len(files) > MAX_FILES:
        raise ApplicationError(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES}, errors=[{"field": "files"}])
    uploads = []
    for item in files:
        try:
            content = base64.b64decode(item.content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ApplicationError(
                _("文件“%(name)s”的内容不是有效的 Base64。") % {"name": item.name}, errors=[{"field": "files"}]
            ) from exc
        uploads.append(SimpleUploadedFile(item.name, content))
    return uploads


def _conflict(exc: ApplicationError, instance_id: int | None) -> ApplicationError:
    """A conflict from a service (someone acted first, the flow moved on) with the flow's current version."""
    if exc.code != ErrorCode.CONFLICT or instance_id is None:
        return exc
    current = Instance.objects.filter(pk=instance_id).values_list("version", flat=True).first()
    return VersionConflictError(exc.message, current_version=current)


def _acting(instance: Instance | None, version: int | None) -> None:
    if version is not None and instance is not None and version != instance.version:
        raise VersionConflictError(_("公文已被他人办理，请刷新后再办理。"), current_version=instance.version)


def on_incoming(
    request: HttpRequest, document_id: int, version: int | None, do: Callable[[Any], Any]
) -> IncomingDetailOut:
    person = actor(request)
    doc = selectors.access_incoming(actor=person, document_id=document_id)
    _acting(doc.instance, version)
    try:
        do(person)
    except ApplicationError as exc:
        raise _conflict(exc, doc.instance_id) from exc
    return incoming_page(person, doc.pk)


def on_outgoing(
    request: HttpRequest, document_id: int, version: int | None, do: Callable[[Any], Any]
) -> OutgoingDetailOut:
    person = actor(request)
    doc = selectors.access_outgoing(actor=person, document_id=document_id)
    _acting(doc.instance, version)
    try:
        do(person)
    except ApplicationError as exc:
        raise _conflict(exc, doc.instance_id) from exc
    return outgoing_page(person, doc.pk)


def user_of(user_id: int | None, field: str) -> Any:
    found = selectors.user_by_id(user_id)
    if found is None:
        raise ApplicationError(_("所选人员不存在。"), errors=[{"field": field}])
    return found


def departments_of(ids: list[int], field: str) -> list[Any]:
    found = selectors.departments_by_ids(ids)
    if len(found) != len(set(ids)):
        raise ApplicationError(_("所选部门不存在。"), errors=[{"field": field}])
    return found


class ReadOut(Schema):
    marked: int = Field(description="标记为已阅的条数（已阅过的为 0）")
