"""通讯录: the staff directory's reads and files — the search, a person's card, who may see a mobile number, and
the office's exports (Excel, vCard 3.0).

Who sees a mobile number (the one rule the list, the card and both exports apply, through ``MobileRule``):

- everyone sees their own;
- the office and HR (``SANFU_DIRECTORY_OFFICE_ROLES``, by default the roles ``clerk`` 办公室文秘 and ``hr-officer``
  人事专员) see every number of the units their grant covers (a grant without a unit: their own unit) — they keep
  the directory and call people on the company's behalf;
- the number of a person at or above ``SANFU_DIRECTORY_HIDE_MOBILE_FROM_RANK`` (by default 公司副职, the
  company's leaders) is shown besides only to their secretaries (``Secretary``): not to other leaders, nor to
  a data scope, however wide;
- any other person's number is shown within the viewer's ``Perm.VIEW_STAFF_DETAIL`` data scope (数据范围),
  as the directory always did.

Everyone else reads "—（不公开）". Office room, office phone and e-mail are work details and shown to everyone
who sees the directory. The mobile is encrypted at rest (``core.crypto``); the search finds a person by a whole
mobile number through its keyed blind index (``org.models.mobile_index``), and only a person whose mobile the
searcher may read by this rule: anyone else is not found by their mobile at all, so the search cannot be used
to learn whose a hidden number is.

The exports are the office's: ``may_export`` (the same office roles, for the unit exported); each is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.db.models import F, Func, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from sanfu.accounts.models import RoleGrant, User
from sanfu.core import lookups, xlsx
from sanfu.core.audit import audit_record
from sanfu.core.errors import NotFoundError, PermissionDeniedError
from sanfu.core.params import MAX_ID
from sanfu.org.models import (
    Department,
    Post,
    PostRole,
    Rank,
    Secretary,
    Staff,
    Unit,
    is_full_mobile,
    mobile_digits,
    mobile_index_candidates,
)
from sanfu.org.people_search import QUERY_MAX_LENGTH, name_match
from sanfu.org.selectors import active_delegations, staff_of, visible_staff

DEFAULT_OFFICE_ROLES = ("clerk", "hr-officer")
_SEARCHABLE = re.compile(r"\w")  # a query with no letter, digit or 汉字 finds nobody and says why


def hide_mobile_from_rank() -> int:
    """The rank from which a mobile is shown only to the person, their secretaries and the office."""
    return int(getattr(settings, "SANFU_DIRECTORY_HIDE_MOBILE_FROM_RANK", Rank.DEPUTY_LEADER))


def office_role_codes() -> tuple[str, ...]:
    """The roles that keep the directory (the office, HR)."""
    return tuple(getattr(settings, "SANFU_DIRECTORY_OFFICE_ROLES", DEFAULT_OFFICE_ROLES))


def hidden_label() -> str:
    return _("—（不公开）")


def office_units(actor: User) -> frozenset[int]:
    """The units whose directory ``actor`` keeps: grants of an office role (none for an administrator)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return frozenset()
    grants = RoleGrant.objects.filter(
        user_id=actor.pk, role__code__in=office_role_codes(), role__admin_kind__isnull=True
    ).values_list("unit_id", flat=True)
    units: set[int] = set()
    for unit_id in grants:
        if unit_id is None:
            home = staff_of(actor)
            if home is not None:
                units.add(home.unit_id)
        else:
            units.add(unit_id)
    return frozenset(units)


def may_export(actor: User, unit_id: int) -> bool:
    """Whether ``actor`` may export the directory of ``unit_id`` (Excel, a department's vCards)."""
    return unit_id in office_units(actor)


@dataclass(frozen=True)
class MobileRule:
    """What one viewer may see of the mobiles of a given set of people (see the module's docstring)."""

    viewer_id: int
    office_units: frozenset[int]
    serves: frozenset[int]  # the accounts of the leaders the viewer is secretary to
    in_scope: frozenset[int]  # Staff rows within the viewer's data scope, among those asked about
    from_rank: int

    def shows(self, staff: Staff) -> bool:
        if staff.user_id == self.viewer_id or staff.unit_id in self.office_units:
            return True
        if staff.rank >= self.from_rank:
            return staff.user_id in self.serves
        return staff.pk in self.in_scope

    def mobile(self, staff: Staff) -> str | None:
        """The number as the viewer may read it: ``None`` when it is hidden, "" when there is none."""
        return staff.mobile if self.shows(staff) else None


def mobile_rule(viewer: User, people: Iterable[Staff]) -> MobileRule:
    """The rule for ``viewer`` over ``people`` (three or four queries, however many people)."""
    ids = [s.pk for s in people]
    in_scope = set(visible_staff(viewer).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    serves = set(Secretary.objects.filter(secretary_id=viewer.pk).values_list("leader_id", flat=True))
    return MobileRule(viewer.pk, office_units(viewer), frozenset(serves), frozenset(in_scope), hide_mobile_from_rank())


# --- search ---------------------------------------------------------------------------------------------------


@dataclass
class Search:
    """The directory's people for a unit, a department (with its sub-departments) and a query."""

    staff: QuerySet[Staff]
    message: str = ""  # why a query found nobody before it was run (too long, nothing to search by)


def _people() -> QuerySet[Staff]:
    posts = Post.objects.select_related("department", "position")
    return Staff.objects.select_related("user").prefetch_related(Prefetch("posts", queryset=posts))


PHONE_DIGITS_MIN = 4  # fewer digits than this match too many numbers to be a phone search
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]+")


def _digits_of(field_name: str) -> Func:
    """The column without the separators people type in phone numbers (spaces, hyphens, brackets)."""
    expression: Any = F(field_name)
    for separator in (" ", "-", "(", ")", "（", "）"):
        expression = Replace(expression, Value(separator), Value(""))
    return cast(Func, expression)


def _mobile_owners(viewer: User, unit_id: int, digits: str) -> list[int]:
    """The staff of ``unit_id`` whose mobile is ``digits`` and whose mobile ``viewer`` may read (``MobileRule``):
    one query by the blind index, then the rule's own, only when the query is a whole mobile number."""
    candidates = list(
        Staff.objects.filter(unit_id=unit_id, mobile_index__in=mobile_index_candidates(digits)).only(
            "pk", "user_id", "unit_id", "rank"
        )
    )
    if not candidates:
        return []
    rule = mobile_rule(viewer, candidates)
    return [s.pk for s in candidates if rule.shows(s)]


def directory_search(
    *, unit_id: int, department: Department | None = None, query: str = "", viewer: User | None = None
) -> Search:
    """Staff of ``unit_id`` (under ``department`` when given) matching ``query`` by name, pinyin in full or by
    initials, 工号, account name, 职务 or office phone (as typed, or its digits alone), or — for a ``viewer``
    and a whole mobile number — by mobile, among those whose mobile the viewer may read; best matches first. A
    query longer than ``QUERY_MAX_LENGTH`` or without anything to search by finds nobody, with a message saying
    why."""
    people = _people().filter(unit_id=unit_id)
    if department is not None:
        people = people.filter(posts__department__path__startswith=department.path).distinct()
    text = query.strip()
    if len(text) > QUERY_MAX_LENGTH:
        message = _("搜索内容过长，请不超过 %(n)d 个字符。") % {"n": QUERY_MAX_LENGTH}
        return Search(people.none(), message)
    if text and not _SEARCHABLE.search(text):
        return Search(people.none(), _("请输入姓名、拼音或首字母、工号、职务或办公电话。"))
    if not text:
        return Search(people.order_by("-rank", "employee_no"))
    match = name_match(text)
    matches = match.matches | Q(title__icontains=text) | Q(office_phone__icontains=text)
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.isdigit() and len(digits) >= PHONE_DIGITS_MIN:  # "87654321" finds "0571-8765 4321"
        people = people.annotate(phone_digits=_digits_of("office_phone"))
        matches |= Q(phone_digits__contains=digits)
    mobile = mobile_digits(text) if digits.lstrip("+").isdigit() else ""
    if viewer is not None and is_full_mobile(mobile):
        owners = _mobile_owners(viewer, unit_id, mobile)
        if owners:
            matches |= Q(pk__in=owners)
    found = people.filter(matches)
    return Search(found.annotate(fit=match.fit()).order_by("fit", "-rank", "name_pinyin", "employee_no"))


# --- the card -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DelegationLine:
    delegate: User
    ends_at: datetime
    matters: str  # "" for every matter


@dataclass
class Card:
    """A person's card: where they work, how to reach them, who acts for them now."""

    staff: Staff
    primary: Post | None
    concurrent: list[Post]
    mobile: str | None  # None: hidden from this viewer
    delegations: list[DelegationLine] = field(default_factory=list)

    @property
    def user(self) -> User:
        return self.staff.user


def person_card(*, viewer: User, user_id: int, at: datetime) -> Card:
    """The card of the person whose account is ``user_id``; ``NotFoundError`` for an account with no staff
    record (the three administrators, a system account). Everyone who sees the directory sees the card; the
    mobile follows ``MobileRule``; the delegations are those active at ``at``."""
    in_range = 1 <= user_id <= MAX_ID  # a key no column holds is nobody (not an overflow in the database)
    staff = _people().select_related("user", "unit").filter(user_id=user_id).first() if in_range else None
    if staff is None:
        raise NotFoundError(_("没有这个人员。"))
    posts = list(staff.posts.all())
    names = dict(lookups.choices("matters"))
    lines = [
        DelegationLine(d.delegate, d.ends_at, "、".join(names.get(code, code) for code in d.matter_types))
        for d in active_delegations(at=at)
        .filter(principal_id=user_id, delegate__is_active=True)
        .select_related("delegate")
        .order_by("ends_at")
    ]
    return Card(
        staff=staff,
        primary=next((p for p in posts if p.is_primary), None),
        concurrent=[p for p in posts if not p.is_primary],
        mobile=mobile_rule(viewer, [staff]).mobile(staff),
        delegations=lines,
    )


# --- exports --------------------------------------------------------------------------------------------------


def excel_header() -> list[str]:
    return [
        _("部门"),
        _("姓名"),
        _("工号"),
        _("职务"),
        _("岗位"),
        _("任职"),
        _("办公室"),
        _("办公电话"),
        _("手机"),
        _("邮箱"),
    ]


def _export_people(actor: User, unit_id: int, department: Department | None) -> tuple[Unit, list[Staff]]:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not may_export(actor, unit.pk):
        raise PermissionDeniedError(_("只有本单位的办公室和人事人员可以导出通讯录。"))
    if department is not None and department.unit_id != unit.pk:
        raise NotFoundError(_("没有这个部门。"))
    people = directory_search(unit_id=unit.pk, department=department).staff
    xlsx.require_within_limit(people.count())
    return unit, list(people.select_related("unit"))


def _post_label(post: Post) -> str:
    role = {PostRole.HEAD: _("负责人"), PostRole.DEPUTY: _("副职")}.get(PostRole(post.role), "")
    kind = _("主职") if post.is_primary else _("兼职")
    return f"{kind}·{role}" if role else kind


def directory_workbook(*, actor: User, unit_id: int, department: Department | None = None, ip: str = "") -> bytes:
    """The directory of a unit (or a department and its sub-departments) as Excel: one row per post, the
    concurrent ones (兼职) marked, mobiles as ``MobileRule`` lets ``actor`` read them. Audited."""
    unit, people = _export_people(actor, unit_id, department)
    rule = mobile_rule(actor, people)
    hidden = hidden_label()
    rows: list[list[Any]] = []
    for staff in people:
        mobile = rule.mobile(staff)
        for post in staff.posts.all():
            if department is not None and not post.department.path.startswith(department.path):
                continue
            rows.append(
                [
                    post.department.name,
                    staff.user.display_name,
                    staff.employee_no,
                    staff.title,
                    post.position.name if post.position else "",
                    _post_label(post),
                    staff.office,
                    staff.office_phone,
                    hidden if mobile is None else mobile,
                    staff.user.email,
                ]
            )
    content = xlsx.workbook(xlsx.Sheet(_("通讯录"), excel_header(), rows))
    _audit(actor, "org.directory_export", unit, department=department, ip=ip, count=len(people))
    return content


def _audit(actor: User, action: str, unit: Unit, *, department: Department | None, ip: str, count: int) -> None:
    audit_record(
        action=action,
        actor=actor,
        target=f"unit:{unit.pk}",
        ip_address=ip,
        detail={"unit": unit.code, "department": department.code if department else "", "people": count},
    )


# --- vCard 3.0 (RFC 2426) -------------------------------------------------------------------------------------

# Two-character surnames (复姓) that split a name differently from the usual one character.
_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "夏侯",
        "长孙",
        "宇文",
        "司徒",
        "司空",
        "澹台",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
    ]
)
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,5}$")
_LINE_OCTETS = 75


def vcard_escape(value: str) -> str:
    """A text value as vCard 3.0 writes it: backslash, comma and semicolon escaped, line breaks as ``\\n``."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """A content line folded at 75 octets (a CRLF and a space), never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size, limit = "", 0, _LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, _LINE_OCTETS - 1  # the leading space of a continuation counts
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a Chinese name (复姓 known); a name in other letters is all given name."""
    name = name.strip()
    if not _HAN.match(name):
        return "", name
    cut = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:cut], name[cut:]


def _vcard(staff: Staff, unit: Unit, mobile: str | None) -> list[str]:
    posts = list(staff.posts.all())
    primary = next((p for p in posts if p.is_primary), posts[0] if posts else None)
    name = staff.user.display_name
    family, given = split_name(name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"N:{vcard_escape(family)};{vcard_escape(given)};;;",
        f"FN:{vcard_escape(name)}",
        "ORG:"
        + ";".join(vcard_escape(part) for part in [unit.name, primary.department.name if primary else ""] if part),
    ]
    if staff.title:
        lines.append(f"TITLE:{vcard_escape(staff.title)}")
    if staff.office_phone:
        lines.append(f"TEL;TYPE=WORK,VOICE:{vcard_escape(staff.office_phone)}")
    if mobile:
        lines.append(f"TEL;TYPE=CELL,VOICE:{vcard_escape(mobile)}")
    if staff.user.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{vcard_escape(staff.user.email)}")
    if staff.office:
        lines.append(f"NOTE:{vcard_escape(_('办公室：') + staff.office)}")
    lines.append("END:VCARD")
    return [_fold(line) for line in lines]


def _vcards(cards: Sequence[list[str]]) -> bytes:
    return "".join("\r\n".join(card) + "\r\n" for card in cards).encode("utf-8")


def person_vcard(*, viewer: User, user_id: int, at: datetime) -> tuple[Card, bytes]:
    """One person's vCard, for anyone who sees their card; the mobile only when the viewer may read it."""
    card = person_card(viewer=viewer, user_id=user_id, at=at)
    return card, _vcards([_vcard(card.staff, card.staff.unit, card.mobile)])


def department_vcards(*, actor: User, unit_id: int, department: Department | None = None, ip: str = "") -> bytes:
    """Every person of a unit or a department (and its sub-departments) in one .vcf, for the office. Audited."""
    unit, people = _export_people(actor, unit_id, department)
    rule = mobile_rule(actor, people)
    content = _vcards([_vcard(staff, unit, rule.mobile(staff)) for staff in people])
    _audit(actor, "org.directory_vcards", unit, department=department, ip=ip, count=len(people))
    return content
