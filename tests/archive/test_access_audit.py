"""Reads and downloads of 秘密/机密 records and access denials are audited, with the address the request
came from (security issue, hole 7; AU-1, AU-2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sanfu.accounts.models import User
from sanfu.core.models import AuditRecord
from tests.archive.test_archive import _archive, _paths
from tests.conftest import make_department, make_staff, make_unit

pytestmark = pytest.mark.django_db


def test_every_read_of_a_secret_record_is_audited(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    record = _archive(org, confidentiality="secret", owner_id=org["clerk"].pk)
    client = login(org["clerk"])
    for url in _paths(record):
        assert client.get(url, REMOTE_ADDR="10.2.3.4").status_code == 200, url
    rows = AuditRecord.objects.filter(
        target=f"archive:{record.pk}", actor_id=org["clerk"].pk, action__startswith="classified."
    )
    assert sorted(rows.values_list("action", flat=True)) == [
        "classified.download",
        "classified.export",
        "classified.read",
    ]
    assert set(rows.values_list("ip_address", flat=True)) == {"10.2.3.4"}
    assert all(r.detail == {"level": "secret"} for r in rows)


def test_reading_a_public_record_is_not_a_security_event(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    record = _archive(org, confidentiality="public")
    login(org["accountant"]).get(_paths(record)[0])
    assert not AuditRecord.objects.filter(action__startswith="classified.").exists()
    assert not AuditRecord.objects.filter(action="access.denied").exists()


def test_a_hidden_record_is_a_404_and_an_audited_denial(org: dict[str, Any], login: Callable[[User], Client]) -> None:
    record = _archive(org, confidentiality="confidential", owner_id=org["clerk"].pk)
    stranger = make_staff(make_department(make_unit("other", name="另一家公司"), "综合部"), username="stranger")
    client = login(stranger)
    assert client.get(_paths(record)[0], REMOTE_ADDR="10.9.9.9").status_code == 404
    denial = AuditRecord.objects.get(action="access.denied")
    assert (denial.actor_id, denial.outcome, denial.target, denial.ip_address) == (
        stranger.pk,
        "denied",
        f"archive:{record.pk}",
        "10.9.9.9",
    )
    # A record that does not exist at all is a plain 404, not a denial.
    assert client.get(_paths(record)[0].replace(str(record.pk), str(record.pk + 999))).status_code == 404
    assert AuditRecord.objects.filter(action="access.denied").count() == 1


def test_behind_a_trusted_proxy_the_forwarded_client_is_recorded(
    org: dict[str, Any], login: Callable[[User], Client], settings: Any
) -> None:
    """AU-2: with one proxy in front, the client is the last X-Forwarded-For entry; what the client wrote
    itself further left is not believed."""
    settings.SANFU_PROXY_COUNT = 1
    record = _archive(org, confidentiality="secret", owner_id=org["clerk"].pk)
    login(org["clerk"]).get(_paths(record)[0], REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert AuditRecord.objects.get(action="classified.read").ip_address == "203.0.113.7"
