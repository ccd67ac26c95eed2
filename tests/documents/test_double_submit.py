"""Double clicks and simultaneous submits on the 公文 forms, with real threads on SQLite and PostgreSQL: 编号
claims the number and sets it on the document under one guard (the loser is told, and consumes no
number); every create and step form carries a one-time token, so a doubled submit applies once and
shows the same result; two registrations of one incoming document at the same moment flag each other."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from sanfu.accounts.models import User
from sanfu.core.errors import ConflictError
from sanfu.core.models import AuditRecord
from sanfu.documents import selectors, services
from sanfu.documents.models import (
    DocKind,
    DocumentNumber,
    IncomingDocument,
    NumberCounter,
    OutgoingDocument,
    OutgoingRevision,
)
from sanfu.workflow.models import InstanceEvent
from tests.documents.conftest import client_for
from tests.documents.test_outgoing import draft, take_to_signoff
from tests.workflow.test_concurrency import race

threaded = pytest.mark.django_db(transaction=True)


def _other_clerk(org: dict[str, Any]) -> User:
    clerk = org["people"]["clerk"]
    return next(
        u
        for u in User.objects.filter(is_active=True).exclude(pk=clerk.pk).order_by("pk")
        if selectors.is_office(u) and u.username not in {"sysadmin", "secadmin", "auditor"}
    )


def _incoming(org: dict[str, Any], **extra: Any) -> IncomingDocument:
    values = {
        "title": "关于迎峰度冬安全检查的通知",
        "source_unit": "华南能源集团",
        "source_number": "华南能源安〔2026〕45号",
    }
    return services.incoming_register(actor=org["people"]["clerk"], **{**values, **extra})


@threaded
def test_two_clerks_numbering_at_once_give_the_document_one_number(org: dict[str, Any]) -> None:
    clerk, other = org["people"]["clerk"], _other_clerk(org)
    document = take_to_signoff(org, draft(org))
    results = race(
        lambda: services.outgoing_assign_number(actor=clerk, document_id=document.pk, year=2026),
        lambda: services.outgoing_assign_number(actor=other, document_id=document.pk, year=2026),
    )
    winners = [r for r in results if isinstance(r, OutgoingDocument)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert "已编号为 贵港发电〔2026〕1号" in losers[0].message  # told what happened, in words
    document.refresh_from_db()
    assert document.number == "贵港发电〔2026〕1号"
    assert list(DocumentNumber.objects.values_list("seq", "document_id")) == [(1, document.pk)]
    assert NumberCounter.objects.get(prefix="贵港发电", year=2026).last == 1  # the loser consumed no number
    assert AuditRecord.objects.filter(action="documents.number.assign").count() == 1


@threaded
def test_a_double_click_on_numbering_applies_once_and_shows_the_same_result(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    document = take_to_signoff(org, draft(org))
    results = race(
        *[lambda: services.outgoing_assign_number(actor=clerk, document_id=document.pk, year=2026, token="t-1")] * 2
    )
    assert all(isinstance(r, OutgoingDocument) and r.pk == document.pk for r in results), results
    assert DocumentNumber.objects.count() == 1
    assert InstanceEvent.objects.filter(instance=document.instance, node="numbering", type="completed").count() <= 1
    document.refresh_from_db()
    assert document.number == "贵港发电〔2026〕1号"
    assert document.instance is not None
    assert [t.node for t in document.instance.tasks.filter(status="open")][:1] == ["issue"]


@threaded
def test_a_doubled_incoming_registration_creates_one_document(org: dict[str, Any]) -> None:
    results = race(*[lambda: _incoming(org, token="reg-1")] * 3)
    assert all(isinstance(r, IncomingDocument) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert IncomingDocument.objects.count() == 1
    assert AuditRecord.objects.filter(action="documents.incoming.register").count() == 1


@threaded
def test_registrations_of_one_document_at_the_same_moment_flag_each_other(org: dict[str, Any]) -> None:
    results = race(*[lambda: _incoming(org)] * 3)
    assert all(isinstance(r, IncomingDocument) for r in results), results
    documents = list(IncomingDocument.objects.order_by("pk"))
    assert len(documents) == 3  # the office decides; nothing is refused
    assert [d.duplicate_of_id for d in documents] == [None, documents[0].pk, documents[0].pk]


@threaded
def test_a_doubled_draft_creates_one_outgoing_document(org: dict[str, Any]) -> None:
    results = race(*[lambda: draft(org, token="draft-1")] * 2)
    assert all(isinstance(r, OutgoingDocument) for r in results), results
    assert OutgoingDocument.objects.count() == 1
    assert OutgoingRevision.objects.count() == 1


def _token(page: str) -> str:
    found = re.findall(r'name="submit_token" value="([^"]+)"', page)
    assert found, "the form carries its one-time token"
    return found[0]


def test_every_form_carries_a_fresh_token_and_a_resubmit_of_the_page_applies_once(org: dict[str, Any]) -> None:
    clerk = client_for(org["people"]["clerk"])
    page = clerk.get(reverse("documents:incoming_new")).content.decode()
    token = _token(page)
    assert _token(clerk.get(reverse("documents:incoming_new")).content.decode()) != token
    form = {
        "title": "关于统计年报的函",
        "source_unit": "贵港市统计局",
        "source_number": "贵统函〔2026〕18号",
        "urgency": "平急",
        "confidentiality": "internal",
        "pages": "2",
        "submit_token": token,
    }
    first = clerk.post(reverse("documents:incoming_new"), form)
    second = clerk.post(reverse("documents:incoming_new"), form)
    assert IncomingDocument.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_a_repeated_step_submit_shows_the_same_result_not_an_error(org: dict[str, Any]) -> None:
    document = draft(org, kind=DocKind.NOTICE)
    clerk = client_for(org["people"]["clerk"])
    page = clerk.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    review_form = page[page.index('id="form-review"') :]
    token = _token(review_form)
    url = reverse("documents:outgoing_act", args=[document.pk, "review"])
    clerk.post(url, {"comment": "核稿通过", "submit_token": token}, follow=True)
    again = clerk.post(url, {"comment": "核稿通过", "submit_token": token}, follow=True)
    messages = [str(m) for m in again.context["messages"]]
    assert messages == ["已办理。"]
    assert InstanceEvent.objects.filter(instance=document.instance, node="review", type="completed").count() == 1
