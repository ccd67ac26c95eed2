"""Pinyin search keys for a person's name: the full spelling ("zhangsan") and the initials ("zs").

A character with several readings (曾 zeng/ceng, 单 shan/dan, 解 xie/jie) gives several spellings, kept
side by side and separated by a space, so that the surname's real reading is always found; a wrong
reading only adds a harmless extra match. Queries never contain a space, so one never matches across
two spellings. Pure: no Django, so the data migration can use it as it is."""

from __future__ import annotations

import functools
import itertools
import re

from pypinyin import Style, pinyin

MAX_SPELLINGS = 8  # per name; a long name full of polyphonic characters stops growing there
KEY_MAX_LENGTH = 255  # the model fields' length
_NOT_LETTERS = re.compile(r"[^0-9a-z]+")


def _readings(name: str) -> list[list[str]]:
    """Per syllable, its readings (the usual one first); text that is not Chinese gives one segment per word."""
    segments: list[list[str]] = []
    for readings in pinyin(name, style=Style.NORMAL, heteronym=True, errors="default"):
        if len(readings) == 1:  # one reading, or a run of Latin letters, digits or punctuation
            segments.extend([w] for w in (_NOT_LETTERS.sub("", word.lower()) for word in readings[0].split()) if w)
            continue
        cleaned = list(dict.fromkeys(r for r in (_NOT_LETTERS.sub("", x.lower()) for x in readings) if r))
        if cleaned:
            segments.append(cleaned)
    return segments


@functools.lru_cache(maxsize=4096)  # pure, and the same names come back on every import and seed
def name_keys(name: str) -> tuple[str, str]:
    """``(full, initials)``, each one or more spellings separated by spaces (``("zhangsan", "zs")``)."""
    segments = _readings(name.strip())
    if not segments:
        return "", ""
    # The first syllable's readings vary fastest: a surname's other reading (曾 zeng) is never cut off.
    backwards = itertools.islice(itertools.product(*reversed(segments)), MAX_SPELLINGS)
    spellings = [tuple(reversed(parts)) for parts in backwards]
    full = list(dict.fromkeys("".join(parts) for parts in spellings))
    initials = list(dict.fromkeys("".join(p[0] for p in parts) for parts in spellings))
    return _fit(full), _fit(initials)


def _fit(spellings: list[str]) -> str:
    """As many whole spellings as the field holds (the usual reading first)."""
    kept: list[str] = []
    length = -1
    for spelling in spellings:
        length += len(spelling) + 1
        if length > KEY_MAX_LENGTH:
            break
        kept.append(spelling)
    return " ".join(kept) if kept else spellings[0][:KEY_MAX_LENGTH]


def normalize_query(query: str) -> str:
    """How a typed query is compared with the keys: lower case, letters and digits only ("Zhang San" → "zhangsan")."""
    return _NOT_LETTERS.sub("", query.lower())
