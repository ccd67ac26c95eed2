"""Checking a submission before anything is written (一次性告知): every missing or wrong form field and
material reported at once, and the form as the flow receives it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sanfu.accounts.models import User
from sanfu.approvals import formschema
from sanfu.approvals.labels import copies_text, signer_label
from sanfu.approvals.models import (
    MatterType,
)
from sanfu.org import selectors as org
from sanfu.org.models import Department


class Upload(Protocol):
    """What the services need of an uploaded file (Django's UploadedFile fits)."""

    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> Any: ...

    def seek(self, offset: int, /) -> Any: ...


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission: a form field or a material, with the reason."""

    where: str  # "form" | "material"
    key: str
    label: str
    message: str
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "field": self.key, "label": self.label, "message": self.message, "row": self.row}


def file_info(upload: Upload) -> formschema.FileInfo:
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    return formschema.FileInfo(name=upload.name or "", size=upload.size or 0, head=head)


def material_upload_problems(spec: Mapping[str, Any], upload: Upload) -> list[Problem]:
    """What is wrong with one file uploaded for a material: its format (sniffed, not trusted) and size."""
    code, name = str(spec["code"]), str(spec["name"])
    accepted = [str(f).lower() for f in spec.get("formats", [])]
    limit = float(spec.get("max_mb", 20))
    info = file_info(upload)
    extension = info.name.rsplit(".", 1)[-1].lower() if "." in info.name else ""
    sniffed = formschema.sniff(info.head)  # what the bytes are, not what the name claims
    problems: list[Problem] = []
    if accepted and (extension not in accepted or formschema.EXTENSION_KINDS.get(extension) != sniffed):
        problems.append(
            Problem(
                "material",
                code,
                name,
                _("材料“%(name)s”的文件《%(file)s》格式不符，应为 %(formats)s")
                % {"name": name, "file": info.name, "formats": "/".join(a.upper() for a in accepted)},
            )
        )
    if info.size > limit * 1024 * 1024:
        problems.append(
            Problem(
                "material",
                code,
                name,
                _("材料“%(name)s”的文件《%(file)s》超过 %(mb)s MB")
                % {"name": name, "file": info.name, "mb": f"{limit:g}"},
            )
        )
    return problems


def check_materials(
    matter: MatterType, materials: Mapping[str, Sequence[Upload]], *, on_file: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every required material present (uploaded now, or already ``on_file`` from an earlier submission),
    in an accepted format (sniffed, not trusted) and size."""
    problems: list[Problem] = []
    for spec in matter.materials:
        code, name = str(spec["code"]), str(spec["name"])
        files = list(materials.get(code, []))
        if not files and code in on_file:
            continue
        accepted = [str(f).lower() for f in spec.get("formats", [])]
        standard = _("、").join(
            part
            for part in (
                "/".join(a.upper() for a in accepted),
                copies_text(spec["copies"]) if spec.get("copies") else "",
                _("%(who)s签字") % {"who": signer_label(spec["signer"])} if spec.get("signer") else "",
            )
            if part
        )
        if not files:
            if spec.get("required", True):
                message = _("缺少材料“%(name)s”") % {"name": name}
                if standard:
                    message += _("（要求：%(s)s）") % {"s": standard}
                problems.append(Problem("material", code, name, message))
            continue
        for upload in files:
            problems.extend(material_upload_problems(spec, upload))
    return problems


@dataclass(frozen=True)
class Checked:
    cleaned: dict[str, Any]
    problems: list[Problem]


def check_submission(
    *,
    actor: User,
    matter: MatterType,
    data: Mapping[str, Any],
    materials: Mapping[str, Sequence[Upload]],
    files: Mapping[str, Sequence[Upload]] | None = None,
    title: str = "",
    on_file: frozenset[str] = frozenset(),
    kept_fields: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Checked:
    """Validate the form and the materials together and return every problem at once (一次性告知).
    ``kept_fields`` are attachment fields' files already held (a draft's, or kept from a failed try)."""
    problems: list[Problem] = []
    if not title.strip():
        problems.append(Problem("form", "title", _("标题"), _("请填写标题")))
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    file_infos = {name: [file_info(u) for u in uploads] for name, uploads in (files or {}).items()}
    calendar = org.working_calendar()
    result = formschema.validate(
        schema,
        dict(data),
        files=file_infos,
        previous=dict(kept_fields or {}),
        initiator=_initiator_attributes(actor),
        working_days=calendar.working_days_between,
        people_exist=_people_exist,
        departments_exist=_depts_exist,
    )
    labels = {f.name: f.label for f in schema.fields}
    for error in result.errors:
        problems.append(Problem("form", error.field, labels.get(error.field, error.field), error.message, error.row))
    problems.extend(check_materials(matter, materials, on_file=on_file))
    return Checked(cleaned=dict(result.cleaned), problems=problems)


def _initiator_attributes(actor: User) -> dict[str, Any]:
    staff = org.staff_of(actor)
    department = org.primary_department(actor)
    return {
        "id": actor.pk,
        "rank": staff.rank if staff else 0,
        "department": department.pk if department else None,
        "unit": staff.unit_id if staff else None,
    }


def _people_exist(ids: Sequence[int]) -> set[int]:
    return set(User.objects.filter(pk__in=list(ids), is_active=True).values_list("pk", flat=True))


def _depts_exist(ids: Sequence[int]) -> set[int]:
    return set(Department.objects.filter(pk__in=list(ids), is_active=True).values_list("pk", flat=True))


def engine_form(matter: MatterType, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the flow's conditions read it (money as a double), with the matter's code."""
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    form = formschema.cel_form(schema, cleaned)
    form["_matter"] = matter.code
    return form


def submission_summary(problems: list[Problem]) -> str:
    lines = _("；").join(p.message for p in problems)
    n = len(problems)
    return ngettext("提交前请补正以下 %(n)d 项：%(lines)s。", "提交前请补正以下 %(n)d 项：%(lines)s。", n) % {
        "n": n,
        "lines": lines,
    }
