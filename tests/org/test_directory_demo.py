"""The demo's 通讯录: every person of the main unit has an office and a desk phone, an employee finds the general
manager by the initials of his name, and the GM's mobile is for his secretary, the office and HR only."""

from __future__ import annotations

import pytest

from sanfu.accounts.models import User
from sanfu.demo.directory import seed_directory
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.org.models import Staff

pytestmark = pytest.mark.django_db


def test_the_demo_directory_is_searched_by_initials_and_keeps_the_gms_mobile_private(login):
    seed_demo()
    filled = seed_directory()
    main = Staff.objects.filter(unit__code=MAIN_UNIT_CODE)
    assert filled == main.count() > 100
    assert not main.filter(office="").exists()
    assert not main.filter(office_phone="").exists()
    assert seed_directory() == 0  # a second run changes nothing

    gm = Staff.objects.select_related("user").get(user__username="gm")
    initials = gm.name_initials.split()[0]
    people = {u.username: u for u in User.objects.filter(username__in=["staff", "secretary", "clerk", "hr"])}
    found = login(people["staff"]).get("/org/", {"q": initials}, HTTP_HX_REQUEST="true").content.decode()
    assert gm.user.display_name in found
    assert f"/org/people/{gm.user_id}/" in found
    card = login(people["staff"]).get(f"/org/people/{gm.user_id}/").content.decode()
    assert gm.office in card
    assert "—（不公开）" in card
    assert gm.mobile not in card
    for name in ("secretary", "clerk", "hr"):
        assert gm.mobile in login(people[name]).get(f"/org/people/{gm.user_id}/").content.decode(), name
