"""The order of the results: tiers (exact words, compounds) and the candidates scored in each."""

from __future__ import annotations

from dataclasses import replace

from whoosh.searching import Searcher

from indexer.search.analysis import fold_token
from indexer.search.cache import bits_from_ids, docnums
from indexer.search.match import _Matcher, _Plan
from indexer.search.parse import Clause
from indexer.search.scoring import _pairs, _score_pool
from indexer.search.searcher import _by_date, _cache, _columns

_TIE_MARGIN = 20  # extra hits fetched so equal scores can be re-ordered newest first
# At most this many matches of a tier are scored (Whoosh scores in pure Python, ~25 µs a
# document); a larger match set is narrowed to its best candidates first (see _pool).
RANK_LIMIT = 500


def _pool(searcher: Searcher, plan: _Plan, allowed: int, exact: bool) -> tuple[list[int], int]:
    """(documents to score, the bitset of the other matches) for a tier's matches.

    Up to RANK_LIMIT matches are all scored.  Beyond that, the candidates are the
    matches holding every positive word in the title, or the unquoted words side by
    side in the body; the newest RANK_LIMIT of them are scored and every other match
    follows, newest first.  Scoring tens of thousands of documents in Python would
    take seconds, and such a query ("của", "năm") has no meaningful order anyway.
    """
    if allowed.bit_count() <= RANK_LIMIT:
        return docnums(allowed), 0
    matcher = _Matcher(searcher)
    root = plan.parsed.root
    plain = [c for c in root.children if isinstance(c, Clause)] if root.op == "and" else []
    candidates = 0
    if plain:
        in_title = -1
        for clause in plain:
            title_only = replace(clause, fieldname=clause.fieldname or "title")
            in_title &= matcher.clause(title_only, exact)
        candidates |= in_title
        keys = [fold_token(k) for c in plain if not c.fieldname for k in c.keys]
        if len(keys) > 1:
            side_by_side = -1
            for pair in _pairs(keys):
                side_by_side &= matcher.term("body_bi_f", pair)
            candidates |= side_by_side
    candidates &= allowed
    if candidates.bit_count() > RANK_LIMIT:
        pool = _cache(searcher).by_date(candidates, "newest", RANK_LIMIT)
        candidates = bits_from_ids(pool, _cache(searcher).size)
    return docnums(candidates), allowed & ~candidates


def _ranked(
    searcher: Searcher, plan: _Plan, sort: str, limit: int | None
) -> list[tuple[int, float]]:
    """(docnum, score) of the best ``limit`` matches in the requested order."""
    if sort in ("newest", "oldest") or plan.rank_full is None:
        return [(d, 0.0) for d in _by_date(searcher, plan.docs, sort, limit)]
    newest = _columns(searcher)["newest"]
    tiers = plan.tiers()
    out: list[tuple[int, float]] = []
    for query, allowed, exact in tiers:
        want = None if limit is None else limit - len(out)
        if (want is not None and want <= 0) or not allowed:
            continue
        pool, rest = _pool(searcher, plan, allowed, exact)
        scored: list[tuple[int, float]] = []
        if pool:
            scored = _score_pool(searcher, query, pool)
            scored.sort(key=lambda ds: (-round(ds[1], 6), -(newest[ds[0]] or 0)))
        if rest and (want is None or len(scored) < want):
            more = None if want is None else want - len(scored)
            scored += [(d, 0.0) for d in _by_date(searcher, rest, "newest", more)]
        out.extend(scored if want is None else scored[:want])
    return out
