"""四性检测 of an exported dossier (ER-1): a good export has all four properties; a tampered byte fails
authenticity, a missing file integrity, a file that does not open usability, executable content or a path
out of the package security — each only its own property — and `sanfu archive check` says which."""

from __future__ import annotations

import io
import json
import zipfile
from hashlib import sha256
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from PIL import Image
from pypdf import PdfWriter

from sanfu.archive.fourprops import AUTHENTICITY, INTEGRITY, SECURITY, USABILITY, dossier_check
from sanfu.archive.models import ArchiveRecord
from sanfu.archive.services import MANIFEST, ArchiveFileIn, archive_record, dossier_export, package_signature

pytestmark = pytest.mark.django_db

PDF_MEMBER = "files/001-正文.pdf"


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "original-title"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("各部门：现将有关事项通知如下。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def _record(org: dict[str, Any], *, pdf: bytes | None = None, confidentiality: str = "secret") -> ArchiveRecord:
    return archive_record(
        source="documents.outgoing",
        source_id=7,
        title="关于迎峰度夏安全生产的通知",
        kind="通知",
        unit_id=org["unit"].pk,
        department_id=org["office"].pk,
        year=2026,
        body_text="各部门：现将有关事项通知如下。",
        confidentiality=confidentiality,
        history=[{"at": "2026-03-01T09:00:00+08:00", "who": "文书", "what": "拟稿", "comment": ""}],
        files=[
            ArchiveFileIn(name="正文.pdf", content=_pdf() if pdf is None else pdf),
            ArchiveFileIn(name="正文.docx", content=_docx()),
            ArchiveFileIn(name="扫描件.png", content=_png()),
        ],
    )


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _pack(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _reindexed(members: dict[str, bytes], change: Any, *, sign: bool = True) -> bytes:
    """The package after ``change(index, members)``, with its manifests recomputed to match — and re-signed
    with the key (``sign``), as only this Sanfu could, or left with the old signature, as a forger must."""
    index = json.loads(members["index.json"])
    change(index, members)
    entries = [
        {"name": name, "size": len(data), "sha256": sha256(data).hexdigest()}
        for name, data in members.items()
        if name not in ("index.json", MANIFEST)
    ]
    index["package"]["members"] = entries
    if sign:
        index["signature"]["value"] = package_signature(index)
    members["index.json"] = json.dumps(index, ensure_ascii=False).encode()
    members[MANIFEST] = "".join(
        f"{sha256(data).hexdigest()}  {name}\n" for name, data in members.items() if name != MANIFEST
    ).encode()
    return _pack(members)


def _problems(report: Any, prop: str) -> str:
    return " | ".join(report[prop].problems)


def test_a_good_export_passes_all_four_and_carries_its_manifest(org: dict[str, Any], tmp_path: Path) -> None:
    data = dossier_export(record=_record(org))
    report = dossier_check(data)
    assert report.ok, report.results
    index = json.loads(_members(data)["index.json"])
    listed = {m["name"]: m for m in index["package"]["members"]}
    assert set(listed) == {"index.html", PDF_MEMBER, "files/002-正文.docx", "files/003-扫描件.png"}
    assert all(m["size"] > 0 and len(m["sha256"]) == 64 for m in listed.values())
    assert index["package"]["confidentiality"] == index["confidentiality"] == "secret"
    assert index["signature"]["alg"] == "HMAC-SHA256"

    package = tmp_path / "dossier.zip"
    package.write_bytes(data)
    out = io.StringIO()
    call_command("archive", "check", str(package), stdout=out)
    said = out.getvalue()
    for line in (
        "authenticity (真实性): ok",
        "integrity (完整性): ok",
        "usability (可用性): ok",
        "security (安全性): ok",
    ):
        assert line in said
    assert "OK: dossier.zip" in said


def test_a_tampered_byte_fails_authenticity(org: dict[str, Any], tmp_path: Path) -> None:
    members = _members(dossier_export(record=_record(org)))
    assert b"(original" in members[PDF_MEMBER]
    members[PDF_MEMBER] = members[PDF_MEMBER].replace(b"(original", b"(forgedXX")  # same size, still a PDF
    report = dossier_check(_pack(members))
    assert report.failed == {AUTHENTICITY}
    assert f"content differs from the manifest's SHA-256: {PDF_MEMBER}" in _problems(report, AUTHENTICITY)
    assert f"recorded when it was filed: {PDF_MEMBER}" in _problems(report, AUTHENTICITY)

    package = tmp_path / "tampered.zip"
    package.write_bytes(_pack(members))
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"FAILED: tampered\.zip: authenticity$"):
        call_command("archive", "check", str(package), stdout=out)
    assert "authenticity (真实性): FAILED" in out.getvalue()
    assert "integrity (完整性): ok" in out.getvalue()


def test_manifests_rewritten_without_the_key_fail_authenticity(org: dict[str, Any]) -> None:
    """Someone who alters a file and recomputes every digest and size still cannot sign the result."""
    members = _members(dossier_export(record=_record(org)))

    def forge(index: dict[str, Any], members: dict[str, bytes]) -> None:
        members[PDF_MEMBER] = members[PDF_MEMBER].replace(b"(original", b"(forgedXX")
        for entry in index["files"]:
            if entry["member"] == PDF_MEMBER:
                entry["sha256"] = sha256(members[PDF_MEMBER]).hexdigest()

    report = dossier_check(_reindexed(members, forge, sign=False))
    assert report.failed == {AUTHENTICITY}
    assert "the signature does not verify" in _problems(report, AUTHENTICITY)
    with override_settings(SANFU_SIGNING_KEY="another-signing-key-" + "s" * 40):  # exported by another Sanfu
        foreign = dossier_export(record=ArchiveRecord.objects.get())
    assert dossier_check(foreign).failed == {AUTHENTICITY}
    # The same rewrite signed with this Sanfu's key passes: the forger lacked only the key.
    assert dossier_check(_reindexed(_members(dossier_export(record=ArchiveRecord.objects.get())), forge)).ok


def test_a_missing_file_fails_integrity(org: dict[str, Any]) -> None:
    members = _members(dossier_export(record=_record(org)))
    del members["files/002-正文.docx"]
    report = dossier_check(_pack(members))
    assert report.failed == {INTEGRITY}
    assert "missing member: files/002-正文.docx" in _problems(report, INTEGRITY)


def test_an_extra_file_and_incomplete_metadata_fail_integrity(org: dict[str, Any]) -> None:
    members = _members(dossier_export(record=_record(org)))
    members["files/009-附件.pdf"] = _pdf()
    report = dossier_check(_pack(members))
    assert report.failed == {INTEGRITY}
    assert "extra member, not in the manifest: files/009-附件.pdf" in _problems(report, INTEGRITY)

    def drop_title(index: dict[str, Any], members: dict[str, bytes]) -> None:
        index["title"] = ""
        del index["retention"]

    report = dossier_check(_reindexed(_members(dossier_export(record=ArchiveRecord.objects.get())), drop_title))
    assert report.failed == {INTEGRITY}
    assert "metadata fields missing: retention" in _problems(report, INTEGRITY)
    assert "metadata fields empty: title" in _problems(report, INTEGRITY)


def test_an_unreadable_file_fails_usability(org: dict[str, Any]) -> None:
    """A PDF that was broken when it was filed: its digests and signature hold, but it does not open."""
    broken = b"%PDF-1.7\nthis is not a PDF body at all\n"
    report = dossier_check(dossier_export(record=_record(org, pdf=broken)))
    assert report.failed == {USABILITY}
    assert f"does not open: {PDF_MEMBER}" in _problems(report, USABILITY)


def test_a_format_outside_the_list_or_bytes_unlike_the_name_fail_usability(org: dict[str, Any]) -> None:
    members = _members(dossier_export(record=_record(org)))

    def add(index: dict[str, Any], members: dict[str, bytes]) -> None:
        members["files/004-说明.txt"] = "纯文本".encode()
        members["files/005-照片.jpg"] = _png()
        for number, name in ((4, "说明.txt"), (5, "照片.jpg")):
            data = members[f"files/{number:03d}-{name}"]
            index["files"].append(
                {
                    "member": f"files/{number:03d}-{name}",
                    "name": name,
                    "size": len(data),
                    "sha256": sha256(data).hexdigest(),
                }
            )

    report = dossier_check(_reindexed(members, add))
    assert report.failed == {USABILITY}
    assert "format .txt is not an accepted archival format: files/004-说明.txt" in _problems(report, USABILITY)
    assert "bytes are not what the name says (.jpg): files/005-照片.jpg" in _problems(report, USABILITY)


def test_executable_content_fails_security(org: dict[str, Any]) -> None:
    members = _members(dossier_export(record=_record(org)))
    script_pdf = _pdf().replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
    )

    def arm(index: dict[str, Any], members: dict[str, bytes]) -> None:
        members[PDF_MEMBER] = script_pdf
        members["files/004-setup.exe"] = b"MZ\x90\x00" + b"\x00" * 60
        for entry in index["files"]:
            if entry["member"] == PDF_MEMBER:
                entry.update(size=len(script_pdf), sha256=sha256(script_pdf).hexdigest())
        data = members["files/004-setup.exe"]
        index["files"].append(
            {
                "member": "files/004-setup.exe",
                "name": "setup.exe",
                "size": len(data),
                "sha256": sha256(data).hexdigest(),
            }
        )

    report = dossier_check(_reindexed(members, arm))
    assert SECURITY in report.failed
    said = _problems(report, SECURITY)
    assert "executable or macro file type: files/004-setup.exe" in said
    assert "executable content (its first bytes): files/004-setup.exe" in said
    assert f"PDF with script, launch action or embedded files (JS, JavaScript): {PDF_MEMBER}" in said
    assert AUTHENTICITY not in report.failed  # signed by this Sanfu: the content is as exported, and unsafe


def test_paths_out_of_the_package_and_a_missing_level_fail_security(org: dict[str, Any]) -> None:
    members = _members(dossier_export(record=_record(org)))
    members["../outside.pdf"] = _pdf()
    members["/etc/cron.d/x"] = b"* * * * * root true"
    report = dossier_check(_pack(members))
    assert report.failed == {SECURITY}
    assert "member outside the package (..): '../outside.pdf'" in _problems(report, SECURITY)
    assert "member with an absolute path: '/etc/cron.d/x'" in _problems(report, SECURITY)

    def no_level(index: dict[str, Any], members: dict[str, bytes]) -> None:
        index["confidentiality"] = None

    report = dossier_check(_reindexed(_members(dossier_export(record=ArchiveRecord.objects.get())), no_level))
    assert report.failed == {SECURITY}
    assert "no valid 密级 recorded" in _problems(report, SECURITY)


def test_not_a_zip_fails_everything(tmp_path: Path) -> None:
    report = dossier_check(b"not a zip")
    assert report.failed == {AUTHENTICITY, INTEGRITY, USABILITY, SECURITY}
    with pytest.raises(CommandError, match="no such file"):
        call_command("archive", "check", str(tmp_path / "missing.zip"))
