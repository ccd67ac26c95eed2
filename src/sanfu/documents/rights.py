"""Who may start a 发文 and who may sign one off (reads only; the services check them, the pages offer what
they allow).

起草 needs ``documents.draft`` (办公室文秘 and 部门负责人 hold it). 签发 needs ``documents.sign`` (公司领导) through a
grant that covers the document's unit: a grant given within one unit covers that unit only, and inside it the
role's data scope decides — 全部 or 本单位 the whole unit, 本部门 (及下级) the leader's own departments (and those
below them), 本人 no one else's document."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.accounts.permissions import DataScope, Perm
from sanfu.accounts.selectors import has_perm
from sanfu.documents.models import OutgoingDocument
from sanfu.org.models import Department
from sanfu.org.selectors import departments_of, primary_department, staff_of


@dataclass(frozen=True)
class Place:
    """Where a 发文 belongs: its unit and the department that drafted it (either may be unknown)."""

    unit_id: int | None
    department: Department | None


def may_draft(user: User) -> bool:
    """起草发文: the drafting right (the 发文 pages hide 起草 from anyone without it)."""
    return has_perm(user, Perm.DRAFT_DOCUMENTS)


def place_of_drafter(user: User) -> Place:
    """The unit and department a new draft of ``user`` belongs to (their primary department's)."""
    department = primary_department(user)
    if department is not None:
        return Place(department.unit_id, department)
    staff = staff_of(user)
    return Place(staff.unit_id if staff else None, None)


def place_of(document: OutgoingDocument) -> Place:
    """The unit and department of an existing 发文 (the drafting department's; else the drafter's unit)."""
    if document.department is not None:
        return Place(document.department.unit_id, document.department)
    staff = staff_of(document.drafter_id)
    return Place(staff.unit_id if staff else None, None)


def _signing_roles() -> list[Role]:
    # A handful of rows; JSON containment is not portable to SQLite, so the codes are read in Python.
    return [r for r in Role.objects.filter(admin_kind__isnull=True) if Perm.SIGN_DOCUMENTS in r.permissions]


def _in_departments(user: User, department: Department, *, tree: bool) -> bool:
    """Whether ``department`` is one of ``user``'s departments (or, with ``tree``, below one of them)."""
    mine = departments_of(user)
    return any(d.pk == department.pk or (tree and department.path.startswith(d.path)) for d in mine)


def _covers(grant: RoleGrant, user: User, place: Place) -> bool:
    if grant.unit_id is not None and grant.unit_id != place.unit_id:
        return False  # a grant given within one unit covers that unit only
    scope = grant.role.data_scope
    if scope == DataScope.ALL or (scope == DataScope.UNIT and grant.unit_id is not None):
        return True
    if scope == DataScope.UNIT:  # a grant without a unit: the leader's own unit
        staff = staff_of(user)
        return staff is not None and place.unit_id is not None and staff.unit_id == place.unit_id
    if scope in (DataScope.DEPARTMENT, DataScope.DEPARTMENT_TREE) and place.department is not None:
        return _in_departments(user, place.department, tree=scope == DataScope.DEPARTMENT_TREE)
    return False


def _grants(roles: list[Role], users: Q) -> list[RoleGrant]:
    return list(
        RoleGrant.objects.filter(users, role__in=roles, user__is_active=True)
        .select_related("role", "user")
        .order_by("user_id", "id")
    )


def may_sign(user: User | None, place: Place) -> bool:
    """Whether ``user`` holds the signing right for a 发文 of ``place`` (active, within the grant's unit and the
    role's data scope)."""
    if user is None or not user.is_active:
        return False
    roles = _signing_roles()
    return bool(roles) and any(_covers(g, user, place) for g in _grants(roles, Q(user_id=user.pk)))


def signing_leaders(place: Place) -> list[User]:
    """Everyone who may sign off a 发文 of ``place`` (in the order they were created, the senior leaders first in
    practice): what the 签发领导 choices offer."""
    roles = _signing_roles()
    if not roles:
        return []
    found: dict[int, User] = {}
    for grant in _grants(roles, Q()):
        if grant.user_id not in found and _covers(grant, grant.user, place):
            found[grant.user_id] = grant.user
    return list(found.values())
