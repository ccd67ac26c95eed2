"""``sanfu media_cleanup``: uploaded files that no row names any more, older than the grace period, are
listed (dry run) and removed only with --delete; named files and young files stay. The worker runs it weekly."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfu.approvals.models import Attachment
from sanfu.core.media import media_scan
from sanfu.core.models import AuditRecord
from sanfu.core.tasks import clean_up_media
from sanfu.documents.models import DocumentFile
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
TWO_DAYS = 2 * 24 * 3600


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def _file(root: Path, relative: str, content: bytes = b"x" * 100, *, age: float = TWO_DAYS) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def _attachment(user: Any, relative: str) -> Attachment:
    return Attachment.objects.create(
        file=relative, name=Path(relative).name, size=1, content_type="application/pdf", sha256="0", uploaded_by=user
    )


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("media_cleanup", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def tree(media: Path) -> dict[str, Path]:
    """An old file an attachment names, an old one a 公文 file names, an old orphan and a young orphan."""
    user = make_user()
    named = _file(media, "approvals/2026/11/发票.pdf")
    _attachment(user, "approvals/2026/11/发票.pdf")
    document = _file(media, "documents/2026/11/scan.pdf")
    DocumentFile.objects.create(
        file="documents/2026/11/scan.pdf", name="scan.pdf", size=1, sha256="0", uploaded_by=user
    )
    orphan = _file(media, "approvals/2026/10/deleted.pdf", b"y" * 2048)
    young = _file(media, "approvals/2026/12/in-flight.pdf", age=60)
    return {"named": named, "document": document, "orphan": orphan, "young": young}


def test_a_dry_run_lists_and_counts_but_removes_nothing(tree):
    out = _run()
    assert "approvals/2026/10/deleted.pdf" in out
    assert "in-flight" not in out
    assert (
        "4 files under MEDIA_ROOT: 2 referenced, 1 unreferenced but younger than 24 h (kept), 1 orphans (2.0 KB)" in out
    )
    assert "dry run" in out
    assert all(path.exists() for path in tree.values())
    assert not AuditRecord.objects.filter(action="media.cleanup").exists()


def test_delete_removes_only_the_old_orphan_and_is_audited(tree):
    out = _run("--delete")
    assert "removed 1 files (2.0 KB)" in out
    assert not tree["orphan"].exists()
    assert tree["named"].exists()
    assert tree["document"].exists()
    assert tree["young"].exists()  # an upload whose row may not be committed yet
    record = AuditRecord.objects.get(action="media.cleanup")
    assert record.detail["deleted"] == 1
    assert record.detail["bytes"] == 2048


def test_a_shorter_grace_takes_the_young_orphan_too(tree):
    _run("--delete", "--grace-hours", "0")
    assert not tree["young"].exists()
    assert tree["named"].exists()
    with pytest.raises(CommandError, match="negative"):
        _run("--grace-hours", "-1")


def test_the_file_of_a_deleted_row_becomes_an_orphan(media):
    user = make_user()
    attachment = Attachment(name="a.pdf", size=3, content_type="application/pdf", sha256="0", uploaded_by=user)
    attachment.file.save("a.pdf", ContentFile(b"pdf"), save=True)
    path = media / attachment.file.name
    os.utime(path, (time.time() - TWO_DAYS, time.time() - TWO_DAYS))
    assert media_scan(delete=True).deleted == 0
    attachment.delete()  # the row goes; Django leaves the file
    assert path.exists()
    assert media_scan(delete=True).deleted == 1
    assert not path.exists()


def test_links_are_never_followed_nor_removed(media, tmp_path):
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"keep")
    (media / "link.pdf").symlink_to(outside)
    os.utime(media / "link.pdf", (0, 0), follow_symlinks=False)
    report = media_scan(delete=True)
    assert report.scanned == 0
    assert (media / "link.pdf").is_symlink()
    assert outside.exists()


def test_the_queries_do_not_grow_with_the_files(media):
    user = make_user()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            media_scan()
        return len(captured)

    for i in range(3):
        _file(media, f"approvals/few/{i}.pdf")
        _attachment(user, f"approvals/few/{i}.pdf")
    few = queries()
    for i in range(40):
        _file(media, f"approvals/many/{i}.pdf")
        _attachment(user, f"approvals/many/{i}.pdf")
        _file(media, f"approvals/orphans/{i}.pdf")
    assert queries() == few
    assert len(media_scan().orphans) == 40


def test_the_worker_removes_orphans_weekly(tree):
    assert clean_up_media.call_local() == 1
    assert not tree["orphan"].exists()
    assert tree["named"].exists()
    schedule = clean_up_media.task_class()
    sunday_morning_in_shanghai = datetime(2026, 12, 5, 19, 47, tzinfo=UTC).replace(tzinfo=None)  # a Saturday, UTC
    assert schedule.validate_datetime(sunday_morning_in_shanghai)
    assert not schedule.validate_datetime(sunday_morning_in_shanghai.replace(day=6))
    assert not schedule.validate_datetime(sunday_morning_in_shanghai.replace(hour=20))
