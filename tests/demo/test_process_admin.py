"""The demo's 流程管理员 is an account of its own (``flowadmin``), not a business user's extra role: process
administrators sign in with TOTP (ID-4), and the people the demo is shown with (办公室主任 among them) do not.
Who manages processes in the whole demo, and what the command prints: tests/demo/test_command.py."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from sanfu.accounts.middleware import second_factor_required
from sanfu.accounts.models import User
from sanfu.accounts.permissions import Perm
from sanfu.accounts.selectors import data_scope_for, has_perm
from sanfu.demo.org import DEMO_PASSWORD, MAIN_UNIT_CODE, PROCESS_ADMIN, seed_demo
from sanfu.org.models import Unit


def test_the_process_administrator_is_flowadmin_of_the_main_unit(db):
    rows = {row[1]: row for row in seed_demo()}
    admin = User.objects.get(username=PROCESS_ADMIN)
    assert rows[PROCESS_ADMIN] == ("流程管理员", PROCESS_ADMIN, "流程管理员", DEMO_PASSWORD)
    assert has_perm(admin, Perm.MANAGE_PROCESSES)
    assert data_scope_for(admin, Perm.MANAGE_PROCESSES) == ("unit", [Unit.objects.get(code=MAIN_UNIT_CODE).pk])
    assert second_factor_required(admin)


def test_flowadmin_enrols_a_second_factor_at_sign_in(db):
    seed_demo()
    client = Client()
    client.post(reverse("accounts:login"), {"username": PROCESS_ADMIN, "password": DEMO_PASSWORD})
    response = client.get(reverse("approvals:monitor"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
