"""The demo's 草稿推演 page is not empty: after the history, the purchase's 复核 (the advice's filing suggestion) is
saved as a draft and replayed over the last three months, once."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sanfu.accounts.models import User
from sanfu.demo.history import seed_history
from sanfu.demo.matters import seed_matters
from sanfu.demo.org import seed_demo
from sanfu.demo.whatif import seed_whatif
from sanfu.insights.models import WhatIfPrediction
from sanfu.workflow.models import DefinitionStatus, ProcessDefinition

pytestmark = pytest.mark.django_db


def test_the_demo_stores_one_prediction_for_a_draft_from_the_advice() -> None:
    seed_demo()
    seed_matters()
    seed_history(count=160, days=95, codes=["purchase", "seal"])
    assert seed_whatif() == 1
    prediction = WhatIfPrediction.objects.get()
    draft = ProcessDefinition.objects.get(key="purchase", status=DefinitionStatus.DRAFT)
    assert prediction.definition == draft
    assert next(n for n in draft.spec["nodes"] if n["id"] == "check")["kind"] == "filing"
    assert prediction.figures["instances"] > 0
    assert seed_whatif() == 0  # idempotent
    client = Client()
    client.force_login(User.objects.get(username="clerk"))
    page = client.get(reverse("insights:whatif"))
    assert page.status_code == 200
    assert 'id="whatif-predicted"' in page.content.decode()
