"""Backups that bring a Sanfu back whole: the database and the uploaded files, in one archive.

The database is copied consistently while Sanfu runs (SQLite's online backup API, or ``pg_dump``); the
files under ``MEDIA_ROOT`` are copied after it. Uploads are written before the row that names them commits
and are never changed afterwards, so every file the copied database names is in the archive (a file
uploaded later is carried too, harmlessly). The archive is a tar with ``manifest.json`` (what it holds and
each file's SHA-256), ``database.sqlite3`` or ``database.pgdump``, and ``media/…``. A bare database copy
made by an earlier Sanfu still restores (the files then stay as they are).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

FORMAT = "sanfu-backup/2"


class BackupError(RuntimeError):
    """The copy could not be made or restored."""


def _pg_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools are needed)") from exc
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{command[0]} failed: {exc.stderr.strip()[:500]}") from exc


def _database_copy(target: Path) -> None:
    """Write a consistent copy of the live database to ``target`` while Sanfu keeps running."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as destination:
            connection.connection.backup(destination)
        destination.close()
        return
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env)
        return
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Hashing(io.RawIOBase):
    """A file read once: what tar copies is what is hashed."""

    def __init__(self, handle: io.BufferedReader) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.handle.read(-1 if size is None else size)
        self.digest.update(data)
        return data


def _add_once(archive: tarfile.TarFile, path: Path, arcname: str) -> str | None:
    """Add ``path``'s bytes as they are when it is opened, reading it once, and return their SHA-256 (None when
    the file vanished meanwhile). Reading it twice — once to hash, once to copy — would let a file that grows
    between the two (an upload being written while the backup runs) get a checksum that its copy fails, and
    restore would then refuse the whole backup. A file being written is not yet named by the copied database
    (uploads are complete before their row commits), so carrying a part of it is harmless."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return None
    with handle:
        info = archive.gettarinfo(arcname=arcname, fileobj=handle)  # its size as of now: tar copies that much
        reader = _Hashing(handle)
        archive.addfile(info, reader)
    return reader.digest.hexdigest()


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    file_bytes: int


def backup(target: Path) -> BackupSummary:
    """Write the database and every uploaded file to the archive ``target`` (replaced atomically)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    name = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        database = Path(work) / name
        _database_copy(database)
        files: dict[str, str] = {}
        partial = Path(work) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            archive.add(database, arcname=name)
            if media_root.is_dir():
                for path in sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink()):
                    relative = path.relative_to(media_root).as_posix()
                    digest = _add_once(archive, path, f"media/{relative}")
                    if digest is not None:
                        files[relative] = digest
            manifest = {
                "format": FORMAT,
                "created": timezone.now().isoformat(),
                "vendor": connection.vendor,
                "database": {"name": name, "sha256": _sha256(database)},
                "media": files,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, target)
    file_bytes = sum((media_root / relative).stat().st_size for relative in files if (media_root / relative).exists())
    return BackupSummary(path=target, files=len(files), file_bytes=file_bytes)


@dataclass(frozen=True)
class RestoreSummary:
    files: int
    with_files: bool  # False: a bare database copy of an earlier Sanfu, the files were left as they were


def restore(source: Path) -> RestoreSummary:
    """Replace the live database's content (and put back the uploaded files) from a copy made by
    :func:`backup`. Stop the web and worker processes first: restoring under them loses their writes."""
    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    if not tarfile.is_tarfile(source):
        _restore_database(source)  # a bare database copy (an earlier Sanfu's backup)
        return RestoreSummary(files=0, with_files=False)
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(source) as archive:
            archive.extractall(work, filter="data")  # refuses absolute paths, "..", links out of the tree
        manifest = _manifest(Path(work))
        database = Path(work) / manifest["database"]["name"]
        if _sha256(database) != manifest["database"]["sha256"]:
            raise BackupError(f"{source}: the database copy does not match its checksum")
        for relative, digest in manifest["media"].items():
            copied = Path(work) / "media" / relative
            if not copied.is_file() or _sha256(copied) != digest:
                raise BackupError(f"{source}: the file {relative} is missing or does not match its checksum")
        _restore_database(database)
        media_root = Path(settings.MEDIA_ROOT)
        for relative in manifest["media"]:
            destination = media_root / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(work) / "media" / relative, destination)
    return RestoreSummary(files=len(manifest["media"]), with_files=True)


def _manifest(root: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("the archive has no readable manifest.json: not a Sanfu backup") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r} (this Sanfu reads {FORMAT})")
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(
            f"the backup is of a {manifest.get('vendor')} database; this Sanfu runs on {connection.vendor}"
        )
    return dict(manifest)


def _restore_database(source: Path) -> None:
    if connection.vendor == "sqlite":
        with sqlite3.connect(source) as origin:
            try:
                check = origin.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"{source.name} is not a SQLite database: {exc}") from exc
            if check != "ok":
                raise BackupError(f"{source.name} is not a sound SQLite database: {check}")
            connection.ensure_connection()
            origin.backup(connection.connection)
        origin.close()
        return
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args, str(source)], env)
        return
    raise BackupError(f"restoring {connection.vendor} databases is not supported")
