"""The one-time notification (page and PDF) and the start page's previews follow the start page's rule: only
someone who may start the matter sees them. The PDF is made once per matter, definition version, language
and content, then served from the cache (security issue, hole 13)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from sanfu.approvals.models import MatterType
from sanfu.workflow.models import ProcessDefinition
from sanfu.workflow.services import definition_publish

PAGES = [
    ("get", "/approvals/matters/expense/notice/"),
    ("get", "/approvals/matters/expense/notice.pdf"),
    ("get", "/approvals/matters/expense/start/"),
    ("post", "/approvals/matters/expense/preview/"),
    ("post", "/approvals/matters/expense/path/"),
]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_a_matter_hidden_by_its_roles_is_404_on_every_page_of_it(demo, login, method, url):
    matter = demo["matters"]["expense"]
    matter.start_roles = ["no-such-role"]
    matter.save(update_fields=["start_roles"])
    response = getattr(login(demo["people"]["staff"]), method)(url)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_someone_who_may_start_it_sees_every_page(demo, login, method, url):
    response = getattr(login(demo["people"]["staff"]), method)(url)
    assert response.status_code == 200


def test_an_inactive_matter_is_404(demo, login):
    MatterType.objects.filter(code="expense").update(is_active=False)
    assert login(demo["people"]["staff"]).get("/approvals/matters/expense/notice/").status_code == 404


def test_the_notice_pdf_is_made_once_and_then_served_from_the_cache(demo, login):
    client = login(demo["people"]["staff"])
    first = client.get("/approvals/matters/expense/notice.pdf")
    assert first["X-Sanfu-Cache"] == "miss"
    assert first.content.startswith(b"%PDF")
    second = client.get("/approvals/matters/expense/notice.pdf")
    assert second["X-Sanfu-Cache"] == "hit"
    assert second.content == first.content
    # The cached object is the PDF itself, under a key naming the matter and its definition's version
    # (the test settings keep Django's default local-memory cache, whose keys are ":1:<key>").
    matter = demo["matters"]["expense"]
    (key,) = [k for k in cache._cache if f"notice-pdf:{matter.pk}:v" in k]  # type: ignore[attr-defined]
    assert cache.get(key.split(":", 2)[2]) == first.content


def test_a_new_definition_version_or_another_language_makes_a_new_pdf(demo, login):
    client = login(demo["people"]["staff"])
    assert client.get("/approvals/matters/expense/notice.pdf")["X-Sanfu-Cache"] == "miss"
    assert client.get("/approvals/matters/expense/notice.pdf")["X-Sanfu-Cache"] == "hit"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switcher's choice
    assert client.get("/approvals/matters/expense/notice.pdf")["X-Sanfu-Cache"] == "miss"
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert client.get("/approvals/matters/expense/notice.pdf")["X-Sanfu-Cache"] == "hit"
    latest = ProcessDefinition.objects.filter(key=demo["matters"]["expense"].definition_key).order_by("-version")[0]
    definition_publish(actor=None, spec=latest.spec)  # the same process, one version on
    assert client.get("/approvals/matters/expense/notice.pdf")["X-Sanfu-Cache"] == "miss"


def test_an_edited_matter_is_never_served_stale(demo, login):
    client = login(demo["people"]["staff"])
    before = client.get("/approvals/matters/expense/notice.pdf")
    matter = MatterType.objects.get(code="expense")
    matter.materials = [{**m, "name": f"{m['name']}（新）"} for m in matter.materials]
    matter.save(update_fields=["materials"])
    after = client.get("/approvals/matters/expense/notice.pdf")
    assert after["X-Sanfu-Cache"] == "miss"
    assert after.content != before.content
