"""sanfu backup / restore: a copy taken while running brings the data back exactly."""

import io
import shutil
import sqlite3
import tarfile

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sanfu.org.models import Unit


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_the_data(tmp_path):
    Unit.objects.create(code="kept", name="备份前的单位")
    copy = tmp_path / "sanfu.backup"
    call_command("backup", str(copy))
    assert copy.stat().st_size > 0
    Unit.objects.filter(code="kept").delete()
    Unit.objects.create(code="later", name="备份后的单位")
    call_command("restore", str(copy), "--yes")
    assert list(Unit.objects.values_list("code", flat=True)) == ["kept"]


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "nothing"), "--yes")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_backup_carries_the_uploaded_files_and_restore_puts_them_back(tmp_path, media):
    """BK-1: a document's file survives a restore into a home that lost its files."""
    (media / "documents" / "2026").mkdir(parents=True)
    (media / "documents" / "2026" / "正文.pdf").write_bytes(b"%PDF-1.7 body")
    Unit.objects.create(code="kept", name="备份前的单位")
    copy = tmp_path / "sanfu.backup"
    call_command("backup", str(copy))
    shutil.rmtree(media)  # a new home: the database is replaced, the files are gone
    Unit.objects.filter(code="kept").delete()
    call_command("restore", str(copy), "--yes")
    assert (media / "documents" / "2026" / "正文.pdf").read_bytes() == b"%PDF-1.7 body"
    assert list(Unit.objects.values_list("code", flat=True)) == ["kept"]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_and_nothing_is_restored(tmp_path, media):
    media.mkdir()
    (media / "a.txt").write_text("original")
    Unit.objects.create(code="kept", name="单位")
    copy = tmp_path / "sanfu.backup"
    call_command("backup", str(copy))
    damaged = tmp_path / "damaged.backup"
    with tarfile.open(copy) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "media/a.txt":
                data = b"tampered"
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    Unit.objects.create(code="later", name="之后的单位")
    with pytest.raises(CommandError, match=r"a\.txt"):
        call_command("restore", str(damaged), "--yes")
    assert sorted(Unit.objects.values_list("code", flat=True)) == ["kept", "later"]


@pytest.mark.django_db(transaction=True)
def test_a_bare_database_copy_of_an_earlier_sanfu_still_restores_and_says_the_files_are_not_in_it(
    tmp_path, media, capsys
):
    if connection.vendor != "sqlite":
        pytest.skip("earlier Sanfu's bare copies of PostgreSQL were pg_dump files: the same path, shown on SQLite")
    Unit.objects.create(code="kept", name="单位")
    bare = tmp_path / "old.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(bare) as destination:
        connection.connection.backup(destination)
    destination.close()
    Unit.objects.create(code="later", name="之后的单位")
    call_command("restore", str(bare), "--yes")
    assert list(Unit.objects.values_list("code", flat=True)) == ["kept"]
    assert "no uploaded files" in capsys.readouterr().out


def test_a_file_missing_from_storage_is_a_clear_page_not_a_server_error(rf, media):
    from sanfu.core.middleware import MissingFileMiddleware

    middleware = MissingFileMiddleware(lambda request: None)
    request = rf.get("/documents/files/1/")
    request.user = AnonymousUser()
    try:
        (media / "gone.pdf").open("rb")
    except FileNotFoundError as exc:
        response = middleware.process_exception(request, exc)
    assert response is not None
    assert response.status_code == 404
    assert "文件缺失" in response.content.decode()
    assert "gone.pdf" in response.content.decode()
    elsewhere = FileNotFoundError(2, "No such file", "/nowhere/settings.toml")
    assert middleware.process_exception(request, elsewhere) is None
