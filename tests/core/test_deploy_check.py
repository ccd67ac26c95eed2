"""The production settings pass ``check --deploy`` and the environment parsers refuse bad values."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from sanfu.config import env


def test_check_deploy_is_clean(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()  # the worker's queue file lives here (created by `make run` in practice)
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*(-_=+)"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_DEBUG": "0",
        "SANFU_ALLOWED_HOSTS": "oa.example.com",
        "SANFU_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "SANFU_HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_HOME": str(tmp_path),
        "SANFU_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SANFU_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    """The audit chain has a key of its own: the secret key (which every app server holds) is not reused."""
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_HOME": str(tmp_path),
        "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
        "SANFU_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SANFU_AUDIT_KEY" in result.stderr


def test_production_refuses_to_start_without_a_signing_key(tmp_path: Path) -> None:
    """The 签发 digests of 发文 are keyed with a key of their own, outside the database (security issue, hole 8)."""
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_HOME": str(tmp_path),
        "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SANFU_SIGNING_KEY" in result.stderr
    key_file = tmp_path / "signing_key"
    key_file.write_text(secrets.token_urlsafe(40), encoding="utf-8")
    environ["SANFU_SIGNING_KEY_FILE"] = str(key_file)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_boolean_rejects_maybe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANFU_X_FLAG", "maybe")
    with pytest.raises(env.ConfigError, match="SANFU_X_FLAG"):
        env.boolean("SANFU_X_FLAG", False)
    for text, value in [("yes", True), ("0", False), ("ON", True), ("", False)]:
        monkeypatch.setenv("SANFU_X_FLAG", text)
        assert env.boolean("SANFU_X_FLAG", not value) is value


def test_integer_rejects_non_numbers_and_small_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANFU_X_COUNT", "x")
    with pytest.raises(env.ConfigError, match="SANFU_X_COUNT"):
        env.integer("SANFU_X_COUNT", 3)
    monkeypatch.setenv("SANFU_X_COUNT", "0")
    with pytest.raises(env.ConfigError, match="SANFU_X_COUNT"):
        env.integer("SANFU_X_COUNT", 3, minimum=1)
    monkeypatch.setenv("SANFU_X_COUNT", " 7 ")
    assert env.integer("SANFU_X_COUNT", 3) == 7


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://", "postgresql://h:5432/", "ftp://x"])
def test_database_url_is_checked(url: str) -> None:
    with pytest.raises(env.ConfigError, match="database URL"):
        env.database(url)


def test_database_urls_parse() -> None:
    assert env.database("sqlite:///var/x.db")["NAME"] == "var/x.db"
    pg = env.database("postgresql://sanfu:p%40ss@db.example.com:5433/oa")
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "sanfu",
        "p@ss",
        "db.example.com",
        "5433",
        "oa",
    )


def test_secret_key_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("from-a-file-0123456789\n", encoding="utf-8")
    monkeypatch.setenv("SANFU_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SANFU_SECRET_KEY_FILE", str(secret))
    assert env.raw("SANFU_SECRET_KEY") == "from-a-file-0123456789"
    monkeypatch.setenv("SANFU_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(env.ConfigError, match="SANFU_SECRET_KEY_FILE"):
        env.raw("SANFU_SECRET_KEY")


@pytest.mark.parametrize(("https", "secure"), [(None, "True True True"), ("0", "False False True")])
def test_plain_http_is_only_for_a_local_demo_and_only_when_asked(
    tmp_path: Path, https: str | None, secure: str
) -> None:
    """``make run`` serves with DEBUG off on http://127.0.0.1 (SANFU_HTTPS=0); without it, transport security
    is on whenever DEBUG is off."""
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_DEBUG": "0",
        "SANFU_HOME": str(tmp_path),
        **({"SANFU_HTTPS": https} if https is not None else {}),
    }
    code = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.DEBUG is False)"
    )
    result = subprocess.run(  # noqa: S603  # our own interpreter running a fixed snippet
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == secure
