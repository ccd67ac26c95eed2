"""材料文件: the files a request brings for its materials — checked before anything is written (the house's upload
rules in ``core.uploads``; for a service naming a matter, also the matter's formats and sizes through
``core.notices``), every bad file named at once, and stored in the caller's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core import notices
from sanfu.core.errors import ApplicationError
from sanfu.core.uploads import read_checked
from sanfu.servicedesk.models import MaterialReturn, RequestFile, Service, ServiceRequest
from sanfu.servicedesk.services.base import bad

MAX_FILES = 20  # per registration or supply
MAX_MB = 20
OTHER = "other"  # a file for a missing item the materials list does not name (supplied after a return)


@dataclass(frozen=True)
class CheckedFile:
    material_code: str
    material_name: str
    name: str
    content: bytes


def files_checked(
    service: Service,
    materials: Sequence[Mapping[str, Any]],
    files: Mapping[str, Sequence[Any]],
    *,
    allow_other: bool = False,
) -> list[CheckedFile]:
    """The uploads by material code, read and checked; refused whole, naming every bad file, when any is bad."""
    names = {str(m["code"]): str(m["name"]) for m in materials}
    if allow_other:
        names[OTHER] = _("其他材料")
    given = {code: list(uploads) for code, uploads in files.items() if uploads}
    if any(code not in names for code in given):
        raise bad(_("上传的文件不属于该服务的材料清单。"), "files")
    if sum(len(uploads) for uploads in given.values()) > MAX_FILES:
        raise bad(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES}, "files")
    problems: list[str] = []
    if service.matter_code:  # the matter's formats and sizes; presence is checked with the ticked items
        matter_files = {code: uploads for code, uploads in given.items() if code != OTHER}
        problems += [str(p["message"]) for p in notices.check(service.matter_code, matter_files, on_file=set(names))]
    checked: list[CheckedFile] = []
    for code, uploads in given.items():
        for upload in uploads:
            upload.seek(0)
            try:
                ((name, content),) = read_checked([upload], max_mb=MAX_MB)
            except ApplicationError as exc:
                problems.append(exc.message)
                continue
            checked.append(CheckedFile(code, names[code], name, content))
    if problems:
        unique = list(dict.fromkeys(problems))
        raise ApplicationError(
            _("文件未被接收，请更正后重新提交：%(list)s") % {"list": _("；").join(unique)},
            errors=[{"field": "files", "message": m} for m in unique],
        )
    return checked


def files_store(
    *,
    actor: User,
    request: ServiceRequest,
    checked: Sequence[CheckedFile],
    now: datetime,
    material_return: MaterialReturn | None = None,
) -> list[RequestFile]:
    """Write the checked files (inside the caller's transaction; a rollback leaves only unnamed files, which
    ``core.media`` removes)."""
    stored = []
    for item in checked:
        record = RequestFile(
            request=request,
            material_code=item.material_code,
            material_name=item.material_name,
            material_return=material_return,
            name=item.name,
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
            uploaded_by=actor,
            created_at=now,
        )
        record.file.save(item.name, ContentFile(item.content), save=False)
        record.save()
        stored.append(record)
    return stored
