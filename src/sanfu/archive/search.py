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
from collections.abc import Iterable, Iterator
from typing import overload

import rjieba
from django.db import connection, connections, router
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


def _rank_expression(tokens: list[str]) -> RawSQL:
    # The index table's name is a constant (``SearchIndexRow``); only the tokens are parameters.
    if connection.vendor == "postgresql":
        return RawSQL("ts_rank_cd(archive_search.document, to_tsquery('simple', %s))", (tsquery(tokens),))
    return RawSQL("-bm25(archive_search)", ())


def ranked_queryset(queryset: QuerySet[ArchiveRecord], tokens: list[str]) -> QuerySet[ArchiveRecord]:
    """Every record of ``queryset`` matching ``tokens``, ranked inside the join: the reference order
    (``rank`` higher is better on both vendors, then newest id first)."""
    qs = queryset.filter(search_row__tokens__fulltext=tokens)
    return qs.annotate(rank=_rank_expression(tokens)).order_by("-rank", "-id")


def ranked_window(tokens: list[str], offset: int, limit: int | None) -> list[tuple[int, float]]:
    """``(record id, rank)`` of the index rows matching ``tokens`` at positions ``offset`` ..
    ``offset + limit`` of the reference order (rank, higher first, then id, higher first), ranked by the
    index alone: no record row is read, and the database keeps only the best ``offset + limit`` while
    ranking (a bounded top-N sort)."""
    # The records' database: the read replica on a read-only page when one is configured (sanfu.core.dbrouter).
    with connections[router.db_for_read(ArchiveRecord)].cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT rowid, ts_rank_cd(document, q) AS r FROM archive_search, to_tsquery('simple', %s) q "
                "WHERE document @@ q ORDER BY r DESC, rowid DESC LIMIT %s OFFSET %s",
                [tsquery(tokens), limit, offset],
            )
        else:
            cursor.execute(
                "SELECT rowid, -bm25(archive_search) AS r FROM archive_search WHERE archive_search MATCH %s "
                "ORDER BY r DESC, rowid DESC LIMIT %s OFFSET %s",
                [fts5_query(tokens), -1 if limit is None else limit, offset],
            )
        return [(int(rowid), float(rank)) for rowid, rank in cursor.fetchall()]


class RankedResults:
    """The records of ``queryset`` matching a query, best first, with ``rank`` set on each; what the
    Paginator pages (``count()`` and slices).

    A slice is found in a window: the index ranks its own rows and hands back the best ids in the
    reference order (``ranked_window``); the ids that ``queryset`` (the access rule and the metadata
    filters) admits are kept, in that order (see ``visible_ranked`` for a window that does not fill the
    slice). Every record returned is read through ``queryset``; none is read by id alone."""

    WINDOW = 500
    ACCESS_CHUNK = 500  # ids per ``pk IN (...)`` access check (well under SQLite's variable limit)
    COUNT_CAP = 1000  # 50 pages of 20

    def __init__(self, queryset: QuerySet[ArchiveRecord], tokens: list[str], *, narrowed: bool = False) -> None:
        self._queryset = queryset
        self._tokens = tokens
        self._narrowed = narrowed
        self._best: list[tuple[int, float]] | None = None
        self._count: int | None = None
        self.count_capped = False
        self.ordered = True  # for the Paginator's check

    def select_related(self, *fields: str) -> RankedResults:
        return RankedResults(self._queryset.select_related(*fields), self._tokens, narrowed=self._narrowed)

    def count(self) -> int:
        """How many matching records the queryset admits, counted exactly up to ``COUNT_CAP`` and no
        further (``count_capped`` then says there are more): the index's match list joined to the records
        for the rule, without ranking, stopping at the cap. The pager then offers the best ``COUNT_CAP``."""
        if self._count is None and self._narrowed:
            found = len(self._best_in_join())
            self.count_capped = found > self.COUNT_CAP
            self._count = min(found, self.COUNT_CAP)
        if self._count is None:
            # No ORDER BY: the default ordering would sort every match before the LIMIT.
            matching = self._queryset.filter(search_row__tokens__fulltext=self._tokens).order_by()
            found = matching[: self.COUNT_CAP + 1].count()
            self.count_capped = found > self.COUNT_CAP
            self._count = min(found, self.COUNT_CAP)
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[ArchiveRecord]:
        return iter(self[0:None])

    @overload
    def __getitem__(self, key: int) -> ArchiveRecord: ...
    @overload
    def __getitem__(self, key: slice) -> list[ArchiveRecord]: ...
    def __getitem__(self, key: int | slice) -> ArchiveRecord | list[ArchiveRecord]:
        if isinstance(key, int):
            if key < 0:
                raise IndexError("negative indexing is not supported")
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step not in (None, 1) or (key.start or 0) < 0 or (key.stop is not None and key.stop < 0):
            raise ValueError("only forward slices without a step")
        start = key.start or 0
        hits = self.visible_ranked(key.stop)[start : key.stop]
        records = self._queryset.order_by().in_bulk([pk for pk, _ in hits])
        out: list[ArchiveRecord] = []
        for pk, rank in hits:
            record = records.get(pk)
            if record is not None:  # deleted between the two reads
                record.rank = rank  # type: ignore[attr-defined]
                out.append(record)
        return out

    def visible_ranked(self, stop: int | None) -> list[tuple[int, float]]:
        """The first ``stop`` (all when None) ``(id, rank)`` the queryset admits, in the reference order.

        First one window of the index's own ranking (``WINDOW`` or twice ``stop``, whichever is larger),
        kept to the ids the queryset admits. When that window does not fill the slice and the index has
        more rows (the actor may see few of the best hits, or the metadata filters are narrow), one query
        ranks inside the join instead (``ranked_queryset``, ids and ranks only, ``LIMIT stop``): there the
        rule and the filters run before ranking, so only admitted rows are ranked. A ``narrowed`` search
        (metadata filters, which the record table's indexes apply to each match cheaply) goes there
        directly: a year or a kind keeps a small share of the matches, and ranking only those beats ranking
        them all in the index; its best ``COUNT_CAP + 1`` are kept for the count and the pages."""
        if self._narrowed and stop is not None and stop <= self.COUNT_CAP + 1:
            return self._best_in_join()[:stop]
        if stop is not None and not self._narrowed:
            size = max(self.WINDOW, 2 * stop)
            window = ranked_window(self._tokens, 0, size)
            found: list[tuple[int, float]] = []
            for at in range(0, len(window), self.ACCESS_CHUNK):
                chunk = window[at : at + self.ACCESS_CHUNK]
                ids = [pk for pk, _ in chunk]
                admitted = set(self._queryset.filter(pk__in=ids).order_by().values_list("pk", flat=True))
                found.extend(hit for hit in chunk if hit[0] in admitted)
            if len(found) >= stop or len(window) < size:
                return found[:stop]
        return self._ranked_in_join(stop)

    def _ranked_in_join(self, stop: int | None) -> list[tuple[int, float]]:
        ranked = ranked_queryset(self._queryset, self._tokens).values_list("pk", "rank")  # type: ignore[misc]
        return [(int(pk), float(rank)) for pk, rank in (ranked if stop is None else ranked[:stop])]

    def _best_in_join(self) -> list[tuple[int, float]]:
        """A narrowed search's best ``COUNT_CAP + 1`` admitted hits, ranked in the join, kept: one query
        gives both the (capped) count and every page the pager offers."""
        if self._best is None:
            self._best = self._ranked_in_join(self.COUNT_CAP + 1)
        return self._best


def search(
    queryset: QuerySet[ArchiveRecord], query: str, *, narrowed: bool = False
) -> RankedResults | QuerySet[ArchiveRecord]:
    """``queryset`` narrowed to records matching ``query``, best first, with ``rank`` set (higher is
    better on both vendors); see ``RankedResults`` (``narrowed``: ``queryset`` carries metadata filters)."""
    tokens = query_tokens(query)
    if not tokens:
        return queryset.none()
    return RankedResults(queryset, tokens, narrowed=narrowed)


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
    # Adjacent hits (the tokens of one phrase, e.g. 贵港 + 发电) are one mark: separate marks read as a gap.
    spans: list[list[int]] = []
    for m in pattern.finditer(excerpt):
        if spans and spans[-1][1] == m.start():
            spans[-1][1] = m.end()
        else:
            spans.append([m.start(), m.end()])
    out: list[str] = ["…" if start > 0 else ""]
    pos = 0
    for begin, end in spans:
        out.append(html.escape(excerpt[pos:begin]))
        out.append(f"<mark>{html.escape(excerpt[begin:end])}</mark>")
        pos = end
    out.append(html.escape(excerpt[pos:]))
    if start + width < len(chosen):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308  # every piece escaped above
