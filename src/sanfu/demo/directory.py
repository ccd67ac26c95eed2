"""Demo 通讯录 (``sanfu demo``): an office room and a desk phone for every person of the main unit who has
neither — one floor of the office building per top-level department, a room for every four people, a desk phone
per room. Idempotent: people who already have an office or a phone are left as they are."""

from __future__ import annotations

from typing import Any, TextIO

from sanfu.demo.org import MAIN_UNIT_CODE
from sanfu.org.models import Post, Staff

PEOPLE_PER_ROOM = 4
FLOORS = 12


def seed_directory(*, stdout: TextIO | Any = None) -> int:
    """Fill the offices and desk phones of the main unit's people; returns how many were filled."""
    posts = (
        Post.objects.filter(is_primary=True, staff__unit__code=MAIN_UNIT_CODE, staff__office="", staff__office_phone="")
        .select_related("staff", "department")
        .order_by("department__path", "-staff__rank", "staff__employee_no")
    )
    floors: dict[str, int] = {}
    seats: dict[int, int] = {}
    filled: list[Staff] = []
    for post in posts:
        top = post.department.path.strip("/").split("/")[0]
        floor = floors.setdefault(top, len(floors) % FLOORS + 1)
        seat = seats.get(floor, 0)
        seats[floor] = seat + 1
        room = seat // PEOPLE_PER_ROOM + 1
        staff = post.staff
        staff.office = f"综合楼 {floor}{room:02d} 室"
        staff.office_phone = f"0571-8{floor:03d} {room:04d}"
        filled.append(staff)
    Staff.objects.bulk_update(filled, ["office", "office_phone"], batch_size=500)
    if stdout is not None and filled:
        stdout.write(f"通讯录：{len(filled)} 人的办公室和办公电话\n")
    return len(filled)
