"""四性检测: the four properties an exported dossier (``services.dossier_export``) must have before it is handed
over, after DA/T 70-2018 (文书类电子档案检测一般要求) — each checked on the package alone, with the signing key:

- **authenticity 真实性**: index.json's signature verifies (the metadata and manifest are as exported by this
  Sanfu), every member's bytes have the SHA-256 the manifest gives, and every file the SHA-256 recorded when
  it was filed — content altered after filing or after export fails here;
- **integrity 完整性**: the manifest lists every member with its size, none is missing or extra, the sizes
  agree, the metadata's required fields are there and its file list matches the package's files;
- **usability 可用性**: index.json and index.html read as UTF-8, every file is of an accepted format whose bytes
  are what its name says, and it opens (a PDF parses with pypdf and has a page, an Office or OFD file is a
  sound zip with its own index, an image decodes);
- **security 安全性**: no member lies outside the package's paths (absolute, ``..``, links), none is executable
  (by name or by its first bytes; no macros, no PDF script or launch action), and the 密级 is recorded.

A failure names its property and its member, so that the person receiving a package knows what to ask for.
"""

from __future__ import annotations

import hmac
import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path, PurePosixPath
from typing import IO, Any

from PIL import Image
from pypdf import PdfReader

from sanfu.archive.models import Confidentiality
from sanfu.archive.services import MANIFEST, PACKAGE_FORMAT, SIGNATURE_ALG, package_signature
from sanfu.core.uploads import DEFAULT_ACCEPT, content_matches, extension_of

AUTHENTICITY, INTEGRITY, USABILITY, SECURITY = "authenticity", "integrity", "usability", "security"
PROPERTIES = (AUTHENTICITY, INTEGRITY, USABILITY, SECURITY)
LABELS = {AUTHENTICITY: "真实性", INTEGRITY: "完整性", USABILITY: "可用性", SECURITY: "安全性"}

ACCEPTED_FORMATS = DEFAULT_ACCEPT  # what Sanfu takes in as uploads and produces (DOCX, PDF)
# Metadata every record carries, and those that may not be empty (unit and department may be unknown).
REQUIRED_FIELDS = (
    "id",
    "source",
    "source_id",
    "title",
    "kind",
    "category",
    "unit",
    "department",
    "year",
    "confidentiality",
    "retention",
    "status",
    "archived_at",
    "revision",
    "body_text",
    "history",
    "files",
)
# (The 密级 is checked under security: a record without a valid one is not safe to hand over.)
NOT_EMPTY = ("source", "title", "kind", "year", "retention", "status", "archived_at")
FIXED_MEMBERS = ("index.json", "index.html", MANIFEST)
MAX_MEMBER_BYTES = 1 << 30  # larger than any file Sanfu keeps (50 MB uploads): refused unread

EXECUTABLE_EXTENSIONS = frozenset(
    {
        *("exe", "dll", "com", "scr", "msi", "msp", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf"),
        *("wsh", "hta", "cpl", "jar", "apk", "app", "sh", "bash", "py", "pl", "rb", "php", "elf", "so", "dylib"),
        *("bin", "lnk", "reg", "docm", "xlsm", "pptm", "dotm", "xltm", "potm"),  # the last: Office files with macros
    }
)
EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE
    b"\x7fELF",
    b"#!",  # a script with its interpreter
    b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O fat binary, Java class
)
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")
OFFICE_INDEX = {"docx": "[Content_Types].xml", "xlsx": "[Content_Types].xml", "pptx": "[Content_Types].xml"}


@dataclass(frozen=True)
class PropertyResult:
    name: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def label(self) -> str:
        return LABELS[self.name]


@dataclass(frozen=True)
class FourPropertiesReport:
    results: tuple[PropertyResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> set[str]:
        return {r.name for r in self.results if not r.ok}

    def __getitem__(self, name: str) -> PropertyResult:
        return next(r for r in self.results if r.name == name)


@dataclass
class _Findings:
    problems: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in PROPERTIES})

    def add(self, prop: str, problem: str) -> None:
        self.problems[prop].append(problem)

    def report(self) -> FourPropertiesReport:
        return FourPropertiesReport(tuple(PropertyResult(name, tuple(self.problems[name])) for name in PROPERTIES))


def dossier_check(data: bytes | str | Path | IO[bytes]) -> FourPropertiesReport:
    """The four properties of an exported dossier (see the module)."""
    findings = _Findings()
    source: str | Path | IO[bytes] = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        for prop in PROPERTIES:  # nothing in it can be checked
            findings.add(prop, f"not a readable zip package: {exc}")
        return findings.report()
    with zf:
        contents = _read_members(zf, findings)
    index = _index(contents, findings)
    if index is not None:
        _authenticity(index, contents, findings)
        _integrity(index, contents, findings)
        _metadata_security(index, findings)
    _usability(contents, findings)
    _content_security(contents, findings)
    return findings.report()


def _read_members(zf: zipfile.ZipFile, findings: _Findings) -> dict[str, bytes]:
    """The members' bytes by name; unsafe names and links are reported (security) and not read."""
    contents: dict[str, bytes] = {}
    for info in zf.infolist():
        name = info.filename
        problem = _unsafe_path(name)
        if problem:
            findings.add(SECURITY, f"{problem}: {name!r}")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            findings.add(SECURITY, f"a link, not a file: {name}")
            continue
        if name in contents:
            findings.add(INTEGRITY, f"member twice in the package: {name}")
            continue
        if info.file_size > MAX_MEMBER_BYTES:
            findings.add(SECURITY, f"member larger than {MAX_MEMBER_BYTES} bytes, not read: {name}")
            continue
        try:
            contents[name] = zf.read(info)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
            findings.add(USABILITY, f"member cannot be read from the zip: {name} ({exc})")
    return contents


def _unsafe_path(name: str) -> str:
    """Why a member's name would put it outside the package's paths ("" when it is inside them)."""
    path = PurePosixPath(name)
    if "\\" in name or "\x00" in name or re.match(r"^[A-Za-z]:", name):
        return "member name with a backslash, a NUL or a drive letter"
    if path.is_absolute():
        return "member with an absolute path"
    if ".." in path.parts:
        return "member outside the package (..)"
    if name in FIXED_MEMBERS or (len(path.parts) == 2 and path.parts[0] == "files" and not name.endswith("/")):
        return ""
    return "member outside the package's paths"


def _index(contents: dict[str, bytes], findings: _Findings) -> dict[str, Any] | None:
    raw = contents.get("index.json")
    if raw is None:
        findings.add(INTEGRITY, "missing member: index.json (the metadata and manifest)")
        findings.add(AUTHENTICITY, "no index.json: nothing to verify the package against")
        return None
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        findings.add(USABILITY, f"index.json is not UTF-8 JSON: {exc}")
        findings.add(AUTHENTICITY, "index.json unreadable: nothing to verify the package against")
        return None
    if not isinstance(index, dict):
        findings.add(INTEGRITY, "index.json is not an object of metadata")
        return None
    return index


def _manifest_entries(index: dict[str, Any]) -> dict[str, dict[str, Any]]:
    package = index.get("package")
    members = package.get("members") if isinstance(package, dict) else None
    if not isinstance(members, list):
        return {}
    return {str(m.get("name")): m for m in members if isinstance(m, dict)}


def _authenticity(index: dict[str, Any], contents: dict[str, bytes], findings: _Findings) -> None:
    signature = index.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != SIGNATURE_ALG:
        findings.add(AUTHENTICITY, "index.json carries no signature")
    elif not hmac.compare_digest(str(signature.get("value", "")), package_signature(index)):
        findings.add(
            AUTHENTICITY,
            "the signature does not verify: the metadata or the manifest changed after export "
            "(or the package was exported under another SANFU_SIGNING_KEY)",
        )
    for name, entry in _manifest_entries(index).items():
        if name in contents and sha256(contents[name]).hexdigest() != entry.get("sha256"):
            findings.add(AUTHENTICITY, f"content differs from the manifest's SHA-256: {name}")
    for entry in index.get("files") or []:
        member = entry.get("member") if isinstance(entry, dict) else None
        if member in contents and sha256(contents[member]).hexdigest() != entry.get("sha256"):
            findings.add(AUTHENTICITY, f"content differs from the SHA-256 recorded when it was filed: {member}")
    listed = contents.get(MANIFEST)
    if listed is not None:
        for line in listed.decode("utf-8", "replace").splitlines():
            digest, _sep, name = line.partition("  ")
            if name in contents and sha256(contents[name]).hexdigest() != digest:
                findings.add(AUTHENTICITY, f"content differs from {MANIFEST}: {name}")


def _integrity(index: dict[str, Any], contents: dict[str, bytes], findings: _Findings) -> None:
    package = index.get("package")
    if not isinstance(package, dict) or package.get("format") != PACKAGE_FORMAT:
        findings.add(INTEGRITY, f"index.json has no package manifest of format {PACKAGE_FORMAT}")
    entries = _manifest_entries(index)
    for name, entry in entries.items():
        if name not in contents:
            findings.add(INTEGRITY, f"missing member: {name}")
        elif len(contents[name]) != entry.get("size"):
            findings.add(INTEGRITY, f"size differs from the manifest: {name}")
    for name in contents:
        if name not in entries and name not in ("index.json", MANIFEST):
            findings.add(INTEGRITY, f"extra member, not in the manifest: {name}")
    if MANIFEST not in contents:
        findings.add(INTEGRITY, f"missing member: {MANIFEST}")
    else:
        listed = {line.partition("  ")[2] for line in contents[MANIFEST].decode("utf-8", "replace").splitlines()}
        if listed - {""} != {*entries, "index.json"}:
            findings.add(INTEGRITY, f"{MANIFEST} does not list exactly the package's members")
    _metadata_integrity(index, entries, findings)


def _metadata_integrity(index: dict[str, Any], entries: dict[str, dict[str, Any]], findings: _Findings) -> None:
    missing = [name for name in REQUIRED_FIELDS if name not in index]
    empty = [name for name in NOT_EMPTY if name in index and index[name] in (None, "")]
    if missing:
        findings.add(INTEGRITY, "metadata fields missing: " + ", ".join(missing))
    if empty:
        findings.add(INTEGRITY, "metadata fields empty: " + ", ".join(empty))
    filed = {str(e.get("member")): e for e in index.get("files") or [] if isinstance(e, dict)}
    packed = {name for name in entries if name.startswith("files/")}
    for member in sorted(set(filed) - packed):
        findings.add(INTEGRITY, f"a filed file is not in the package: {member}")
    for member in sorted(packed - set(filed)):
        findings.add(INTEGRITY, f"a file in the package is not in the record's metadata: {member}")
    for member in sorted(set(filed) & packed):
        if filed[member].get("size") != entries[member].get("size"):
            findings.add(INTEGRITY, f"size differs from the one recorded when it was filed: {member}")


def _usability(contents: dict[str, bytes], findings: _Findings) -> None:
    if "index.html" in contents:
        try:
            contents["index.html"].decode("utf-8")
        except UnicodeDecodeError:
            findings.add(USABILITY, "index.html is not UTF-8 text")
    for name, data in contents.items():
        if not name.startswith("files/"):
            continue
        extension = extension_of(name)
        if extension not in ACCEPTED_FORMATS:
            findings.add(USABILITY, f"format .{extension or '?'} is not an accepted archival format: {name}")
            continue
        if not content_matches(extension, data[:64]):
            findings.add(USABILITY, f"bytes are not what the name says (.{extension}): {name}")
            continue
        problem = _opens(extension, data)
        if problem:
            findings.add(USABILITY, f"does not open: {name} ({problem})")


def _opens(extension: str, data: bytes) -> str:
    """Why the file does not open as its format ("" when it does)."""
    try:
        if extension == "pdf":
            reader = PdfReader(io.BytesIO(data))
            if len(reader.pages) == 0:
                return "a PDF without pages"
            reader.pages[0].mediabox  # noqa: B018  # reading the first page's box parses its page tree entry
        elif extension in ("png", "jpg", "jpeg", "gif"):
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        elif extension in ("docx", "xlsx", "pptx", "ofd", "zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                broken = inner.testzip()
                if broken:
                    return f"damaged inner member {broken}"
                wanted = OFFICE_INDEX.get(extension) or ("OFD.xml" if extension == "ofd" else "")
                if wanted and wanted not in inner.namelist():
                    return f"no {wanted}"
    except Exception as exc:  # any parser error means the file does not open
        return f"{type(exc).__name__}: {exc}"[:200]
    return ""  # doc/xls/ppt (OLE2): the magic number was checked; no parser is shipped


def _metadata_security(index: dict[str, Any], findings: _Findings) -> None:
    level = index.get("confidentiality")
    if level not in Confidentiality.values:
        findings.add(SECURITY, f"no valid 密级 recorded (confidentiality={level!r})")
    package = index.get("package")
    if isinstance(package, dict) and package.get("confidentiality") != level:
        findings.add(SECURITY, "the package's 密级 differs from the record's")


def _content_security(contents: dict[str, bytes], findings: _Findings) -> None:
    for name, data in contents.items():
        for problem in _executable(name, data):
            findings.add(SECURITY, f"{problem}: {name}")


def _executable(name: str, data: bytes) -> list[str]:
    problems = []
    if extension_of(name) in EXECUTABLE_EXTENSIONS:
        problems.append("executable or macro file type")
    if data.startswith(EXECUTABLE_MAGIC):
        problems.append("executable content (its first bytes)")
    if data.startswith(b"%PDF-"):
        active = sorted({m.decode() for m in PDF_ACTIVE.findall(data)} | _pdf_actions(data))
        if active:
            problems.append("PDF with script, launch action or embedded files (" + ", ".join(active) + ")")
    if data.startswith(b"PK\x03\x04"):
        problems.extend(_inner_executables(data))
    return problems


def _pdf_actions(data: bytes) -> set[str]:
    """Active content the document's objects name, also where compressed object streams hide it from a byte
    scan: document-level scripts and embedded files, open actions, additional actions, links that run or
    launch something."""
    found: set[str] = set()
    try:
        reader = PdfReader(io.BytesIO(data))
        root: Any = reader.trailer["/Root"].get_object()
        names = root.get("/Names")
        if names is not None:
            found.update(key.lstrip("/") for key in ("/JavaScript", "/EmbeddedFiles") if key in names.get_object())
        actions = [root.get("/OpenAction")]
        for holder in (root, *reader.pages):
            if "/AA" in holder:
                found.add("AA")
            for annotation in holder.get("/Annots") or []:
                actions.append(annotation.get_object().get("/A"))
        for reference in actions:
            action = reference.get_object() if reference is not None else None
            if isinstance(action, dict) and action.get("/S") in ("/JavaScript", "/Launch"):
                found.add(str(action["/S"]).lstrip("/"))
    except Exception:  # noqa: S110  # an unreadable PDF is a usability problem, reported there  # nosec B110
        pass
    return found


def _inner_executables(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            names = inner.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []  # not a readable zip: usability says so
    problems = []
    for inner_name in names:
        base = PurePosixPath(inner_name).name.lower()
        if base == "vbaproject.bin" or extension_of(inner_name) in EXECUTABLE_EXTENSIONS:
            problems.append(f"macro or executable inside ({inner_name})")
    return problems


def report_lines(report: FourPropertiesReport) -> list[str]:
    """One line per property, then its problems indented (for ``sanfu archive check``)."""
    lines = []
    for result in report.results:
        lines.append(f"{result.name} ({result.label}): {'ok' if result.ok else 'FAILED'}")
        lines.extend(f"  - {problem}" for problem in result.problems)
    return lines
