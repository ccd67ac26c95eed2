"""The archive's full-text search: rjieba segmentation, the per-vendor index, queries and snippets.

Index: per record, the search-mode segmentation (``rjieba.cut_for_search``: a long word and the shorter
dictionary words inside it) of the title, the body and every attachment's text, space-joined, in
``archive_search`` (``rowid`` = record id). SQLite: an FTS5 table (``unicode61`` tokenizer, which splits
on the spaces we put in); ranked by ``bm25()``. PostgreSQL: a table whose ``document`` column is
``to_tsvector('simple', tokens)`` (generated), GIN-indexed; ranked by ``ts_rank_cd``.

Query: segmented the same way; every token must match (AND). Each token is passed quoted (an FTS5 string
is a phrase, so a multi-character token is matched as one unit and no query syntax leaks through).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import rjieba
from django.db import connection
from django.db.models import Lookup, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from sanfu.archive.models import ArchiveRecord, IndexTokensField

_WORDLIKE = re.compile(r"\w", re.UNICODE)
MAX_QUERY_TOKENS = 12


def segment(text: str) -> list[str]:
    """Search-mode tokens of ``text``, punctuation and spaces dropped, lower-cased."""
    return [t.lower() for t in rjieba.cut_for_search(text) if _WORDLIKE.search(t)]


def index_tokens(*texts: str) -> str:
    return " ".join(tok for text in texts if text for tok in segment(text))


def query_tokens(query: str) -> list[str]:
    """The distinct tokens a query must all match, in order of first appearance."""
    seen: dict[str, None] = {}
    for tok in segment(query):
        seen.setdefault(tok.replace('"', ""), None)
    return [t for t in seen if t][:MAX_QUERY_TOKENS]


def fts5_query(tokens: Iterable[str]) -> str:
    return " AND ".join(f'"{t}"' for t in tokens)


def tsquery(tokens: Iterable[str]) -> str:
    quoted = ("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in tokens)
    return " & ".join(quoted)


@IndexTokensField.register_lookup
class FullTextMatch(Lookup):  # type: ignore[type-arg]
    """``search_row__tokens__fulltext=[tokens]``: the index row matches every token."""

    lookup_name = "fulltext"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        tokens = list(self.rhs)
        if connection.vendor == "postgresql":
            table = lhs.rsplit(".", 1)[0]
            return f"{table}.\"document\" @@ to_tsquery('simple', %s)", [*lhs_params, tsquery(tokens)]
        return f"{lhs} MATCH %s", [*lhs_params, fts5_query(tokens)]

    def get_prep_lookup(self):  # type: ignore[no-untyped-def]
        return self.rhs


def search(queryset: QuerySet[ArchiveRecord], query: str) -> QuerySet[ArchiveRecord]:
    """``queryset`` narrowed to records matching ``query``, best first, with ``rank`` annotated
    (higher is better on both vendors)."""
    tokens = query_tokens(query)
    if not tokens:
        return queryset.none()
    qs = queryset.filter(search_row__tokens__fulltext=tokens)
    # The index table's name is a constant (``SearchIndexRow``); only the tokens are parameters.
    if connection.vendor == "postgresql":
        rank = RawSQL("ts_rank_cd(archive_search.document, to_tsquery('simple', %s))", (tsquery(tokens),))
    else:
        rank = RawSQL("-bm25(archive_search)", ())
    return qs.annotate(rank=rank).order_by("-rank", "-id")


def write_index(record: ArchiveRecord, file_texts: Iterable[str]) -> None:
    """(Re)write ``record``'s index row from its title, body and files' texts."""
    tokens = index_tokens(record.title, record.body_text, *file_texts)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM archive_search WHERE rowid = %s", [record.pk])
        cursor.execute("INSERT INTO archive_search (rowid, tokens) VALUES (%s, %s)", [record.pk, tokens])


def snippet(texts: Iterable[str], query: str, *, width: int = 120) -> SafeString:
    """A short excerpt of the first text containing a query token, every token marked (<mark>)."""
    tokens = sorted(set(query_tokens(query)), key=len, reverse=True)
    chosen = ""
    start = 0
    for text in texts:
        lowered = text.lower()
        hits = [i for i in (lowered.find(t) for t in tokens) if i >= 0]
        if hits:
            chosen, start = text, max(0, min(hits) - width // 4)
            break
    if not chosen:
        first = next((t for t in texts if t), "")
        chosen, start = first, 0
    excerpt = chosen[start : start + width]
    if not tokens:
        return mark_safe(html.escape(excerpt))  # noqa: S308  # escaped just above
    pattern = re.compile("|".join(re.escape(t) for t in tokens), re.IGNORECASE)
    out: list[str] = ["…" if start > 0 else ""]
    pos = 0
    for m in pattern.finditer(excerpt):
        out.append(html.escape(excerpt[pos : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(excerpt[pos:]))
    if start + width < len(chosen):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308  # every piece escaped above
