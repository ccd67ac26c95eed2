"""流程设计: the visual process designer for process administrators (everyone else gets 404).

The editing state (the tree) lives in the browser; validate, preview and publish POST it as JSON and the
server, which is authoritative, converts it to a definition and runs ``parse_definition``."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.permissions import Perm
from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.accounts.selectors import has_perm
from sanfu.approvals import designer, formschema
from sanfu.approvals.designer import drafting, preview
from sanfu.approvals.designer import selectors as designer_selectors
from sanfu.approvals.models import MatterType
from sanfu.approvals.selectors.inbox import URGENCY_LABELS
from sanfu.approvals.services import URGENCIES
from sanfu.core.errors import ApplicationError
from sanfu.core.params import MAX_INT, parse_id, parse_int
from sanfu.workflow.models import ProcessDefinition
from sanfu.workflow.services import definition_publish


def _require(request: AuthedHttpRequest) -> None:
    if not has_perm(request.user, Perm.MANAGE_PROCESSES):
        raise Http404


def _matter(request: AuthedHttpRequest, code: str) -> MatterType:
    _require(request)
    return get_object_or_404(MatterType, code=code)


def _version(matter: MatterType, version: int) -> ProcessDefinition:
    found = designer_selectors.published_version(matter, version)
    if found is None:
        raise Http404
    return found


def _names(matter: MatterType) -> designer.Names:
    return designer_selectors.rule_names(drafting.form_schema_of(matter))


def designer_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every matter with its process key and the version new submissions use."""
    _require(request)
    matters = designer_selectors.matters_with_versions()
    return render(request, "approvals/designer/list.html", {"matters": matters})


def _urgencies() -> list[tuple[str, str]]:
    """Each urgency with its label: the value stays Chinese (conditions compare it), the label is translated."""
    return [(u, str(URGENCY_LABELS.get(u, u))) for u in URGENCIES]


def _field_type_labels() -> dict[str, str]:
    return {
        "text": _("单行文本"),
        "textarea": _("多行文本"),
        "number": _("数字"),
        "money": _("金额"),
        "date": _("日期"),
        "date_range": _("日期范围"),
        "person": _("人员"),
        "department": _("部门"),
        "select": _("单选"),
        "multiselect": _("多选"),
        "table": _("明细表"),
        "attachment": _("附件"),
        "computed": _("计算字段"),
        "signature": _("签名"),
    }


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
            "column": _("新列"),
        },
        "field_types": _field_type_labels(),
        "formats": {"number": _("数字"), "money": _("金额"), "text": _("单行文本")},
        "form_hint": _("可引用 form.字段名，例如 form.days * 100.0"),
        "row_hint": _("可引用本行的列 row.列名，例如 row.qty * row.price"),
        "passes_over": _("略过"),
        "excludes_initiator": _("发起人不办理"),
        "missing_node": _("节点不存在"),
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
        "urgency_labels": dict(_urgencies()),
        "valid": _("校验通过，可以发布。"),
    }


def designer_edit(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Edit the process as a vertical node tree, with the form beside it."""
    matter = _matter(request, code)
    versions = designer_selectors.published_versions(matter)
    current = versions[0] if versions else None
    shown = current
    if request.GET.get("v"):
        number = parse_int(request.GET["v"], minimum=1, maximum=MAX_INT)
        shown = designer_selectors.editable_version(matter, number) if number is not None else None
        if shown is None:
            raise Http404
    tree, tree_error = drafting.tree_of(matter, shown.spec if shown else None)
    schema = drafting.form_schema_of(matter)
    data = {
        "tree": tree,
        "form": list((matter.form_schema or {}).get("fields", [])),
        "field_types": sorted(formschema.FIELD_TYPES),
        "column_types": sorted(formschema.COLUMN_TYPES),
        "types": designer.field_types(schema) if schema else {},
        **designer_selectors.editor_choices(),
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
        "drafts": designer_selectors.drafts(matter),
        "current": current,
        "shown": shown,
        "tree_error": tree_error,
        "data": data,
        "sample_fields": drafting.sample_fields(schema),
        "urgencies": _urgencies(),
        "published": request.GET.get("published", ""),
    }
    return render(request, "approvals/designer/edit.html", context)


def _body(request: AuthedHttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ApplicationError(_("请求内容不是有效的 JSON。")) from exc
    if not isinstance(body, dict):
        raise ApplicationError(_("请求内容不是有效的 JSON。"))
    return body


def _json_tree(request: AuthedHttpRequest, matter: MatterType) -> tuple[dict[str, Any], dict[str, Any]]:
    body = _body(request)
    tree = body.get("tree")
    if not isinstance(tree, dict):
        raise ApplicationError(_("缺少流程树。"))
    try:
        spec = drafting.build_definition(matter, tree)
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
    problems = drafting.definition_problems(spec)
    return JsonResponse({"ok": not problems, "problems": problems, "definition": spec})


@require_POST
def designer_preview(request: AuthedHttpRequest, code: str) -> JsonResponse:
    """The path a sample submission would take: the nodes and the people at each."""
    matter = _matter(request, code)
    try:
        body, spec = _json_tree(request, matter)
    except ApplicationError as exc:
        return _error(exc)
    problems = drafting.definition_problems(spec)
    if problems:
        return JsonResponse({"ok": False, "problems": problems})
    raw_values = body.get("values")
    values: dict[str, Any] = raw_values if isinstance(raw_values, dict) else {}
    initiator = parse_id(body.get("initiator")) or request.user.pk
    urgency = str(body.get("urgency") or URGENCIES[0])
    steps = preview.preview_steps(matter, spec, values, initiator=initiator, urgency=urgency)
    who = designer_selectors.person(initiator)
    label = dict(_urgencies()).get(urgency, urgency)
    html = render_to_string(
        "approvals/designer/_preview.html", {"steps": steps, "initiator": who, "urgency": label}, request=request
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
    schema = drafting.form_schema_of(matter)
    return JsonResponse({"ok": True, "types": designer.field_types(schema) if schema else {}})


def designer_compare(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Two versions side by side, node by node."""
    matter = _matter(request, code)
    versions = designer_selectors.published_versions(matter)
    if not versions:
        raise Http404
    b = parse_int(request.GET.get("b") or versions[0].version, minimum=1, maximum=MAX_INT)
    a = parse_int(request.GET.get("a") or (versions[1].version if len(versions) > 1 else b), minimum=1, maximum=MAX_INT)
    if a is None or b is None:
        raise Http404
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
