"""Group-robot messages: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书), each in its own webhook format and
signed where the vendor requires it; a person's channels and the kinds of notices each one carries.

Formats (plain text messages):
- WeCom: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` with ``{"msgtype": "text", "text":
  {"content": …}}``; the key in the address is the only credential.
- DingTalk: ``POST https://oapi.dingtalk.com/robot/send?access_token=…`` with the same body shape; with 加签,
  ``&timestamp=<ms>&sign=<s>`` where ``s`` is the URL-encoded base64 of HMAC-SHA256(key=secret,
  message="<ms>\\n<secret>").
- Feishu: ``POST https://open.feishu.cn/open-apis/bot/v2/hook/…`` with ``{"msg_type": "text", "content":
  {"text": …}}``; with 签名校验, ``"timestamp": "<s>"`` and ``"sign"`` in the body, the base64 of
  HMAC-SHA256(key="<s>\\n<secret>", message=empty).

Every call goes through ``core.egress.post`` (no private, loopback or link-local address unless the system
administrator allowed it for this channel). A failed send never breaks the notice it tells of: it is logged
and recorded on the channel (``last_error``), and the in-app notice stands."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import orjson
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfu.core import egress
from sanfu.core.audit import audit_record
from sanfu.core.errors import ApplicationError, NotFoundError
from sanfu.core.models import RobotChannel, RobotKind

log = logging.getLogger(__name__)

MAX_CHANNELS = 5  # per person
MAX_TEXT = 1000  # characters of a message (WeCom takes at most 2048 bytes of text)
TIMEOUT = 5.0

# The kinds of notices a person routes to a channel, by group (the notice kinds are the outbox's).
NOTICE_GROUPS = {
    "todo": gettext_lazy("待办"),
    "urge": gettext_lazy("催办、即将到期和超时"),
    "info": gettext_lazy("抄送、备案、办结、退回和代理办理"),
    "other": gettext_lazy("其他通知（如账户安全）"),
}
_GROUP_OF = {
    "task": "todo",
    "urge": "urge",
    "remind": "urge",
    "overdue": "urge",
    "escalate": "urge",
    "cc": "info",
    "filing": "info",
    "ended": "info",
    "returned": "info",
}


def group_of(kind: str) -> str:
    """The group a notice kind belongs to (``deputy_…``, 委托代理's reports, are information; unknown: other)."""
    if kind.startswith("deputy_"):
        return "info"
    return _GROUP_OF.get(kind, "other")


# --- formats and signatures ----------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")) — not yet URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's 签名校验: base64(HMAC-SHA256(key="timestamp\\nsecret", empty message))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def robot_request(*, kind: str, url: str, secret: str, text: str, now: float | None = None) -> tuple[str, bytes]:
    """The address and JSON body of one text message to a robot of ``kind``, signed when it has a secret."""
    moment = time.time() if now is None else now
    text = text[:MAX_TEXT]
    if kind == RobotKind.WECOM:
        return url, orjson.dumps({"msgtype": "text", "text": {"content": text}})
    if kind == RobotKind.DINGTALK:
        if secret:
            stamp = int(moment * 1000)
            joint = "&" if urlsplit(url).query else "?"
            url = f"{url}{joint}timestamp={stamp}&sign={quote(dingtalk_sign(secret, stamp), safe='')}"
        return url, orjson.dumps({"msgtype": "text", "text": {"content": text}})
    if kind == RobotKind.FEISHU:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            stamp = int(moment)
            body = {"timestamp": str(stamp), "sign": feishu_sign(secret, stamp), **body}
        return url, orjson.dumps(body)
    raise ValueError(f"unknown robot kind {kind!r}")


def _refusal_in(kind: str, answer: egress.Answer) -> str:
    """What the vendor said went wrong, or "" when it took the message (each answers 200 with its own code)."""
    if answer.status != 200:
        return f"HTTP {answer.status}"
    try:
        said = orjson.loads(answer.body)
    except orjson.JSONDecodeError:
        return _("机器人返回的不是 JSON。")
    if not isinstance(said, dict):
        return _("机器人返回的不是 JSON。")
    if kind == RobotKind.FEISHU:
        code, message = said.get("code", said.get("StatusCode")), said.get("msg", said.get("StatusMessage", ""))
    else:
        code, message = said.get("errcode"), said.get("errmsg", "")
    return "" if code == 0 else f"{code}: {message}"[:200]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""


def deliver(channel: RobotChannel, text: str, *, now: datetime | None = None) -> Outcome:
    """Send ``text`` to the channel and record the outcome on it; never raises."""
    moment = now or timezone.now()
    try:
        url, body = robot_request(kind=channel.kind, url=channel.webhook_url, secret=channel.secret, text=text)
        answer = egress.post(url, body, allow_private=channel.allow_private, timeout=TIMEOUT)
        error = _refusal_in(channel.kind, answer)
    except egress.EgressRefusedError as exc:
        error = exc.message
    except OSError as exc:
        error = _("连接失败：%(e)s") % {"e": str(exc) or type(exc).__name__}
    except Exception as exc:  # a notice must stand whatever a robot does
        log.exception("robot channel %s: sending failed", channel.pk)
        error = type(exc).__name__
    rows = RobotChannel.objects.filter(pk=channel.pk)
    if not error:
        rows.update(last_sent_at=moment, failures=0)
        return Outcome(ok=True)
    log.warning("robot channel %s (%s) refused or failed: %s", channel.pk, channel.kind, error)
    rows.update(last_error=error[:300], last_error_at=moment, failures=F("failures") + 1)
    return Outcome(ok=False, error=error)


# --- a person's channels ------------------------------------------------------------------------------------

# The vendors' public robot addresses: a person may only name these (an administrator may allow an address
# inside the company network for one channel). Checked without resolving the name; egress checks again.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")
_SECRET = re.compile(r"[\x21-\x7e]{8,200}")
EXAMPLES = {
    RobotKind.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    RobotKind.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=…",
    RobotKind.FEISHU: "https://open.feishu.cn/open-apis/bot/v2/hook/…",
}


def _vendor_address(kind: str, url: str) -> bool:
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return False
    if parts.scheme != "https" or port not in {None, 443} or parts.username or parts.password or parts.fragment:
        return False
    query = parse_qs(parts.query, keep_blank_values=True)

    def one(name: str) -> bool:
        values = query.get(name, [])
        return set(query) == {name} and len(values) == 1 and bool(_TOKEN.fullmatch(values[0]))

    if kind == RobotKind.WECOM:
        return host == "qyapi.weixin.qq.com" and parts.path == "/cgi-bin/webhook/send" and one("key")
    if kind == RobotKind.DINGTALK:
        return host == "oapi.dingtalk.com" and parts.path == "/robot/send" and one("access_token")
    if kind == RobotKind.FEISHU:
        hook = parts.path.removeprefix("/open-apis/bot/v2/hook/")
        known = host in {"open.feishu.cn", "open.larksuite.com"}
        return known and hook != parts.path and bool(_TOKEN.fullmatch(hook)) and not parts.query
    return False


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": field, "message": message}])


def robot_channels_of(user: AbstractBaseUser) -> QuerySet[RobotChannel]:
    return RobotChannel.objects.filter(user_id=user.pk).order_by("id")


def _checked_groups(groups: list[str]) -> list[str]:
    chosen = [g for g in NOTICE_GROUPS if g in set(groups)]
    if not chosen or len(chosen) != len(set(groups)):
        raise _invalid("groups", _("请至少选择一类通知。"))
    return chosen


def robot_channel_add(
    *, user: AbstractBaseUser, kind: str, url: str, secret: str = "", name: str = "", groups: list[str]
) -> RobotChannel:
    """Add a robot channel for the person. The address must be the vendor's public robot address (checked
    without resolving it; the send checks the resolved address again); a WeCom robot takes no secret."""
    if kind not in RobotKind.values:
        raise _invalid("kind", _("请选择机器人类型。"))
    url, secret, name = url.strip(), secret.strip(), name.strip()
    if len(url) > 500 or not _vendor_address(kind, url):
        raise _invalid(
            "url",
            _("%(kind)s的 Webhook 地址应形如 %(example)s（须为 https，且是该平台的机器人地址）。")
            % {"kind": RobotKind(kind).label, "example": EXAMPLES[RobotKind(kind)]},
        )
    if kind == RobotKind.WECOM:
        secret = ""  # its key is in the address; there is nothing to sign with
    elif secret and not _SECRET.fullmatch(secret):
        raise _invalid("secret", _("加签密钥为 8–200 个可见字符（不含空格）。"))
    if len(name) > 64:
        raise _invalid("name", _("名称不超过 64 个字。"))
    chosen = _checked_groups(groups)
    if robot_channels_of(user).count() >= MAX_CHANNELS:
        raise _invalid("kind", _("每人最多设置 %(n)d 个群机器人。") % {"n": MAX_CHANNELS})
    channel = RobotChannel.objects.create(
        user_id=user.pk, kind=kind, name=name, webhook_url=url, secret=secret, notice_groups=chosen
    )
    audit_record(
        action="notify.robot.add",
        actor=user,
        target=f"user:{getattr(user, 'username', user.pk)}",
        detail={"channel": channel.pk, "kind": kind, "host": urlsplit(url).hostname, "groups": chosen},
    )
    return channel


def _own(user: AbstractBaseUser, channel_id: int) -> RobotChannel:
    channel = robot_channels_of(user).filter(pk=channel_id).first()
    if channel is None:
        raise NotFoundError(_("没有这个群机器人。"))
    return channel


def robot_channel_update(*, user: AbstractBaseUser, channel_id: int, groups: list[str], enabled: bool) -> RobotChannel:
    """Change which notices a channel carries, or pause it."""
    channel = _own(user, channel_id)
    channel.notice_groups, channel.enabled = _checked_groups(groups), enabled
    channel.save(update_fields=["notice_groups", "enabled"])
    return channel


def robot_channel_delete(*, user: AbstractBaseUser, channel_id: int) -> None:
    channel = _own(user, channel_id)
    channel.delete()
    audit_record(
        action="notify.robot.delete",
        actor=user,
        target=f"user:{getattr(user, 'username', user.pk)}",
        detail={"channel": channel_id, "kind": channel.kind},
    )


def robot_channel_try(*, user: AbstractBaseUser, channel_id: int) -> Outcome:
    """Send a test message now (the person pressed 发送测试消息 and waits for the answer)."""
    channel = _own(user, channel_id)
    return deliver(channel, _("三服：这是一条测试消息，收到说明群机器人设置正确。"))
