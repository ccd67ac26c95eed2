"""Mail leaves the system: a notice about a 秘密/机密 item is mailed without its title or body, only that there
is something to see and where; the app keeps the title (security issue, hole 13)."""

from __future__ import annotations

from django.core import mail
from django.test import override_settings

from sanfu.core import notify
from sanfu.core.models import Notification

TITLE = "待办：关于调整电网调度方案的请示"
SECRET_BODY = "调度方案附件三"


def _wants_mail(user, *, each: bool) -> None:
    user.email = f"{user.username}@example.com"
    user.save(update_fields=["email"])
    notify.setting_update(user=user, email_each=each, email_digest=not each)


def _leaks(message: mail.EmailMessage) -> bool:
    text = f"{message.subject}\n{message.body}"
    return "电网调度" in text or SECRET_BODY in text


@override_settings(SANFU_BASE_URL="https://oa.example.com")
def test_a_classified_to_do_is_mailed_without_its_title(org):
    clerk = org["clerk"]
    _wants_mail(clerk, each=True)
    notify.notify_people(
        key="s1", people=[clerk.pk], kind="task", title=TITLE, url="/workflow/instances/9/", body=SECRET_BODY,
        classified=True,
    )  # fmt: skip
    (message,) = mail.outbox
    assert not _leaks(message)
    assert "涉密事项待办" in message.subject
    assert "您有一件涉密事项待办，请登录系统查看" in message.body
    assert "https://oa.example.com/workflow/instances/9/" in message.body
    notice = Notification.objects.get(user=clerk)
    assert notice.title == TITLE  # in the app, behind the sign-in, the title stays
    assert notice.classified


def test_a_classified_copy_says_notice_not_to_do(org):
    clerk = org["clerk"]
    _wants_mail(clerk, each=True)
    notify.notify_people(key="s2", people=[clerk.pk], kind="cc", title="抄送：电网调度", classified=True)
    (message,) = mail.outbox
    assert not _leaks(message)
    assert "您有一件涉密事项的通知，请登录系统查看" in message.body
    assert "待办" not in message.body


def test_an_ordinary_notice_keeps_its_title_in_the_mail(org):
    clerk = org["clerk"]
    _wants_mail(clerk, each=True)
    notify.notify_people(key="s3", people=[clerk.pk], kind="task", title=TITLE)
    (message,) = mail.outbox
    assert TITLE in message.subject
    assert TITLE in message.body


def test_the_daily_digest_lists_a_classified_notice_without_its_title(org):
    accountant = org["accountant"]
    _wants_mail(accountant, each=False)
    notify.notify_people(key="d1", people=[accountant.pk], kind="task", title=TITLE, url="/x/1/", classified=True)
    notify.notify_people(key="d2", people=[accountant.pk], kind="cc", title="抄送：食堂菜单", url="/x/2/")
    assert notify.send_daily_digests() == 1
    (message,) = mail.outbox
    assert not _leaks(message)
    assert "涉密事项，请登录系统查看：/x/1/" in message.body
    assert "抄送：食堂菜单" in message.body  # the ordinary one as before
