"""统一待办: other systems keep their own to-dos in a person's 我的待办 — pushed (created or updated) and closed
by the account that pushed them, over the REST API (``approvals.todos_api``).

Who may push: a token of an integration account (issued by the system administrator), for anyone; or a
person's own token, for themselves only. A source system's code belongs to the first account that used it,
so no other account can update, close or shadow that system's to-dos. The link back must be ``http(s)``:
the inbox opens it, and a ``javascript:`` or ``data:`` link would run in Sanfu's page."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.approvals.models import ExternalTodo, ExternalTodoStatus
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.params import DATE_RANGE
from sanfu.org.models import Staff

SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
# Safe in a URL path segment as it is (the close operation names the item in its path): no "/", "%", "?"
# or "#", and never "." or ".." alone, which clients fold away.
EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}")
TITLE_MAX, SOURCE_NAME_MAX, URL_MAX = 200, 64, 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CLOSED = (ExternalTodoStatus.DONE, ExternalTodoStatus.CANCELLED)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": field, "message": message}])


def _text(value: str, *, field: str, limit: int, label: str) -> str:
    value = value.strip()
    if not value or len(value) > limit or _CONTROL.search(value):
        raise _invalid(field, _("%(label)s必填，不超过 %(n)d 个字，且不能含控制字符。") % {"label": label, "n": limit})
    return value


def checked_url(url: str) -> str:
    """The link back to the source system: an absolute ``http(s)`` address with a host, nothing else."""
    url = url.strip()
    message = _("办理地址须是以 http:// 或 https:// 开头的完整网址（不超过 %(n)d 个字符）。") % {"n": URL_MAX}
    if not url or len(url) > URL_MAX or _CONTROL.search(url) or " " in url or "\\" in url:
        raise _invalid("url", message)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # an unbalanced "[" in the host
        raise _invalid("url", message) from exc
    if parts.scheme.lower() not in {"http", "https"} or not host:
        raise _invalid("url", message)
    if parts.username or parts.password:
        raise _invalid("url", _("办理地址中不能包含用户名或密码。"))
    return url


def _checked_due(due_at: datetime | None) -> datetime | None:
    if due_at is None:
        return None
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    if not DATE_RANGE[0] <= due_at.date() <= DATE_RANGE[1]:
        raise _invalid("due_at", _("办理期限不在合理的日期范围内。"))
    return due_at


def person_named(*, username: str = "", employee_no: str = "") -> User:
    """The active person with this username or this 工号 (exactly one of the two is given)."""
    username, employee_no = username.strip(), employee_no.strip()
    if bool(username) == bool(employee_no):
        raise _invalid("person", _("请给出办理人的用户名（person）或工号（employee_no），二者选一。"))
    if username:
        person = User.objects.filter(username=username[:150]).first()
    else:
        staff = Staff.objects.filter(employee_no=employee_no[:32]).select_related("user").first()
        person = staff.user if staff is not None else None
    if person is None or not person.is_active:
        raise _invalid("person", _("没有这个在职人员。"))
    return person


def _may_push_for(*, actor: User, integration: bool, person: User) -> None:
    if not integration and actor.pk != person.pk:
        raise PermissionDeniedError(_("个人令牌只能推送本人的待办；为他人推送须使用系统集成令牌。"))


def _source_owned_by_other(*, actor: User, source: str) -> bool:
    return ExternalTodo.objects.filter(source=source).exclude(pushed_by=actor).exists()


def todo_push(
    *,
    actor: User,
    integration: bool,
    person: User,
    source: str,
    external_id: str,
    title: str,
    url: str,
    source_name: str = "",
    due_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[ExternalTodo, bool]:
    """Create the to-do ``(source, external_id)`` for ``person``, or update it when it exists (title, link,
    due date, person). ``integration``: the actor acts through an integration token. A closed to-do stays
    closed (a late retry must not bring it back); returns it and whether it was created."""
    if not SOURCE.fullmatch(source or ""):
        raise _invalid("source", _("来源系统代码须为 1–32 位字母、数字、点、下划线或连字符，且以字母或数字开头。"))
    if not EXTERNAL_ID.fullmatch(external_id or ""):
        raise _invalid("external_id", _("外部编号须为 1–128 位字母、数字或 . _ : @ -，且以字母或数字开头。"))
    fields = {
        "person": person,
        "source_name": _text(source_name or source, field="source_name", limit=SOURCE_NAME_MAX, label=_("来源系统")),
        "title": _text(title, field="title", limit=TITLE_MAX, label=_("标题")),
        "url": checked_url(url),
        "due_at": _checked_due(due_at),
    }
    if not person.is_active:
        raise _invalid("person", _("没有这个在职人员。"))
    _may_push_for(actor=actor, integration=integration, person=person)
    now = now or timezone.now()
    for _attempt in range(2):  # a concurrent first push of the same pair: the loser updates the winner's row
        try:
            with transaction.atomic():
                return _push_once(actor=actor, source=source, external_id=external_id, fields=fields, now=now)
        except IntegrityError:
            continue
    raise ApplicationError(_("待办保存失败，请重试。"))


def _push_once(
    *, actor: User, source: str, external_id: str, fields: dict[str, object], now: datetime
) -> tuple[ExternalTodo, bool]:
    found = ExternalTodo.objects.select_for_update().filter(source=source, external_id=external_id).first()
    if found is None:
        if _source_owned_by_other(actor=actor, source=source):
            raise PermissionDeniedError(_("来源系统代码“%(s)s”已由另一账户使用。") % {"s": source})
        todo = ExternalTodo.objects.create(
            source=source, external_id=external_id, pushed_by=actor, created_at=now, updated_at=now, **fields
        )
        _audit(actor, todo, "push", {"created": True})
        return todo, True
    if found.pushed_by_id != actor.pk:
        raise PermissionDeniedError(_("来源系统代码“%(s)s”已由另一账户使用。") % {"s": source})
    changed = [name for name, value in fields.items() if getattr(found, name) != value]
    if changed:
        for name in changed:
            setattr(found, name, fields[name])
        found.updated_at = now
        found.save(update_fields=[*changed, "updated_at"])
        _audit(actor, found, "push", {"created": False, "changed": changed})
    return found, False


def todo_close(
    *,
    actor: User,
    integration: bool,
    source: str,
    external_id: str,
    outcome: str = ExternalTodoStatus.DONE,
    now: datetime | None = None,
) -> ExternalTodo:
    """Close the to-do (``done``: handled in the source system; ``cancelled``: no longer needed): it leaves the
    person's 待办. Closing a closed one changes nothing. Only the account that pushed it may."""
    if outcome not in CLOSED:
        raise _invalid("outcome", _("关闭结果须为 done（已办）或 cancelled（已取消）。"))
    with transaction.atomic():
        todo = (
            ExternalTodo.objects.select_for_update()
            .filter(source=source[:32], external_id=external_id[:128], pushed_by=actor)
            .select_related("person")
            .first()
        )
        if todo is None:
            raise NotFoundError(_("没有这个待办。"))
        _may_push_for(actor=actor, integration=integration, person=todo.person)
        if todo.status != ExternalTodoStatus.OPEN:
            return todo
        todo.status, todo.closed_at = outcome, now or timezone.now()
        todo.updated_at = todo.closed_at
        todo.save(update_fields=["status", "closed_at", "updated_at"])
        _audit(actor, todo, "close", {"outcome": outcome})
    return todo


def _audit(actor: User, todo: ExternalTodo, verb: str, extra: dict[str, object]) -> None:
    audit_record(
        action=f"approvals.external_todo.{verb}",
        actor=actor,
        target=f"user:{todo.person.username}",
        detail={"source": todo.source, "external_id": todo.external_id, **extra},
    )
