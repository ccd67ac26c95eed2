"""The person picker's search: active staff by name, pinyin (full or initials), 工号, account name or
department, never an administrator account (三员分立: they hold no business work). One query whatever the
number of matches; the keys it compares are kept on ``Staff`` (see ``org.pinyin``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from sanfu.accounts.models import RoleGrant, User
from sanfu.org.models import Post, Staff
from sanfu.org.pinyin import normalize_query

MAX_LIMIT = 50
QUERY_MAX_LENGTH = 64


@dataclass(frozen=True)
class PersonHit:
    """One result: who, and where they work (their primary post)."""

    user_id: int
    name: str
    username: str
    employee_no: str
    department: str
    post: str


def _administrators() -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(admin_kind__isnull=False)


def assignable_staff() -> QuerySet[Staff]:
    """Staff whose account may be given work: active, and none of the three administrators."""
    admin = _administrators().filter(user_id=OuterRef("user_id"))
    return Staff.objects.filter(user__is_active=True).exclude(Exists(admin))


def unassignable_among(people: Iterable[User]) -> list[User]:
    """Of ``people``, those no task may go to: disabled accounts and administrators (one query)."""
    people = list(people)
    admins = set(_administrators().filter(user_id__in=[p.pk for p in people]).values_list("user_id", flat=True))
    return [p for p in people if not p.is_active or p.pk in admins]


@dataclass(frozen=True)
class NameMatch:
    """How a query matches a ``Staff`` row: ``matches`` (any hit), ``best`` (exact) and ``good`` (from the start)."""

    matches: Q
    best: Q
    good: Q

    def fit(self) -> Case:
        """0 for the best matches, 1 for good ones, 2 for the rest: the order results are listed in."""
        return Case(
            When(self.best, then=Value(0)),
            When(self.good, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )


def name_match(text: str) -> NameMatch:
    """Staff matching ``text`` (already stripped, not empty) by name (汉字), pinyin in full anywhere in it
    ("sanfeng") or from its start by initials ("zs" → 张三), 工号 or account name. Shared by the person picker
    and the 通讯录 search, so that both find the same people the same way."""
    letters = normalize_query(text)
    matches = Q(user__full_name__icontains=text) | Q(employee_no__icontains=text) | Q(user__username__icontains=text)
    best = Q(user__full_name=text) | Q(employee_no__iexact=text)
    good = Q(user__full_name__startswith=text) | Q(employee_no__istartswith=text)
    if letters:
        initials = Q(name_initials__startswith=letters) | Q(name_initials__contains=f" {letters}")
        full_start = Q(name_pinyin__startswith=letters) | Q(name_pinyin__contains=f" {letters}")
        matches |= initials | Q(name_pinyin__contains=letters)
        best |= Q(name_initials=letters) | Q(name_pinyin=letters)
        good |= initials | full_start
    return NameMatch(matches, best, good)


def search_people(*, actor: User, query: str, limit: int = 20) -> list[PersonHit]:
    """Whom ``actor`` may pick: active staff matching ``query``, best matches first, ``actor`` left out.

    Names, departments and posts are what the 通讯录 shows every signed-in person, so the search has no data
    scope of its own; a disabled or anonymous actor finds nobody. Matches: see ``name_match``, and any
    department the person holds a post in."""
    text = query.strip()[:QUERY_MAX_LENGTH]
    if not text or not getattr(actor, "is_active", False) or not getattr(actor, "is_authenticated", False):
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    in_department = Post.objects.filter(staff_id=OuterRef("pk"), department__name__icontains=text)
    match = name_match(text)
    primary = Post.objects.filter(staff_id=OuterRef("pk"), is_primary=True)
    rows = (
        assignable_staff()
        .filter(match.matches | Q(Exists(in_department)))
        .exclude(user_id=actor.pk)
        .annotate(
            fit=match.fit(),
            department_name=Subquery(primary.values("department__name")[:1]),
            position_name=Subquery(primary.values("position__name")[:1]),
        )
        .order_by("fit", "name_pinyin", "employee_no")
        .values_list(
            "user_id",
            "user__full_name",
            "user__username",
            "employee_no",
            "department_name",
            "position_name",
            "title",
        )[:limit]
    )
    return [
        PersonHit(
            user_id=user_id,
            name=full_name or username,
            username=username,
            employee_no=employee_no,
            department=department or "",
            post=position or title or "",
        )
        for user_id, full_name, username, employee_no, department, position, title in rows
    ]
