"""Queries on the organisation, including the ones the flow engine asks for to resolve approvers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery

from sanfu.accounts.models import User
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.accounts.selectors import data_scope_for, users_with_role
from sanfu.org.calendar import WorkingCalendar
from sanfu.org.models import CalendarDay, DayKind, Delegation, Department, Post, PostRole, Staff

_MAX_DELEGATION_HOPS = 5


def staff_of(user: User | int) -> Staff | None:
    user_id = user if isinstance(user, int) else user.pk
    return Staff.objects.select_related("unit").filter(user_id=user_id).first()


def unit_name_of(user: User | int) -> str:
    """The name of the unit a person belongs to ("" for accounts without a staff record)."""
    user_id = user if isinstance(user, int) else user.pk
    return str(Staff.objects.filter(user_id=user_id).values_list("unit__name", flat=True).first() or "")


def primary_department(user: User | int) -> Department | None:
    user_id = user if isinstance(user, int) else user.pk
    post = Post.objects.select_related("department").filter(staff__user_id=user_id, is_primary=True).first()
    return post.department if post else None


def person_attributes(user_id: int) -> dict[str, int | None]:
    """What flow conditions read about a person, in one query: ``rank`` (0 without a staff record),
    ``unit`` and the primary ``department`` (``None`` when missing) — ``staff_of`` + ``primary_department``."""
    primary = Post.objects.filter(staff=OuterRef("pk"), is_primary=True).values("department_id")[:1]
    row = Staff.objects.filter(user_id=user_id).values_list("rank", "unit_id", Subquery(primary)).first()
    if row is None:
        return {"rank": 0, "department": None, "unit": None}
    rank, unit_id, department_id = row
    return {"rank": rank, "department": department_id, "unit": unit_id}


def departments_of(user: User | int) -> list[Department]:
    """The primary department first, then concurrent posts (兼职)."""
    user_id = user if isinstance(user, int) else user.pk
    return [p.department for p in Post.objects.select_related("department").filter(staff__user_id=user_id)]


def department_heads(department: Department | int, *, include_deputies: bool = False) -> list[User]:
    """Heads of one department (负责人), most senior first; deputies after them when asked."""
    dept_id = department if isinstance(department, int) else department.pk
    roles = [PostRole.HEAD, PostRole.DEPUTY] if include_deputies else [PostRole.HEAD]
    posts = (
        Post.objects.filter(department_id=dept_id, role__in=roles, staff__user__is_active=True)
        .select_related("staff__user")
        .order_by("role", "-staff__rank", "staff__employee_no")  # "deputy" < "head" alphabetically
    )
    heads = [p.staff.user for p in posts if p.role == PostRole.HEAD]
    deputies = [p.staff.user for p in posts if p.role == PostRole.DEPUTY]
    return heads + deputies


def heads_of_departments(departments: Iterable[Department | int]) -> dict[int, list[User]]:
    """Heads of each department in one query: ``{department_id: [head, …]}`` (empty list when none)."""
    ids = [d if isinstance(d, int) else d.pk for d in departments]
    result: dict[int, list[User]] = {i: [] for i in ids}
    posts = (
        Post.objects.filter(department_id__in=ids, role=PostRole.HEAD, staff__user__is_active=True)
        .select_related("staff__user")
        .order_by("-staff__rank", "staff__employee_no")
    )
    for post in posts:
        result[post.department_id].append(post.staff.user)
    return result


def leader_in_charge(department: Department | int) -> User | None:
    """分管领导: the department's own, else the nearest ancestor's."""
    dept = department if isinstance(department, Department) else Department.objects.get(pk=department)
    current: Department | None = dept
    while current is not None:
        if current.leader_in_charge_id is not None:
            leader = User.objects.filter(pk=current.leader_in_charge_id, is_active=True).first()
            if leader is not None:
                return leader
        current = current.parent
    return None


def head_of(user: User | int, *, from_department: Department | None = None) -> User | None:
    """The person ``user`` reports to: the head of their (primary) department; if they head it
    themselves, the head of the parent department, and so on; above the top department, its leader
    in charge. ``None`` when nobody is above them (the general manager)."""
    user_id = user if isinstance(user, int) else user.pk
    dept = from_department or primary_department(user_id)
    current = dept
    while current is not None:
        for head in department_heads(current):
            if head.pk != user_id:
                return head
        if current.parent_id is None:
            break
        current = current.parent
    if dept is None:
        return None
    leader = leader_in_charge(dept)
    return leader if leader is not None and leader.pk != user_id else None


def heads_up(user: User | int, *, levels: int, stop_at_rank: int | None = None) -> list[User]:
    """逐级: up to ``levels`` successive heads above ``user``; stops after the first one whose rank is at
    least ``stop_at_rank``. Never repeats a person (a cycle in the data ends the walk)."""
    chain: list[User] = []
    seen = {user if isinstance(user, int) else user.pk}
    current: User | int = user
    for _ in range(levels):
        head = head_of(current)
        if head is None or head.pk in seen:
            break
        chain.append(head)
        seen.add(head.pk)
        if stop_at_rank is not None:
            staff = staff_of(head)
            if staff is not None and staff.rank >= stop_at_rank:
                break
        current = head
    return chain


def people_with_role(role_code: str, *, unit_id: int | None = None) -> list[User]:
    """Everyone holding a role (e.g. ``clerk``) in a unit."""
    return list(users_with_role(role_code, unit_id=unit_id))


def active_delegations(*, at: datetime) -> QuerySet[Delegation]:
    return Delegation.objects.filter(revoked_at__isnull=True, starts_at__lte=at, ends_at__gt=at)


def active_delegate(user: User | int, *, at: datetime, matter_type: str | None = None) -> User | None:
    """The person acting for ``user`` at ``at`` (for ``matter_type`` when the delegation is limited),
    following a chain of delegations (A→B while B→C gives C), never into a cycle."""
    user_id = user if isinstance(user, int) else user.pk
    seen = {user_id}
    found: User | None = None
    current = user_id
    for _ in range(_MAX_DELEGATION_HOPS):
        candidates = active_delegations(at=at).filter(principal_id=current, delegate__is_active=True)
        chosen = None
        for delegation in candidates.select_related("delegate").order_by("-starts_at"):
            if not delegation.matter_types or (matter_type is not None and matter_type in delegation.matter_types):
                chosen = delegation
                break
        if chosen is None or chosen.delegate_id in seen:
            break
        found = chosen.delegate
        seen.add(chosen.delegate_id)
        current = chosen.delegate_id
    return found


def delegations_of(user: User, *, at: datetime) -> dict[str, list[Delegation]]:
    """Active and upcoming delegations ``user`` gave and received — shown to both people."""
    base = Delegation.objects.filter(revoked_at__isnull=True, ends_at__gt=at).select_related("principal", "delegate")
    return {
        "given": list(base.filter(principal=user).order_by("starts_at")),
        "received": list(base.filter(delegate=user).order_by("starts_at")),
    }


def working_calendar() -> WorkingCalendar:
    """The calendar with the administrator's table applied."""
    rows = list(CalendarDay.objects.values_list("date", "kind", "note"))
    overrides: dict[date, bool] = {d: kind == DayKind.WORKDAY for d, kind, _ in rows}
    notes = {d: note for d, _, note in rows if note}
    return WorkingCalendar(overrides=overrides, notes=notes)


def department_tree(unit_id: int) -> list[Department]:
    """A unit's active departments in tree order: each parent before its children, siblings by ``sort``."""
    departments = list(Department.objects.filter(unit_id=unit_id, is_active=True).order_by("sort", "id"))
    children: dict[int | None, list[Department]] = {}
    for dept in departments:
        children.setdefault(dept.parent_id, []).append(dept)
    present = {d.pk for d in departments}
    ordered: list[Department] = []
    # Roots are top-level departments, and any whose parent is inactive (so nothing disappears).
    stack = [d for d in reversed(departments) if d.parent_id is None or d.parent_id not in present]
    while stack:
        dept = stack.pop()
        ordered.append(dept)
        stack.extend(reversed(children.get(dept.pk, [])))
    return ordered


def staff_scope_q(actor: User, perm: str = Perm.VIEW_STAFF_DETAIL) -> Q:
    """Which ``Staff`` rows ``actor`` may see under ``perm`` (数据范围). Always at least themselves."""
    own = Q(user_id=actor.pk)
    scope = data_scope_for(actor, perm)
    if scope is None:
        return own
    kind, units = scope
    if kind == DataScope.ALL:
        return Q()
    if kind == DataScope.SELF:
        return own
    if kind == DataScope.UNIT:
        unit_ids = [u for u in units if u is not None]
        if None in units:
            home = staff_of(actor)
            if home is not None:
                unit_ids.append(home.unit_id)
        return own | Q(unit_id__in=unit_ids)
    mine = departments_of(actor)
    if kind == DataScope.DEPARTMENT:
        return own | Q(posts__department__in=[d.pk for d in mine])
    paths = Q()
    for dept in mine:
        paths |= Q(posts__department__path__startswith=dept.path)
    return own | paths if mine else own


def visible_staff(actor: User, perm: str = Perm.VIEW_STAFF_DETAIL) -> QuerySet[Staff]:
    return Staff.objects.filter(staff_scope_q(actor, perm)).distinct()
