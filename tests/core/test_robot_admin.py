"""Only the system administrator allows a person's group robot to call inside the company network, in the Django
admin; the change is audited and the robot's address (which holds its key) is not shown there."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from sanfu.accounts.models import User
from sanfu.core.models import AuditRecord, RobotChannel
from tests.conftest import make_user


def test_the_system_administrator_allows_a_private_robot_address(
    admins: dict[str, User], login: Callable[[User], Client]
) -> None:
    owner = make_user("robot_owner")
    channel = RobotChannel.objects.create(user=owner, kind="wecom", name="内网网关", notice_groups=["todo"])
    channel.webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-123"
    channel.save()
    url = f"/admin/core/robotchannel/{channel.pk}/change/"
    for other in ("secadmin", "auditadmin", "outsider"):
        assert login(admins[other]).get(url).status_code == 302
    client = login(admins["sysadmin"])
    page = client.get(url)
    assert page.status_code == 200
    assert "secret-key-123" not in page.content.decode()
    response = client.post(url, {"enabled": "on", "allow_private": "on"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.allow_private
    assert AuditRecord.objects.filter(action="admin.change", target=f"core.RobotChannel:{channel.pk}").exists()
    assert client.get("/admin/core/robotchannel/add/").status_code == 403
