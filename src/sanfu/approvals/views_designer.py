"""流程设计: the visual process designer for process administrators (everyone else gets 404).

The editing state (the tree) lives in the browser; validate, preview and publish POST it as JSON and the
server, which is authoritative, converts it to a definition and runs ``parse_definition``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db.models import Max
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.models import Role, User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.approvals import designer, formschema
from sanfu.approvals.models import MatterType
from sanfu.core.errors import ApplicationError
from sanfu.org.models import Department, Rank, Unit
from sanfu.workflow.engine import InvalidDefinitionError, State, parse_definition, path_ahead, path_nodes
from sanfu.workflow.facts import OrgFacts
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition
from sanfu.workflow.services import definition_publish

URGENCIES = ("平急", "加急", "特急")


def _require(request: AuthedHttpRequest) -> None:
    if not has_perm(request.user, Perm.MANAGE_PROCESSES):
        raise Http404


def _matter(request: AuthedHttpRequest, code: str) -> MatterType:
    _require(request)
    return get_object_or_404(MatterType, code=code)


def _versions(matter: MatterType) -> list[ProcessDefinition]:
    return list(
        ProcessDefinition.objects.filter(key=matter.definition_key, status=DefinitionStatus.PUBLISHED)
        .select_related("created_by")
        .order_by("-version")
    )


def _version(matter: MatterType, version: int) -> ProcessDefinition:
    found = ProcessDefinition.objects.filter(
        key=matter.definition_key, version=version, status=DefinitionStatus.PUBLISHED
    ).first()
    if found is None:
        raise Http404
    return found


def _schema(matter: MatterType) -> formschema.FormSchema | None:
    try:
        return formschema.parse_schema(matter.form_schema or {"fields": []})
    except formschema.SchemaError:
        return None


def _names(matter: MatterType) -> designer.Names:
    schema = _schema(matter)
    return designer.Names(
        people=dict(User.objects.values_list("pk", "full_name")),
        departments=dict(Department.objects.values_list("pk", "name")),
        roles=dict(Role.objects.values_list("code", "name")),
        units=dict(Unit.objects.values_list("pk", "name")),
        fields={f.name: f.label for f in schema.fields} if schema else {},
    )


def designer_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every matter with its process key and the version new submissions use."""
    _require(request)
    latest = dict(
        ProcessDefinition.objects.filter(status=DefinitionStatus.PUBLISHED)
        .values("key")
        .annotate(v=Max("version"))
        .values_list("key", "v")
    )
    matters = [(m, latest.get(m.definition_key)) for m in MatterType.objects.order_by("area", "sort", "code")]
    return render(request, "approvals/designer/list.html", {"matters": matters})


def _strings() -> dict[str, Any]:
    """Everything the designer script shows, translated here."""
    return {
        "kinds": {k: designer.kind_label(k) for k in [*designer.ADDABLE_KINDS, "start", "end", "join"]},
        "modes": {m: designer.mode_label(m) for m in ("sequential", "all", "any", "ratio")},
        "add": _("添加节点"),
        "remove": _("删除"),
        "up": _("上移"),
        "down": _("下移"),
        "add_branch": _("添加分支"),
        "branch": _("分支"),
        "default_branch": _("默认分支（其他情况）"),
        "empty_branch": _("（直接汇合）"),
        "no_rule": _("未设置人员"),
        "initiator": _("发起人"),
        "merge": _("汇合"),
        "confirm_remove": _("删除此节点及其分支？"),
        "saved": _("已保存"),
        "failed": _("操作失败"),
        "new_names": {
            "approval": _("审批"),
            "handle": _("办理"),
            "cc": _("抄送"),
            "filing": _("备案"),
            "condition": _("条件"),
            "parallel": _("并行"),
            "timer": _("等待"),
            "subprocess": _("子流程"),
            "field": _("新字段"),
        },
        "rules": {
            "users": _("指定人员"),
            "role": _("角色"),
            "head": _("发起人的上级（逐级）"),
            "leader_in_charge": _("分管领导"),
            "department_heads": _("部门负责人"),
            "field": _("表单中的人员"),
            "chosen": _("发起人自选"),
            "initiator": _("发起人本人"),
        },
        "ops": {
            "==": "=",
            "!=": "≠",
            ">": ">",
            ">=": "≥",
            "<": "<",
            "<=": "≤",
            "contains": _("包含"),
        },
        "urgency": _("紧急程度"),
        "levels": _("级"),
        "days": _("个工作日"),
        "hours": _("个工作小时"),
        "deadline": _("时限"),
        "form_field": _("表单字段："),
        "approvers": _("审批人"),
        "recipients": _("接收人"),
        "urgencies": list(URGENCIES),
        "valid": _("校验通过，可以发布。"),
    }


def designer_edit(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Edit the process as a vertical node tree, with the form beside it."""
    matter = _matter(request, code)
    versions = _versions(matter)
    current = versions[0] if versions else None
    shown = current
    if request.GET.get("v"):
        try:
            shown = _version(matter, int(request.GET["v"]))
        except ValueError as exc:
            raise Http404 from exc
    spec: Mapping[str, Any] = shown.spec if shown else {"key": matter.definition_key, "name": matter.name, "nodes": []}
    tree_error = ""
    try:
        tree = designer.definition_to_tree(spec) if shown else _blank_tree(matter)
    except designer.NotATreeError as exc:
        tree, tree_error = _blank_tree(matter), str(exc)
    schema = _schema(matter)
    units = list(Unit.objects.order_by("pk").values("id", "name"))
    data = {
        "tree": tree,
        "form": list((matter.form_schema or {}).get("fields", [])),
        "field_types": sorted(formschema.FIELD_TYPES),
        "types": designer.field_types(schema) if schema else {},
        "people": [
            {"id": pk, "name": f"{name or user}（{user}）"}
            for pk, name, user in User.objects.filter(is_active=True)
            .order_by("username")
            .values_list("pk", "full_name", "username")[:2000]
        ],
        "departments": list(Department.objects.filter(is_active=True).order_by("unit_id", "path").values("id", "name")),
        "roles": list(Role.objects.filter(admin_kind__isnull=True).order_by("code").values("code", "name")),
        "units": units,
        "ranks": [{"value": v, "label": str(label)} for v, label in Rank.choices],
        "urls": {
            "validate": reverse("approvals:designer_validate", args=[matter.code]),
            "preview": reverse("approvals:designer_preview", args=[matter.code]),
            "publish": reverse("approvals:designer_publish", args=[matter.code]),
            "form": reverse("approvals:designer_form", args=[matter.code]),
            "edit": reverse("approvals:designer_edit", args=[matter.code]),
        },
        "strings": _strings(),
    }
    context = {
        "matter": matter,
        "versions": versions,
        "current": current,
        "shown": shown,
        "tree_error": tree_error,
        "data": data,
        "sample_fields": _sample_fields(schema),
        "urgencies": URGENCIES,
        "published": request.GET.get("published", ""),
    }
    return render(request, "approvals/designer/edit.html", context)


def _blank_tree(matter: MatterType) -> dict[str, Any]:
    return {
        "options": {"key": matter.definition_key, "name": matter.name},
        "start": {"id": "start", "kind": "start"},
        "nodes": [],
        "end": {"id": "end", "kind": "end"},
    }


def _sample_fields(schema: formschema.FormSchema | None) -> list[dict[str, Any]]:
    """The form values a preview can be given (the ones conditions can read)."""
    if schema is None:
        return []
    out: list[dict[str, Any]] = []
    for spec in schema.fields:
        if spec.type in {"text", "number", "money", "select", "multiselect", "date", "person", "department"}:
            out.append(
                {"name": spec.name, "label": spec.label, "type": spec.type, "options": [o.label for o in spec.options]}
            )
        for key in formschema.derived_keys(spec):
            label = _("%(f)s（工作日数）") % {"f": spec.label} if key.endswith("_working_days") else key
            if spec.type == "table":
                label = _("%(f)s合计") % {"f": spec.label}
            out.append({"name": key, "label": label, "type": "number", "options": []})
    return out


def _body(request: AuthedHttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ApplicationError(_("请求内容不是有效的 JSON。")) from exc
    if not isinstance(body, dict):
        raise ApplicationError(_("请求内容不是有效的 JSON。"))
    return body


def build_definition(matter: MatterType, tree: Mapping[str, Any]) -> dict[str, Any]:
    """The definition for ``tree``: the matter's key, its form's fields and their types."""
    schema = _schema(matter)
    options = dict(tree.get("options") or {})
    options["key"] = matter.definition_key
    options.setdefault("name", matter.name)
    options.pop("fields", None)
    if schema is not None:
        options["field_types"] = designer.field_types(schema)
    names = designer.schema_names(schema) if schema is not None else None
    return designer.tree_to_definition({**tree, "options": options}, fields=names)


def _problems(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    try:
        parse_definition(spec)
    except InvalidDefinitionError as exc:
        return [{"node": node, "message": message} for node, message in exc.problems]
    return []


def _json_tree(request: AuthedHttpRequest, matter: MatterType) -> tuple[dict[str, Any], dict[str, Any]]:
    body = _body(request)
    tree = body.get("tree")
    if not isinstance(tree, dict):
        raise ApplicationError(_("缺少流程树。"))
    try:
        spec = build_definition(matter, tree)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ApplicationError(_("流程树结构有误：%(e)s") % {"e": exc}) from exc
    return body, spec


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse({"ok": False, "message": exc.message, "problems": exc.errors}, status=400)


@require_POST
def designer_validate(request: AuthedHttpRequest, code: str) -> JsonResponse:
    matter = _matter(request, code)
    try:
        spec = _json_tree(request, matter)[1]
    except ApplicationError as exc:
        return _error(exc)
    problems = _problems(spec)
    return JsonResponse({"ok": not problems, "problems": problems, "definition": spec})


def _cel_value(kind: str, raw: Any) -> Any:
    text = str(raw).strip()
    if kind in {"money", "number"}:
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if kind == "number" and number.is_integer() else number
    if kind in {"person", "department"}:
        return int(text) if text.isdigit() else None
    if kind == "multiselect":
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


def preview_state(matter: MatterType, values: Mapping[str, Any], *, initiator: int, urgency: str) -> State:
    """A draft state with the sample form as conditions will see it (money as double…)."""
    schema = _schema(matter)
    kinds = designer.field_types(schema) if schema else {}
    form: dict[str, Any] = {}
    for name, raw in values.items():
        if raw in (None, ""):
            continue
        kind = kinds.get(str(name), "text")
        kind = "number" if kind == "number" else "money" if kind in {"money", "number_double"} else kind
        value = _cel_value(kind, raw)
        if value is not None:
            form[str(name)] = value
    return State(initiator=initiator, matter=matter.code, form=form, urgency=urgency)


@require_POST
def designer_preview(request: AuthedHttpRequest, code: str) -> JsonResponse:
    """The path a sample submission would take: the nodes and the people at each."""
    matter = _matter(request, code)
    try:
        body, spec = _json_tree(request, matter)
    except ApplicationError as exc:
        return _error(exc)
    problems = _problems(spec)
    if problems:
        return JsonResponse({"ok": False, "problems": problems})
    raw_values = body.get("values")
    values: dict[str, Any] = raw_values if isinstance(raw_values, dict) else {}
    try:
        initiator = int(body.get("initiator") or request.user.pk)
    except (TypeError, ValueError):
        initiator = request.user.pk
    urgency = str(body.get("urgency") or "平急")
    definition = parse_definition(spec)
    state = preview_state(matter, values, initiator=initiator, urgency=urgency)
    facts = OrgFacts(now=timezone.now())
    people = {node.id: ids for node, ids in path_ahead(definition, state, facts)}
    steps = []
    everyone = {p for ids in people.values() for p in ids}
    names = {
        pk: name or user
        for pk, name, user in User.objects.filter(pk__in=everyone).values_list("pk", "full_name", "username")
    }
    for node in path_nodes(definition, state, facts):
        ids = people.get(node.id, [])
        steps.append(
            {
                "node": node,
                "kind": designer.kind_label(node.kind),
                "people": [names.get(p, str(p)) for p in ids],
                "expects_people": node.kind in {"approval", "handle", "cc", "filing"},
                "mode": designer.mode_label(node.mode) if node.kind in {"approval", "handle"} else "",
            }
        )
    who = User.objects.filter(pk=initiator).first()
    html = render_to_string(
        "approvals/designer/_preview.html", {"steps": steps, "initiator": who, "urgency": urgency}, request=request
    )
    return JsonResponse({"ok": True, "problems": [], "html": html})


@require_POST
def designer_publish(request: AuthedHttpRequest, code: str) -> JsonResponse:
    """Publish the tree as the next version of the matter's process."""
    matter = _matter(request, code)
    try:
        spec = _json_tree(request, matter)[1]
        definition = definition_publish(actor=request.user, spec=spec)
    except ApplicationError as exc:
        return _error(exc)
    url = reverse("approvals:designer_edit", args=[matter.code]) + f"?published={definition.version}"
    return JsonResponse({"ok": True, "version": definition.version, "url": url})


@require_POST
def designer_form(request: AuthedHttpRequest, code: str) -> JsonResponse:
    """Save the form's fields (only a schema that parses)."""
    matter = _matter(request, code)
    try:
        fields = _body(request).get("fields")
        if not isinstance(fields, list):
            raise ApplicationError(_("缺少字段列表。"))
        designer.form_schema_save(actor=request.user, matter=matter, fields=fields)
    except ApplicationError as exc:
        return _error(exc)
    schema = _schema(matter)
    return JsonResponse({"ok": True, "types": designer.field_types(schema) if schema else {}})


def designer_compare(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Two versions side by side, node by node."""
    matter = _matter(request, code)
    versions = _versions(matter)
    if not versions:
        raise Http404
    try:
        b = int(request.GET.get("b") or versions[0].version)
        a = int(request.GET.get("a") or (versions[1].version if len(versions) > 1 else b))
    except ValueError as exc:
        raise Http404 from exc
    first, second = _version(matter, a), _version(matter, b)
    diff = designer.compare(first.spec, second.spec, _names(matter))
    return render(
        request,
        "approvals/designer/compare.html",
        {"matter": matter, "a": first, "b": second, "diff": diff, "versions": versions},
    )


def designer_bpmn(request: AuthedHttpRequest, code: str, version: int) -> HttpResponse:
    matter = _matter(request, code)
    definition = _version(matter, version)
    response = HttpResponse(designer.bpmn_xml(definition.spec, _names(matter)), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{matter.definition_key}-v{version}.bpmn"'
    return response


urlpatterns: list[URLPattern] = [
    path("designer/", designer_list, name="designer"),
    path("designer/<slug:code>/", designer_edit, name="designer_edit"),
    path("designer/<slug:code>/validate/", designer_validate, name="designer_validate"),
    path("designer/<slug:code>/preview/", designer_preview, name="designer_preview"),
    path("designer/<slug:code>/publish/", designer_publish, name="designer_publish"),
    path("designer/<slug:code>/form/", designer_form, name="designer_form"),
    path("designer/<slug:code>/compare/", designer_compare, name="designer_compare"),
    path("designer/<slug:code>/v/<int:version>/bpmn.xml", designer_bpmn, name="designer_bpmn"),
]
