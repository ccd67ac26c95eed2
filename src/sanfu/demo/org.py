"""The demo organisation (``sanfu demo``): a group, a power plant with about 150 people in a three-level
department tree, and a small maintenance subsidiary — leaders, heads, secretaries, concurrent posts,
role grants and readable sign-ins.

Idempotent: units, positions and departments are keyed by code, people by employee number; whatever
already exists is left as it is, so a second run changes nothing. Names are drawn from a seeded random
generator, so every database gets the same people.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from sanfu.accounts.bootstrap import ADMIN_ROLES, ensure_admins
from sanfu.accounts.models import Role, RoleGrant, User
from sanfu.core.audit import audit_record
from sanfu.org.models import (
    CalendarDay,
    DayKind,
    Department,
    Position,
    Post,
    PostRole,
    Rank,
    Secretary,
    Staff,
    Unit,
    mobile_index,
)
from sanfu.org.pinyin import name_keys
from sanfu.org.services import department_create

DEMO_PASSWORD = "Sanfu@2026"  # noqa: S105  # printed on purpose: demo data only
MAIN_UNIT_CODE = "ggfd"
PROCESS_ADMIN = "flowadmin"  # the demo's 流程管理员 (designer, monitor, 离职交接 of flows), with TOTP
SignIn = tuple[str, str, str, str]  # 角色, 用户名, 姓名, 密码

# --- Units -------------------------------------------------------------------------------------------

# code, name, short name, parent code, sort
UNITS: list[tuple[str, str, str, str | None, int]] = [
    ("group", "华南能源集团", "华南能源", None, 1),
    (MAIN_UNIT_CODE, "贵港发电有限公司", "贵港发电", "group", 1),
    ("ggjx", "贵港发电检修分公司", "贵港检修", MAIN_UNIT_CODE, 1),
]

# --- Positions (岗位), the same catalogue in every unit that has staff ---------------------------------

POSITIONS: dict[str, str] = {
    "zjl": "总经理",
    "fzjl": "副总经理",
    "zgcs": "总工程师",
    "jwsj": "纪委书记",
    "jl": "经理",
    "fjl": "副经理",
    "zr": "主任",
    "fzr": "副主任",
    "fzx": "副主席",
    "kz": "科长",
    "zuz": "组长",
    "bz": "班长",
    "zhz": "值长",
    "zz": "专责",
    "ms": "秘书",
    "ws": "文书",
    "kj": "会计",
    "cn": "出纳",
    "sj": "驾驶员",
    "jsy": "技术员",
    "jxg": "检修工",
    "zby": "值班员",
}

# --- Departments ------------------------------------------------------------------------------------

# code, name, parent code, leader in charge (a seat ``ref``)
MAIN_DEPARTMENTS: list[tuple[str, str, str | None, str | None]] = [
    ("leaders", "公司领导", None, None),
    ("office", "办公室", None, "gm"),
    ("office-ws", "文秘科", "office", None),
    ("office-xz", "行政科", "office", None),
    ("hr", "人力资源部", None, "gm"),
    ("finance", "财务部", None, "deputy3"),
    ("marketing", "计划营销部", None, "deputy3"),
    ("production", "安全生产部", None, "deputy1"),
    ("safety", "安全监察部", None, "deputy2"),
    ("equipment", "设备部", None, "deputy2"),
    ("eq-elec", "电气专业组", "equipment", None),
    ("eq-relay", "继电保护班", "eq-elec", None),
    ("eq-primary", "电气一次班", "eq-elec", None),
    ("eq-boiler", "锅炉专业组", "equipment", None),
    ("eq-boiler-body", "锅炉本体班", "eq-boiler", None),
    ("eq-turbine", "汽机专业组", "equipment", None),
    ("operation", "运行部", None, "deputy1"),
    ("op-1", "集控一值", "operation", None),
    ("op-2", "集控二值", "operation", None),
    ("op-3", "集控三值", "operation", None),
    ("party", "党建工作部", None, "deputy4"),
    ("discipline", "纪委办公室", None, "deputy4"),
    ("union", "工会", None, "deputy4"),
    ("fuel", "燃料部", None, "deputy3"),
    ("fuel-ops", "燃料运行班", "fuel", None),
]

SUB_DEPARTMENTS: list[tuple[str, str, str | None, str | None]] = [
    ("leaders", "公司领导", None, None),
    ("general", "综合部", None, "jx-gm"),
    ("electrical", "电气检修部", None, "jx-deputy"),
    ("mechanical", "机务检修部", None, "jx-deputy"),
    ("quality", "安全质量部", None, "jx-gm"),
]


@dataclass(frozen=True)
class Seat:
    """One or more people sitting in the same kind of post."""

    dept: str
    position: str
    role: str = PostRole.MEMBER
    rank: int = Rank.STAFF
    count: int = 1
    ref: str = ""  # how other parts of the seed refer to the (first) person
    login: str = ""  # a readable username for the (first) person
    title: str = ""  # 职务; by default the department and position ("办公室主任") for heads and deputies


def _team(
    dept: str,
    members: int,
    *,
    member_position: str = "zz",
    deputies: int = 1,
    head_position: str = "zr",
    head_ref: str = "",
    head_login: str = "",
) -> list[Seat]:
    """A top-level department: a head (部门正职), deputies (部门副职) and members."""
    seats = [Seat(dept, head_position, PostRole.HEAD, Rank.HEAD, ref=head_ref, login=head_login)]
    if deputies:
        seats.append(Seat(dept, "fzr", PostRole.DEPUTY, Rank.DEPUTY_HEAD, count=deputies))
    seats.append(Seat(dept, member_position, count=members))
    return seats


def _section(dept: str, head_position: str, member_position: str, members: int) -> list[Seat]:
    """A section, group, shift or team (科/组/值/班): its head is a supervisor (主管)."""
    return [
        Seat(dept, head_position, PostRole.HEAD, Rank.SUPERVISOR),
        Seat(dept, member_position, count=members),
    ]


MAIN_SEATS: list[Seat] = [
    Seat("leaders", "zjl", PostRole.HEAD, Rank.LEADER, ref="gm", login="gm", title="总经理"),
    Seat("leaders", "fzjl", PostRole.DEPUTY, Rank.DEPUTY_LEADER, ref="deputy1", login="deputy1", title="副总经理"),
    Seat("leaders", "zgcs", PostRole.DEPUTY, Rank.DEPUTY_LEADER, ref="deputy2", login="deputy2", title="总工程师"),
    Seat("leaders", "fzjl", PostRole.DEPUTY, Rank.DEPUTY_LEADER, ref="deputy3", login="deputy3", title="副总经理"),
    Seat("leaders", "jwsj", PostRole.DEPUTY, Rank.DEPUTY_LEADER, ref="deputy4", login="deputy4", title="纪委书记"),
    *_team("office", 2, head_ref="office_head", head_login="office_head"),
    Seat("office-ws", "kz", PostRole.HEAD, Rank.SUPERVISOR),
    Seat("office-ws", "ms", ref="secretary", login="secretary"),
    Seat("office-ws", "ms", count=2, ref="secretary2"),
    Seat("office-ws", "ws", ref="clerk", login="clerk"),
    Seat("office-ws", "ws", ref="clerk2"),
    *_section("office-xz", "kz", "zz", 4),
    Seat("office-xz", "sj", count=2),
    *_team("hr", 0, head_ref="hr_head"),
    Seat("hr", "zz", ref="hr", login="hr"),
    Seat("hr", "zz", count=3),
    *_team("finance", 4, member_position="kj", head_ref="finance_head", head_login="finance_head"),
    Seat("finance", "cn"),
    *_team("marketing", 5),
    *_team("production", 7, deputies=2, head_ref="production_head"),
    *_team("safety", 5),
    *_team("equipment", 2, deputies=2),
    *_section("eq-elec", "zuz", "jsy", 3),
    Seat("eq-relay", "bz", PostRole.HEAD, Rank.SUPERVISOR),
    Seat("eq-relay", "jxg", ref="staff", login="staff"),
    Seat("eq-relay", "jxg", count=3),
    *_section("eq-primary", "bz", "jxg", 4),
    *_section("eq-boiler", "zuz", "jsy", 3),
    *_section("eq-boiler-body", "bz", "jxg", 5),
    *_section("eq-turbine", "zuz", "jsy", 5),
    *_team("operation", 2, deputies=2),
    *_section("op-1", "zhz", "zby", 8),
    *_section("op-2", "zhz", "zby", 8),
    *_section("op-3", "zhz", "zby", 8),
    *_team("party", 3, deputies=0, head_ref="party_head"),
    *_team("discipline", 2, deputies=0),
    *_team("union", 2, deputies=0, head_position="fzx"),
    *_team("fuel", 3),
    *_section("fuel-ops", "bz", "zby", 8),
]

SUB_SEATS: list[Seat] = [
    Seat("leaders", "jl", PostRole.HEAD, Rank.LEADER, ref="jx-gm", title="经理"),
    Seat("leaders", "fjl", PostRole.DEPUTY, Rank.DEPUTY_LEADER, ref="jx-deputy", title="副经理"),
    *_team("general", 1, deputies=0),
    *_team("electrical", 2, member_position="jxg", deputies=0),
    *_team("mechanical", 2, member_position="jxg", deputies=0),
    *_team("quality", 0, deputies=0),
]

# 兼职: (person ref, department code, position code, role) in the main unit
CONCURRENT_POSTS: list[tuple[str, str, str, str]] = [
    ("party_head", "discipline", "fzr", PostRole.DEPUTY),  # 党建工作部主任兼纪委办公室副主任
    ("hr_head", "party", "zz", PostRole.MEMBER),  # 人力资源部主任兼做党建工作部的组织工作
    ("production_head", "safety", "zz", PostRole.MEMBER),  # 安全生产部主任兼安全监察专责
]

# 秘书: (secretary ref, [leader refs])
SECRETARIES: list[tuple[str, list[str]]] = [
    ("secretary", ["gm"]),
    ("secretary2", ["deputy1", "deputy2"]),
    ("secretary2#2", ["deputy3", "deputy4"]),
]

# The sign-ins a visitor will try first: (ref, what to call them)
READABLE_SIGN_INS: list[tuple[str, str]] = [
    ("gm", "总经理"),
    ("deputy1", "副总经理（分管生产）"),
    ("deputy2", "总工程师（分管设备、安监）"),
    ("deputy3", "副总经理（分管经营）"),
    ("deputy4", "纪委书记"),
    ("office_head", "办公室主任"),
    ("secretary", "总经理秘书"),
    ("clerk", "办公室文书（收发文）"),
    ("finance_head", "财务部主任"),
    ("hr", "人力资源部人事专员"),
    ("staff", "普通员工（继电保护班）"),
]

# --- Names --------------------------------------------------------------------------------------------

# Common surnames, with the ones frequent in Guangxi (韦, 覃, 蒙, 莫, 黎, 陆, 农, 甘) among them.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
    "韦覃蒙莫黎陆农甘卢廖钟谭"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力永健世广志义兴良海山仁波宁贵福生龙元全"
    "国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松"
    "善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛"
    "雄琛钧冠策腾楠榕风航弘秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香"
    "月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦"
)


def _names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct Chinese names (surname + one or two characters), the same for the same ``rng``."""
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        given = rng.choice(GIVEN_CHARS)
        if rng.random() < 0.7:
            second = rng.choice(GIVEN_CHARS)
            if second == given:
                continue
            given += second
        name = rng.choice(SURNAMES) + given
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "177", "186", "187")


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


# --- Seeding ------------------------------------------------------------------------------------------


@dataclass
class _Counts:
    units: int = 0
    departments: int = 0
    people: int = 0
    posts: int = 0
    secretaries: int = 0
    grants: int = 0

    def any(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class _Person:
    """One person as planned (before looking at the database)."""

    employee_no: str
    username: str
    full_name: str
    mobile: str
    seat: Seat
    ref: str


def _plan(seats: Sequence[Seat], *, prefix: str, rng: random.Random) -> list[_Person]:
    """Number the people in ``seats`` and give each a name, a mobile and a username; deterministic."""
    total = sum(seat.count for seat in seats)
    names = _names(rng, total)
    people: list[_Person] = []
    for seat in seats:
        for i in range(seat.count):
            number = len(people) + 1
            employee_no = f"{prefix}{number:04d}"
            ref = seat.ref if i == 0 else (f"{seat.ref}#{i + 1}" if seat.ref else "")
            username = seat.login if (i == 0 and seat.login) else employee_no.lower()
            people.append(_Person(employee_no, username, names[number - 1], _mobile(rng), seat, ref))
    return people


def _ensure_unit(code: str, name: str, short_name: str, *, parent: Unit | None, sort: int, counts: _Counts) -> Unit:
    unit, created = Unit.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short_name,
            "parent": parent,
            "level": (parent.level + 1) if parent else 1,
            "sort": sort,
        },
    )
    counts.units += int(created)
    return unit


def _ensure_positions(unit: Unit) -> dict[str, Position]:
    existing = {p.code: p for p in Position.objects.filter(unit=unit)}
    for code, name in POSITIONS.items():
        if code not in existing:
            existing[code] = Position.objects.create(unit=unit, code=code, name=name)
    return existing


def _ensure_departments(
    unit: Unit, spec: Sequence[tuple[str, str, str | None, str | None]], counts: _Counts
) -> dict[str, Department]:
    depts = {d.code: d for d in Department.objects.filter(unit=unit)}
    for sort, (code, name, parent_code, _leader) in enumerate(spec, start=1):
        if code in depts:
            continue
        parent = depts[parent_code] if parent_code else None
        depts[code] = department_create(unit=unit, code=code, name=name, parent=parent, sort=sort)
        counts.departments += 1
    return depts


def _ensure_people(
    unit: Unit,
    people: Sequence[_Person],
    depts: dict[str, Department],
    positions: dict[str, Position],
    *,
    password_hash: str,
    counts: _Counts,
) -> dict[str, User]:
    """Create whoever is missing; return ``{ref: user}`` for everyone with a ref (new or old)."""
    existing = {
        s.employee_no: s.user
        for s in Staff.objects.select_related("user").filter(employee_no__in=[p.employee_no for p in people])
    }
    taken = set(User.objects.filter(username__in=[p.username for p in people]).values_list("username", flat=True))
    now = timezone.now()
    # Three INSERTs for everyone missing, not three per person: the demo organisation is also every
    # service test's fixture, seeded hundreds of times a run.
    missing: list[tuple[_Person, User]] = []
    for person in people:
        if person.employee_no in existing:
            continue
        username = person.username
        if username in taken:  # someone already uses the readable name: fall back to the number
            username = person.employee_no.lower()
        taken.add(username)
        user = User(
            username=username,
            full_name=person.full_name,
            password=password_hash,
            must_change_password=False,
            password_changed_at=now,
        )
        missing.append((person, user))
    User.objects.bulk_create([user for _person, user in missing])
    staff_rows: list[Staff] = []
    post_rows: list[Post] = []
    for person, user in missing:
        seat = person.seat
        dept = depts[seat.dept]
        position = positions[seat.position]
        if seat.title:
            title = seat.title
        elif seat.role in (PostRole.HEAD, PostRole.DEPUTY):
            title = f"{dept.name}{position.name}"
        else:
            title = position.name
        pinyin, initials = name_keys(user.display_name)  # what Staff.save would compute, bulk_create skips it
        staff = Staff(
            user=user,
            unit=unit,
            employee_no=person.employee_no,
            rank=seat.rank,
            mobile=person.mobile,
            mobile_index=mobile_index(person.mobile),  # the 通讯录's search by number; Staff.save would set it
            title=title,
            name_pinyin=pinyin,
            name_initials=initials,
        )
        staff_rows.append(staff)
        post_rows.append(Post(staff=staff, department=dept, position=position, role=seat.role, is_primary=True))
        existing[person.employee_no] = user
    Staff.objects.bulk_create(staff_rows)
    Post.objects.bulk_create(post_rows)
    counts.people += len(missing)
    counts.posts += len(missing)
    return {person.ref: existing[person.employee_no] for person in people if person.ref}


def _ensure_leaders_in_charge(
    depts: dict[str, Department], spec: Sequence[tuple[str, str, str | None, str | None]], by_ref: dict[str, User]
) -> None:
    for code, _name, _parent, leader_ref in spec:
        dept = depts[code]
        if leader_ref and dept.leader_in_charge_id is None:
            dept.leader_in_charge = by_ref[leader_ref]
            dept.save(update_fields=["leader_in_charge"])


def _grant_all(wanted: Sequence[tuple[User, Role]], unit: Unit, counts: _Counts) -> None:
    """Grant each (user, role) in ``unit`` unless granted already, in one INSERT."""
    have = set(RoleGrant.objects.filter(unit=unit, user__in=[u for u, _r in wanted]).values_list("user_id", "role_id"))
    new = [
        RoleGrant(user=user, role=role, unit=unit, admin_kind=role.admin_kind)  # as RoleGrant.save would set it
        for user, role in dict.fromkeys(wanted)
        if (user.pk, role.pk) not in have
    ]
    RoleGrant.objects.bulk_create(new)
    counts.grants += len(new)


def seed_demo(*, stdout: TextIO | Any = None) -> list[SignIn]:
    """Create the demo organisation (whatever of it is missing); return the sign-ins to show.

    Each row is (角色, 用户名, 姓名, 密码). Every demo account has the password ``DEMO_PASSWORD`` and does
    not have to change it; the three administrators and the 流程管理员 still enrol a TOTP authenticator at
    first sign-in.
    """
    counts = _Counts()
    with transaction.atomic():
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: every demo account shares it
        created_admins = {username for username, _raw in ensure_admins(password=DEMO_PASSWORD, must_change=False)}
        roles = {
            r.code: r
            for r in Role.objects.filter(code__in=["leader", "dept-head", "clerk", "hr-officer", "process-admin"])
        }

        units: dict[str, Unit] = {}
        for code, name, short_name, parent_code, sort in UNITS:
            units[code] = _ensure_unit(
                code, name, short_name, parent=units[parent_code] if parent_code else None, sort=sort, counts=counts
            )

        # The main unit and the maintenance subsidiary, each from its own seeded generator.
        main = units[MAIN_UNIT_CODE]
        plans = [
            (main, MAIN_DEPARTMENTS, MAIN_SEATS, "GG", 2026),
            (units["ggjx"], SUB_DEPARTMENTS, SUB_SEATS, "JX", 2027),
        ]
        built: dict[str, tuple[dict[str, Department], dict[str, Position], dict[str, User]]] = {}
        for unit, dept_spec, seats, prefix, seed in plans:
            positions = _ensure_positions(unit)
            depts = _ensure_departments(unit, dept_spec, counts)
            people = _plan(seats, prefix=prefix, rng=random.Random(seed))
            by_ref = _ensure_people(unit, people, depts, positions, password_hash=password_hash, counts=counts)
            _ensure_leaders_in_charge(depts, dept_spec, by_ref)
            built[unit.code] = (depts, positions, by_ref)
        main_depts, main_positions, refs = built[MAIN_UNIT_CODE]

        # 兼职
        for ref, dept_code, position_code, role in CONCURRENT_POSTS:
            staff = Staff.objects.get(user=refs[ref])
            _post, created = Post.objects.get_or_create(
                staff=staff,
                department=main_depts[dept_code],
                defaults={"position": main_positions[position_code], "role": role, "is_primary": False},
            )
            counts.posts += int(created)

        # 秘书
        for secretary_ref, leader_refs in SECRETARIES:
            for leader_ref in leader_refs:
                _row, created = Secretary.objects.get_or_create(secretary=refs[secretary_ref], leader=refs[leader_ref])
                counts.secretaries += int(created)

        # Roles: company leaders, heads of top-level departments, the office's clerks, one HR officer.
        wanted = [(refs[ref], roles["leader"]) for ref in ["gm", "deputy1", "deputy2", "deputy3", "deputy4"]]
        head_posts = Post.objects.filter(
            department__unit=main,
            department__parent__isnull=True,
            role=PostRole.HEAD,
            is_primary=True,
            staff__rank=Rank.HEAD,
        ).select_related("staff__user")
        wanted += [(post.staff.user, roles["dept-head"]) for post in head_posts]
        wanted += [(refs[ref], roles["clerk"]) for ref in ["clerk", "clerk2"]]
        wanted.append((refs["hr"], roles["hr-officer"]))
        # 流程管理员: an account of its own, not a business user's extra role — it signs in with TOTP (ID-4).
        wanted.append((_ensure_process_admin(password_hash, counts), roles["process-admin"]))
        _grant_all(wanted, main, counts)

        # One administrator-entered day: the statutory package stops at 2026.
        _day, created = CalendarDay.objects.get_or_create(
            date=date(2027, 1, 1), defaults={"kind": DayKind.HOLIDAY, "note": "元旦"}
        )

        if counts.any() or created or created_admins:
            audit_record(action="org.demo_seed", actor_name="sanfu demo", target=f"unit:{main.pk}", detail=vars(counts))

        rows = _sign_ins(refs, created_admins)

    if stdout is not None:
        if counts.any() or created_admins:
            stdout.write(
                f"已创建：单位 {counts.units}，部门 {counts.departments}，人员 {counts.people}，任职 {counts.posts}，"
                f"秘书关系 {counts.secretaries}，角色授权 {counts.grants}，管理员 {len(created_admins)}。\n"
            )
        else:
            stdout.write("演示数据已存在，未作任何修改。\n")
    return rows


def _ensure_process_admin(password_hash: str, counts: _Counts) -> User:
    """The demo's 流程管理员 (``PROCESS_ADMIN``): an account without a staff record, like the three
    administrators; it enrols a TOTP authenticator at its first sign-in."""
    user, created = User.objects.get_or_create(
        username=PROCESS_ADMIN,
        defaults={
            "full_name": "流程管理员",
            "password": password_hash,
            "password_changed_at": timezone.now(),
            "must_change_password": False,
        },
    )
    counts.people += int(created)
    return user


def _sign_ins(refs: dict[str, User], created_admins: set[str]) -> list[SignIn]:
    rows: list[SignIn] = []
    for kind, (_code, name, _desc) in ADMIN_ROLES.items():
        grant = RoleGrant.objects.select_related("user").filter(admin_kind=kind).first()
        if grant is None:
            continue
        user = grant.user
        known = user.username in created_admins or user.check_password(DEMO_PASSWORD)
        rows.append((name, user.username, user.full_name, DEMO_PASSWORD if known else "（已有账户，密码未变）"))
    flow_admin = User.objects.get(username=PROCESS_ADMIN)
    rows.append(("流程管理员", flow_admin.username, flow_admin.full_name, DEMO_PASSWORD))
    for ref, label in READABLE_SIGN_INS:
        user = refs[ref]
        rows.append((label, user.username, user.full_name, DEMO_PASSWORD))
    return rows
