"""Keeping accounts in step with the directory (``sanfu directory sync``; the worker when configured).

For each person in the directory: an account is created (no local password, nothing to change at first
sign-in) or its name and e-mail are updated. Accounts the directory vouched for — those without a local
password and without a temporary one pending — that are no longer in it are disabled. Each change is one
transaction with its audit record (``account.create`` / ``account.update`` / ``account.disable``, detail
``source: directory``), as in ``accounts.dormancy``. Then the organisation places the people
(``placement``): departments from the OUs, staff records with 工号 and mobile, primary posts.

The three administrators (三员) are never created, changed or disabled here, even when the directory holds a
person of the same user name: they are reported instead. An empty answer from the directory disables nobody
(a wrong search base must not lock the whole company out).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from sanfu.accounts.directory import placement
from sanfu.accounts.directory.entries import Directory, DirectoryPerson
from sanfu.accounts.models import RoleGrant, User
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    administrators: list[str] = field(default_factory=list)  # in the directory, left alone
    unchanged: int = 0
    placed: dict[str, int] = field(default_factory=dict)


def directory_accounts() -> QuerySet[User]:
    """Accounts the directory vouches for: no local password, and no temporary one waiting to be changed
    (an account imported or created by the system administrator has one pending until its first sign-in)."""
    return User.objects.filter(password__startswith=UNUSABLE_PASSWORD_PREFIX, must_change_password=False)


def _administrator_ids() -> set[int]:
    return set(RoleGrant.objects.filter(admin_kind__isnull=False).values_list("user_id", flat=True))


def _create(person: DirectoryPerson, *, by: str, source: str) -> User:
    user = User(username=person.username, full_name=person.full_name, email=person.email, must_change_password=False)
    user.set_unusable_password()
    with transaction.atomic():
        user.save()
        audit_record(
            action="account.create",
            actor_name=by,
            target=f"user:{user.pk}",
            detail={"username": user.username, "source": "directory", "directory": source},
        )
    return user


def _update(user: User, person: DirectoryPerson, *, by: str, source: str) -> bool:
    changes = {
        name: value
        for name, value in (("full_name", person.full_name), ("email", person.email))
        if value and getattr(user, name) != value
    }
    if not changes:
        return False
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**changes)
        audit_record(
            action="account.update",
            actor_name=by,
            target=f"user:{user.pk}",
            detail={"username": user.username, "fields": sorted(changes), "source": "directory", "directory": source},
        )
    for name, value in changes.items():
        setattr(user, name, value)
    return True


def _disable(user: User, *, by: str, source: str) -> bool:
    with transaction.atomic():
        # The same conditions again: an account that became an administrator or got a local password meanwhile
        # stays as it is.
        gone = directory_accounts().filter(pk=user.pk, is_active=True).exclude(pk__in=_administrator_ids())
        if not gone.update(is_active=False):
            return False
        audit_record(
            action="account.disable",
            actor_name=by,
            target=f"user:{user.pk}",
            detail={"username": user.username, "reason": "directory", "directory": source},
        )
    return True


def directory_sync(*, directory: Directory, by: str, dry_run: bool = False) -> SyncReport:
    """Bring the accounts (and, through ``placement``, the organisation) in step with ``directory``. With
    ``dry_run`` nothing is written: the report says what would be done."""
    if not directory.people:
        raise ApplicationError(_("目录中没有找到任何人员，未做同步：请检查搜索范围和过滤条件。"))
    report = SyncReport()
    administrators = _administrator_ids()
    names = [p.username for p in directory.people]  # lower-cased when read
    matching = User.objects.alias(name=Lower("username")).filter(name__in=names)
    existing: dict[str, User] = {u.username.lower(): u for u in matching}
    accounts: dict[str, User] = {}
    for person in directory.people:
        user = existing.get(person.username)
        if user is not None and user.pk in administrators:
            report.administrators.append(user.username)
            continue
        if user is None:
            report.created.append(person.username)
            if not dry_run:
                accounts[person.username] = _create(person, by=by, source=directory.source)
            continue
        accounts[person.username] = user
        wanted = (person.full_name and user.full_name != person.full_name) or (
            person.email and user.email != person.email
        )
        if wanted and (dry_run or _update(user, person, by=by, source=directory.source)):
            report.updated.append(user.username)
        else:
            report.unchanged += 1
    listed = {p.username for p in directory.people}
    for gone in directory_accounts().filter(is_active=True).exclude(pk__in=administrators).order_by("pk"):
        if gone.username.lower() in listed:
            continue
        if dry_run or _disable(gone, by=by, source=directory.source):
            report.disabled.append(gone.username)
    if not dry_run:
        report.placed = placement.place(directory=directory, accounts=accounts, by=by)
    return report
