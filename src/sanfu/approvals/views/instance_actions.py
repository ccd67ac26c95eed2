"""The actions on the instance page, each its own POST: the view reads the form, calls one service and goes
back to the page. A refusal leaves everything as it was and says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfu.accounts.requests import AuthedHttpRequest
from sanfu.approvals.selectors import actions
from sanfu.approvals.services import tasks
from sanfu.approvals.views.instance import access, render_instance
from sanfu.core.errors import ApplicationError
from sanfu.core.params import parse_id, parse_ids
from sanfu.workflow import services as workflow
from sanfu.workflow import subjects
from sanfu.workflow.models import Instance
from sanfu.workflow.selectors import open_steps
from sanfu.workflow.services import COMMENT_MAX_LENGTH  # the flow refuses longer: one limit


def _act(
    request: AuthedHttpRequest, instance_id: int, do: Callable[[Instance], Any], done: str, form: str
) -> HttpResponse:
    """Run one action. A refusal shows the page again with the reason and the text the person wrote kept in
    ``form`` (the page's form of that action); success goes back to the page."""
    instance = access(request, instance_id)
    if actions.domain_page(instance) is not None:  # a 公文 step is the domain's work, never a generic 同意
        where = subjects.label_of(instance.definition.key)  # the subject's own words: 到收文页面办理, …
        messages.error(request, _("此流程不能在本页办理，请%(where)s，未做任何更改。") % {"where": where})
        return redirect("approvals:instance", instance_id=instance.pk)
    text = _comment(request)
    if len(text) > COMMENT_MAX_LENGTH:
        messages.error(
            request,
            _("意见不能超过 %(max)d 字（现有 %(n)d 字），请精简后再提交，未做任何更改。")
            % {"max": COMMENT_MAX_LENGTH, "n": len(text)},
        )
        return render_instance(request, instance, kept={form: text})
    try:
        said = do(instance)
    except ApplicationError as exc:  # a conflict's message names who acted first
        messages.error(request, exc.message)
    else:
        messages.success(request, said if isinstance(said, str) else done)
        return redirect("approvals:instance", instance_id=instance.pk)
    return render_instance(request, access(request, instance_id), kept={form: text})


def _comment(request: AuthedHttpRequest) -> str:
    # Browsers post a textarea's line breaks as CRLF but count them as one character against maxlength.
    return request.POST.get("comment", "").replace("\r\n", "\n").strip()


def _task_id(request: AuthedHttpRequest) -> int | None:
    """The task the page showed (it may hold several of this person's tasks); None lets the service choose."""
    return parse_id(request.POST.get("task"))


def _ids(values: list[str]) -> list[int]:
    return parse_ids(values)


@require_POST
def approve(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        tasks.task_approve(
            actor=request.user,
            instance_id=instance.pk,
            task_id=_task_id(request),
            comment=_comment(request),
            posted=request.POST,
        )

    return _act(request, instance_id, do, _("已提交您的意见。"), "approve")


@require_POST
def reject(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        tasks.task_reject(
            actor=request.user, instance_id=instance.pk, task_id=_task_id(request), comment=_comment(request)
        )

    return _act(request, instance_id, do, _("已驳回。"), "approve")


@require_POST
def return_(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> str:
        returned = tasks.task_return(
            actor=request.user,
            instance_id=instance.pk,
            task_id=_task_id(request),
            to=request.POST.get("to", "").strip(),
            comment=_comment(request),
        )
        return returned_to_text(returned)

    return _act(request, instance_id, do, _("已退回。"), "return")


def returned_to_text(instance: Instance) -> str:
    """To whom a 退回 went: the step now open and its people, or the applicant."""
    steps = open_steps(instance)
    if not steps:
        return _("已退回申请人 %(who)s。") % {"who": instance.initiator.display_name}
    return _("已退回至 %(steps)s。") % {
        "steps": "；".join(f"{s.name}（{'、'.join(p.display_name for p in s.people)}）" for s in steps)
    }


@require_POST
def return_for_materials(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    """退回补正: back to the applicant naming the missing or wrong materials (counted per matter)."""

    def do(instance: Instance) -> None:
        tasks.task_return_for_materials(
            actor=request.user,
            instance_id=instance.pk,
            task_id=_task_id(request),
            materials=request.POST.getlist("materials"),
            comment=_comment(request),
        )

    return _act(request, instance_id, do, _("已退回申请人补正材料。"), "return_materials")


@require_POST
def transfer(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        chosen = _ids([request.POST.get("to", "")])
        tasks.task_transfer(
            actor=request.user,
            instance_id=instance.pk,
            task_id=_task_id(request),
            to=chosen[0] if chosen else None,
            comment=_comment(request),
        )

    return _act(request, instance_id, do, _("已转交。"), "transfer")


@require_POST
def add_signers(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        tasks.task_add_signers(
            actor=request.user,
            instance_id=instance.pk,
            task_id=_task_id(request),
            people=_ids(request.POST.getlist("people")),
            position=request.POST.get("position", "before"),
            mode=request.POST.get("mode", "sequential"),
            comment=_comment(request),
        )

    return _act(request, instance_id, do, _("已加签。"), "add_signers")


@require_POST
def remove_signers(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        tasks.task_remove_signers(
            actor=request.user,
            instance_id=instance.pk,
            task_id=_task_id(request),
            people=_ids(request.POST.getlist("people")),
            comment=_comment(request),
        )

    return _act(request, instance_id, do, _("已减签。"), "remove_signers")


@require_POST
def withdraw(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        workflow.instance_withdraw(actor=request.user, instance_id=instance.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("已撤回。"), "withdraw")


@require_POST
def urge(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        workflow.instance_urge(actor=request.user, instance_id=instance.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("已催办，当前审批人会收到提醒。"), "urge")


@require_POST
def resubmit(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        tasks.instance_resubmit_as_is(actor=request.user, instance=instance, comment=_comment(request))

    return _act(request, instance_id, do, _("已重新提交。"), "resubmit")


@require_POST
def comment(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        workflow.instance_comment(actor=request.user, instance_id=instance.pk, comment=_comment(request))

    return _act(request, instance_id, do, _("评论已发表。"), "comment")


@require_POST
def cancel(request: AuthedHttpRequest, instance_id: int) -> HttpResponse:
    def do(instance: Instance) -> None:
        tasks.instance_cancel(actor=request.user, instance_id=instance.pk, reason=_comment(request))

    return _act(request, instance_id, do, _("流程已作废。"), "cancel")


urlpatterns: list[URLPattern] = [
    path("instances/<int:instance_id>/approve/", approve, name="instance_approve"),
    path("instances/<int:instance_id>/reject/", reject, name="instance_reject"),
    path("instances/<int:instance_id>/return/", return_, name="instance_return"),
    path("instances/<int:instance_id>/return-materials/", return_for_materials, name="instance_return_materials"),
    path("instances/<int:instance_id>/transfer/", transfer, name="instance_transfer"),
    path("instances/<int:instance_id>/add-signers/", add_signers, name="instance_add_signers"),
    path("instances/<int:instance_id>/remove-signers/", remove_signers, name="instance_remove_signers"),
    path("instances/<int:instance_id>/withdraw/", withdraw, name="instance_withdraw"),
    path("instances/<int:instance_id>/urge/", urge, name="instance_urge"),
    path("instances/<int:instance_id>/resubmit/", resubmit, name="instance_resubmit"),
    path("instances/<int:instance_id>/comment/", comment, name="instance_comment"),
    path("instances/<int:instance_id>/cancel/", cancel, name="instance_cancel"),
]
