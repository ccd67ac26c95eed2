"""Who does what in the 意见箱 (reads only).

Every staff member of a unit submits and reads the unit's public replies and adopted list. The office
(``org.roles.is_office``: the role ``clerk`` or the process administrators) triages the unit's suggestions: assigns
a department, answers, decides adoption. The heads of the assigned department see it and answer it."""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.org import roles
from sanfu.org.models import Post, PostRole
from sanfu.suggestions.models import Suggestion

# Who is the office, who is a leader, which unit a person is in: the organisation's rule (org.roles), one for
# every domain.
is_office = roles.is_office
unit_of = roles.unit_of


def headed_departments(user: User) -> set[int]:
    """The departments ``user`` heads (负责人)."""
    cached = getattr(user, "_suggestions_headed", None)
    if cached is None:
        cached = set(
            Post.objects.filter(staff__user_id=user.pk, role=PostRole.HEAD).values_list("department_id", flat=True)
        )
        user._suggestions_headed = cached  # type: ignore[attr-defined]
    return set(cached)


def may_manage(user: User, suggestion: Suggestion) -> bool:
    """Triage: assign, decide adoption (the office of the suggestion's unit)."""
    return is_office(user) and unit_of(user) == suggestion.unit_id


def may_answer(user: User, suggestion: Suggestion) -> bool:
    """Answer: the office, or a head of the assigned department."""
    if may_manage(user, suggestion):
        return True
    return suggestion.department_id is not None and suggestion.department_id in headed_departments(user)


def may_read(user: User, suggestion: Suggestion) -> bool:
    if suggestion.author_id is not None and suggestion.author_id == user.pk:
        return True
    if may_answer(user, suggestion):
        return True
    return unit_of(user) == suggestion.unit_id and suggestion.reply_public and bool(suggestion.reply)
