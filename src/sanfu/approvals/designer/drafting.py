"""From the editor to a definition: the matter's form as conditions see it, the tree a version is edited
as, and the definition the server (which is authoritative) builds from a posted tree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from sanfu.approvals import formschema
from sanfu.approvals.designer.conditions import field_types, schema_names
from sanfu.approvals.designer.tree import NotATreeError, definition_to_tree, tree_to_definition
from sanfu.approvals.models import MatterType
from sanfu.workflow.engine import InvalidDefinitionError, parse_definition

# Field types a preview can be given a sample value for (the ones conditions can read).
SAMPLE_TYPES = frozenset({"text", "number", "money", "select", "multiselect", "date", "person", "department"})


def form_schema_of(matter: MatterType) -> formschema.FormSchema | None:
    """The matter's parsed form, or None while it does not parse."""
    try:
        return formschema.parse_schema(matter.form_schema or {"fields": []})
    except formschema.SchemaError:
        return None


def blank_tree(matter: MatterType) -> dict[str, Any]:
    return {
        "options": {"key": matter.definition_key, "name": matter.name},
        "start": {"id": "start", "kind": "start"},
        "nodes": [],
        "end": {"id": "end", "kind": "end"},
    }


def tree_of(matter: MatterType, spec: Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    """The tree to edit for a published ``spec`` (a blank one before the first version), and why a blank
    one is shown instead when the definition cannot be drawn as a tree."""
    if spec is None:
        return blank_tree(matter), ""
    try:
        return definition_to_tree(spec), ""
    except NotATreeError as exc:
        return blank_tree(matter), str(exc)


def sample_fields(schema: formschema.FormSchema | None) -> list[dict[str, Any]]:
    """The form values a preview can be given (the ones conditions can read)."""
    if schema is None:
        return []
    out: list[dict[str, Any]] = []
    for spec in schema.fields:
        if spec.type in SAMPLE_TYPES:
            out.append(
                {"name": spec.name, "label": spec.label, "type": spec.type, "options": [o.label for o in spec.options]}
            )
        for key in formschema.derived_keys(spec):
            label = _("%(f)s（工作日数）") % {"f": spec.label} if key.endswith("_working_days") else key
            if spec.type == "table":
                label = _("%(f)s合计") % {"f": spec.label}
            out.append({"name": key, "label": label, "type": "number", "options": []})
    return out


def build_definition(matter: MatterType, tree: Mapping[str, Any]) -> dict[str, Any]:
    """The definition for ``tree``: the matter's key, its form's fields and their types."""
    schema = form_schema_of(matter)
    options = dict(tree.get("options") or {})
    options["key"] = matter.definition_key
    options.setdefault("name", matter.name)
    options.pop("fields", None)
    if schema is not None:
        options["field_types"] = field_types(schema)
    names = schema_names(schema) if schema is not None else None
    return tree_to_definition({**tree, "options": options}, fields=names)


def definition_problems(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What keeps ``spec`` from being published, node by node (empty when it parses)."""
    try:
        parse_definition(spec)
    except InvalidDefinitionError as exc:
        return [{"node": node, "message": message} for node, message in exc.problems]
    return []
