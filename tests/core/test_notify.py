"""Notices: in the app always, idempotent per key; mail at once or in a daily digest, as each person chose."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from sanfu.core import notify
from sanfu.core.models import Notification


def test_a_notice_is_created_once_per_person_however_often_it_is_delivered(org):
    people = [org["clerk"].pk, org["accountant"].pk]
    assert notify.notify_people(key="m1", people=people, kind="task", title="待办：报销") == 2
    assert notify.notify_people(key="m1", people=people, kind="task", title="待办：报销") == 0
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 0  # nobody asked for mail at once


def test_mail_at_once_for_those_who_asked(org):
    clerk = org["clerk"]
    clerk.email = "clerk@example.com"
    clerk.save()
    notify.setting_update(user=clerk, email_each=True, email_digest=False)
    notify.notify_people(key="m2", people=[clerk.pk, org["accountant"].pk], kind="task", title="待办：用印")
    assert [m.to for m in mail.outbox] == [["clerk@example.com"]]
    assert "待办：用印" in mail.outbox[0].subject
    notify.notify_people(key="m2", people=[clerk.pk], kind="task", title="待办：用印")
    assert len(mail.outbox) == 1  # a redelivery mails nothing new


def test_the_daily_digest_lists_unread_notices_once(org):
    accountant = org["accountant"]
    accountant.email = "acc@example.com"
    accountant.save()
    notify.notify_people(key="a", people=[accountant.pk], kind="task", title="待办：一")
    notify.notify_people(key="b", people=[accountant.pk], kind="cc", title="抄送：二")
    notify.notify_people(key="c", people=[org["clerk"].pk], kind="cc", title="抄送：无邮箱")  # no address: skipped
    assert notify.send_daily_digests() == 1
    (message,) = mail.outbox
    assert "2" in message.subject
    assert "待办：一" in message.body
    assert "抄送：二" in message.body
    assert notify.send_daily_digests(now=timezone.now() + timedelta(minutes=1)) == 0  # already mailed
    notify.setting_update(user=accountant, email_each=False, email_digest=False)
    notify.notify_people(key="d", people=[accountant.pk], kind="task", title="待办：三")
    assert notify.send_daily_digests() == 0


def test_each_person_sets_how_they_hear(org, login):
    client = login(org["clerk"])
    page = client.get("/notifications/settings/").content.decode()
    assert "每日汇总邮件" in page or "未读通知汇总" in page
    refused = client.post("/notifications/settings/", {"email": "", "email_each": "on"})
    assert "请填写电子邮箱" in refused.content.decode()
    client.post("/notifications/settings/", {"email": "me@example.com", "email_each": "on"})
    setting = notify.setting_of(org["clerk"])
    assert setting.email_each
    assert not setting.email_digest
