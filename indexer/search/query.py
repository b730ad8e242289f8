"""The one search module: parse a researcher's query, run it on the index, shape the results.

The CLI (``vnarchive search``), the web app and the export all call this module;
nothing else touches the search engine (Whoosh), so another engine could be put
behind the same functions.

Query syntax (Google-like)::

    ủy ban nhân dân          every word must match (adjacent syllables score more)
    "hội nghị giao ban"      a phrase
    -bão   NOT bão           exclusion
    lũ OR lụt                either (OR binds tighter than the implicit AND)
    (lũ OR lụt) "Quảng Bình" grouping
    title:"Tuyên Hóa"        only in titles (``body:`` only in bodies)
    portal:ID province:P district:D category:C year:2023   filters inside the query
    place:"Krông Nô" topic:"Quốc phòng - An ninh"        places (old or new names), topics

A province filter matches the portal's province by its name before or after the 2025
reform (``Lâm Đồng`` finds the articles of Đắk Nông's portals); ``place:`` matches any
unit an article names, old or new (:mod:`indexer.search.placeindex`).  Each result then says
which name matched (``place_match``).

Diacritics are optional: a query typed without them matches the folded copy of
the text (``tuyen hoa`` finds ``Tuyên Hóa``, ``dak`` finds ``Đắk``).  A query typed
with them ranks the articles holding exactly those words first, then those that
only match after folding (``năm`` before ``nam``).  Within a tier: BM25F with
titles weighing 3x the body, neighbouring query words found side by side
rewarded, newer first on equal scores.

How it runs: which articles match is computed with set algebra over whole
posting lists (fast, exact totals and facets); only the ranking uses Whoosh's
scorer, on at most ``RANK_LIMIT`` candidates per tier (see :func:`indexer.search.rank._pool`).  A
phrase matches where all its neighbouring syllable pairs occur (``"a b c"``:
``a b`` and ``b c``), read from bigram fields instead of positions.

A malformed query is read as well as it can be (unbalanced quotes and
parentheses closed, lone operators dropped); a request that cannot be run
raises :class:`QueryError` with a message for the user (``field`` names the
parameter at fault).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.searching import Searcher

from indexer.search.copies import single_copy
from indexer.search.highlight import Highlighter
from indexer.search.match import _filter_values, _plan
from indexer.search.params import QueryError, SearchParams
from indexer.search.parse import ParsedQuery, parse_query
from indexer.search.placeindex import matched_place
from indexer.search.rank import _ranked
from indexer.search.searcher import _cache, _columns, _facets, _searcher
from indexer.search.suggest import _did_you_mean
from indexer.search.writer import open_index

__all__ = [
    "iter_matching_ids",
    "search",
]

_log = logging.getLogger(__name__)


# -- search -------------------------------------------------------------------------


def _empty_result(params: SearchParams, started: float) -> dict[str, Any]:
    return {
        "total": 0,
        "page": params.page,
        "per_page": params.per_page,
        "results": [],
        "facets": {"portal": {}, "category": {}, "topic": {}, "year": {}, "month": {}, "place": {}},
        "did_you_mean": None,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }


class _Stored:
    """The stored fields of documents, each read (and decompressed) once per request."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.found: dict[int, dict[str, Any]] = {}

    def __call__(self, docnum: int) -> dict[str, Any]:
        found = self.found.get(docnum)
        if found is None:
            found = self.found[docnum] = self.searcher.stored_fields(docnum)
        return found


def _hit_dict(stored: dict[str, Any], score: float, marks: Highlighter) -> dict[str, Any]:
    return {
        "id": stored.get("id"),
        "url": stored.get("url"),
        "title": stored.get("title") or "",
        "portal": stored.get("portal"),
        "province": stored.get("province") or None,
        "district": stored.get("district") or None,
        "category": stored.get("category") or None,
        "topic": stored.get("topic") or None,
        "province_now": stored.get("province_now") or None,
        "published": stored.get("published") or None,
        "score": round(score, 4),
        "snippet_html": marks.snippet(stored.get("body") or ""),
    }


def _one_per_story(ranked: list[tuple[int, float]], stored: _Stored) -> list[tuple[int, float]]:
    """The ranked hits with each story once: its best-ranked copy (indexer.text.stories)."""
    seen: set[str] = set()
    out = []
    for docnum, score in ranked:
        fields = stored(docnum)
        story = fields.get("story_id") or fields.get("id")
        if story in seen:
            continue
        seen.add(story)
        out.append((docnum, score))
    return out


def _other_copies(
    searcher: Searcher, docnum: int, stored: _Stored
) -> tuple[str, list[dict[str, str]]]:
    """``(story_id, [{id, portal, url}])``: the story of a hit and its copies on other
    portals ("also on N portals")."""
    fields = stored(docnum)
    story = fields.get("story_id") or fields.get("id")
    others = []
    if fields.get("story_id") and not single_copy(searcher, story):
        for other in _cache(searcher).live_documents(searcher, "story_id", story):
            if other == docnum:
                continue
            copy = stored(other)
            if copy.get("id") != fields.get("id") and copy.get("portal") != fields.get("portal"):
                others.append(
                    {"id": copy.get("id"), "portal": copy.get("portal"), "url": copy.get("url")}
                )
    return story, sorted(others, key=lambda c: (c["portal"] or "", c["id"] or ""))


def _nothing_to_find(params: SearchParams, parsed: ParsedQuery) -> bool:
    """A query of only operators or punctuation (``OR``, ``-``, ``((``): it finds nothing."""
    return (
        bool(params.q.strip())
        and parsed.empty
        and not parsed.filters
        and not parsed.clauses(negated=True)
    )


def _engine_error(exc: Exception) -> QueryError:
    _log.exception("search engine failure")
    return QueryError(
        f"the search engine could not run this query ({exc.__class__.__name__}); "
        "try a simpler query"
    )


def search(params: SearchParams, index_dir: Path | str | None = None) -> dict[str, Any]:
    """Run one search request; returns the JSON-ready result page (see module docstring).

    ``{total, page, per_page, results: [{id, url, title, portal, province, district,
    category, published, score, snippet_html}], facets: {portal, category, year},
    did_you_mean, took_ms}``.  Raises :class:`QueryError` for invalid params; an
    index not built yet gives an empty result.
    """
    started = time.perf_counter()
    params = params.validated()
    searcher = _searcher(index_dir)
    if searcher is None or _nothing_to_find(params, parse_query(params.q)):
        return _empty_result(params, started)
    try:
        plan = _plan(searcher, params)
        offset = (params.page - 1) * params.per_page
        want = offset + params.per_page
        stored = _Stored(searcher)
        ranked = _one_per_story(_ranked(searcher, plan, params.sort, 2 * want + 10), stored)
        page_hits = ranked[offset:want]
        marks = Highlighter.for_query(plan.parsed, strict=params.exact)
        results = [_hit_dict(stored(d), s, marks) for d, s in page_hits]
        for (d, _), hit in zip(page_hits, results, strict=True):
            hit["story_id"], hit["also_on"] = _other_copies(searcher, d, stored)
        provinces = _filter_values(params, plan.parsed, "province")
        places = _filter_values(params, plan.parsed, "place")
        if provinces or places:
            for (d, _), hit in zip(page_hits, results, strict=True):
                hit["place_match"] = matched_place(stored(d), provinces, places)
        did_you_mean = None
        if not plan.docs and not plan.parsed.empty:
            did_you_mean = _did_you_mean(searcher, params, plan.parsed)
        facets = _facets(searcher, plan.docs)
    except QueryError:
        raise
    except Exception as exc:  # a Whoosh failure: a message for the user, the trace in the log
        raise _engine_error(exc) from exc
    return {
        "total": plan.total,
        "page": params.page,
        "per_page": params.per_page,
        "results": results,
        "facets": facets,
        "did_you_mean": did_you_mean,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def iter_matching_ids(params: SearchParams, index_dir: Path | str | None = None) -> Iterator[str]:
    """Every matching article id, in the order of ``params.sort`` (page/per_page ignored).

    For exports of a query's results.  The ids are collected up front on a searcher
    of its own, so a slow consumer never holds the index open; an index not built
    yet yields nothing.  Raises :class:`QueryError` (at the first ``next()``) for
    invalid params.
    """
    params = params.validated()
    ix = open_index(Path(index_dir) if index_dir else None)
    if ix is None or _nothing_to_find(params, parse_query(params.q)):
        return
    with ix.searcher() as searcher:
        try:
            plan = _plan(searcher, params)
            ids = _columns(searcher)["id"]
            ordered = [ids[d] for d, _ in _ranked(searcher, plan, params.sort, None)]
        except QueryError:
            raise
        except Exception as exc:
            raise _engine_error(exc) from exc
    yield from ordered
