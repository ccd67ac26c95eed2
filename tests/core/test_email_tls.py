"""Mail to a server on another machine is encrypted by default (security issue, hole 13: SMTP TLS was off)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The settings module alone, in a fresh interpreter (its values are read from the environment at import); no
# django.setup(), which would load every app for nothing.
PRINT = (
    "import importlib, json; s = importlib.import_module('sanfu.config.settings'); "
    "print(json.dumps([s.EMAIL_USE_TLS, s.EMAIL_USE_SSL]))"
)


def _mail_settings(tmp_path: Path, **extra: str) -> list[bool]:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_DEBUG": "1",
        "SANFU_HOME": str(tmp_path),
        **extra,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", PRINT], env=environ, capture_output=True, text=True, timeout=120, check=True
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"SANFU_EMAIL_HOST": "smtp.example.com"}, [True, False]),
        ({}, [False, False]),  # the default local relay
        ({"SANFU_EMAIL_HOST": "127.0.0.1"}, [False, False]),
        ({"SANFU_EMAIL_HOST": "smtp.example.com", "SANFU_EMAIL_SSL": "1"}, [False, True]),
        ({"SANFU_EMAIL_HOST": "smtp.example.com", "SANFU_EMAIL_TLS": "0"}, [False, False]),
        ({"SANFU_EMAIL_HOST": "localhost", "SANFU_EMAIL_TLS": "1"}, [True, False]),
    ],
)
def test_tls_is_on_for_a_mail_server_elsewhere(tmp_path: Path, extra: dict[str, str], expected: list[bool]) -> None:
    assert _mail_settings(tmp_path, **extra) == expected
