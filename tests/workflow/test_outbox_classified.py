"""The flow's notices about a 秘密/机密 instance are mailed without its title; an ordinary instance's keep it
(security issue, hole 13: e-mails carried 机密 titles)."""

from __future__ import annotations

import pytest
from django.core import mail

from sanfu.core import notify
from sanfu.core.models import Notification
from sanfu.org.clearance import Marking
from sanfu.workflow import outbox, services

TITLE = "关于电网调度方案调整的报销"


@pytest.mark.parametrize(("level", "leaks"), [("confidential", False), ("secret", False), ("internal", True)])
def test_a_to_do_mail_names_the_title_only_when_the_instance_is_not_classified(org, reference, level, leaks):
    head = org["section_head"]
    head.email = "head@example.com"
    head.save(update_fields=["email"])
    notify.setting_update(user=head, email_each=True, email_digest=False)
    services.instance_start(
        actor=org["clerk"],
        definition_key="expense",
        title=TITLE,
        form={"amount": 10},
        marking=Marking(level, org["unit"].pk, org["section"].pk),
    )
    outbox.deliver_pending()
    (message,) = [m for m in mail.outbox if m.to == ["head@example.com"]]
    assert (TITLE in f"{message.subject}{message.body}") is leaks
    if not leaks:
        assert "涉密事项待办" in message.body
    notice = Notification.objects.get(user=head, kind="task")
    assert TITLE in notice.title  # the app keeps it
    assert notice.classified is not leaks
