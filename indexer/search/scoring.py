"""How a match scores: the Whoosh ranking query of a parsed query, and BM25F on cached postings."""

from __future__ import annotations

from math import log
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.scoring import BM25F, WeightingModel
from whoosh.searching import Searcher

from indexer.search.analysis import bigram_key, fold_token
from indexer.search.parse import _TEXT_FIELDS, Clause, Node
from indexer.search.searcher import _cache

TITLE_BOOST = 3.0
BODY_BOOST = 1.0
ADJACENCY_BOOST = 4.0


# -- ranking queries (Whoosh) -----------------------------------------------------------


def _fields(clause: Clause) -> tuple[str, ...]:
    return (clause.fieldname,) if clause.fieldname else _TEXT_FIELDS


def _keys(clause: Clause, exact: bool) -> list[str]:
    return clause.keys if exact else [fold_token(k) for k in clause.keys]


def _pairs(keys: list[str]) -> list[str]:
    return [bigram_key(a, b) for a, b in zip(keys, keys[1:], strict=False)]


def _clause_query(clause: Clause, exact: bool) -> wq.Query:
    """The scoring query of one clause on the exact or the folded copy of its fields.

    A phrase is the conjunction of its neighbouring pairs in the field's folded
    bigram copy (``"a b c"`` = ``a b`` and ``b c``), plus its exact syllables in the
    exact tier.
    """
    keys = _keys(clause, exact)
    parts: list[wq.Query] = []
    for name in _fields(clause):
        fieldname = name if exact else f"{name}_f"
        boost = TITLE_BOOST if name == "title" else BODY_BOOST
        if len(keys) == 1:
            parts.append(wq.Term(fieldname, keys[0], boost=boost))
            continue
        pairs = _pairs([fold_token(k) for k in keys])
        terms = [wq.Term(f"{name}_bi_f", pair, boost=boost) for pair in pairs]
        if exact:
            terms += [wq.Term(name, k, boost=boost) for k in dict.fromkeys(keys)]
        parts.append(terms[0] if len(terms) == 1 else wq.And(terms))
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _adjacency(clauses: list[Clause], exact: bool) -> list[wq.Query]:
    """Bonus queries for neighbouring one-syllable words (``cán`` ``bộ``): scored, not required."""
    out: list[wq.Query] = []
    for left, right in zip(clauses, clauses[1:], strict=False):
        if len(out) >= 16:
            break
        if any(c.quoted or c.fieldname or len(c.keys) != 1 for c in (left, right)):
            continue
        keys = _keys(left, exact) + _keys(right, exact)
        pair = bigram_key(*(fold_token(k) for k in keys))
        out.append(wq.Term("title_bi_f", pair, boost=ADJACENCY_BOOST * TITLE_BOOST))
        out.append(wq.Term("body_bi_f", pair, boost=ADJACENCY_BOOST * BODY_BOOST))
    return out


def _positives(node: Node) -> list[Clause | Node]:
    return [c for c in node.children if not (isinstance(c, Node) and c.op == "not")]


def _rank_query(node: Clause | Node, exact: bool) -> wq.Query | None:
    """The Whoosh query that scores the matches (which ones match is decided by _Matcher)."""
    if isinstance(node, Clause):
        return _clause_query(node, exact)
    if node.op == "not":
        return None
    parts = [q for q in (_rank_query(c, exact) for c in _positives(node)) if q is not None]
    if not parts:
        return None
    if node.op == "or":
        return wq.Or(parts)
    main = parts[0] if len(parts) == 1 else wq.And(parts)
    bonus = _adjacency([c for c in _positives(node) if isinstance(c, Clause)], exact)
    return wq.AndMaybe(main, wq.Or(bonus)) if bonus else main


# BM25F, as Whoosh computes it (whoosh.scoring.BM25F), on the cached postings: scoring a
# pool of a few hundred documents this way takes a few milliseconds, where Whoosh's
# matcher tree (skip_to over every posting list, in Python) took tens.


class _Scorer:
    """Scores a pool of documents with a (normalised) Whoosh query, like Whoosh's BM25F."""

    def __init__(self, searcher: Searcher, pool: list[int]) -> None:
        self.searcher = searcher
        self.cache = _cache(searcher)
        self.pool = pool
        self.pool_ids = np.asarray(sorted(pool), dtype=np.uint32)
        weighting = searcher.weighting
        self.K1 = weighting.K1
        self.field_b = dict(getattr(weighting, "_field_B", {}))
        self.B = weighting.B
        # Whoosh's idf reads the term's document frequency in every segment again; a complete
        # posting list's length is that frequency (deleted documents included, as Whoosh counts)
        self.plain_idf = type(weighting).idf is WeightingModel.idf
        self.doc_count = searcher.get_parent().doc_count_all()

    def scores(self, query: wq.Query) -> dict[int, float]:
        """docnum → score of the pool documents the query matches."""
        if query is wq.NullQuery:
            return {}
        if isinstance(query, wq.Term):
            return self.term(query)
        if isinstance(query, wq.AndMaybe):
            main = self.scores(query.a)
            if main:
                for d, s in self.scores(query.b).items():
                    if d in main:
                        main[d] += s
            return main
        if isinstance(query, wq.And):
            parts = [self.scores(q) for q in query.subqueries]
            if not parts or any(not p for p in parts):
                return {}
            common = set(parts[0]).intersection(*parts[1:])
            return {d: sum(p[d] for p in parts) for d in common}
        if isinstance(query, wq.Or):
            out: dict[int, float] = {}
            for part in (self.scores(q) for q in query.subqueries):
                for d, s in part.items():
                    out[d] = out.get(d, 0.0) + s
            return out
        raise TypeError(f"no scorer for {query.__class__.__name__}")

    def term(self, query: wq.Term) -> dict[int, float]:
        fieldname, text = query.fieldname, query.text
        posting = self.cache.posting(self.searcher, fieldname, text)
        ids = posting.ids
        if not len(ids) or posting.weights is None or not self.pool:
            return {}
        # the pool documents in the posting list, and their term frequencies
        at = np.searchsorted(ids, self.pool_ids)
        inside = at < len(ids)
        at, docs = at[inside], self.pool_ids[inside]
        hit = ids[at] == docs
        at, docs = at[hit], docs[hit]
        if not len(docs):
            return {}
        tf = posting.weights[at].astype(np.float64)
        fl = self.cache.lengths(self.searcher, fieldname)[docs]
        df = posting.doc_frequency
        if self.plain_idf and df is not None:  # WeightingModel.idf, the frequency at hand
            idf = log(self.doc_count / (df + 1)) + 1
        else:
            idf = self.searcher.idf(fieldname, text)
        avgfl = self.cache.avg_length(self.searcher, fieldname) or 1
        B, K1 = self.field_b.get(fieldname, self.B), self.K1
        # Whoosh's BM25F (whoosh.scoring.bm25), operation for operation: the same doubles
        scores = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        if query.boost != 1.0:
            scores = scores * query.boost
        return dict(zip(docs.tolist(), scores.tolist(), strict=True))


def _own_scoring(searcher: Searcher) -> bool:
    return isinstance(searcher.weighting, BM25F)


def _score_pool(searcher: Searcher, query: wq.Query, pool: list[int]) -> list[tuple[int, float]]:
    """(docnum, score) of every pool document (0.0 for one the query does not match)."""
    if _own_scoring(searcher):
        scores = _Scorer(searcher, pool).scores(query.normalize())
    else:  # another weighting model: let Whoosh score
        hits = searcher.search(wq.And([query, _PoolQuery(searcher, pool)]), limit=None)
        scores = {hit.docnum: float(hit.score or 0.0) for hit in hits}
    return [(d, scores.get(d, 0.0)) for d in pool]


class _PoolMatcher(ListMatcher):
    """The documents of a pool, in order, contributing nothing to the score."""

    def score(self) -> float:
        return 0.0

    def supports_block_quality(self) -> bool:
        return False


class _PoolQuery(wq.Query):
    """Matches a fixed set of documents: ANDed with a scoring query, Whoosh visits only them."""

    def __init__(self, searcher: Searcher, docs: list[int]) -> None:
        self.per_leaf: dict[int, list[int]] = {}
        leaves = searcher.leaf_searchers()
        ordered = sorted(docs)
        for n, (leaf, offset) in enumerate(leaves):
            end = leaves[n + 1][1] if n + 1 < len(leaves) else None
            local = [d - offset for d in ordered if d >= offset and (end is None or d < end)]
            self.per_leaf[id(leaf)] = local

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def is_leaf(self) -> bool:
        return True

    def estimate_size(self, ixreader: Any) -> int:
        return sum(len(ids) for ids in self.per_leaf.values())

    def estimate_min_size(self, ixreader: Any) -> int:
        return self.estimate_size(ixreader)

    def matcher(self, searcher: Searcher, context: Any = None) -> Any:
        ids = self.per_leaf.get(id(searcher))
        return _PoolMatcher(ids) if ids else NullMatcher()
