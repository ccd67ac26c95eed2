"""Sessions and passwords: idle and absolute limits (audited), server-side sign-out, forced change at
first sign-in, expiry, and the complexity and history rules with their Chinese messages."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts import services
from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord
from tests.accounts.conftest import sign_in
from tests.conftest import PASSWORD, make_user

HOME = "/"
START = "2026-03-02 09:00 +0800"


def _signed_in(username: str = "zhang", **extra: Any) -> tuple[User, Client]:
    user = make_user(username, **extra)
    client = Client()
    response = sign_in(client, username)
    assert response.status_code == 302
    return user, client


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


# --- idle and absolute limits -------------------------------------------------------------------------


def test_idle_timeout_ends_the_session_and_is_audited(db: None) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        user, client = _signed_in()
        assert client.get(HOME).status_code == 200
        traveller.shift(timedelta(minutes=django_settings.SANFU_SESSION_IDLE_MINUTES - 1))
        assert client.get(HOME).status_code == 200  # activity keeps it alive
        traveller.shift(timedelta(minutes=django_settings.SANFU_SESSION_IDLE_MINUTES + 1))
        response = client.get(HOME)
        assert _is_login_redirect(response)
        assert "_auth_user_id" not in client.session
        assert _is_login_redirect(client.get(HOME))
    expiry = AuditRecord.objects.get(action="session.expire")
    assert expiry.actor_id == user.pk
    assert expiry.detail == {"reason": "idle"}
    # The expiry is not also recorded as a voluntary sign-out.
    assert not AuditRecord.objects.filter(action="auth.logout").exists()


def test_absolute_timeout_ends_an_active_session(db: None) -> None:
    step = timedelta(minutes=django_settings.SANFU_SESSION_IDLE_MINUTES - 5)
    limit = timedelta(hours=django_settings.SANFU_SESSION_ABSOLUTE_HOURS)
    with time_machine.travel(START, tick=False) as traveller:
        user, client = _signed_in()
        assert client.get(HOME).status_code == 200
        elapsed = timedelta(0)
        while elapsed + step < limit:
            traveller.shift(step)
            elapsed += step
            assert client.get(HOME).status_code == 200, elapsed
        traveller.shift(limit - elapsed + timedelta(minutes=1))
        assert _is_login_redirect(client.get(HOME))
    expiry = AuditRecord.objects.get(action="session.expire")
    assert expiry.actor_id == user.pk
    assert expiry.detail == {"reason": "absolute"}


def test_timeout_redirect_keeps_the_page_safely_encoded(db: None) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _user, client = _signed_in()
        client.get(HOME)
        traveller.shift(timedelta(minutes=django_settings.SANFU_SESSION_IDLE_MINUTES + 1))
        response = client.get("/?a=1&b=2")
    assert response["Location"] == reverse("accounts:login") + "?next=%2F%3Fa%3D1%26b%3D2"


# --- sign-out -----------------------------------------------------------------------------------------


def test_logout_deletes_the_session_server_side(db: None) -> None:
    user, client = _signed_in()
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie does not sign anyone in.
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = key
    assert _is_login_redirect(replay.get(HOME))
    assert AuditRecord.objects.filter(action="auth.logout", actor_id=user.pk).count() == 1


def test_logout_by_get_is_refused(db: None) -> None:
    _user, client = _signed_in()
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(HOME).status_code == 200


# --- forced change at first sign-in, expiry -----------------------------------------------------------


NEW = "Qing-Shan-2026#a"


def _change(client: Client, old: str, new: str) -> Any:
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password": new, "confirm_password": new},
    )


@pytest.mark.parametrize("path", [HOME, "/org/", "/accounts/manage/"])
def test_must_change_password_redirects_everything(db: None, path: str) -> None:
    _user, client = _signed_in(must_change=True)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")


def test_changing_the_password_lifts_the_gate(db: None) -> None:
    user, client = _signed_in(must_change=True)
    assert client.get(reverse("accounts:password_change")).status_code == 200
    response = _change(client, PASSWORD, NEW)
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200  # still signed in after the change
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password(NEW)
    assert user.password_changed_at is not None
    assert AuditRecord.objects.filter(action="password.change", actor_id=user.pk).exists()


def test_wrong_old_password_is_refused(db: None) -> None:
    user, client = _signed_in(must_change=True)
    response = _change(client, "not-my-password", NEW)
    assert response.status_code == 200
    assert "原密码不正确。" in response.content.decode()
    user.refresh_from_db()
    assert user.must_change_password


def test_expired_password_must_be_changed(db: None) -> None:
    days = django_settings.SANFU_PASSWORD_MAX_AGE_DAYS
    user, client = _signed_in(password_changed_at=timezone.now() - timedelta(days=days - 1))
    assert client.get(HOME).status_code == 200
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=days + 1))
    response = client.get(HOME)
    assert response["Location"] == reverse("accounts:password_change")
    _change(client, PASSWORD, NEW)
    assert client.get(HOME).status_code == 200


def test_expiry_can_be_turned_off(db: None, settings: Any) -> None:
    settings.SANFU_PASSWORD_MAX_AGE_DAYS = 0
    _user, client = _signed_in(password_changed_at=timezone.now() - timedelta(days=1000))
    assert client.get(HOME).status_code == 200


# --- complexity and history ---------------------------------------------------------------------------


COMPLEXITY_MSG = "密码须至少包含大写字母、小写字母、数字、符号中的三类。"


def test_simple_password_is_refused_in_chinese(db: None) -> None:
    _user, client = _signed_in(must_change=True)
    response = _change(client, PASSWORD, "qingshanluoshui")
    assert response.status_code == 200
    assert COMPLEXITY_MSG in response.content.decode()


def test_complexity_can_be_turned_off(db: None, settings: Any) -> None:
    settings.SANFU_PASSWORD_COMPLEXITY = False
    user = make_user("zhang")
    services.password_change(user=user, old_password=PASSWORD, new_password="qingshanluoshui")
    user.refresh_from_db()
    assert user.check_password("qingshanluoshui")


def test_current_password_cannot_be_reused(db: None) -> None:
    _user, client = _signed_in(must_change=True)
    response = _change(client, PASSWORD, PASSWORD)
    assert response.status_code == 200
    assert "新密码不能与最近 5 次使用过的密码相同。" in response.content.decode()


def test_recent_passwords_cannot_be_reused(db: None) -> None:
    user = make_user("zhang")
    passwords = [PASSWORD] + [f"Qing-Shan-{i}#ab" for i in range(5)]
    for old, new in itertools.pairwise(passwords):
        services.password_change(user=user, old_password=old, new_password=new)
    current = passwords[-1]
    # Five changes ago is still "recent" (the current one plus five earlier ones are remembered)...
    with pytest.raises(ApplicationError) as refused:
        services.password_change(user=user, old_password=current, new_password=PASSWORD)
    assert "新密码不能与最近 5 次使用过的密码相同。" in refused.value.message
    assert refused.value.errors[0]["field"] == "new_password"
    user.refresh_from_db()
    assert user.check_password(current)
    # ...one more change and the oldest drops out of the history.
    services.password_change(user=user, old_password=current, new_password="Qing-Shan-9#ab")
    services.password_change(user=user, old_password="Qing-Shan-9#ab", new_password=PASSWORD)


def test_history_depth_is_configurable(db: None, settings: Any) -> None:
    settings.SANFU_PASSWORD_HISTORY = 1
    user = make_user("zhang")
    chain = [PASSWORD, "Qing-Shan-1#ab", "Qing-Shan-2#ab", PASSWORD]
    for old, new in itertools.pairwise(chain):
        services.password_change(user=user, old_password=old, new_password=new)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_too_short_is_refused_in_chinese(db: None) -> None:
    _user, client = _signed_in(must_change=True)
    response = _change(client, PASSWORD, "Ab1#xyz")
    assert response.status_code == 200
    assert "密码长度太短，至少需要 10 个字符。" in response.content.decode()
