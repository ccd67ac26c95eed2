"""API tokens: shown once, hashed at rest, scoped, expiring, revocable, audited; refused to accounts that sign
in with a second factor."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.api.models import ApiToken
from sanfu.api.tokens import token_issue, token_revoke
from sanfu.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from sanfu.core.models import AuditRecord
from tests.api.conftest import ApiClient


def test_the_secret_is_returned_once_and_only_its_digest_is_stored(demo):
    token, raw = token_issue(actor=demo["people"]["staff"], name="报表", scopes=["approvals:read"], days=30)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw.startswith("sf_")
    assert len(raw) > 40
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().first())
    assert AuditRecord.objects.filter(action="api.token.issue", target="user:staff").exists()


def test_a_token_acts_as_its_holder_within_its_scopes(demo):
    _token, raw = token_issue(actor=demo["people"]["staff"], name="报表", scopes=["approvals:read"], days=30)
    client = ApiClient(raw)
    me = client.get("/me")
    assert me.status_code == 200
    assert me.json()["username"] == "staff"
    assert me.json()["scopes"] == ["approvals:read"]
    assert client.get("/approvals/inbox").status_code == 200
    refused = client.get("/org/units")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "org:read" in refused.json()["error"]["message"]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer sf_nonsense", "Basic c3RhZmY6U2FuZnVAMjAyNg=="])
def test_no_token_or_a_wrong_one_is_a_401_in_the_envelope(demo, client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/approvals/inbox", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_session_alone_does_not_open_the_api(demo, client):
    client.force_login(demo["people"]["staff"])
    assert client.get("/api/v1/approvals/inbox").status_code == 401


def test_revoked_and_expired_tokens_and_disabled_holders_are_refused(demo):
    staff = demo["people"]["staff"]
    revoked, raw_revoked = token_issue(actor=staff, name="a", scopes=["approvals:read"], days=30)
    token_revoke(actor=staff, token_id=revoked.pk)
    assert ApiClient(raw_revoked).get("/me").status_code == 401
    assert AuditRecord.objects.filter(action="api.token.revoke").exists()

    old, raw_old = token_issue(actor=staff, name="b", scopes=["approvals:read"], days=1)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(raw_old).get("/me").status_code == 401

    _live, raw_live = token_issue(actor=staff, name="c", scopes=["approvals:read"], days=1)
    assert ApiClient(raw_live).get("/me").status_code == 200
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert ApiClient(raw_live).get("/me").status_code == 401


def test_only_the_holder_revokes_a_personal_token(demo):
    token, _raw = token_issue(actor=demo["people"]["staff"], name="a", scopes=["approvals:read"], days=30)
    with pytest.raises(NotFoundError):
        token_revoke(actor=demo["people"]["clerk"], token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize(
    ("name", "scopes", "days"),
    [
        ("", ["approvals:read"], 30),
        ("x", [], 30),
        ("x", ["nope:all"], 30),
        ("x", ["approvals:read"], 0),
        ("x", ["approvals:read"], 10_000),
    ],
)
def test_bad_token_requests_are_refused_with_the_field_named(demo, name, scopes, days):
    with pytest.raises(ApplicationError) as refused:
        token_issue(actor=demo["people"]["staff"], name=name, scopes=scopes, days=days)
    assert refused.value.errors
    assert ApiToken.objects.count() == 0


def test_accounts_that_need_a_second_factor_get_no_token(demo):
    with pytest.raises(PermissionDeniedError):
        token_issue(actor=demo["people"]["flowadmin"], name="x", scopes=["approvals:read"], days=30)


def test_only_the_system_administrator_issues_a_token_for_another_account(demo):
    sysadmin = User.objects.get(username="sysadmin")
    with pytest.raises(PermissionDeniedError):
        token_issue(
            actor=demo["people"]["clerk"], holder=demo["people"]["staff"], name="x", scopes=["org:read"], days=30
        )
    token, _raw = token_issue(
        actor=sysadmin, holder=demo["people"]["staff"], name="财务系统", scopes=["org:read"], days=30
    )
    assert token.kind == "integration"
    token_revoke(actor=sysadmin, token_id=token.pk)


def test_the_token_page_shows_the_secret_once_and_lists_only_its_digest_prefix(demo, client):
    client.force_login(demo["people"]["staff"])
    page = client.post("/tokens/", {"name": "我的脚本", "scopes": ["approvals:read"], "days": "30"})
    assert page.status_code == 200
    token = ApiToken.objects.get()
    secret = page.context["secret"]
    assert secret.startswith(token.prefix)
    assert secret in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    again = client.get("/tokens/").content.decode()
    assert secret not in again
    assert token.prefix in again
    client.post("/tokens/revoke/", {"token": token.pk})
    assert ApiToken.objects.get().revoked_at is not None


def test_the_token_page_refuses_bad_input_without_creating_anything(demo, client):
    client.force_login(demo["people"]["staff"])
    page = client.post("/tokens/", {"name": "", "scopes": ["nope"], "days": "x"})
    assert page.status_code == 200
    assert ApiToken.objects.count() == 0
    assert client.post("/tokens/revoke/", {"token": "abc"}).status_code == 302
