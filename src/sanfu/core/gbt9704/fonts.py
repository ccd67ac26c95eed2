"""The fonts of each role: the standard font where it is installed, else its stand-in (found with fontconfig),
and the names the DOCX declares for Word."""

from __future__ import annotations

import functools
import shutil
import subprocess  # nosec B404 - only fc-list / fc-match, with fixed arguments

# role → candidates, the standard font first; the first family installed is the one the PDF uses
_FONT_CANDIDATES: dict[str, tuple[str, ...]] = {
    "issuer_mark": ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC"),
    "title": ("方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC"),
    "body": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "heading1": ("黑体", "SimHei", "Noto Sans CJK SC"),
    "heading2": (
        "楷体_GB2312",
        "KaiTi_GB2312",
        "楷体",
        "KaiTi",
        "AR PL UKai CN",
        "AR PL KaitiM GB",
        "Noto Serif CJK SC",
    ),
    "heading3": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "heading4": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "header_mark": ("黑体", "SimHei", "Noto Sans CJK SC"),  # 密级, 紧急程度
    "signer": ("楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "AR PL UKai CN", "AR PL KaitiM GB", "Noto Serif CJK SC"),
    "footer": ("仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC"),
    "page_number": ("宋体", "SimSun", "Noto Serif CJK SC"),
    "seal": ("宋体", "SimSun", "Noto Serif CJK SC"),
}
# stand-ins heavier than the standard font's look are set bold (小标宋 is a heavy 宋)
BOLD_STAND_INS = {"issuer_mark", "title"}

#: the font each role names in the DOCX (rFonts ascii/hAnsi/eastAsia); fontTable.xml gives Word the
#: alternative names (altName) and the GB2312 charset, so documents print right where the fonts exist
DOCX_FONTS: dict[str, str] = {
    "issuer_mark": "方正小标宋简体",
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "heading1": "黑体",
    "heading2": "楷体_GB2312",
    "heading3": "仿宋_GB2312",
    "heading4": "仿宋_GB2312",
    "header_mark": "黑体",
    "signer": "楷体_GB2312",
    "footer": "仿宋_GB2312",
    "page_number": "宋体",
}
DOCX_ALT_NAMES = {
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "02000000000000000000"),
    "仿宋_GB2312": ("仿宋", "02010609030101010101"),
    "楷体_GB2312": ("楷体", "02010609030101010101"),
    "黑体": ("SimHei", "02010609060101010101"),
    "宋体": ("SimSun", "02010600030101010101"),
}


@functools.cache
def _installed_families() -> frozenset[str]:
    exe = shutil.which("fc-list")
    if exe is None:
        return frozenset()
    out = subprocess.run([exe, ":", "family"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


@functools.cache
def resolve(role: str) -> str:
    installed = _installed_families()
    candidates = _FONT_CANDIDATES[role]
    for family in candidates:
        if family in installed:
            return family
    return candidates[-1]


def fonts_used() -> dict[str, str]:
    """Role → the font family the PDF actually uses (the standard font where installed, else its stand-in).
    The DOCX names the standard fonts instead: see :data:`DOCX_FONTS`."""
    return {role: resolve(role) for role in _FONT_CANDIDATES}


def is_stand_in(role: str) -> bool:
    return resolve(role) == _FONT_CANDIDATES[role][-1]


@functools.cache
def font_file(family: str, *, bold: bool) -> tuple[str, int] | None:
    """(file, face index in a collection) of a family, from fontconfig."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    args = [exe, "-f", "%{file}|%{index}", pattern]
    out = subprocess.run(args, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603
    path, _, index = out.partition("|")
    return (path, int(index or 0)) if path else None
