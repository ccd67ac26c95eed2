"""OIDC sign-in against a small real provider served in-process (discovery, authorize, token, JWKS).

The provider is a plain ``http.server`` on a loopback port. It signs its id_tokens with joserfc (another
library than the PyJWT the sign-in uses to check them), checks the client's secret, the redirect address and
the PKCE verifier, and can be told to sign with a foreign key or for another audience.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import RSAKey

from sanfu.accounts.models import User
from sanfu.core.models import AuditRecord
from tests.conftest import make_user

CLIENT_ID = "sanfu-oa"
CLIENT_SECRET = "client-Secret-for-tests-2026"
OIDC_BACKEND = "sanfu.accounts.directory.oidc.DirectoryOIDCBackend"


class Provider:
    """What the provider knows: its key, the codes it handed out, and how the next token should be made."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "sanfu-test", "use": "sig", "alg": "RS256"})
        self.issuer = ""
        self.codes: dict[str, dict[str, Any]] = {}
        self.subject: dict[str, Any] = {}
        self.audience = CLIENT_ID
        self.signing_key = self.key

    def reset(self, **claims: Any) -> None:
        self.subject = {"sub": "u-1", **claims}
        self.audience = CLIENT_ID
        self.signing_key = self.key

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            **self.subject,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
        }
        return jwt.encode({"alg": "RS256", "kid": "sanfu-test"}, claims, self.signing_key)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any] | None = None, location: str = "") -> None:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            payload = json.dumps(body or {}).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._send(
                    200,
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "jwks_uri": f"{provider.issuer}/jwks",
                        "response_types_supported": ["code"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                    },
                )
            elif url.path == "/jwks":
                self._send(200, {"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":  # the person has signed in at the provider
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
                    self._send(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                answer = urlencode({"code": code, "state": query["state"]})
                self._send(302, location=f"{query['redirect_uri']}?{answer}")
            else:
                self._send(404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            asked = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (
                self.path != "/token"
                or asked is None
                or form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or form.get("redirect_uri") != asked["redirect_uri"]
                or challenge != asked["code_challenge"]
            ):
                self._send(400, {"error": "invalid_grant"})
                return
            self._send(
                200,
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "id_token": provider.id_token(asked["nonce"]),
                },
            )

    return Handler


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def oidc(provider: Provider, settings: Any) -> Provider:
    settings.SANFU_OIDC_ISSUER = provider.issuer
    settings.SANFU_OIDC_CLIENT_ID = CLIENT_ID
    settings.SANFU_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
    provider.reset(preferred_username="zhangsan", name="张三", email="zhangsan@sanfu.test")
    return provider


def _round_trip(client: Client) -> Any:
    """The browser's way: Sanfu sends it to the provider, the provider sends it back with a code."""
    start = client.get(reverse("accounts:oidc_login"))
    assert start.status_code == 302

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(start["Location"], timeout=10)  # our own provider on loopback
    except urllib.error.HTTPError as answer:
        back = urlsplit(answer.headers["Location"])
    else:
        pytest.fail("the provider did not redirect back")
    assert back.path == reverse("accounts:oidc_callback")
    return client.get(f"{back.path}?{back.query}")


def _signed_in(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def test_the_login_page_offers_the_button_only_when_configured(db: None, provider: Provider, settings: Any) -> None:
    assert "使用统一身份认证登录" not in Client().get(reverse("accounts:login")).content.decode()
    for name in ("accounts:oidc_login", "accounts:oidc_callback"):
        assert Client().get(reverse(name))["Location"] == reverse("accounts:login")
    settings.SANFU_OIDC_ISSUER = provider.issuer
    settings.SANFU_OIDC_CLIENT_ID = CLIENT_ID
    assert "使用统一身份认证登录" in Client().get(reverse("accounts:login")).content.decode()


def test_a_full_authorization_code_round_trip_signs_the_person_in(db: None, oidc: Provider) -> None:
    user = make_user("zhangsan")
    client = Client()
    start = client.get(reverse("accounts:oidc_login"))
    asked = parse_qs(urlsplit(start["Location"]).query)
    assert start["Location"].startswith(f"{oidc.issuer}/authorize?")
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["nonce"]
    assert asked["state"]

    response = _round_trip(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert _signed_in(client) == user.pk
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditRecord.objects.filter(action="auth.login", outcome="success", actor_id=user.pk).exists()


def test_a_token_signed_by_another_key_is_refused(db: None, oidc: Provider) -> None:
    make_user("zhangsan")
    oidc.signing_key = RSAKey.generate_key(2048, parameters={"kid": "sanfu-test", "use": "sig", "alg": "RS256"})
    client = Client()
    response = _round_trip(client)
    assert response["Location"] == reverse("accounts:login")
    assert _signed_in(client) is None
    assert AuditRecord.objects.filter(action="auth.oidc", outcome="failure").exists()


def test_a_token_for_another_audience_is_refused(db: None, oidc: Provider) -> None:
    make_user("zhangsan")
    oidc.audience = "another-application"
    client = Client()
    response = _round_trip(client)
    assert response["Location"] == reverse("accounts:login")
    assert _signed_in(client) is None
    refusal = AuditRecord.objects.get(action="auth.oidc")
    assert "audience" in refusal.detail["reason"].lower()


def test_an_administrator_cannot_sign_in_by_oidc(db: None, oidc: Provider, admins: dict[str, User]) -> None:
    oidc.reset(preferred_username="sysadmin")
    client = Client()
    response = _round_trip(client)
    assert response["Location"] == reverse("accounts:login")
    assert _signed_in(client) is None
    assert AuditRecord.objects.filter(action="auth.oidc", outcome="denied", actor_id=admins["sysadmin"].pk).exists()


def test_no_account_is_created_unless_the_setting_says_so(db: None, oidc: Provider, settings: Any) -> None:
    client = Client()
    assert _round_trip(client)["Location"] == reverse("accounts:login")
    assert not User.objects.filter(username="zhangsan").exists()

    settings.SANFU_OIDC_CREATE_USERS = True
    client = Client()
    assert _round_trip(client)["Location"] == reverse("web:home")
    created = User.objects.get(username="zhangsan")
    assert _signed_in(client) == created.pk
    assert (created.full_name, created.email, created.must_change_password) == ("张三", "zhangsan@sanfu.test", False)
    assert not created.has_usable_password()
    assert AuditRecord.objects.filter(action="account.create", target=f"user:{created.pk}").exists()


def test_accounts_can_be_matched_by_employee_number(
    db: None, oidc: Provider, org: dict[str, Any], settings: Any
) -> None:
    clerk = org["clerk"]
    settings.SANFU_OIDC_MATCH_CLAIM = "employee_number"
    settings.SANFU_OIDC_MATCH_FIELD = "employee_no"
    oidc.reset(employee_number=clerk.staff.employee_no, preferred_username="someone-else")
    client = Client()
    assert _round_trip(client)["Location"] == reverse("web:home")
    assert _signed_in(client) == clerk.pk


def test_both_are_off_by_default_and_nothing_of_ldap_is_imported() -> None:
    """A fresh process without SANFU_LDAP_URI / SANFU_OIDC_ISSUER: only the password backends, and neither
    python-ldap nor django-auth-ldap loaded by the URLs, the worker's tasks or a sign-in page."""
    script = (
        "import sys, django; django.setup()\n"
        "import sanfu.config.urls, sanfu.accounts.tasks\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment\n"
        "setup_test_environment()\n"
        "Client().get('/accounts/login/')\n"
        "print(settings.AUTHENTICATION_BACKENDS, 'ldap' in sys.modules, 'django_auth_ldap' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANFU_LDAP_", "SANFU_OIDC_"))}
    env["DJANGO_SETTINGS_MODULE"] = "sanfu.config.test_settings"
    result = subprocess.run(  # noqa: S603  # our own interpreter on a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last == "['axes.backends.AxesStandaloneBackend', 'django.contrib.auth.backends.ModelBackend'] False False"
