"""A domain that registers a subject (公文) is opened on its own page from the inbox and from notifications;
other instances open the 审批中心's instance page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

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
