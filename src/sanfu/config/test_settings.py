"""Settings for the test suite: the production module, with a throwaway key and test databases.

``SANFU_TEST_DATABASE_URL`` picks the database (SQLite in a temporary file by default).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SANFU_SECRET_KEY", "test-only-key-" + "x" * 50)
os.environ.setdefault("SANFU_AUDIT_KEY", "test-only-audit-key-" + "y" * 40)
os.environ.setdefault("SANFU_SIGNING_KEY", "test-only-signing-key-" + "z" * 40)
os.environ.setdefault("SANFU_FIELD_KEY", "test-only-field-key-" + "f" * 40)
# Per test process, so that parallel runs never read each other's anchors; tests that anchor use their own file.
os.environ.setdefault(
    "SANFU_AUDIT_ANCHOR_FILE", os.path.join(tempfile.gettempdir(), f"sanfu-test-anchors-{os.getpid()}.jsonl")
)
os.environ["SANFU_DATABASE_URL"] = os.environ.get("SANFU_TEST_DATABASE_URL", "sqlite:///:memory:")
os.environ.setdefault("SANFU_HOME", tempfile.gettempdir())

from sanfu.config.settings import *  # noqa: F403
from sanfu.config.settings import HUEY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405  # fast tests
HUEY["immediate"] = True
SECURE_SSL_REDIRECT = False
# Runs side by side (scripts/test.sh) keep their uploads apart; the servers a test starts inherit the variable.
if os.environ.get("SANFU_TEST_MEDIA_ROOT"):
    MEDIA_ROOT = Path(os.environ["SANFU_TEST_MEDIA_ROOT"])

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: concurrency tests need several connections to see one database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"sanfu-test-{os.getpid()}.sqlite3")
    }

# A read replica for the router's tests (tests/deploy/test_replica_router.py): a second database of its own name,
# created only for the tests that ask for it; they copy the primary into it. No router unless a test sets one.
DATABASES["replica"] = {**DATABASES["default"], "NAME": f"{DATABASES['default']['NAME']}_replica"}  # noqa: F405
# Not migrated: the tests copy the primary over it (its tables made from the models meanwhile).
DATABASES["replica"]["TEST"] = {"MIGRATE": False}  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["replica"]["TEST"]["NAME"] = os.path.join(  # noqa: F405
        tempfile.gettempdir(), f"sanfu-test-{os.getpid()}-replica.sqlite3"
    )
