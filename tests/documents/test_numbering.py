"""文号: per prefix and year, no leading zeros, never duplicated under concurrency (threads, on SQLite and
PostgreSQL), and gaps only through an audited void that keeps the number recorded and never reuses it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, connections, transaction

from sanfu.core.errors import ApplicationError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from sanfu.documents import services
from sanfu.documents.models import DocumentNumber, NumberStatus
from tests.conftest import make_user


@pytest.mark.django_db(transaction=True)
def test_numbers_are_never_duplicated_under_concurrency() -> None:
    actor = make_user("numberer")
    claimed: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def claim() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                number = services.number_claim(actor=actor, prefix="贵港发电", year=2026)
                with lock:
                    claimed.append(number.text)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(claimed) == 30
    assert len(set(claimed)) == 30
    assert sorted(DocumentNumber.objects.values_list("seq", flat=True)) == list(range(1, 31))  # no gaps either
    assert "贵港发电〔2026〕7号" in claimed  # no leading zeros


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_number() -> None:
    actor = make_user("numberer")
    DocumentNumber.objects.create(prefix="P", year=2026, seq=1, assigned_by=actor)
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentNumber.objects.create(prefix="P", year=2026, seq=1, assigned_by=actor)


def test_numbers_run_per_prefix_and_year(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    assert services.number_claim(actor=clerk, prefix="贵港发电", year=2026).text == "贵港发电〔2026〕1号"
    assert services.number_claim(actor=clerk, prefix="贵港发电办", year=2026).text == "贵港发电办〔2026〕1号"
    assert services.number_claim(actor=clerk, prefix="贵港发电", year=2027).text == "贵港发电〔2027〕1号"
    assert services.number_claim(actor=clerk, prefix="贵港发电", year=2026).text == "贵港发电〔2026〕2号"


def test_a_voided_number_is_audited_kept_and_never_reused(org: dict[str, Any]) -> None:
    clerk = org["people"]["clerk"]
    first = services.number_claim(actor=clerk, prefix="贵港发电", year=2026)
    with pytest.raises(PermissionDeniedError):
        services.number_void(actor=org["people"]["staff"], number_id=first.pk, reason="误取")
    with pytest.raises(ApplicationError):
        services.number_void(actor=clerk, number_id=first.pk, reason="  ")
    services.number_void(actor=clerk, number_id=first.pk, reason="误取号，文件未印发")
    first.refresh_from_db()
    assert first.status == NumberStatus.VOID
    assert first.void_reason == "误取号，文件未印发"
    assert first.voided_by == clerk
    audit = AuditRecord.objects.filter(action="documents.number.void").get()
    assert audit.detail["number"] == "贵港发电〔2026〕1号"
    assert audit.detail["reason"] == "误取号，文件未印发"
    with pytest.raises(ApplicationError):
        services.number_void(actor=clerk, number_id=first.pk, reason="再次作废")
    assert services.number_claim(actor=clerk, prefix="贵港发电", year=2026).seq == 2  # the gap stays
    assert DocumentNumber.objects.filter(prefix="贵港发电", year=2026).count() == 2


def test_voiding_a_documents_number_numbers_it_afresh(org: dict[str, Any]) -> None:
    from tests.documents.test_outgoing import draft, take_to_signoff

    clerk = org["people"]["clerk"]
    document = take_to_signoff(org, draft(org))
    document = services.outgoing_assign_number(actor=clerk, document_id=document.pk, year=2026)
    number = DocumentNumber.objects.get(document=document)
    services.number_void(actor=clerk, number_id=number.pk, reason="编号时选错年度")
    document.refresh_from_db()
    assert document.number == ""
    again = services.number_claim(actor=clerk, prefix=document.prefix, year=2026, document=document)
    assert again.seq == 2
