"""Reads for the designer pages: the matters with their published versions, and the names and choices the
editor offers (people, departments, roles, units, ranks).

Published versions are read from ``workflow.models`` directly: workflow has no public selector for "the
published versions of a key" yet (only ``latest_definition``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max

from sanfu.accounts.models import Role, User
from sanfu.approvals import formschema
from sanfu.approvals.designer.labels import Names
from sanfu.approvals.models import MatterType
from sanfu.org.models import Department, Rank, Unit
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition

PEOPLE_LIMIT = 2000  # the editor's person picker lists at most this many


def matters_with_versions() -> list[tuple[MatterType, int | None]]:
    """Every matter with the published version new submissions use (None before the first publication):
    two queries whatever the number of matters and versions."""
    latest = dict(
        ProcessDefinition.objects.filter(status=DefinitionStatus.PUBLISHED)
        .values("key")
        .annotate(v=Max("version"))
        .values_list("key", "v")
    )
    return [(m, latest.get(m.definition_key)) for m in MatterType.objects.order_by("area", "sort", "code")]


def published_versions(matter: MatterType) -> list[ProcessDefinition]:
    """The matter's published versions, newest first, with who published each."""
    return list(
        ProcessDefinition.objects.filter(key=matter.definition_key, status=DefinitionStatus.PUBLISHED)
        .select_related("created_by")
        .order_by("-version")
    )


def published_version(matter: MatterType, version: int) -> ProcessDefinition | None:
    return ProcessDefinition.objects.filter(
        key=matter.definition_key, version=version, status=DefinitionStatus.PUBLISHED
    ).first()


def drafts(matter: MatterType) -> list[ProcessDefinition]:
    """The matter's drafts (草稿: kept, never used by a submission; 精简建议 saves them), newest first."""
    return list(
        ProcessDefinition.objects.filter(key=matter.definition_key, status=DefinitionStatus.DRAFT)
        .select_related("created_by")
        .order_by("-version")
    )


def editable_version(matter: MatterType, version: int) -> ProcessDefinition | None:
    """A published version or a draft of the matter's process: what the editor may open (a draft opens for
    editing; publishing it makes the next version)."""
    return ProcessDefinition.objects.filter(
        key=matter.definition_key,
        version=version,
        status__in=(DefinitionStatus.PUBLISHED, DefinitionStatus.DRAFT),
    ).first()


def rule_names(schema: formschema.FormSchema | None) -> Names:
    """Display names for everything an approver rule can name, and the form's field labels."""
    return Names(
        people=dict(User.objects.values_list("pk", "full_name")),
        departments=dict(Department.objects.values_list("pk", "name")),
        roles=dict(Role.objects.values_list("code", "name")),
        units=dict(Unit.objects.values_list("pk", "name")),
        fields={f.name: f.label for f in schema.fields} if schema else {},
    )


def editor_choices() -> dict[str, Any]:
    """What the editor's pickers offer: active people and departments, ordinary roles, units and ranks."""
    return {
        "people": [
            {"id": pk, "name": f"{name or user}（{user}）"}
            for pk, name, user in User.objects.filter(is_active=True)
            .order_by("username")
            .values_list("pk", "full_name", "username")[:PEOPLE_LIMIT]
        ],
        "departments": list(Department.objects.filter(is_active=True).order_by("unit_id", "path").values("id", "name")),
        "roles": list(Role.objects.filter(admin_kind__isnull=True).order_by("code").values("code", "name")),
        "units": list(Unit.objects.order_by("pk").values("id", "name")),
        "ranks": [{"value": v, "label": str(label)} for v, label in Rank.choices],
    }


def display_names(ids: Iterable[int]) -> dict[int, str]:
    """Each person's display name (full name, else user name), in one query."""
    return {
        pk: name or user
        for pk, name, user in User.objects.filter(pk__in=list(ids)).values_list("pk", "full_name", "username")
    }


def person(pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()
