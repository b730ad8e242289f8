"""The searcher of the latest index generation, per thread, with its caches and facets."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from whoosh.searching import Searcher

from indexer import config
from indexer.search.cache import FEW_MATCHES, IndexCache, docnum_array, docnums, index_cache
from indexer.search.placeindex import place_facet
from indexer.search.writer import open_index

# -- the searcher and its per-generation caches ---------------------------------------

_local = threading.local()


def _searcher(index_dir: Path | str | None) -> Searcher | None:
    """A searcher on the latest index generation, kept per thread and per index.

    Never ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 it re-adds the old
    generation's segments to the new reader (documents counted twice after a
    merge or a rebuild), so a stale searcher is closed and a new one opened.
    Whoosh searchers are not shared between threads; the caches behind them
    (:func:`indexer.search.cache.index_cache`) are.
    """
    path = str(Path(index_dir or config.index_dir()).resolve())
    cache: dict[str, Searcher] = _local.__dict__.setdefault("searchers", {})
    searcher = cache.get(path)
    if searcher is not None:
        try:
            fresh = searcher.up_to_date()
        except Exception:  # noqa: BLE001 — the index was removed or replaced: reopen
            fresh = False
        if fresh:
            return searcher
        cache.pop(path, None)
        searcher.close()
    ix = open_index(Path(path))
    if ix is None:
        return None
    searcher = ix.searcher()
    searcher._vn_path = path  # type: ignore[attr-defined]
    cache[path] = searcher
    return searcher


def _cache(searcher: Searcher) -> IndexCache:
    """The shared cache of the generation ``searcher`` reads (remembered on the searcher)."""
    found = getattr(searcher, "_vn_cache", None)
    if found is None:
        path = getattr(searcher, "_vn_path", None)
        if path is None:
            folder = getattr(getattr(getattr(searcher, "_ix", None), "storage", None), "folder", "")
            path = str(Path(folder).resolve()) if folder else f"searcher-{id(searcher)}"
        found = index_cache(path, searcher)
        searcher._vn_cache = found  # type: ignore[attr-defined]
    return found


def _columns(searcher: Searcher) -> dict[str, list[Any]]:
    """id/portal/category/year/newest/oldest (and month) of every document, by number."""
    return _cache(searcher).columns


def _facets(searcher: Searcher, docs: int) -> dict[str, dict[str, int]]:
    """Exact portal/category/year/month counts over every match (bitset popcounts)."""
    cache = _cache(searcher)
    total = docs.bit_count()
    # listed once for every column
    listed = docnums(docs) if total <= FEW_MATCHES else docnum_array(docs)
    facets: dict[str, dict[str, int]] = {}
    for name in ("portal", "category", "topic", "year"):
        counts = cache.counts(name, docs, total, listed)
        if name == "year":
            facets[name] = dict(sorted(counts.items(), reverse=True))
        else:
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50])
    # month: YYYY-MM counts, oldest first, drawn as the web app's timeline
    # (search_app.timeline; tested by tests/search_app/test_pages.py)
    facets["month"] = dict(sorted(cache.counts("month", docs, total, listed).items()))
    facets["place"] = place_facet(searcher, cache, docs)
    return facets


def _by_date(searcher: Searcher, docs: int, sort: str, limit: int | None) -> list[int]:
    return _cache(searcher).by_date(docs, sort, limit)
