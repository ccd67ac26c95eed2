"""The data checklist of the security issue (12), one test (or a few) per item, through the public surface:

- DI-1: production settings pass ``check --deploy``; a response over HTTPS carries HSTS, the CSP and secure
  cookies (a subprocess with the production settings module, on the test database);
- DI-2: a signed-off 发文 whose text is changed in the database is neither downloaded nor archived;
- DI-3: mobile numbers are encrypted at rest under a key outside the database; the page shows them; a wrong
  key fails clearly; keys rotate;
- RI-1: no residual data: upload temp files removed after the request, sessions removed on sign-out, idle
  expiry and by the purge, classified pages and files not stored by the browser.

BK-1 (backup under load and a restore drill) is in ``tests/core/test_backup_drill.py``; ER-1 (四性检测 of the
archive export) in ``tests/archive/test_fourprops.py``.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.exceptions import FieldError
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from sanfu.accounts.models import User
from sanfu.archive.fourprops import dossier_check
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import ArchiveFileIn, archive_record, dossier_export
from sanfu.core import crypto
from sanfu.core.models import AuditRecord
from sanfu.core.tasks import purge_expired_sessions
from sanfu.demo.org import MAIN_UNIT_CODE, seed_demo
from sanfu.documents import services as documents
from sanfu.documents.flows import publish_definitions
from sanfu.documents.models import OutgoingDocument
from sanfu.org.models import Department, Staff
from sanfu.org.selectors import heads_of_departments
from tests.browser import database_url
from tests.conftest import PASSWORD, make_unit, make_user
from tests.documents.test_outgoing import draft, take_to_signoff

ROOT = Path(__file__).resolve().parents[2]
ENCRYPTED_MIGRATION = importlib.import_module("sanfu.org.migrations.0005_staff_mobile_encrypted")
MOBILE = "13912345678"


def _raw_mobile(staff_id: int) -> str:
    """The mobile column as the database holds it (what a copy, a dump or a replica shows)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM org_staff WHERE id = %s", [staff_id])
        return str(cursor.fetchone()[0])


# --- DI-1: deploy check, HSTS, secure cookies, CSP ---------------------------------------------------------

PRODUCTION_PROBE = """
import io, json
import django
django.setup()
from django.core.management import call_command
from django.test import Client

out = io.StringIO()
call_command("check", deploy=True, fail_level="WARNING", stdout=out)
client = Client(HTTP_HOST="oa.example.com")
plain = client.get("/accounts/login/")
page = client.get("/accounts/login/", secure=True)
signin = client.post("/accounts/login/", {"username": "zhang", "password": %(password)r}, secure=True)
home = client.get("/", secure=True)

def cookie(response, name):
    morsel = response.cookies.get(name)
    return morsel and {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
                       "samesite": morsel["samesite"]}

print(json.dumps({
    "check": out.getvalue(),
    "plain": [plain.status_code, plain.get("Location", "")],
    "page": {k: page.get(k, "") for k in ("Strict-Transport-Security", "Content-Security-Policy",
             "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")},
    "csrf_cookie": cookie(page, "sanfu_csrf"),
    "signin": signin.status_code,
    "session_cookie": cookie(signin, "sanfu_session"),
    "home": [home.status_code, home.get("Cache-Control", ""), home.get("Strict-Transport-Security", "")],
}))
"""


@pytest.mark.django_db(transaction=True)
def test_di1_production_settings_pass_the_deploy_check_and_send_hsts_csp_and_secure_cookies(tmp_path: Path) -> None:
    zhang = make_user("zhang")
    zhang.password = make_password(PASSWORD, hasher="argon2")  # a hasher the production settings know
    zhang.save(update_fields=["password"])
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",  # the production module, not the tests'
        "SANFU_DEBUG": "0",
        "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_FIELD_KEY": secrets.token_urlsafe(40),
        "SANFU_ALLOWED_HOSTS": "oa.example.com",
        "SANFU_DATABASE_URL": database_url(),  # the test database, where zhang was just created
        "SANFU_HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src"),
    }
    result = subprocess.run(  # noqa: S603  # our own interpreter running a fixed probe
        [sys.executable, "-c", PRODUCTION_PROBE % {"password": PASSWORD}],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert "no issues" in seen["check"]
    assert seen["plain"] == [301, "https://oa.example.com/accounts/login/"]  # plain HTTP goes to HTTPS
    headers = seen["page"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert seen["csrf_cookie"]["secure"]
    assert seen["signin"] == 302
    assert seen["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    status, cache_control, hsts = seen["home"]
    assert status == 200
    assert "no-store" in cache_control
    assert hsts.startswith("max-age=31536000")


def test_di1_production_refuses_to_start_without_a_field_key(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFU_")},
        "DJANGO_SETTINGS_MODULE": "sanfu.config.settings",
        "SANFU_HOME": str(tmp_path),
        "SANFU_SECRET_KEY": secrets.token_urlsafe(50),
        "SANFU_AUDIT_KEY": secrets.token_urlsafe(40),
        "SANFU_SIGNING_KEY": secrets.token_urlsafe(40),
        "SANFU_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"], env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode != 0
    assert "SANFU_FIELD_KEY" in result.stderr


# --- DI-2: signed-off text verified before every use --------------------------------------------------------


@pytest.fixture
def office(db: None) -> dict[str, Any]:
    """The demo organisation with the 公文 processes (as tests/documents use it)."""
    seed_demo()
    publish_definitions()
    people = {u.username: u for u in User.objects.filter(username__in=["gm", "deputy1", "office_head", "clerk"])}
    departments = {d.code: d for d in Department.objects.filter(unit__code=MAIN_UNIT_CODE)}
    by_id = heads_of_departments(departments.values())
    heads = {code: by_id[d.pk][0] for code, d in departments.items() if by_id[d.pk]}
    return {"people": people, "departments": departments, "heads": heads}


def _issued(office: dict[str, Any]) -> OutgoingDocument:
    clerk = office["people"]["clerk"]
    document = take_to_signoff(office, draft(office))
    documents.outgoing_assign_number(actor=clerk, document_id=document.pk, year=2026)
    return documents.outgoing_issue(
        actor=clerk, document_id=document.pk, departments=[office["departments"]["finance"]]
    )


def test_di2_tampered_signed_off_text_is_refused_for_download_and_archiving(office: dict[str, Any]) -> None:
    clerk = office["people"]["clerk"]
    intact, tampered = _issued(office), _issued(office)

    # Intact: archived, and its dossier passes the four-property check (ER-1 on a real 发文).
    documents.outgoing_archive(actor=clerk, document_id=intact.pk)
    record = ArchiveRecord.objects.get(source="documents.outgoing", source_id=intact.pk)
    report = dossier_check(dossier_export(record=record))
    assert report.ok, report.results

    # Someone with write access to the database changes the signed-off text.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE documents_outgoingrevision SET body = %s WHERE id = %s",
            ["各部门：\n\n篡改后的正文。", tampered.frozen_revision_id],
        )
    client = Client()
    client.force_login(clerk)
    for fmt in ("docx", "pdf"):
        response = client.get(reverse("documents:outgoing_download", args=[tampered.pk, fmt]), follow=True)
        assert response.redirect_chain == [(reverse("documents:outgoing", args=[tampered.pk]), 302)]
        assert response["Content-Type"].startswith("text/html")  # a page saying why, never the file
        assert "签发定稿未通过校验" in response.content.decode()
    with pytest.raises(documents.TamperedError):
        documents.outgoing_archive(actor=clerk, document_id=tampered.pk)
    assert not ArchiveRecord.objects.filter(source="documents.outgoing", source_id=tampered.pk).exists()
    uses = AuditRecord.objects.filter(action="documents.outgoing.digest_mismatch", target=f"outgoing:{tampered.pk}")
    assert sorted(a.detail["use"] for a in uses) == ["archive", "download.docx", "download.pdf"]


# --- DI-3: sensitive fields encrypted at rest ---------------------------------------------------------------


def test_di3_mobile_numbers_are_encrypted_at_rest_and_shown_on_the_page(org: dict[str, Any], login: Any) -> None:
    staff = Staff.objects.get(user=org["clerk"])
    staff.mobile = MOBILE
    staff.save()
    other = Staff.objects.get(user=org["section_head"])
    other.mobile = MOBILE
    other.save()

    raw = _raw_mobile(staff.pk)
    assert raw.startswith(f"gcm1:{crypto.current_key_id()}:")
    assert MOBILE not in raw
    assert MOBILE[:7] not in raw
    assert MOBILE[-4:] not in raw
    assert _raw_mobile(other.pk) != raw  # the same number encrypts differently each time (nothing to match)
    assert Staff.objects.get(pk=staff.pk).mobile == MOBILE

    page = login(org["clerk"]).get(f"/org/?unit={org['unit'].pk}").content.decode()
    assert MOBILE in page  # one's own details, decrypted for the page

    # The database cannot compare ciphertexts: a lookup by number is refused, not silently empty.
    with pytest.raises(FieldError, match="Unsupported lookup 'exact'"):
        list(Staff.objects.filter(mobile=MOBILE))
    assert Staff.objects.filter(mobile__isnull=False).count() == Staff.objects.count()


def test_di3_a_wrong_or_missing_key_or_an_altered_value_fails_clearly(org: dict[str, Any], login: Any) -> None:
    staff = Staff.objects.get(user=org["clerk"])
    staff.mobile = MOBILE
    staff.save()
    with override_settings(SANFU_FIELD_KEY="another-field-key-" + "w" * 40):
        with pytest.raises(crypto.FieldDecryptionError, match=r"org\.staff\.mobile: .*SANFU_FIELD_KEY does not hold"):
            Staff.objects.get(pk=staff.pk)
        client = login(org["clerk"])
        with pytest.raises(crypto.FieldDecryptionError):  # the page fails (a 500), it never shows a wrong number
            client.get(f"/org/?unit={org['unit'].pk}")
    with override_settings(SANFU_FIELD_KEY="short"), pytest.raises(crypto.FieldKeyError, match="at least 32"):
        Staff.objects.get(pk=staff.pk)

    raw = _raw_mobile(staff.pk)
    altered = raw[:-3] + ("AAA" if raw[-3:] != "AAA" else "BBB")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_staff SET mobile = %s WHERE id = %s", [altered, staff.pk])
    with pytest.raises(crypto.FieldDecryptionError, match=r"does not decrypt .* or the stored value was altered"):
        Staff.objects.get(pk=staff.pk)
    with connection.cursor() as cursor:  # a value written in plain text behind the application's back
        cursor.execute("UPDATE org_staff SET mobile = %s WHERE id = %s", [MOBILE, staff.pk])
    with pytest.raises(crypto.FieldDecryptionError, match="not encrypted"):
        Staff.objects.get(pk=staff.pk)


def test_di3_a_new_key_is_added_in_front_and_old_values_are_re_encrypted(org: dict[str, Any]) -> None:
    old_key = django_settings.SANFU_FIELD_KEY
    new_key = "the-next-field-key-" + "n" * 40
    staff = Staff.objects.get(user=org["clerk"])
    staff.mobile = MOBILE
    staff.save()
    old_id = crypto.key_id_of(_raw_mobile(staff.pk))
    with override_settings(SANFU_FIELD_KEY=f"{new_key}, {old_key}"):
        new_id = crypto.current_key_id()
        assert new_id != old_id
        assert Staff.objects.get(pk=staff.pk).mobile == MOBILE  # old values stay readable
        other = Staff.objects.get(user=org["accountant"])
        other.mobile = "13700000000"
        other.save()
        assert crypto.key_id_of(_raw_mobile(other.pk)) == new_id  # new values under the new key
        assert crypto.reencrypt_all() == 1
        assert crypto.key_id_of(_raw_mobile(staff.pk)) == new_id
        assert crypto.reencrypt_all() == 0
    with override_settings(SANFU_FIELD_KEY=new_key):  # the old key may now be dropped
        assert Staff.objects.get(pk=staff.pk).mobile == MOBILE


def test_di3_the_migration_encrypts_numbers_already_stored_and_is_reversible(org: dict[str, Any]) -> None:
    staff = Staff.objects.get(user=org["clerk"])
    with connection.cursor() as cursor:  # as stored before the migration: plain text
        cursor.execute("UPDATE org_staff SET mobile = %s WHERE id = %s", [MOBILE, staff.pk])

    class Editor:
        connection = connection

    ENCRYPTED_MIGRATION.encrypt_mobiles(None, Editor())
    assert _raw_mobile(staff.pk).startswith("gcm1:")
    assert Staff.objects.get(pk=staff.pk).mobile == MOBILE
    ENCRYPTED_MIGRATION.encrypt_mobiles(None, Editor())  # a second run changes nothing
    assert Staff.objects.get(pk=staff.pk).mobile == MOBILE
    ENCRYPTED_MIGRATION.decrypt_mobiles(None, Editor())
    assert _raw_mobile(staff.pk) == MOBILE


# --- RI-1: no residual data -----------------------------------------------------------------------------


@pytest.fixture
def spooled(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """Every upload goes to a temporary file (no in-memory uploads), in a temporary directory of this test's
    own (Python's, so any other temporary file made while serving shows up too); the temporary files'
    paths are recorded as they are made."""
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = None  # Django's default: Python's temporary directory
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    made: list[str] = []

    class Recorded(uploadhandler.TemporaryUploadedFile):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self.temporary_file_path())

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", Recorded)
    return spool, made


def test_ri1_uploaded_temporary_files_are_gone_after_the_request(
    admins: dict[str, User], login: Any, spooled: tuple[Path, list[str]]
) -> None:
    from tests.org.test_import import STAFF_HEADER, csv_bytes

    spool, made = spooled
    make_unit("acme", name="示例公司")
    row = ["A001", "张总", "zhang", "acme", "lead", "负责人", "公司正职", "总经理", MOBILE, "", ""]
    client = login(admins["sysadmin"])
    departments = csv_bytes(
        ["单位代码", "部门代码", "部门名称", "上级部门代码", "排序", "分管领导工号"],
        [["acme", "lead", "公司领导", "", "0", ""]],
    )
    accepted = client.post(
        reverse("org:import"),
        {
            "uploads": [
                SimpleUploadedFile("部门.csv", departments, content_type="text/csv"),
                SimpleUploadedFile("人员.csv", csv_bytes(STAFF_HEADER, [row]), content_type="text/csv"),
            ]
        },
    )
    assert accepted.status_code == 200
    assert "导入完成" in accepted.content.decode()
    staff = Staff.objects.get(employee_no="A001")
    assert staff.mobile == MOBILE  # the imported number …
    assert MOBILE not in _raw_mobile(staff.pk)  # … encrypted

    refused = client.post(
        reverse("org:import"),
        {"uploads": SimpleUploadedFile("人员.csv", csv_bytes(STAFF_HEADER, [[*row[:8], "12", "", ""]]))},
    )
    assert refused.status_code == 200
    assert len(made) == 3  # the test can fail: every upload did go through a temporary file …
    assert [p for p in made if os.path.exists(p)] == []  # … and none is left once the response is sent
    assert list(spool.iterdir()) == []  # nor anything else made in the temporary directory while serving


def test_ri1_sessions_are_deleted_on_sign_out_on_idle_expiry_and_by_the_purge(db: None) -> None:
    def signed_in(username: str) -> tuple[Client, str]:
        make_user(username)
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
        assert response.status_code == 302
        key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        assert Session.objects.filter(session_key=key).exists()
        return client, key

    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        leaving, key = signed_in("leaving")
        assert leaving.get("/").status_code == 200
        leaving.post(reverse("accounts:logout"))
        assert not Session.objects.filter(session_key=key).exists()  # signing out removes it on the server

        idle, idle_key = signed_in("idle")
        assert idle.get("/").status_code == 200
        _gone, gone_key = signed_in("gone")  # closes the browser and never comes back
        traveller.shift(timedelta(minutes=django_settings.SANFU_SESSION_IDLE_MINUTES + 1))
        assert idle.get("/").status_code == 302
        assert not Session.objects.filter(session_key=idle_key).exists()  # idle expiry removes it too

        assert Session.objects.filter(session_key=gone_key).exists()
        traveller.shift(timedelta(hours=django_settings.SANFU_SESSION_ABSOLUTE_HOURS))
        _fresh, fresh_key = signed_in("fresh")
        assert purge_expired_sessions.call_local() == 1  # the worker's nightly purge
        assert not Session.objects.filter(session_key=gone_key).exists()
        assert Session.objects.filter(session_key=fresh_key).exists()
        assert Session.objects.get(session_key=fresh_key).expire_date > timezone.now()


def test_ri1_classified_pages_and_files_are_never_stored_by_the_browser(org: dict[str, Any], login: Any) -> None:
    record = archive_record(
        source="documents.incoming",
        source_id=1,
        title="机密文件",
        kind="收文",
        unit_id=org["unit"].pk,
        department_id=org["office"].pk,
        year=2026,
        body_text="机密内容",
        confidentiality="confidential",
        owner_id=org["clerk"].pk,
        files=[ArchiveFileIn(name="扫描件.pdf", content=b"%PDF-1.7 scan")],
    )
    client = login(org["clerk"])
    stored = record.files.get()
    for path in (
        reverse("archive:record", args=[record.pk]),
        reverse("archive:file", args=[record.pk, stored.pk]),
        reverse("archive:dossier", args=[record.pk]),
        reverse("archive:search") + "?q=机密",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert response["Pragma"] == "no-cache", path
        if response.streaming:  # read to the end: the test client then closes the file
            assert b"".join(response.streaming_content).startswith(b"%PDF")
