"""Who may read a classified object: the one rule of 密级 × 数据范围 × 知悉范围, for every read path.

An object carries a 密级 (level), the unit and department it belongs to, and perhaps an owner; the rule is
built as one ``Q`` on any model from the names of those fields (``Fields``). A person sees an object when:

1. **need-to-know (知悉范围)**: they own it, or are among its explicit readers or participants (``known``,
   which the caller builds: an archive record's readers, a flow's initiator and task holders, …) — at any
   level;
2. **by level** (``by_level``; the archive and the office's 公文 lists, never a flow): 公开 → everyone signed in;
   内部 → people whose unit (``org.Staff.unit``) is the object's unit;
3. **oversight**: each permission in ``oversight`` with a data scope (全部 / 本单位 / 本部门及下级 / 本部门 / 本人),
   matched on the object's unit, department or owner, opens 公开 and 内部 objects in that scope, and 秘密 /
   机密 ones only where the person also holds the clearance (``CLEARANCE``) — inside both scopes.

The clearance for 秘密 / 机密 is ``Perm.READ_ARCHIVE_RESTRICTED`` (``archive.restricted``): the permission
that opens classified dossiers is the one that opens classified documents and flows, so a person is cleared
once, in one role. The archive passes it as its own oversight (so it opens every level in its scope), the
flows pass ``Perm.MANAGE_PROCESSES``, the 公文 both.

Inactive or anonymous people see nothing (``None``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanfu.accounts.permissions import DataScope, Perm
from sanfu.accounts.selectors import data_scope_for
from sanfu.org.models import Post
from sanfu.org.selectors import departments_of, staff_of

CLEARANCE = Perm.READ_ARCHIVE_RESTRICTED


class Level(models.TextChoices):
    """密级. The archive's and the 公文's own choices carry the same values."""

    PUBLIC = "public", _("公开")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("秘密")
    CONFIDENTIAL = "confidential", _("机密")


RESTRICTED_LEVELS = (Level.SECRET, Level.CONFIDENTIAL)
OPEN_LEVELS = (Level.PUBLIC, Level.INTERNAL)


@dataclass(frozen=True)
class Fields:
    """Where a model keeps what the rule reads, as ORM lookups from the model (``instance__unit`` is fine).
    ``department`` must lead to an ``org.Department`` (its ``path`` is read for 本部门及下级)."""

    level: str = "confidentiality"
    unit: str = "unit"
    department: str = "department"
    owner: str | None = "owner"


@dataclass(frozen=True)
class Marking:
    """An object's 密级 and where it belongs, as it is written on the object."""

    level: str = Level.INTERNAL
    unit_id: int | None = None
    department_id: int | None = None


def marking_of(user: Any, level: str = Level.INTERNAL) -> Marking:
    """``level`` in ``user``'s own unit and primary department (what a person starts belongs to them). One
    query when the person has a primary post (the usual case: this runs at every start)."""
    post = Post.objects.filter(staff__user_id=user.pk, is_primary=True).values_list("staff__unit_id", "department_id")
    found = post.first()
    if found is not None:
        return Marking(level, found[0], found[1])
    home = staff_of(user)
    return Marking(level, home.unit_id if home else None, None)


def _nothing() -> Q:
    return Q(pk__in=[])


def scope_q(actor: Any, perm: str, fields: Fields) -> Q | None:
    """The objects inside the data scope of ``actor``'s roles granting ``perm``; None without such a role."""
    scope = data_scope_for(actor, perm)
    if scope is None:
        return None
    kind, units = scope
    if kind == DataScope.ALL:
        return Q()
    if kind == DataScope.SELF:
        return Q(**{fields.owner: actor.pk}) if fields.owner else _nothing()
    if kind == DataScope.UNIT:
        unit_ids = [u for u in units if u is not None]
        if None in units:  # a grant without a unit covers the holder's own
            home = staff_of(actor)
            if home is not None:
                unit_ids.append(home.unit_id)
        return Q(**{f"{fields.unit}__in": unit_ids})
    mine = departments_of(actor)
    if kind == DataScope.DEPARTMENT:
        return Q(**{f"{fields.department}__in": [d.pk for d in mine]})
    tree = _nothing()
    for dept in mine:
        tree |= Q(**{f"{fields.department}__path__startswith": dept.path})
    return tree


def readable_q(
    actor: Any,
    fields: Fields,
    *,
    known: Q | None = None,
    by_level: bool = True,
    oversight: Sequence[str] = (CLEARANCE,),
) -> Q | None:
    """The rule (see the module) as one ``Q`` on the model ``fields`` describes; None = nothing visible."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    rule = Q(**{fields.owner: actor.pk}) if fields.owner else _nothing()
    if known is not None:
        rule |= known
    if by_level:
        rule |= Q(**{fields.level: Level.PUBLIC})
        home = staff_of(actor)
        if home is not None:
            rule |= Q(**{fields.level: Level.INTERNAL, fields.unit: home.unit_id})
    cleared = scope_q(actor, CLEARANCE, fields) if any(p != CLEARANCE for p in oversight) else None
    for perm in oversight:
        scope = scope_q(actor, perm, fields)
        if scope is None:
            continue
        rule |= Q(**{f"{fields.level}__in": OPEN_LEVELS}) & scope
        if perm == CLEARANCE:
            rule |= Q(**{f"{fields.level}__in": RESTRICTED_LEVELS}) & scope
        elif cleared is not None:
            rule |= Q(**{f"{fields.level}__in": RESTRICTED_LEVELS}) & scope & cleared
    return rule
