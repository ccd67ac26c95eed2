"""LDAP sign-in and directory sync against a real slapd (Debian's package) started by this module.

The server runs from a throwaway configuration (slapd -f) on a free loopback port and is loaded with a few
people in OUs before it starts (slapadd). When slapd or python-ldap is missing (scripts/ensure-ldap.sh installs
both), the module is skipped with one line saying so.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sanfu.accounts.models import User
from sanfu.core.models import AuditRecord
from sanfu.org.models import Department, Post, Staff, Unit
from tests.accounts.conftest import sign_in
from tests.conftest import PASSWORD, make_user

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
if not Path(SLAPD).exists() or importlib.util.find_spec("ldap") is None:
    pytest.skip(
        "LDAP tests need Debian's slapd and python-ldap (scripts/ensure-ldap.sh installs both)", allow_module_level=True
    )

import ldap  # noqa: E402  # only once the module is known to be there
import ldap.modlist  # noqa: E402
from ldif import LDIFWriter  # noqa: E402

SUFFIX = "dc=sanfu,dc=test"
PEOPLE = f"ou=people,{SUFFIX}"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PW = "root-Secret-2026"
DIRECTORY_PASSWORD = "Directory-Pass-2026!"
LDAP_BACKEND = "sanfu.accounts.directory.ldap.DirectoryLDAPBackend"

SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {home}/slapd.pid
argsfile {home}/slapd.args
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{root_dn}"
rootpw {root_pw}
directory {home}/data
access to attrs=userPassword by anonymous auth by * none
access to * by * read
"""


def _ou(name: str, parent: str, description: str = "") -> tuple[str, dict[str, list[bytes]]]:
    entry = {"objectClass": [b"organizationalUnit"], "ou": [name.encode()]}
    if description:
        entry["description"] = [description.encode()]
    return f"ou={name},{parent}", entry


def _person(uid: str, name: str, parent: str, employee_no: str, mobile: str = "") -> tuple[str, dict[str, Any]]:
    entry = {
        "objectClass": [b"inetOrgPerson"],
        "uid": [uid.encode()],
        "cn": [name.encode()],
        "sn": [name[:1].encode()],
        "mail": [f"{uid}@sanfu.test".encode()],
        "employeeNumber": [employee_no.encode()],
        "userPassword": [DIRECTORY_PASSWORD.encode()],
    }
    if mobile:
        entry["mobile"] = [mobile.encode()]
    return f"uid={uid},{parent}", entry


OFFICE = f"ou=office,{PEOPLE}"
ENTRIES = [
    (SUFFIX, {"objectClass": [b"dcObject", b"organization"], "o": [b"Sanfu"], "dc": [b"sanfu"]}),
    _ou("people", SUFFIX),
    _ou("finance", PEOPLE, "财务部"),
    _ou("office", PEOPLE, "办公室"),
    _ou("secretariat", OFFICE, "文秘科"),
    _person("zhangsan", "张三", f"ou=finance,{PEOPLE}", "E1001", "13800000001"),
    _person("lisi", "李四", f"ou=secretariat,{OFFICE}", "E1002"),
    _person("wangwu", "王五", OFFICE, "E1003"),
    # The directory also has a person named like Sanfu's system administrator: never to sign in as them.
    _person("sysadmin", "目录里的同名人", PEOPLE, "E1999"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def slapd() -> Iterator[str]:
    home = Path(tempfile.mkdtemp(prefix="sanfu-slapd-"))
    (home / "data").mkdir()
    conf = home / "slapd.conf"
    conf.write_text(SLAPD_CONF.format(home=home, suffix=SUFFIX, root_dn=ROOT_DN, root_pw=ROOT_PW))
    with (home / "seed.ldif").open("w") as out:
        writer = LDIFWriter(out)
        for dn, entry in ENTRIES:
            writer.unparse(dn, entry)
    slapadd = [SLAPD.replace("slapd", "slapadd"), "-f", str(conf), "-l", str(home / "seed.ldif")]
    subprocess.run(slapadd, check=True)  # noqa: S603  # fixed arguments: Debian's slapadd on our own files
    port = _free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d keeps it in the foreground, so that it ends with the module.
    server = subprocess.Popen(  # noqa: S603
        [SLAPD, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("slapd did not start")
        yield uri
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def directory(slapd: str, settings: Any) -> str:
    settings.SANFU_LDAP_URI = slapd
    settings.SANFU_LDAP_BIND_DN = ROOT_DN
    settings.SANFU_LDAP_BIND_PASSWORD = ROOT_PW
    settings.SANFU_LDAP_USER_BASE = PEOPLE
    settings.SANFU_LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(uid=%(user)s))"
    settings.SANFU_LDAP_UNIT = "group"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, LDAP_BACKEND]
    return slapd


def _admin_connection(uri: str) -> Any:
    connection = ldap.initialize(uri)
    connection.simple_bind_s(ROOT_DN, ROOT_PW)
    return connection


def _records(action: str, **detail: str) -> list[AuditRecord]:
    return [
        r for r in AuditRecord.objects.filter(action=action) if all(r.detail.get(k) == v for k, v in detail.items())
    ]


# --- sign-in ---


def test_a_directory_password_signs_in_and_creates_an_account_without_local_password(db: None, directory: str) -> None:
    client = Client()
    response = sign_in(client, "zhangsan", DIRECTORY_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    user = User.objects.get(username="zhangsan")
    assert (user.full_name, user.email) == ("张三", "zhangsan@sanfu.test")
    assert not user.has_usable_password()
    assert user.must_change_password is False
    # Signed in and straight to the home page: no password to change first.
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditRecord.objects.filter(action="auth.login", outcome="success", actor_id=user.pk).exists()


def test_a_wrong_directory_password_is_refused_and_audited(db: None, directory: str) -> None:
    client = Client()
    response = sign_in(client, "lisi", "not-the-Password-1")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="lisi").exists()
    failure = AuditRecord.objects.get(action="auth.login", outcome="failure")
    assert failure.detail["username"] == "lisi"
    assert AccessAttempt.objects.filter(username="lisi").exists()


def test_directory_sign_in_is_locked_out_like_any_other(db: None, directory: str, settings: Any) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "wangwu", "not-the-Password-1")
    response = sign_in(Client(), "wangwu", DIRECTORY_PASSWORD)
    assert response.status_code == 429
    assert not User.objects.filter(username="wangwu", last_login__isnull=False).exists()


def test_an_existing_local_account_signs_in_by_the_directory_and_loses_its_local_password(
    db: None, directory: str
) -> None:
    local = make_user("wangwu", must_change=True)
    assert sign_in(Client(), "wangwu", DIRECTORY_PASSWORD).status_code == 302
    local.refresh_from_db()
    assert not local.has_usable_password()
    assert local.must_change_password is False
    # The old local password no longer opens the account.
    assert sign_in(Client(), "wangwu", PASSWORD).status_code == 200


def test_an_administrator_never_signs_in_by_the_directory(db: None, directory: str, admins: dict[str, User]) -> None:
    refused = sign_in(Client(), "sysadmin", DIRECTORY_PASSWORD)
    assert refused.status_code == 200
    sysadmin = admins["sysadmin"]
    sysadmin.refresh_from_db()
    assert sysadmin.has_usable_password()
    assert AuditRecord.objects.filter(action="auth.login", outcome="denied", actor_id=sysadmin.pk).exists()
    # The local password still works, and the second factor is asked for next.
    client = Client()
    assert sign_in(client, "sysadmin", PASSWORD).status_code == 302
    assert client.get(reverse("web:home"))["Location"] in {
        reverse("accounts:otp_setup"),
        reverse("accounts:otp_verify"),
    }


def test_a_disabled_account_does_not_sign_in_by_the_directory(db: None, directory: str) -> None:
    assert sign_in(Client(), "zhangsan", DIRECTORY_PASSWORD).status_code == 302
    User.objects.filter(username="zhangsan").update(is_active=False)
    client = Client()
    assert sign_in(client, "zhangsan", DIRECTORY_PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session


# --- sync ---


def test_sync_creates_updates_and_disables_and_leaves_the_administrators_alone(
    db: None, directory: str, admins: dict[str, User]
) -> None:
    Unit.objects.create(code="group", name="集团")
    local_only = make_user("localonly")  # has a local password: not the directory's to disable
    call_command("directory", "sync")

    created = {u.username: u for u in User.objects.filter(username__in=["zhangsan", "lisi", "wangwu"])}
    assert set(created) == {"zhangsan", "lisi", "wangwu"}
    assert all(not u.has_usable_password() and not u.must_change_password for u in created.values())
    assert len(_records("account.create", source="directory")) == 3
    # The organisation: OUs as departments (the tree kept), staff with 工号 and mobile, primary posts.
    secretariat = Department.objects.get(name="文秘科")
    assert secretariat.parent is not None
    assert secretariat.parent.name == "办公室"
    zhang = Staff.objects.get(user=created["zhangsan"])
    assert (zhang.employee_no, zhang.mobile) == ("E1001", "13800000001")
    assert Post.objects.get(staff__user=created["lisi"], is_primary=True).department == secretariat
    assert _records("org.directory_sync")

    # The directory changes: a name changes, a person moves, a person leaves.
    connection = _admin_connection(directory)
    connection.modify_s(f"uid=zhangsan,ou=finance,{PEOPLE}", [(ldap.MOD_REPLACE, "cn", ["张三丰".encode()])])
    connection.rename_s(f"uid=wangwu,{OFFICE}", "uid=wangwu", f"ou=finance,{PEOPLE}")
    connection.delete_s(f"uid=lisi,ou=secretariat,{OFFICE}")
    try:
        call_command("directory", "sync")
    finally:
        # Put the directory back for the other tests of this module.
        connection.rename_s(f"uid=wangwu,ou=finance,{PEOPLE}", "uid=wangwu", OFFICE)
        connection.modify_s(f"uid=zhangsan,ou=finance,{PEOPLE}", [(ldap.MOD_REPLACE, "cn", ["张三".encode()])])
        dn, entry = _person("lisi", "李四", f"ou=secretariat,{OFFICE}", "E1002")
        connection.add_s(dn, ldap.modlist.addModlist(entry))
        connection.unbind_s()

    assert User.objects.get(username="zhangsan").full_name == "张三丰"
    assert _records("account.update", username="zhangsan")
    assert Post.objects.get(staff__user__username="wangwu", is_primary=True).department.name == "财务部"
    lisi = User.objects.get(username="lisi")
    assert lisi.is_active is False
    assert _records("account.disable", username="lisi", reason="directory")
    # Untouched: the administrators (one has a namesake in the directory) and an account of Sanfu's own.
    for admin in admins.values():
        fresh = User.objects.get(pk=admin.pk)
        assert (fresh.is_active, fresh.full_name, fresh.password) == (True, admin.full_name, admin.password)
    assert not Staff.objects.filter(employee_no="E1999").exists()
    assert User.objects.get(pk=local_only.pk).is_active


def test_sync_dry_run_changes_nothing(db: None, directory: str) -> None:
    before = AuditRecord.objects.count()
    call_command("directory", "sync", "--dry-run")
    assert not User.objects.filter(username="zhangsan").exists()
    assert AuditRecord.objects.count() == before


def test_sync_of_an_empty_answer_disables_nobody(db: None, directory: str, settings: Any) -> None:
    assert sign_in(Client(), "zhangsan", DIRECTORY_PASSWORD).status_code == 302
    settings.SANFU_LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(uid=nobody-%(user)s))"
    with pytest.raises(Exception, match="目录中没有找到任何人员"):
        call_command("directory", "sync")
    assert User.objects.get(username="zhangsan").is_active
