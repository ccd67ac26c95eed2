"""流程效能评估 as a 报告 (.docx in the national layout): the month's figures of the page, told in sections, for
the unit's office and leaders; anyone else gets a 404 and a wrong month a clear 400."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from tests.insights.conftest import at

pytestmark = pytest.mark.django_db

DOCX = reverse("insights:review_docx")


@pytest.fixture(autouse=True)
def _november() -> Iterator[None]:
    with time_machine.travel(at(11, 5, 9), tick=True):
        yield


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_the_office_downloads_the_months_report(scene: dict[str, Any], login: Any) -> None:
    response = login(scene["office_head"]).get(DOCX, {"month": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in response["Content-Disposition"]
    text = _text(response.content)
    assert "关于2026年10月流程运行效能评估情况的报告" in text
    assert "本月办结流程5件（同意4件）" in text  # A, B, E, F approved; D rejected (tests/insights/conftest.py)
    assert "按时率80%" in text
    assert "1. 采购申请：办结4件" in text  # the matter with the most first
    assert "缺发票" in text  # B's return, with its reason
    assert "另一公司" not in text  # X is another unit's


def test_the_review_page_offers_the_report(scene: dict[str, Any], login: Any) -> None:
    page = login(scene["gm"]).get(reverse("insights:review"), {"month": "2026-10"}).content.decode()
    assert f"{DOCX}?month=2026-10" in page


def test_a_stranger_gets_a_404_and_a_wrong_month_a_400(scene: dict[str, Any], login: Any) -> None:
    assert login(scene["accountant"]).get(DOCX, {"month": "2026-10"}).status_code == 404
    response = login(scene["office_head"]).get(DOCX, {"month": "2026-13"})
    assert response.status_code == 400
    assert "年-月" in response.content.decode()
