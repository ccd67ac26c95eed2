"""The English catalogue: complete, compiled, and actually used once a user switches to English.

Regenerate and recompile after adding strings (from ``src/sanfu``, so every app lands in ``src/sanfu/locale``)::

    cd src/sanfu && export SANFU_HOME="$(cd ../.. && pwd)" DJANGO_SETTINGS_MODULE=sanfu.config.test_settings
    ../../.venv/bin/python -m django makemessages -l en --no-location --no-obsolete --ignore 'workflow/engine/*'
    # translate the new empty msgstr entries, remove any "#, fuzzy", then:
    ../../.venv/bin/python -m django compilemessages -l en
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

import sanfu

PACKAGE = Path(sanfu.__file__).parent
MESSAGES = PACKAGE / "locale" / "en" / "LC_MESSAGES"
PO, MO = MESSAGES / "django.po", MESSAGES / "django.mo"
CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def _entries() -> list[dict[str, object]]:
    """The .po file as a list of entries: comments, msgctxt, msgid, msgid_plural and msgstr / msgstr[n]."""
    entries = []
    for block in PO.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict[str, object] = {"comments": [], "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                entry["comments"].append(line)  # type: ignore[union-attr]
                continue
            quoted = line
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key, quoted = match.group(1), match.group(2)
                if key.startswith("msgstr"):
                    entry["msgstr"].append("")  # type: ignore[union-attr]
                else:
                    entry[key] = ""
            value = ast.literal_eval(quoted)
            if key and key.startswith("msgstr"):
                entry["msgstr"][-1] += value  # type: ignore[index]
            elif key:
                entry[key] += value  # type: ignore[operator]
        entries.append(entry)
    return entries


def test_catalogue_is_complete_and_not_fuzzy() -> None:
    entries = _entries()
    assert entries[0]["msgid"] == ""  # the header
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")
    messages = entries[1:]
    assert len(messages) > 200
    untranslated = [e["msgid"] for e in messages if not all(e["msgstr"])]  # type: ignore[arg-type]
    assert untranslated == []
    for entry in messages:
        msgid, msgstrs = str(entry["msgid"]), entry["msgstr"]
        for msgstr in msgstrs:  # type: ignore[attr-defined]
            assert sorted(PLACEHOLDER.findall(msgstr)) == sorted(PLACEHOLDER.findall(msgid)), msgid
            assert not CHINESE.search(msgstr.replace("“部门”", "").replace("“人员”", "").replace("；", "")), msgid


def test_compiled_catalogue_matches_the_po(tmp_path: Path) -> None:
    assert MO.exists()
    with MO.open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    assert shipped.gettext("我的待办") == "My to-dos"
    assert shipped.gettext("组织机构") == "Organisation"
    assert shipped.gettext("委托代理") == "Delegation"
    if shutil.which("msgfmt") is None:
        return
    fresh_mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh_mo), str(PO)], check=True)  # noqa: S603, S607
    with fresh_mo.open("rb") as handle:
        fresh = gettext.GNUTranslations(handle)
    assert shipped._catalog == fresh._catalog, "django.mo is stale: run compilemessages"  # type: ignore[attr-defined]


def test_templates_have_no_untranslated_chinese() -> None:
    """Chinese text in templates sits inside {% translate %} / {% blocktranslate %} (or _("…") arguments)."""
    allowed = {"简体中文", "中文", "\u3000"}  # language names in their own language; indentation in a <select>
    found = []
    for template in sorted(PACKAGE.glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", "", text, flags=re.DOTALL)
        text = re.sub(r"{%\s*translate\s.*?%}", "", text)
        text = re.sub(r"_\((['\"]).*?\1\)", "", text)
        for run in re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", text):
            if run not in allowed:
                found.append(f"{template.relative_to(PACKAGE)}: {run}")
    assert found == []


@pytest.fixture
def english(org, login):
    client = login(org["clerk"])
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def test_home_page_in_english(english) -> None:
    text = english.get(reverse("web:home")).content.decode()
    assert "My to-dos" in text
    assert "我的待办" not in text
    for section in ("Leadership", "Operations", "Staff &amp; public"):
        assert section in text
    for chinese in ("服务领导", "服务运转", "服务群众", "委托代理", "退出登录"):
        assert chinese not in text


def test_org_directory_in_english(english, org) -> None:
    text = english.get(reverse("org:directory")).content.decode()
    assert "<title>Organisation · Sanfu</title>" in text
    for heading in ("Organisation", "All departments", "Name", "Department", "Job title"):
        assert heading in text
    for chinese in ("组织机构", "全部部门", "姓名", "职务"):
        assert chinese not in text
    assert org["unit"].name in text  # data stays as entered
