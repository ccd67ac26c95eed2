"""The 审批中心 and the archive read in English once a person chooses English: no Chinese word of Sanfu's own
(labels, the flow's reasons, urgencies, copies and signers, record kinds) is left on the page. People's and
matters' data stay as entered."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanfu.approvals import services
from sanfu.archive.services import archive_record
from sanfu.workflow import services as workflow
from sanfu.workflow.models import Instance, Task
from tests.approvals.conftest import EXPENSE, demo, pdf  # noqa: F401  # demo: the demo organisation and matters

# Sanfu's own words that showed in English before (and a few around them); none is in the demo's data.
CHINESE_UI = (
    "份",
    "签字",
    "经办人",
    "平急",
    "加急",
    "特急",
    "紧急程度",
    "收文",
    "通知",
    "系统",
    "原因",
    "同意",
    "自动",
    "一次性告知",
    "所需材料",
    "后续流程",
    "待办",
    "密级",
    "秘密",
    "保管期限",
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles, tags and their attributes."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def speaking(login: Any, user: Any, language: str) -> Client:
    client: Client = login(user)
    assert client.post(reverse("set_language"), {"language": language, "next": "/"}).status_code == 302
    return client


def finished_expense(demo: dict[str, Any]) -> Instance:  # noqa: F811
    """An expense request approved to the end: its timeline holds the flow's own reasons (1/1 同意 …)."""
    request = services.matter_submit(
        actor=demo["people"]["clerk"],
        matter=demo["matters"]["expense"],
        title="办公用纸报销",
        data=EXPENSE,
        materials={"invoice": [pdf()], "list": [pdf("清单.pdf")]},
        urgency="加急",
    )
    instance = request.instance
    while task := Task.objects.filter(instance=instance, status="open").first():
        workflow.task_approve(actor=task.assignee, task_id=task.pk)
    instance.refresh_from_db()
    assert instance.status == "approved"
    return instance


def archived(demo: dict[str, Any]) -> int:  # noqa: F811
    clerk = demo["people"]["clerk"]
    record = archive_record(
        source="tests.i18n",
        source_id=1,
        title="关于年度工作总结的来文",
        kind="收文",
        category="收文",
        unit_id=None,
        department_id=None,
        year=2026,
        body_text="年度工作总结",
        confidentiality="secret",
        owner_id=clerk.pk,
        reader_ids=[clerk.pk],
        history=[
            {"at": "2026-03-02T10:00:00+08:00", "who": clerk.display_name, "what": "submitted", "comment": ""},
            {"at": "2026-03-02T11:00:00+08:00", "who": "", "what": "node_completed", "comment": "1/1 同意"},
        ],
    )
    archive_record(
        source="tests.i18n",
        source_id=2,
        title="年度计划",
        kind="通知",
        unit_id=None,
        department_id=None,
        year=2026,
        body_text="年度计划",
        reader_ids=[clerk.pk],
    )
    return int(record.pk)


def test_the_approval_centre_and_the_archive_have_no_chinese_ui_in_english(demo, login):  # noqa: F811
    instance = finished_expense(demo)
    record = archived(demo)
    client = speaking(login, demo["people"]["clerk"], "en")
    pages = {
        "catalogue": reverse("approvals:catalogue"),
        "notice": reverse("approvals:notice", args=["expense"]),
        "notice of a graded leave": reverse("approvals:notice", args=["leave"]),
        "start": reverse("approvals:start", args=["expense"]),
        "instance": reverse("approvals:instance", args=[instance.pk]),
        "print": reverse("approvals:instance_print", args=[instance.pk]),
        "notifications": reverse("approvals:notifications"),
        "archive": reverse("archive:search"),
        "archive search": reverse("archive:search") + "?q=年度",
        "record": reverse("archive:record", args=[record]),
    }
    pages.update({f"inbox {tab}": reverse("approvals:inbox") + f"?tab={tab}" for tab in ("todo", "done", "started")})
    texts = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        texts[name] = visible_text(response.content.decode())
    refused = client.post(reverse("approvals:start", args=["expense"]), {"title": "", "action": "submit"})
    texts["start, refused"] = visible_text(refused.content.decode())
    path = client.post(reverse("approvals:start_path", args=["expense"]), {"urgency": "特急"})
    texts["start path"] = visible_text(path.content.decode())
    dossier = zipfile.ZipFile(io.BytesIO(client.get(reverse("archive:dossier", args=[record])).content))
    texts["dossier index"] = visible_text(dossier.read("index.html").decode())
    found = {name: [w for w in CHINESE_UI if w in text] for name, text in texts.items()}
    assert {name: words for name, words in found.items() if words} == {}
    # what replaced them
    assert "1 copy · to be signed by Handler" in texts["start"]
    assert "Most urgent" in texts["start"]
    assert "Urgency is Most urgent" in texts["notice"]
    assert "is over 5000" in texts["notice"]
    assert "1/1 approved" in texts["instance"]
    assert "Incoming document" in texts["archive"]
    assert "Notification" in texts["archive"]
    assert "System" in texts["record"]
    assert "办公用纸报销" in texts["instance"]  # data stays as entered


def test_in_chinese_the_same_pages_read_as_before(demo, login):  # noqa: F811
    client = speaking(login, demo["people"]["clerk"], "zh-hans")
    start = visible_text(client.get(reverse("approvals:start", args=["expense"])).content.decode())
    assert "1 份 · 须经办人签字" in start
    assert "平急" in start
    notice = visible_text(client.get(reverse("approvals:notice", args=["expense"])).content.decode())
    assert "紧急程度为特急" in notice
    assert "超过 5000" in notice
    assert "经办人" in notice
    record = archived(demo)
    page = visible_text(client.get(reverse("archive:record", args=[record])).content.decode())
    assert "收文" in page
    assert "系统" in page
    assert "1/1 同意" in page
