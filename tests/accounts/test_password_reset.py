"""A password reset cannot be used to sign in as someone unnoticed (security issue 12, the residual risk of
三员分立): the temporary password goes to the holder's mailbox when there is one, the holder is told in the
app who reset it and when, and again at their next sign-in; a password the administrator must hand over is
told to the security administrators. Every sign-in shows the previous one and the failures since."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from sanfu.accounts import services
from sanfu.accounts.models import User
from sanfu.core.errors import ApplicationError
from sanfu.core.models import AuditRecord, Notification
from tests.conftest import PASSWORD, make_user


def _temporary_password_in(message: mail.EmailMessage) -> str:
    line = next(line for line in str(message.body).splitlines() if line.startswith("临时密码："))
    return line.split("：", 1)[1]


def test_with_an_address_the_password_goes_to_the_holder_only(
    admins: dict[str, User], login: Callable[[User], Client]
) -> None:
    holder = make_user("leader_wang", full_name="王总", email="wang@example.cn")
    response = login(admins["sysadmin"]).post(reverse("accounts:account_reset", args=[holder.pk]), follow=True)
    page = response.content.decode()
    assert "w***@example.cn" in page
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.cn"]
    temporary = _temporary_password_in(mail.outbox[0])
    assert temporary not in page  # the administrator never sees it
    holder.refresh_from_db()
    assert holder.check_password(temporary)
    assert holder.must_change_password
    notice = Notification.objects.get(user=holder, kind="security")
    assert "sysadmin" in notice.body
    record = AuditRecord.objects.get(action="account.reset_password")
    assert record.detail["delivered"] == "mail"
    assert temporary not in str(record.detail)


def test_without_an_address_the_administrator_hands_it_over_and_security_is_told(
    admins: dict[str, User], login: Callable[[User], Client]
) -> None:
    holder = make_user("no_mail")
    response = login(admins["sysadmin"]).post(reverse("accounts:account_reset", args=[holder.pk]), follow=True)
    reset_message = next(str(m) for m in response.context["messages"] if "临时密码" in str(m))
    temporary = reset_message.split("临时密码：", 1)[1].split(" ", 1)[0]
    holder.refresh_from_db()
    assert holder.check_password(temporary)
    assert mail.outbox == []
    told = Notification.objects.get(user=admins["secadmin"], kind="security")
    assert "no_mail" in told.body
    assert temporary not in told.body
    assert Notification.objects.filter(user=holder, kind="security").count() == 1
    assert AuditRecord.objects.get(action="account.reset_password").detail["delivered"] == "administrator"


@override_settings(
    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9, EMAIL_TIMEOUT=2
)
def test_a_mail_that_cannot_be_sent_leaves_the_old_password(admins: dict[str, User]) -> None:
    holder = make_user("unreachable", email="someone@example.cn")
    with pytest.raises(ApplicationError, match="密码未重置"):
        services.account_reset_password(actor=admins["sysadmin"], user=holder)
    holder.refresh_from_db()
    assert holder.check_password(PASSWORD)
    assert holder.password_reset_at is None
    assert not Notification.objects.filter(user=holder).exists()
    assert not AuditRecord.objects.filter(action="account.reset_password").exists()


def _sign_in(username: str, password: str, ip: str) -> str:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("accounts:login"), {"username": username, "password": password}, follow=True)
    assert response.status_code == 200
    return " ".join(str(m) for m in response.context["messages"])


def test_each_sign_in_shows_the_previous_one_failures_since_and_a_reset(admins: dict[str, User]) -> None:
    holder = make_user("zhang")
    first = _sign_in("zhang", PASSWORD, "10.0.0.7")
    assert "上次登录" not in first  # the very first sign-in has no previous one
    Client(REMOTE_ADDR="10.9.9.9").post(reverse("accounts:login"), {"username": "zhang", "password": "wrong"})
    second = _sign_in("zhang", PASSWORD, "10.0.0.8")
    assert "上次登录" in second
    assert "10.0.0.7" in second
    assert "1 次" in second
    assert "登录失败" in second
    reset = services.account_reset_password(actor=admins["sysadmin"], user=holder)
    assert reset.password is not None
    third = _sign_in("zhang", reset.password, "10.0.0.9")
    assert "10.0.0.8" in third
    assert "由 sysadmin 重置" in third
    holder.refresh_from_db()
    assert holder.last_login_ip == "10.0.0.9"
