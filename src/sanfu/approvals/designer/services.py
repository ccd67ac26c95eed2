"""The designer's own writes (publishing a process goes through ``workflow.services``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm
from sanfu.approvals import formschema
from sanfu.approvals.models import MatterType
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, PermissionDeniedError


def form_schema_save(*, actor: User, matter: MatterType, fields: Sequence[Mapping[str, Any]]) -> MatterType:
    """Save the matter's form fields once :func:`formschema.parse_schema` accepts them (every problem is
    reported in one ApplicationError). Validations and other schema keys are kept."""
    if not has_perm(actor, Perm.MANAGE_PROCESSES):
        raise PermissionDeniedError(_("您没有权限修改表单。"))
    schema = {**(matter.form_schema or {}), "fields": [dict(f) for f in fields]}
    schema.setdefault("version", 1)
    try:
        formschema.parse_schema(schema)
    except formschema.SchemaError as exc:
        # each problem names the field (and table column) it is about, by position, so the editor marks it
        errors: list[dict[str, object]] = [
            {"message": problem, "field": at[0] if at else None, "column": at[1] if at else None}
            for problem, at in zip(exc.problems, exc.locations, strict=True)
        ]
        raise ApplicationError(_("表单有误，未保存。"), errors=errors) from exc
    with transaction.atomic():
        before = [f.get("name") for f in (matter.form_schema or {}).get("fields", []) if isinstance(f, Mapping)]
        matter.form_schema = schema
        matter.save(update_fields=["form_schema"])
        audit_record(
            action="approvals.form_schema_save",
            actor=actor,
            target=f"matter:{matter.code}",
            detail={"before": before, "after": [f.get("name") for f in schema["fields"]]},
        )
    return matter
