"""Applying a checked import to the database: departments (parents first), staff and their posts, leaders.

Called inside the import's transaction only; nothing here checks or audits.
"""

from __future__ import annotations

from sanfu.accounts.models import User
from sanfu.org.importing.checking import Plan
from sanfu.org.importing.formats import ImportSummary, Key
from sanfu.org.models import Department, Post, PostRole, Staff
from sanfu.org.services import department_create, department_move


def _depth_in(final_parent: dict[Key, Key | None], key: Key) -> int:
    depth, current = 0, final_parent.get(key)
    while current is not None:
        depth += 1
        current = final_parent.get(current)
    return depth


def apply_departments(plan: Plan, summary: ImportSummary) -> dict[Key, Department]:
    departments = dict(plan.existing_departments)
    ordered = sorted(plan.departments, key=lambda d: _depth_in(plan.final_parent, d.key))
    for row in ordered:
        parent = departments[(row.unit, row.parent)] if row.parent else None
        dept = departments.get(row.key)
        if dept is None:
            departments[row.key] = department_create(
                unit=plan.units[row.unit], code=row.code, name=row.name, parent=parent, sort=row.sort or 0
            )
            summary.departments_created += 1
            continue
        if row.parent is not None and dept.parent_id != (parent.pk if parent else None):
            department_move(department=dept, parent=parent)
        dept.name = row.name
        if row.sort is not None:
            dept.sort = row.sort
        Department.objects.filter(pk=dept.pk).update(name=dept.name, sort=dept.sort)
        summary.departments_updated += 1
    return departments


OPTIONAL_STAFF_FIELDS = ("title", "mobile", "office", "office_phone")


def apply_staff(plan: Plan, departments: dict[Key, Department], summary: ImportSummary) -> dict[str, User]:
    users: dict[str, User] = {no: s.user for no, s in plan.existing_staff.items()}
    for row in plan.staff:
        staff = plan.existing_staff.get(row.employee_no)
        unit = plan.units[row.unit]
        if staff is None:
            user = User(
                username=row.username, full_name=row.full_name, email=row.email or "", must_change_password=True
            )
            user.set_unusable_password()
            user.save()
            summary.users_created += 1
            staff = Staff.objects.create(
                user=user,
                unit=unit,
                employee_no=row.employee_no,
                rank=row.rank,
                title=row.title or "",
                mobile=row.mobile or "",
                office=row.office or "",
                office_phone=row.office_phone or "",
            )
            summary.staff_created += 1
        else:
            user = staff.user
            user.username, user.full_name = row.username, row.full_name
            if row.email is not None:
                user.email = row.email
            user.save(update_fields=["username", "full_name", "email"])
            staff.unit, staff.rank = unit, row.rank
            for name in OPTIONAL_STAFF_FIELDS:  # a column the file does not have (None) keeps what is there
                if getattr(row, name) is not None:
                    setattr(staff, name, getattr(row, name))
            staff.save(update_fields=["unit", "rank", *OPTIONAL_STAFF_FIELDS])
            summary.staff_updated += 1
        users[row.employee_no] = user

        primary = departments[(row.unit, row.dept)]
        if row.concurrent is not None:  # the file states every post: drop the ones it no longer lists
            wanted = {primary.pk} | {departments[(row.unit, c)].pk for c in row.concurrent}
            removed, _detail = Post.objects.filter(staff=staff).exclude(department_id__in=wanted).delete()
            summary.posts_removed += removed
        else:  # only the primary post moves
            removed, _detail = Post.objects.filter(staff=staff, is_primary=True).exclude(department=primary).delete()
            summary.posts_removed += removed
        Post.objects.filter(staff=staff, is_primary=True).exclude(department=primary).update(is_primary=False)
        existing = {p.department_id: p for p in Post.objects.filter(staff=staff)}
        post = existing.get(primary.pk)
        if post is None:
            Post.objects.create(staff=staff, department=primary, role=row.role, is_primary=True)
            summary.posts_created += 1
        elif post.role != row.role or not post.is_primary:
            post.role, post.is_primary = row.role, True
            post.save(update_fields=["role", "is_primary"])
        for code in row.concurrent or []:
            dept = departments[(row.unit, code)]
            if dept.pk not in existing:
                Post.objects.create(staff=staff, department=dept, role=PostRole.MEMBER, is_primary=False)
                summary.posts_created += 1
    return users


def apply_leaders(plan: Plan, departments: dict[Key, Department], users: dict[str, User]) -> None:
    for row in plan.departments:
        if row.leader_no is None:
            continue
        leader = users[row.leader_no] if row.leader_no else None
        dept = departments[row.key]
        if dept.leader_in_charge_id != (leader.pk if leader else None):
            Department.objects.filter(pk=dept.pk).update(leader_in_charge=leader)
