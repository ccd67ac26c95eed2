"""Reads for the matter catalogue, the one-time notification and the start page."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import has_perm, permissions_of, role_codes_of
from sanfu.approvals import formschema
from sanfu.approvals.designer.conditions import cel_to_clauses
from sanfu.approvals.labels import urgency_label
from sanfu.approvals.models import (
    Attachment,
    Draft,
    MaterialReturn,
    MatterType,
    Request,
    ServiceArea,
    SubmissionToken,
)
from sanfu.approvals.selectors.actions import schema_of
from sanfu.approvals.selectors.instance import acting_people, editable_values
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.params import parse_id
from sanfu.org.models import Department
from sanfu.workflow.engine import Definition, Node, State, path_ahead, path_nodes
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import InstanceStatus
from sanfu.workflow.selectors import latest_parsed

CHOICES_LIMIT = 2000  # the form's person and department pickers list at most this many
STEP_KINDS = frozenset({"approval", "handle"})  # the steps a person acts on
PATH_KINDS = STEP_KINDS | {"filing"}  # the steps a path lists (备案 too: its people are told)
FIELD_FILES = "field:"  # an attachment's ``material`` for a form field's file: ``field:<name>``


def may_start(user: User, matter: MatterType) -> bool:
    """Whether ``user`` may start ``matter``: active, and (when the matter names roles) holding one of them
    (``start_roles`` lists role codes or permission codes; empty means everyone)."""
    if not matter.is_active:
        return False
    if not matter.start_roles:
        return True
    allowed = set(matter.start_roles)
    return bool(role_codes_of(user) & allowed) or bool(permissions_of(user) & allowed)


def startable_matter(user: User, code: str) -> MatterType:
    """The active matter ``code`` when ``user`` may start it, else ``NotFoundError``: the start page, the
    notice (page and PDF) and the form's previews all answer the same 404 to someone the catalogue hides it
    from."""
    matter = MatterType.objects.filter(code=code, is_active=True).first()
    if matter is None or not may_start(user, matter):
        raise NotFoundError(_("没有这个事项。"))
    return matter


def notice_cache_key(matter: MatterType, *, language: str) -> str:
    """The cache key of a notice's PDF: the matter, the published definition's version, the language and a
    digest of the matter's own fields (so that an edited name, form or material is never served stale)."""
    definition = _definition(matter)
    version = definition.version if definition is not None else 0
    fields = json.dumps(model_to_dict(matter), sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(fields.encode()).hexdigest()[:32]
    return f"approvals:notice-pdf:{matter.pk}:v{version}:{language}:{digest}"


def catalogue_for(user: User, *, query: str = "") -> list[MatterType]:
    """Active matters ``user`` may start, optionally filtered by a word in the name or group."""
    matters = MatterType.objects.filter(is_active=True)
    if query:
        matters = matters.filter(Q(name__icontains=query) | Q(group__icontains=query) | Q(code__icontains=query))
    return [m for m in matters.order_by("area", "sort", "code") if may_start(user, m)]


def material_return_counts() -> dict[int, dict[str, float]]:
    """Per matter: requests, how many came back for materials, and the share (the figure the office
    watches to see whether the one-time notification works)."""
    requests = dict(Request.objects.values_list("matter_id").annotate(n=Count("id")).values_list("matter_id", "n"))
    returned = dict(
        MaterialReturn.objects.values_list("matter_id")
        .annotate(n=Count("request_id", distinct=True))
        .values_list("matter_id", "n")
    )
    return {
        matter_id: {
            "requests": total,
            "returned": returned.get(matter_id, 0),
            "share": returned.get(matter_id, 0) / total if total else 0.0,
        }
        for matter_id, total in requests.items()
    }


def catalogue_areas(user: User, *, query: str = "") -> list[tuple[str, str, list[MatterType]]]:
    """The matters ``user`` may start under each of the three services. The process administrator also
    sees how often each matter comes back for materials (一次性告知 at work), as ``return_stats``."""
    matters = catalogue_for(user, query=query)
    if has_perm(user, Perm.MANAGE_PROCESSES):
        returns = material_return_counts()
        for matter in matters:
            matter.return_stats = returns.get(matter.pk)  # type: ignore[attr-defined]
    return [(area, str(label), [m for m in matters if m.area == area]) for area, label in ServiceArea.choices]


def _definition(matter: MatterType) -> Definition | None:
    try:
        # workflow offers no public cached parse of a published definition; parsing the spec here is cheap
        return latest_parsed(matter.definition_key)
    except ApplicationError:
        return None


def notice_steps(matter: MatterType) -> list[str]:
    """The process steps of a submission with nothing filled in (from the published definition)."""
    definition = _definition(matter)
    if definition is None:
        return []
    nodes = path_nodes(definition, State(), OrgFacts(now=timezone.now()))
    return [n.name for n in nodes if n.kind in STEP_KINDS]


# A condition's clause as a phrase: the field, the comparison and the value (a number set off by a space in
# Chinese: 超过 5000, 为特急; English spaces every word).
OPERATOR_PHRASES = {
    "==": gettext_lazy("%(field)s为%(value)s"),
    "!=": gettext_lazy("%(field)s不为%(value)s"),
    ">": gettext_lazy("%(field)s超过%(value)s"),
    ">=": gettext_lazy("%(field)s不少于%(value)s"),
    "<": gettext_lazy("%(field)s少于%(value)s"),
    "<=": gettext_lazy("%(field)s不超过%(value)s"),
    "contains": gettext_lazy("%(field)s包含%(value)s"),
}
NEGATED = {"==": "!=", "!=": "==", ">": "<=", "<=": ">", ">=": "<", "<": ">="}
MAX_NOTICE_PATHS = 12  # a definition with more condition outcomes than this lists the first ones


def _clause_text(clause: Mapping[str, Any], labels: Mapping[str, str], *, negate: bool = False) -> str | None:
    op = str(clause["op"])
    if negate:
        if op not in NEGATED:
            return None
        op = NEGATED[op]
    name = str(clause["field"])
    label = str(_("紧急程度")) if name == "urgency" else labels.get(name, name)
    text = str(clause["value"])
    if re.fullmatch(r"-?\d+\.0+", text):
        text = text.split(".", maxsplit=1)[0]  # 5000.0 → 5000
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        text = f" {text}"
    elif name == "urgency":
        text = urgency_label(text)  # the value stays 特急; its word is the reader's
    phrase = str(OPERATOR_PHRASES[op]) % {"field": label, "value": text}
    return re.sub(r"  +", " ", phrase)  # a translation that spaces its words already


def _condition_text(source: str, labels: Mapping[str, str], *, negate: bool = False) -> str:
    """A branch condition in words (``form.amount > 5000.0`` → 金额超过5000), or its negation."""
    clauses = cel_to_clauses(source) or []
    if not negate:
        parts = [_clause_text(c, labels) for c in clauses]
        if clauses and all(parts):
            return str(_("，且")).join(p for p in parts if p)
        return str(_("满足条件 %(c)s")) % {"c": source}
    if len(clauses) == 1 and (part := _clause_text(clauses[0], labels, negate=True)):
        return part
    return str(_("不满足条件 %(c)s")) % {"c": source}


def _condition_labels(schema: formschema.FormSchema) -> dict[str, str]:
    """What conditions may read, by name: the fields and the figures derived from them."""
    labels = {f.name: f.label for f in schema.fields}
    for spec in schema.fields:
        for key in formschema.derived_keys(spec):
            if key.endswith("_working_days"):
                labels[key] = _("%(f)s的工作日数") % {"f": spec.label}
            elif "_sum_" in key:
                column = key.rsplit("_sum_", 1)[1]
                labels[key] = _("%(f)s%(c)s合计") % {"f": spec.label, "c": spec.column(column).label}
    return labels


def _outcomes(definition: Definition, choices: dict[str, int]) -> tuple[list[Node], Node | None]:
    """The nodes a submission passes with these branch choices, and the first condition not yet chosen."""
    frontier, seen, ordered = [definition.start], set(), []
    while frontier:
        node = definition.node(frontier.pop(0))
        if node.id in seen:
            continue
        seen.add(node.id)
        ordered.append(node)
        if node.kind == "condition":
            if node.id not in choices:
                return ordered, node
            frontier.insert(0, node.branches[choices[node.id]].next)
        elif node.kind == "parallel":
            frontier[0:0] = list(node.parallel)
        elif node.kind != "end" and node.next:
            frontier.append(node.next)
    return ordered, None


def notice_paths(matter: MatterType) -> list[dict[str, Any]]:
    """Every path the matter's process can take, each with the conditions that lead to it in words (a
    graded matter has one path per grade; a matter without conditions has one path and no conditions)."""
    definition = _definition(matter)
    if definition is None:
        return []
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    labels = _condition_labels(schema)
    paths: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, int], list[str]]] = [({}, [])]
    while pending and len(paths) < MAX_NOTICE_PATHS:
        choices, conditions = pending.pop(0)
        nodes, undecided = _outcomes(definition, choices)
        if undecided is None:
            steps = [
                # a filing step whose name does not say 备案 is marked so
                {"name": n.name, "filing": n.kind == "filing" and "备案" not in n.name}
                for n in nodes
                if n.kind in PATH_KINDS
            ]
            paths.append({"conditions": conditions, "steps": steps})
            continue
        for index, branch in enumerate(undecided.branches):
            earlier = [b.when.source for b in undecided.branches[:index] if b.when is not None]
            words = [_condition_text(src, labels, negate=True) for src in earlier]
            if branch.when is not None:
                words.append(_condition_text(branch.when.source, labels))
            pending.append(({**choices, undecided.id: index}, conditions + words))
    return paths


def has_green_channel(matter: MatterType) -> bool:
    """Whether the matter's process routes 特急 submissions differently (a green channel)."""
    definition = _definition(matter)
    if definition is None:
        return False
    for node in definition.nodes.values():
        for branch in node.branches:
            clauses = cel_to_clauses(branch.when.source) if branch.when is not None else None
            if any(c["field"] == "urgency" and c["op"] == "==" and c["value"] == "特急" for c in clauses or ()):
                return True
    return False


def expected_path(user: User, matter: MatterType, data: Mapping[str, Any], *, urgency: str) -> list[dict[str, Any]]:
    """The steps a submission of ``data`` by ``user`` would pass now, with the people at each (the start
    page shows it live as the form is filled, so the requester sees the path before submitting)."""
    definition = _definition(matter)
    if definition is None:
        return []
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    cleaned = formschema.validate(schema, data).cleaned  # what is filled in well so far
    form = {**formschema.cel_form(schema, cleaned), "_matter": matter.code}
    state = State(initiator=user.pk, matter=matter.code, form=form, urgency=urgency)
    facts = OrgFacts(now=timezone.now())
    people = {node.id: ids for node, ids in path_ahead(definition, state, facts)}
    users = list(User.objects.filter(pk__in={p for ids in people.values() for p in ids}))
    # 李四（代 张三）: a delegation names the process as the flow does (its matter, by default its key)
    names = {a.person.pk: a.display_name for a in acting_people(users, matter=definition.matter)}
    return [
        {
            "name": node.name,
            "kind": node.kind,
            "filing": node.kind == "filing",
            "people": _("、").join(names.get(p) or str(p) for p in people.get(node.id, [])),
        }
        for node in path_nodes(definition, state, facts)
        if node.kind in PATH_KINDS
    ]


def notice_of(matter: MatterType) -> dict[str, Any]:
    """一次性告知书: the fields that must be filled, the steps (by condition for a graded matter) and the
    materials."""
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    required = [f for f in schema.fields if f.required]
    return {
        "matter": matter,
        "required_fields": required,
        "paths": notice_paths(matter),
        "materials": matter.materials,
    }


def form_choices() -> dict[str, Any]:
    """The people and departments a smart form's pickers offer."""
    people = list(
        User.objects.filter(is_active=True, staff__isnull=False)
        .order_by("username")
        .values_list("pk", "full_name", "username")[:CHOICES_LIMIT]
    )
    departments = list(
        Department.objects.filter(is_active=True)
        .order_by("unit_id", "depth", "sort")
        .values_list("pk", "name")[:CHOICES_LIMIT]
    )
    return {
        "people_choices": [(pk, f"{name or user}（{user}）") for pk, name, user in people],
        "department_choices": departments,
    }


def own_draft(user: User, matter: MatterType, draft_id: Any) -> Draft | None:
    """``user``'s draft of ``matter``; None for anyone else's (or a bad id)."""
    pk = parse_id(draft_id)
    return Draft.objects.filter(pk=pk, owner=user, matter=matter).first() if pk is not None else None


def returned_request(user: User, matter: MatterType, request_id: Any) -> Request | None:
    """A request of ``user``'s for ``matter`` that was returned to be corrected (修改后重新提交)."""
    pk = parse_id(request_id)
    if pk is None:
        return None
    return (
        Request.objects.select_related("instance")
        .filter(pk=pk, applicant=user, matter=matter, instance__status=InstanceStatus.RETURNED)
        .first()
    )


def start_values(draft: Draft | None, returned: Request | None) -> tuple[str, str, Mapping[str, Any]]:
    """Title, urgency and form data the start page opens with: a draft's, else the returned request's."""
    if draft is not None:
        return draft.title, draft.urgency or "平急", draft.data
    if returned is not None:
        form = returned.instance.state.get("form", {})
        # The flow keeps money as doubles (for its conditions); the form shows it as typed ("6000.00").
        return returned.title, returned.instance.urgency or "平急", editable_values(schema_of(returned), form)
    return "", "平急", {}


def materials_on_file(returned: Request | None) -> QuerySet[Attachment] | list[Attachment]:
    """The materials a returned request already carries (not the form's own attachment fields)."""
    if returned is None:
        return []
    return returned.attachments.exclude(material__startswith="field:")


@dataclass(frozen=True)
class KeptFiles:
    """Files already held for a form being filled (a draft's, or kept from a failed submission): per
    material code and per attachment field."""

    materials: dict[str, list[Attachment]] = field(default_factory=dict)
    fields: dict[str, list[Attachment]] = field(default_factory=dict)

    @property
    def all(self) -> list[Attachment]:
        return [a for group in (*self.materials.values(), *self.fields.values()) for a in group]

    def field_values(self, *, with_ids: bool = False) -> dict[str, list[dict[str, Any]]]:
        """The attachment fields' values as the form stores them (``with_ids`` for the page's remove option)."""
        return {
            name: [
                {"name": a.name, "size": a.size, "content_type": a.content_type, **({"id": a.pk} if with_ids else {})}
                for a in files
            ]
            for name, files in self.fields.items()
        }


def kept_files(
    user: User, matter: MatterType, *, draft: Draft | None, upload_set: str, removed: Collection[int] = ()
) -> KeptFiles:
    """The files ``user`` has already attached to this form: the draft's and those kept under the form's
    ``upload_set`` token, less the ones ticked for removal. A single-file field keeps its latest file."""
    query = Q(pk__in=[])
    if draft is not None:
        query |= Q(draft=draft, request__isnull=True)
    if upload_set:
        query |= Q(uploaded_by=user, upload_set=upload_set, request__isnull=True, draft__isnull=True)
    schema = formschema.parse_schema(matter.form_schema or {"fields": []})
    attachment_fields = {f.name: f for f in schema.fields if f.type == "attachment"}
    codes = {str(m["code"]) for m in matter.materials}
    kept = KeptFiles()
    for attachment in Attachment.objects.filter(query).exclude(pk__in=list(removed)).order_by("pk"):
        if attachment.material.startswith(FIELD_FILES):
            name = attachment.material[len(FIELD_FILES) :]
            spec = attachment_fields.get(name)
            if spec is None:
                continue
            if spec.multiple:
                kept.fields.setdefault(name, []).append(attachment)
            else:
                kept.fields[name] = [attachment]
        elif attachment.material in codes:
            kept.materials.setdefault(attachment.material, []).append(attachment)
    return kept


def submitted_with(user: User, form_token: str) -> Request | None:
    """The request ``user`` already made (or resubmitted) with this form's token: a doubled or retried post
    shows it instead of applying again."""
    if not form_token:
        return None
    claim = (
        SubmissionToken.objects.select_related("request")
        .filter(user=user, token=form_token, request__isnull=False)
        .first()
    )
    return claim.request if claim is not None else None


def frequent_matters(
    user: User, *, limit: int = 6, minimum: int = 3, days: int = 180, now: Any = None
) -> list[MatterType]:
    """常用事项 for the workbench: the matters ``user`` started most in the last ``days`` days (at most
    ``limit``), topped up to ``minimum`` with the catalogue's popular ones (most started by everyone in that
    time, then the catalogue's order); only matters they may start. Each carries ``started_by_me``. One query
    for the counts (and the user's role grants, once, for ``may_start``)."""
    since = (now or timezone.now()) - timedelta(days=days)
    recent = Q(requests__created_at__gte=since)
    matters = (
        MatterType.objects.filter(is_active=True)
        .annotate(
            started_by_me=Count("requests", filter=recent & Q(requests__applicant_id=user.pk)),
            started_by_all=Count("requests", filter=recent),
        )
        .order_by("-started_by_me", "-started_by_all", "area", "sort", "code")
    )
    startable: list[MatterType] = [m for m in matters if may_start(user, m)]
    mine = [m for m in startable if getattr(m, "started_by_me", 0)][:limit]
    popular = [m for m in startable if not getattr(m, "started_by_me", 0)]
    return mine + popular[: max(0, minimum - len(mine))]
