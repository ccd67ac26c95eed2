"""The organisation's part of the directory sync (``accounts.directory``): departments from the OUs, staff
records (工号, mobile) and primary posts of the people the directory lists.

Registered with ``accounts.directory.placement`` in ``OrgConfig.ready()`` (accounts may not import org). One
transaction and one ``org.directory_sync`` audit record per run, like the organisation import. Everything lands
in one unit: ``SANFU_LDAP_UNIT`` (its code), or the only top-level unit. Departments are matched by unit and
code, staff by account; a department's leader in charge, a person's rank, title and concurrent posts are the
organisation's own and are never changed here. A person moved to another OU gets a member post there.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.db import transaction

from sanfu.accounts.directory import placement
from sanfu.accounts.directory.entries import Directory, DirectoryDepartment, DirectoryPerson
from sanfu.accounts.models import User
from sanfu.core.audit import audit_record
from sanfu.org.models import Department, Post, PostRole, Staff, Unit
from sanfu.org.services import department_create, department_move


def _unit() -> Unit | None:
    code = getattr(settings, "SANFU_LDAP_UNIT", "")
    if code:
        return Unit.objects.filter(code=code).first()
    tops = list(Unit.objects.filter(parent__isnull=True)[:2])
    return tops[0] if len(tops) == 1 else None


def _departments(unit: Unit, wanted: list[DirectoryDepartment], counts: Counter[str]) -> dict[str, Department]:
    existing = {d.code: d for d in Department.objects.filter(unit=unit)}
    placed: dict[str, Department] = {}
    for entry in sorted(wanted, key=lambda d: d.key.count(",")):  # parents first
        parent = placed.get(entry.parent_key) if entry.parent_key else None
        dept = existing.get(entry.code)
        if dept is None:
            dept = department_create(unit=unit, code=entry.code, name=entry.name[:100], parent=parent)
            counts["departments_created"] += 1
        else:
            if dept.parent_id != (parent.pk if parent else None):
                department_move(department=dept, parent=parent)
                counts["departments_moved"] += 1
            if dept.name != entry.name[:100]:
                Department.objects.filter(pk=dept.pk).update(name=entry.name[:100])
                counts["departments_renamed"] += 1
        placed[entry.key] = dept
    return placed


def _staff(unit: Unit, user: User, person: DirectoryPerson, counts: Counter[str]) -> Staff | None:
    staff = Staff.objects.filter(user=user).first()
    if Staff.objects.filter(employee_no=person.employee_no).exclude(user=user).exists():
        counts["employee_no_conflicts"] += 1  # another person holds this 工号: left for the administrator
        return staff
    if staff is None:
        counts["staff_created"] += 1
        return Staff.objects.create(user=user, unit=unit, employee_no=person.employee_no, mobile=person.mobile)
    changes: dict[str, Any] = {}
    if staff.employee_no != person.employee_no:
        changes["employee_no"] = person.employee_no
    if person.mobile and staff.mobile != person.mobile:
        changes["mobile"] = person.mobile
    if changes:
        for name, value in changes.items():
            setattr(staff, name, value)
        staff.save(update_fields=list(changes))
        counts["staff_updated"] += 1
    return staff


def _primary_post(staff: Staff, department: Department, counts: Counter[str]) -> None:
    posts = {p.department_id: p for p in Post.objects.filter(staff=staff)}
    current = next((p for p in posts.values() if p.is_primary), None)
    if current is not None and current.department_id == department.pk:
        return
    if current is not None:
        current.delete()
    target = posts.get(department.pk)
    if target is not None:
        Post.objects.filter(pk=target.pk).update(is_primary=True)
    else:
        Post.objects.create(staff=staff, department=department, role=PostRole.MEMBER, is_primary=True)
    counts["posts_moved" if current is not None else "posts_created"] += 1


def directory_place(*, directory: Directory, accounts: dict[str, User], by: str) -> dict[str, int]:
    unit = _unit()
    if unit is None:
        return {"org_skipped_no_unit": 1}
    counts: Counter[str] = Counter()
    with transaction.atomic():
        departments = _departments(unit, directory.departments, counts)
        for person in directory.people:
            user = accounts.get(person.username)
            if user is None or not person.employee_no:
                continue
            staff = _staff(unit, user, person, counts)
            department = departments.get(person.department_key or "")
            if staff is not None and department is not None:
                _primary_post(staff, department, counts)
        audit_record(
            action="org.directory_sync",
            actor_name=by,
            target="org",
            detail={"unit": unit.code, "directory": directory.source, **counts},
        )
    return {f"org_{name}": count for name, count in counts.items()}


def register() -> None:
    placement.register("org", directory_place)
