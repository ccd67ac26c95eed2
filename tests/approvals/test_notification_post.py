"""Security issue, hole 12: opening a notice marks it read only by a POST with the CSRF token. A GET of
``notifications/<id>/open/`` — a link from another site, a mail scanner, a prefetch — still leads to the
notice's page but writes nothing; the list opens each notice with a small form that posts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanfu.core.models import Notification
from tests.browser import sign_in

TARGET = "/approvals/inbox/"


def _notice(user: Any, title: str = "请审批：年假五天") -> Notification:
    return Notification.objects.create(key=f"n-{title}", user=user, kind="task", title=title, url=TARGET)


def _read_at(notice: Notification) -> Any:
    return Notification.objects.get(pk=notice.pk).read_at


def test_a_get_of_a_notification_link_leads_to_its_page_and_marks_nothing_read(org, login):
    notice = _notice(org["section_head"])
    response = login(org["section_head"]).get(reverse("approvals:notification_open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == TARGET
    assert _read_at(notice) is None


def test_opening_a_notification_with_a_post_marks_it_read_and_leads_to_its_page(org, login):
    notice = _notice(org["section_head"])
    response = login(org["section_head"]).post(reverse("approvals:notification_open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == TARGET
    assert _read_at(notice) is not None


def test_the_list_opens_each_notice_with_a_form_that_posts_with_the_csrf_token(org, login):
    notice = _notice(org["section_head"])
    page = login(org["section_head"]).get(reverse("approvals:notifications")).content.decode()
    action = reverse("approvals:notification_open", args=[notice.pk])
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form is not None, "the notice is not opened by a POST form"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert notice.title in form.group(1)
    assert f'href="{action}"' not in page  # no plain link that would open it by GET
    assert _read_at(notice) is None  # showing the list reads nothing either


def test_neither_a_cross_site_link_nor_a_post_without_the_token_marks_a_notice_read(org):
    notice = _notice(org["section_head"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(org["section_head"])
    url = reverse("approvals:notification_open", args=[notice.pk])
    assert client.get(url, headers={"referer": "https://elsewhere.example/"}).status_code == 302
    assert client.post(url).status_code == 403
    assert _read_at(notice) is None


def test_someone_elses_notification_is_not_found_by_get_or_post(org, login):
    notice = _notice(org["section_head"])
    other = login(org["clerk"])
    url = reverse("approvals:notification_open", args=[notice.pk])
    assert other.get(url).status_code == 404
    assert other.post(url).status_code == 404
    assert _read_at(notice) is None


@pytest.mark.browser
def test_clicking_a_notice_in_the_list_opens_its_page_and_marks_it_read(app_server, org, browser):
    notice = _notice(org["section_head"])
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, app_server, "section_head")
    page.goto(f"{app_server}{reverse('approvals:notifications')}")
    page.click(f"[data-notification='{notice.pk}'] button")
    page.wait_for_url(f"{app_server}{TARGET}")
    assert _read_at(notice) is not None
    page.goto(f"{app_server}{reverse('approvals:notifications')}")
    assert "未读" not in page.locator(f"[data-notification='{notice.pk}']").inner_text()
    context.close()
