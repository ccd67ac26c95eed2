"""Group robots (企业微信、钉钉、飞书): each vendor's message format and signature, checked against the vendors'
documented algorithms computed here independently; delivery to a local receiver; routing by notice kind;
classified notices without their title; a failed send that never breaks the notice; the settings page.

The receiver listens on 127.0.0.1, which ``core.egress`` refuses. The tests reach it the way production
would reach a robot gateway inside the company network: the channel's ``allow_private``, which only the system
administrator sets (the person's page never does — tested below), set here on the row as the Django admin
would. Nothing in the code under test knows it is being tested."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from sanfu.core import notify, robots
from sanfu.core.errors import ApplicationError
from sanfu.core.models import Notification, RobotChannel, RobotKind

pytestmark = pytest.mark.django_db

SECRET = "SEC0123456789abcdef0123456789abcdef"
URLS = {
    RobotKind.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    RobotKind.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123",
    RobotKind.FEISHU: "https://open.feishu.cn/open-apis/bot/v2/hook/0123abcd-4567-89ef-0123-456789abcdef",
}
TITLE = "待办：关于调整电网调度方案的请示"


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Receiver:
    base: str
    got: list[Received] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    status: int = 200


@pytest.fixture(scope="module")
def _server() -> Iterator[tuple[ThreadingHTTPServer, Receiver]]:
    state = Receiver(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            parts = urlsplit(self.path)
            state.got.append(
                Received(
                    path=parts.path,
                    query=parse_qs(parts.query),
                    raw_query=parts.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(self.rfile.read(length)),
                )
            )
            payload = json.dumps(state.answer).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, state
    server.shutdown()


@pytest.fixture
def receiver(_server: tuple[ThreadingHTTPServer, Receiver]) -> Receiver:
    state = _server[1]
    state.got.clear()
    state.answer, state.status = {"errcode": 0, "errmsg": "ok"}, 200
    return state


def _channel(user: Any, kind: str, *, secret: str = "", groups: list[str] | None = None) -> RobotChannel:
    return robots.robot_channel_add(
        user=user, kind=kind, url=URLS[RobotKind(kind)], secret=secret, groups=groups or ["todo"]
    )


def _to_receiver(channel: RobotChannel, receiver: Receiver) -> RobotChannel:
    """What the system administrator does in the admin for a robot gateway inside the network."""
    parts = urlsplit(channel.webhook_url)
    local = f"{receiver.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    channel.webhook_url, channel.allow_private = local, True
    channel.save(update_fields=["webhook_url", "allow_private"])
    return RobotChannel.objects.get(pk=channel.pk)


def _dingtalk_sign(timestamp: str, secret: str) -> str:
    # DingTalk's documented algorithm: HmacSHA256 keyed with the secret over "timestamp\nsecret", base64.
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def _feishu_sign(timestamp: str, secret: str) -> str:
    # Feishu's documented algorithm: HmacSHA256 keyed with "timestamp\nsecret" over an empty message, base64.
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), msg=b"", digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


# --- formats and signatures --------------------------------------------------------------------------------


def test_wecom_gets_a_plain_text_message_with_its_key_in_the_address(org: dict[str, Any], receiver: Receiver) -> None:
    channel = _to_receiver(_channel(org["clerk"], RobotKind.WECOM, secret="ignored-secret"), receiver)
    assert channel.secret == ""  # WeCom signs nothing: no secret is kept
    assert robots.deliver(channel, "你好").ok
    (got,) = receiver.got
    assert got.path == "/cgi-bin/webhook/send"
    assert got.query == {"key": ["693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"]}
    assert got.body == {"msgtype": "text", "text": {"content": "你好"}}
    assert got.headers["content-type"] == "application/json"
    assert RobotChannel.objects.get(pk=channel.pk).last_sent_at is not None


def test_dingtalk_is_signed_in_the_query_as_documented(org: dict[str, Any], receiver: Receiver) -> None:
    channel = _to_receiver(_channel(org["clerk"], RobotKind.DINGTALK, secret=SECRET), receiver)
    assert robots.deliver(channel, "你好").ok
    (got,) = receiver.got
    assert got.body == {"msgtype": "text", "text": {"content": "你好"}}
    timestamp = got.query["timestamp"][0]
    assert len(timestamp) == 13  # milliseconds
    assert got.query["access_token"] == ["0123456789abcdef0123"]
    assert got.query["sign"] == [_dingtalk_sign(timestamp, SECRET)]
    # URL-encoded on the wire: base64's "+", "/" and "=" never appear raw
    raw_sign = got.raw_query.split("sign=", 1)[1]
    assert not set("+/=") & set(raw_sign)


def test_dingtalk_without_a_secret_is_not_signed(org: dict[str, Any], receiver: Receiver) -> None:
    channel = _to_receiver(_channel(org["clerk"], RobotKind.DINGTALK), receiver)
    assert robots.deliver(channel, "你好").ok
    assert set(receiver.got[0].query) == {"access_token"}


def test_feishu_is_signed_in_the_body_as_documented(org: dict[str, Any], receiver: Receiver) -> None:
    receiver.answer = {"code": 0, "msg": "success", "data": {}}
    channel = _to_receiver(_channel(org["clerk"], RobotKind.FEISHU, secret="feishu-secret-123"), receiver)
    assert robots.deliver(channel, "你好").ok
    (got,) = receiver.got
    assert got.path == "/open-apis/bot/v2/hook/0123abcd-4567-89ef-0123-456789abcdef"
    assert set(got.body) == {"timestamp", "sign", "msg_type", "content"}
    assert (got.body["msg_type"], got.body["content"]) == ("text", {"text": "你好"})
    timestamp = got.body["timestamp"]
    assert isinstance(timestamp, str)
    assert len(timestamp) == 10  # seconds
    assert got.body["sign"] == _feishu_sign(timestamp, "feishu-secret-123")


def test_the_signatures_match_known_values() -> None:
    # fixed inputs, so a change in either algorithm shows even if the receiver tests were changed with it
    assert robots.dingtalk_sign(SECRET, 1700000000000) == _dingtalk_sign("1700000000000", SECRET)
    assert robots.feishu_sign("abc", 1700000000) == _feishu_sign("1700000000", "abc")
    assert robots.dingtalk_sign(SECRET, 1700000000000) != robots.feishu_sign(SECRET, 1700000000)


# --- from a notice to the robots ---------------------------------------------------------------------------


@override_settings(SANFU_BASE_URL="https://oa.example.com")
def test_a_notice_goes_to_the_robots_chosen_for_its_kind_after_the_commit(
    org: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = org["clerk"]
    _to_receiver(_channel(clerk, RobotKind.WECOM, groups=["todo"]), receiver)
    _to_receiver(_channel(clerk, RobotKind.DINGTALK, secret=SECRET, groups=["info", "urge"]), receiver)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        notify.notify_people(key="n1", people=[clerk.pk], kind="task", title=TITLE, url="/workflow/instances/9/")
    assert receiver.got == []  # nothing leaves before the commit
    for callback in pending:
        callback()
    (got,) = receiver.got
    assert got.path == "/cgi-bin/webhook/send"
    text = got.body["text"]["content"]
    assert TITLE in text
    assert "https://oa.example.com/workflow/instances/9/" in text
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_people(key="n2", people=[clerk.pk], kind="cc", title="抄送：年假")
        notify.notify_people(key="n3", people=[clerk.pk], kind="overdue", title="已超时：年假")
    assert [r.path for r in receiver.got[1:]] == ["/robot/send", "/robot/send"]
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_people(key="n1", people=[clerk.pk], kind="task", title=TITLE)  # delivered again: nothing
    assert len(receiver.got) == 3


def test_a_classified_notice_sends_no_title(
    org: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = org["clerk"]
    _to_receiver(_channel(clerk, RobotKind.FEISHU, groups=["todo", "info"]), receiver)
    receiver.answer = {"code": 0, "msg": "success"}
    with django_capture_on_commit_callbacks(execute=True):
        notify.notify_people(
            key="c1", people=[clerk.pk], kind="task", title=TITLE, body="调度方案附件三", classified=True
        )
        notify.notify_people(key="c2", people=[clerk.pk], kind="cc", title="抄送：电网调度", classified=True)
    texts = [r.body["content"]["text"] for r in receiver.got]
    assert len(texts) == 2
    assert all("电网调度" not in t and "附件三" not in t for t in texts)
    assert texts[0].startswith("您有一件涉密事项待办")
    assert texts[1].startswith("您有一件涉密事项的通知")
    assert Notification.objects.get(key=f"c1:{clerk.pk}").title == TITLE  # the app keeps it


def test_a_failed_send_never_breaks_the_notice_and_is_recorded(
    org: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    clerk, head = org["clerk"], org["section_head"]
    refused = _to_receiver(_channel(clerk, RobotKind.DINGTALK), receiver)
    receiver.answer = {"errcode": 310000, "errmsg": "sign not match"}
    unreachable = _channel(head, RobotKind.WECOM)
    probe = socket.socket()  # a port nobody listens on: bound, then closed
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    RobotChannel.objects.filter(pk=unreachable.pk).update(allow_private=True)
    unreachable.webhook_url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=abcdefgh"
    unreachable.save(update_fields=["webhook_url"])
    with django_capture_on_commit_callbacks(execute=True):
        made = notify.notify_people(key="f1", people=[clerk.pk, head.pk], kind="task", title="年假")
    assert made == 2
    assert Notification.objects.filter(key__startswith="f1:").count() == 2
    refused.refresh_from_db()
    assert (refused.failures, refused.last_sent_at) == (1, None)
    assert "310000" in refused.last_error
    unreachable.refresh_from_db()
    assert unreachable.failures == 1
    assert unreachable.last_error.startswith("连接失败")


def test_without_the_administrators_allowance_a_private_address_is_never_called(
    org: dict[str, Any], receiver: Receiver
) -> None:
    channel = _to_receiver(_channel(org["clerk"], RobotKind.WECOM), receiver)
    RobotChannel.objects.filter(pk=channel.pk).update(allow_private=False)
    channel.refresh_from_db()
    outcome = robots.deliver(channel, "你好")
    assert not outcome.ok
    assert "内网" in outcome.error
    assert receiver.got == []
    channel.refresh_from_db()
    assert "内网" in channel.last_error


# --- the person's channels and the settings page ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        (RobotKind.WECOM, "javascript:alert(1)"),
        (RobotKind.WECOM, "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh12"),
        (RobotKind.WECOM, "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=abcdefgh12"),
        (RobotKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh12&x=1"),
        (RobotKind.WECOM, "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=abcdefgh12"),
        (RobotKind.WECOM, "https://u:p@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh12"),
        (RobotKind.WECOM, "http://127.0.0.1:8000/cgi-bin/webhook/send?key=abcdefgh12"),
        (RobotKind.DINGTALK, URLS[RobotKind.WECOM]),
        (RobotKind.DINGTALK, "https://oapi.dingtalk.com/robot/send"),
        (RobotKind.FEISHU, "https://open.feishu.cn/open-apis/bot/v2/hook/"),
        (RobotKind.FEISHU, "https://169.254.169.254/open-apis/bot/v2/hook/0123456789"),
    ],
)
def test_only_the_vendors_robot_addresses_are_taken(org: dict[str, Any], kind: str, url: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        robots.robot_channel_add(user=org["clerk"], kind=kind, url=url, groups=["todo"])
    assert refused.value.errors[0]["field"] == "url"
    assert not RobotChannel.objects.exists()


def test_webhook_address_and_secret_are_encrypted_at_rest(org: dict[str, Any]) -> None:
    channel = _channel(org["clerk"], RobotKind.DINGTALK, secret=SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_url, secret FROM core_robotchannel WHERE id = %s", [channel.pk])
        stored_url, stored_secret = cursor.fetchone()
    assert stored_url.startswith("gcm1:")
    assert stored_secret.startswith("gcm1:")
    assert "access_token" not in stored_url
    assert SECRET not in stored_secret
    assert RobotChannel.objects.get(pk=channel.pk).secret == SECRET


def _page(client: Client, **posted: Any) -> Any:
    return client.post(reverse("web:notification_settings"), posted)


def test_the_settings_page_adds_channels_and_explains_a_bad_address(org: dict[str, Any], login: Any) -> None:
    clerk = org["clerk"]
    client = login(clerk)
    bad = _page(client, action="robot_add", kind="wecom", url="http://10.0.0.5/hook", groups=["todo"])
    assert bad.status_code == 200
    assert "企业微信群机器人的 Webhook 地址应形如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" in (
        bad.content.decode()
    )
    assert not RobotChannel.objects.exists()
    no_groups = _page(client, action="robot_add", kind="wecom", url=URLS[RobotKind.WECOM])
    assert no_groups.status_code == 200
    assert not RobotChannel.objects.exists()
    added = _page(
        client,
        action="robot_add",
        kind="dingtalk",
        url=URLS[RobotKind.DINGTALK],
        secret=SECRET,
        groups=["todo", "urge"],
        allow_private="on",  # not the person's to set
        name="我的钉钉",
    )
    assert added.status_code == 302
    channel = RobotChannel.objects.get()
    assert (channel.user, channel.kind, channel.notice_groups, channel.allow_private) == (
        clerk,
        "dingtalk",
        ["todo", "urge"],
        False,
    )
    page = client.get(reverse("web:notification_settings")).content.decode()
    assert "我的钉钉" in page
    assert "0123456789abcdef0123" not in page  # the robot's token is not shown back
    assert SECRET not in page


def test_the_settings_page_updates_and_deletes_only_the_persons_own(org: dict[str, Any], login: Any) -> None:
    mine = _channel(org["clerk"], RobotKind.WECOM)
    theirs = _channel(org["accountant"], RobotKind.WECOM)
    client = login(org["clerk"])
    assert _page(client, action="robot_update", channel=mine.pk, groups=["info"]).status_code == 302
    mine.refresh_from_db()
    assert (mine.notice_groups, mine.enabled) == (["info"], False)
    assert _page(client, action="robot_update", channel=theirs.pk, groups=["info"], enabled="on").status_code == 404
    assert _page(client, action="robot_delete", channel=theirs.pk).status_code == 404
    assert _page(client, action="robot_try", channel=theirs.pk).status_code == 404
    assert _page(client, action="robot_delete", channel=mine.pk).status_code == 302
    assert list(RobotChannel.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_the_mail_settings_still_save(org: dict[str, Any], login: Any) -> None:
    client = login(org["clerk"])
    response = _page(client, email="clerk@example.com", email_each="on")
    assert response.status_code == 302
    assert notify.setting_of(org["clerk"]).email_each


def test_a_test_message_reports_the_robots_answer(org: dict[str, Any], login: Any, receiver: Receiver) -> None:
    channel = _to_receiver(_channel(org["clerk"], RobotKind.WECOM), receiver)
    client = login(org["clerk"])
    ok = client.post(reverse("web:notification_settings"), {"action": "robot_try", "channel": channel.pk}, follow=True)
    assert "测试消息已发送" in ok.content.decode()
    receiver.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    failed = client.post(
        reverse("web:notification_settings"), {"action": "robot_try", "channel": channel.pk}, follow=True
    )
    assert "测试消息发送失败：93000: invalid webhook url" in failed.content.decode()
    assert len(receiver.got) == 2


def test_notice_kinds_fall_into_the_groups_a_person_chooses() -> None:
    assert [robots.group_of(k) for k in ["task", "urge", "remind", "overdue", "escalate"]] == ["todo"] + ["urge"] * 4
    assert {robots.group_of(k) for k in ["cc", "filing", "ended", "returned", "deputy_approved"]} == {"info"}
    assert robots.group_of("security") == "other"
