"""意见箱 reads, scoped by construction: the unit's public replies, the person's own named suggestions, the office's
and the answering departments' queue, one suggestion, and the yearly list of adopted suggestions."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sanfu.accounts.models import User
from sanfu.core.errors import NotFoundError
from sanfu.org.models import Department
from sanfu.suggestions import rights
from sanfu.suggestions.models import ADOPTED_STATUSES, Suggestion


def _rows() -> QuerySet[Suggestion]:
    return Suggestion.objects.select_related("author", "department", "adopting_department", "concerns")


def public_suggestions(actor: User) -> QuerySet[Suggestion]:
    """The unit's suggestions answered publicly (公开答复), newest first."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Suggestion.objects.none()
    return _rows().filter(unit_id=unit_id, reply_public=True).exclude(reply="")


def my_suggestions(actor: User) -> QuerySet[Suggestion]:
    """The person's own named suggestions (anonymous ones are nobody's: they are followed by code)."""
    return _rows().filter(author_id=actor.pk)


def queue(actor: User, *, status: str = "") -> QuerySet[Suggestion]:
    """What the actor handles: the office every suggestion of its unit, a department head those assigned to their
    departments."""
    rule = Q(pk__in=[])
    if rights.is_office(actor):
        rule |= Q(unit_id=rights.unit_of(actor))
    headed = rights.headed_departments(actor)
    if headed:
        rule |= Q(department_id__in=headed)
    rows = _rows().filter(rule)
    return rows.filter(status=status) if status else rows


def may_handle_any(actor: User) -> bool:
    return rights.is_office(actor) or bool(rights.headed_departments(actor))


def access_suggestion(*, actor: User, suggestion_id: int) -> Suggestion:
    suggestion = _rows().filter(pk=suggestion_id).first()
    if suggestion is None or not rights.may_read(actor, suggestion):
        raise NotFoundError(_("建议不存在。"))
    return suggestion


def adopted_in_year(actor: User, year: int) -> QuerySet[Suggestion]:
    """The unit's suggestions adopted (已采纳, 部分采纳, 已落实) in ``year``, by adoption date."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return Suggestion.objects.none()
    return (
        _rows().filter(unit_id=unit_id, status__in=ADOPTED_STATUSES, decided_on__year=year).order_by("decided_on", "pk")
    )


def author_label(suggestion: Suggestion) -> str:
    if suggestion.anonymous or suggestion.author is None:
        return _("匿名")
    return suggestion.author.display_name


def unit_departments(actor: User) -> list[tuple[int, str]]:
    """The departments of the actor's unit, for the forms' choices."""
    unit_id = rights.unit_of(actor)
    if unit_id is None:
        return []
    return list(Department.objects.filter(unit_id=unit_id).order_by("path", "sort").values_list("pk", "name"))
