"""Which documents match a request: set algebra over posting bitsets, and the request's plan."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq
from whoosh.searching import Searcher

from indexer.search.analysis import fold_token
from indexer.search.params import SearchParams
from indexer.search.parse import Clause, Node, ParsedQuery, parse_query
from indexer.search.placeindex import place_filter_keys, province_filter_keys
from indexer.search.schema import facet_key
from indexer.search.scoring import (
    BODY_BOOST,
    TITLE_BOOST,
    _fields,
    _keys,
    _pairs,
    _positives,
    _rank_query,
)
from indexer.search.searcher import _cache
from indexer.search.wordmatch import compound_bonus, compound_docs, query_runs

# -- matching (document number bitsets) ----------------------------------------------------


class _Matcher:
    """Evaluates a parsed query to the matching document numbers, with bitset algebra.

    A set of documents is a Python int used as a bitset (see :mod:`indexer.search.cache`);
    posting lists come from the index generation's shared LRU, so a common syllable is
    read from disk once, not once per query.
    """

    def __init__(self, searcher: Searcher, *, strict: bool = False) -> None:
        self.searcher = searcher
        self.cache = _cache(searcher)
        self.strict = strict  # exclusions match exact words too

    def everything(self) -> int:
        return self.cache.live

    def term(self, fieldname: str, text: str) -> int:
        return self.cache.posting(self.searcher, fieldname, text).bits

    def clause(self, clause: Clause, exact: bool) -> int:
        keys = _keys(clause, exact)
        out = 0
        for name in _fields(clause):
            if len(keys) == 1:
                out |= self.term(name if exact else f"{name}_f", keys[0])
                continue
            found = -1
            for pair in _pairs([fold_token(k) for k in keys]):
                found &= self.term(f"{name}_bi_f", pair)
            for key in dict.fromkeys(keys) if exact else ():
                found &= self.term(name, key)
            out |= found
        return out

    def node(self, node: Clause | Node, exact: bool) -> int | None:
        """The matches of a node (None: no positive words, i.e. everything)."""
        if isinstance(node, Clause):
            return self.clause(node, exact)
        if node.op == "not":
            return self.everything() & ~self.negative(node.children[0])
        if node.op == "or":
            out = 0
            for child in node.children:
                found = self.node(child, exact)
                out |= self.everything() if found is None else found
            return out
        result: int | None = None
        for child in _positives(node):
            found = self.node(child, exact)
            if found is not None:
                result = found if result is None else result & found
        for child in node.children:
            if isinstance(child, Node) and child.op == "not":
                excluded = self.negative(child.children[0])
                result = (self.everything() if result is None else result) & ~excluded
        return result

    def negative(self, node: Clause | Node) -> int:
        """What an exclusion removes: exact words if typed with diacritics, else any folded match."""
        if isinstance(node, Clause):
            return self.clause(node, exact=node.accented or self.strict)
        if node.op == "not":
            return self.everything() & ~self.negative(node.children[0])
        sets = [self.negative(c) for c in node.children]
        if node.op == "or":
            out = 0
            for found in sets:
                out |= found
            return out
        if not sets:
            return 0
        out = sets[0]
        for found in sets[1:]:
            out &= found
        return out

    def filters(self, params: SearchParams, parsed: ParsedQuery, docs: int) -> int:
        """``docs`` narrowed by the request's and the query string's filters."""

        def any_of(fieldname: str, values: list[str]) -> None:
            nonlocal docs
            if values:
                allowed = 0
                for value in dict.fromkeys(values):
                    allowed |= self.term(fieldname, value)
                docs &= allowed

        portals = parsed.filters.get("portal", []) + ([params.portal] if params.portal else [])
        any_of("portal", [p.strip() for p in portals if p.strip()])
        for name in ("district", "category", "topic"):
            own = getattr(params, name, None)
            values = parsed.filters.get(name, []) + ([own] if own else [])
            any_of(f"{name}_key", [facet_key(v) for v in values])
        # places: a province by its old or new name, a place: by any name it had
        provinces = _filter_values(params, parsed, "province")
        any_of("province_any", [k for v in provinces for k in province_filter_keys(v)])
        places = _filter_values(params, parsed, "place")
        for value in places:  # each place: narrows further (place:A place:B = both)
            any_of("place_key", place_filter_keys(value))
        years = parsed.filters.get("year", [])
        if years:
            any_of("year", [y for y in years if y.isdigit() and len(y) == 4] or ["-"])
        if params.date_from or params.date_to:
            low = int(params.date_from.replace("-", "")) * 10_000 if params.date_from else 1
            high = int(params.date_to.replace("-", "")) * 10_000 + 9999 if params.date_to else None
            docs &= self.cache.date_range(low, high)
        return docs


def _filter_values(params: SearchParams, parsed: ParsedQuery, name: str) -> list[str]:
    """A filter's values from the request and from the query string (``name:value``)."""
    own = getattr(params, name, None)
    return parsed.filters.get(name, []) + ([own] if own else [])


@dataclass
class _Plan:
    """What one request matches (all tiers; the exact tier) and how it is scored."""

    parsed: ParsedQuery
    docs: int  # bitset of every match, filters applied
    exact_docs: int  # bitset of the matches with the exact words (accented queries only)
    rank_full: wq.Query | None  # scoring on the folded copy (None: no positive words)
    rank_exact: wq.Query | None
    strict: bool = False  # only the exact words match (``SearchParams.exact``)
    compound_exact: int = 0  # matches holding a query run as a word, exact / folded
    compound_folded: int = 0

    @property
    def total(self) -> int:
        """How many documents match."""
        return self.docs.bit_count()

    def tiers(self) -> list[tuple[wq.Query, int, bool]]:
        """(scoring query, documents, exact) in rank order: exact words first, then
        folded; within each, the matches holding the query's compounds as words first."""
        if self.rank_full is None:
            return []
        if self.strict and self.rank_exact is not None:
            plain = [(self.rank_exact, self.docs, True)]
        elif self.rank_exact is not None and self.exact_docs:
            plain = [
                (self.rank_exact, self.exact_docs, True),
                (self.rank_full, self.docs & ~self.exact_docs, False),
            ]
        else:
            plain = [(self.rank_full, self.docs, False)]
        out: list[tuple[wq.Query, int, bool]] = []
        for query, allowed, exact in plain:
            words = allowed & (self.compound_exact if exact else self.compound_folded)
            if words:
                out.append((query, words, exact))
                out.append((query, allowed & ~words, exact))
            else:
                out.append((query, allowed, exact))
        return out


def _with_bonus(query: wq.Query | None, bonus: list[wq.Query]) -> wq.Query | None:
    if query is None or not bonus:
        return query
    return wq.AndMaybe(query, wq.Or(bonus))


def _plan(searcher: Searcher, params: SearchParams) -> _Plan:
    parsed = parse_query(params.q)
    strict = params.exact
    matcher = _Matcher(searcher, strict=strict)
    found = matcher.node(parsed.root, exact=strict)
    docs = matcher.filters(params, parsed, matcher.everything() if found is None else found)
    exact_docs = 0
    rank_exact = None
    if parsed.accented or strict:
        exact = found if strict else matcher.node(parsed.root, exact=True)
        exact_docs = docs & exact if exact is not None else 0
        rank_exact = _rank_query(parsed.root, exact=True)
    rank_full = _rank_query(parsed.root, exact=False)
    plan = _Plan(parsed, docs, exact_docs, rank_full, rank_exact, strict=strict)
    runs = query_runs(parsed.root) if docs and rank_full is not None else []
    if runs:
        boosts = {"title": TITLE_BOOST, "body": BODY_BOOST}
        if rank_exact is not None:
            plan.compound_exact = docs & compound_docs(matcher.term, runs, exact=True)
            bonus = compound_bonus(matcher.term, runs, True, boosts)
            plan.rank_exact = _with_bonus(rank_exact, bonus)
        if not strict:
            plan.compound_folded = docs & compound_docs(matcher.term, runs, exact=False)
            bonus = compound_bonus(matcher.term, runs, False, boosts)
            plan.rank_full = _with_bonus(rank_full, bonus)
    return plan
