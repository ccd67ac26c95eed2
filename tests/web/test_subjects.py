"""A domain that registers a subject (公文) is opened on its own page from the inbox and from notifications;
other instances open the 审批中心's instance page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext_lazy

from sanfu.accounts.models import User
from sanfu.core.models import Notification
from sanfu.demo.org import seed_demo
from sanfu.documents import services
from sanfu.documents.flows import publish_definitions
from sanfu.workflow import subjects
from sanfu.workflow.models import Task, TaskStatus
from sanfu.workflow.outbox import deliver_outbox_now

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def registered(db: None) -> dict[str, Any]:
    seed_demo()
    publish_definitions()
    clerk = User.objects.get(username="clerk")
    document = services.incoming_register(
        actor=clerk,
        title="关于迎峰度冬安全检查的通知",
        source_unit="华南能源集团",
        original=SimpleUploadedFile("来文.pdf", PDF),
    )
    return {"clerk": clerk, "document": document}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_links_a_document_task_to_the_documents_page(registered: dict[str, Any]) -> None:
    document = registered["document"]
    task = Task.objects.filter(instance=document.instance, status=TaskStatus.OPEN).select_related("assignee").first()
    assert task is not None
    page = _client(task.assignee).get(reverse("approvals:inbox")).content.decode()
    assert reverse("documents:incoming", args=[document.pk]) in page
    assert reverse("approvals:instance", args=[document.instance_id]) not in page


def test_a_document_notification_opens_the_documents_page(registered: dict[str, Any]) -> None:
    document = registered["document"]
    deliver_outbox_now()
    notice = Notification.objects.filter(url=f"/workflow/instances/{document.instance_id}/").first()
    assert notice is not None
    response = _client(notice.user).get(reverse("approvals:notification_open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:incoming", args=[document.pk])


def test_instances_of_no_subject_have_no_domain_page(registered: dict[str, Any]) -> None:
    assert subjects.subject_of("expense-claim") is None
    assert subjects.pages_of([(1, "expense-claim")]) == {}


def test_each_document_subject_links_to_its_page_in_its_own_words(registered: dict[str, Any]) -> None:
    assert subjects.label_of("doc-incoming") == "到收文页面办理"
    assert subjects.label_of("doc-outgoing") == "到发文页面办理"
    document = registered["document"]
    html = _client(registered["clerk"]).get(reverse("approvals:instance", args=[document.instance_id])).content
    link = html.decode().split('id="domain-page"', 1)[1].split("</a>", 1)[0]
    assert reverse("documents:incoming", args=[document.pk]) in link
    assert "到收文页面办理" in link
    assert "到公文页面办理" not in html.decode()


def test_a_subject_label_is_read_in_the_readers_language(registered: dict[str, Any]) -> None:
    from django.utils import translation

    subjects.register(prefix="test-subject-", pages=lambda ids: {}, label=gettext_lazy("打印"))
    try:
        with translation.override("en"):
            assert subjects.label_of("test-subject-1") == "Print"  # lazy: translated when read, not registered
        assert subjects.label_of("test-subject-1") == "打印"
    finally:
        subjects._SUBJECTS.pop("test-subject-")
    subjects.register(prefix="test-bare-", pages=lambda ids: {})
    try:
        assert subjects.label_of("test-bare-1") == str(subjects.DEFAULT_LABEL)  # no label of its own
    finally:
        subjects._SUBJECTS.pop("test-bare-")
