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
unit an article names, old or new (:mod:`indexer.placeindex`).  Each result then says
which name matched (``place_match``).

Diacritics are optional: a query typed without them matches the folded copy of
the text (``tuyen hoa`` finds ``Tuyên Hóa``, ``dak`` finds ``Đắk``).  A query typed
with them ranks the articles holding exactly those words first, then those that
only match after folding (``năm`` before ``nam``).  Within a tier: BM25F with
titles weighing 3x the body, neighbouring query words found side by side
rewarded, newer first on equal scores.

How it runs: which articles match is computed with set algebra over whole
posting lists (fast, exact totals and facets); only the ranking uses Whoosh's
scorer, on at most ``RANK_LIMIT`` candidates per tier (see :func:`_pool`).  A
phrase matches where all its neighbouring syllable pairs occur (``"a b c"``:
``a b`` and ``b c``), read from bigram fields instead of positions.

A malformed query is read as well as it can be (unbalanced quotes and
parentheses closed, lone operators dropped); a request that cannot be run
raises :class:`QueryError` with a message for the user (``field`` names the
parameter at fault).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from indexer import config
from indexer.analysis import bigram_key, fold_token, syllables
from indexer.highlight import Highlighter
from indexer.placeindex import (
    matched_place,
    place_facet,
    place_filter_keys,
    province_filter_keys,
)
from indexer.schema import facet_key
from indexer.searchcache import IndexCache, bits_from_ids, docnums, index_cache
from indexer.text import normalize
from indexer.wordmatch import compound_bonus, compound_docs, query_runs
from indexer.writer import open_index

__all__ = [
    "MAX_PER_PAGE",
    "MAX_QUERY_CHARS",
    "ParsedQuery",
    "QueryError",
    "SearchParams",
    "highlight_html",
    "highlight_terms",
    "highlighter",
    "iter_matching_ids",
    "parse_query",
    "search",
]

_log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1_000
MAX_CLAUSES = 64
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
SORTS = ("relevance", "newest", "oldest")
TITLE_BOOST = 3.0
BODY_BOOST = 1.0
ADJACENCY_BOOST = 4.0
_TIE_MARGIN = 20  # extra hits fetched so equal scores can be re-ordered newest first
# At most this many matches of a tier are scored (Whoosh scores in pure Python, ~25 µs a
# document); a larger match set is narrowed to its best candidates first (see _pool).
RANK_LIMIT = 500
_FILTER_FIELDS = ("portal", "province", "district", "category", "year", "place", "topic")
_TEXT_FIELDS = ("title", "body")


class QueryError(ValueError):
    """A search request that cannot be run; ``message`` says why, for the user."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# -- parameters ---------------------------------------------------------------


@dataclass
class SearchParams:
    """One search request: the query, its filters, the order and the page wanted."""

    q: str = ""
    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None  # YYYY-MM-DD (also YYYY-MM, YYYY, dd/mm/yyyy)
    date_to: str | None = None
    sort: str = "relevance"  # relevance | newest | oldest
    place: str | None = None  # a unit the article names, old or new name (indexer.placeindex)
    topic: str | None = None  # indexer.topics
    page: int = 1
    per_page: int = 20
    exact: bool = False  # strict accents: only words with exactly the typed diacritics

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SearchParams:
        """Build and validate params from a query string / form / CLI options mapping.

        Accepts ``from``/``to`` as aliases of ``date_from``/``date_to``; empty
        strings count as absent.  Raises :class:`QueryError` on a bad value.
        """

        def get(*names: str) -> Any:
            for name in names:
                value = data.get(name)
                if value not in (None, ""):
                    return value
            return None

        params = cls(
            q=str(get("q") or ""),
            portal=get("portal"),
            province=get("province"),
            category=get("category"),
            date_from=get("date_from", "from"),
            date_to=get("date_to", "to"),
            sort=str(get("sort") or "relevance"),
            page=_as_int(get("page"), "page", 1),
            per_page=_as_int(get("per_page"), "per_page", 20),
            place=get("place"),
            topic=get("topic"),
            exact=as_flag(get("exact"), "exact"),
        )
        return params.validated()

    def validated(self) -> SearchParams:
        """A checked, normalised copy (dates as ``YYYY-MM-DD``); raises :class:`QueryError`."""
        q = self.q or ""
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(q):,} characters long; at most {MAX_QUERY_CHARS:,} are allowed"
            )
        sort = (self.sort or "relevance").strip().lower()
        if sort not in SORTS:
            raise QueryError(
                f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}", field="sort"
            )
        page = _as_int(self.page, "page", 1)
        per_page = _as_int(self.per_page, "per_page", 20)
        if not 1 <= page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE:,}", field="page")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}", field="per_page")
        date_from = _parse_day(self.date_from, "date_from", end=False)
        date_to = _parse_day(self.date_to, "date_to", end=True)

        if date_from and date_to and date_from > date_to:
            raise QueryError(
                f"the start date {date_from} is after the end date {date_to}", field="date_from"
            )
        return replace(
            self,
            q=normalize(q),
            portal=_clean(self.portal),
            province=_clean(self.province),
            category=_clean(self.category),
            place=_clean(self.place),
            topic=_clean(self.topic),
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page,
            per_page=per_page,
            exact=as_flag(self.exact, "exact"),
        )


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def as_flag(value: Any, name: str) -> bool:
    """A yes/no parameter (``exact=1``, ``true``, ``on``…); raises :class:`QueryError`."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise QueryError(f"{name} must be 1 or 0 (true or false), not {value!r}", field=name)


def _clean(value: str | None) -> str | None:
    value = normalize(str(value)) if value is not None else ""
    return value[:200] or None


def _as_int(value: Any, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value!r}", field=name) from None


_LABELS = {"date_from": "start date", "date_to": "end date"}
_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _parse_day(value: str | None, name: str, *, end: bool) -> str | None:
    """``YYYY-MM-DD`` for a date filter bound; ``YYYY`` / ``YYYY-MM`` cover the whole span."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    match = _DAY.match(text)
    if match:
        year, month, day = int(match[1]), match[2], match[3]
        if month is None:
            month_i, day_i = (12, 31) if end else (1, 1)
        else:
            month_i = int(month)
            day_i = int(day) if day else (_month_days(year, month_i) if end else 1)
        return _checked_day(year, month_i, day_i, text, name)
    parsed = _vietnamese_date(text)
    if parsed:
        return parsed
    label = _LABELS.get(name, name)
    raise QueryError(
        f"the {label} {text!r} is not a date; use YYYY-MM-DD (or dd/mm/yyyy)", field=name
    )


def _vietnamese_date(text: str) -> str | None:
    """``YYYY-MM-DD`` of a Vietnamese-style date (``dd/mm/yyyy``…), by the one date parser."""
    from indexer.dates import parse_date

    parsed = parse_date(text)
    return parsed.iso[:10] if parsed else None


def _month_days(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 31


def _checked_day(year: int, month: int, day: int, text: str, name: str) -> str:
    import datetime as dt

    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        label = _LABELS.get(name, name)
        raise QueryError(f"the {label} {text!r} is not a valid date", field=name) from None


# -- query parsing --------------------------------------------------------------


@dataclass
class Clause:
    """A word or phrase of the query: its syllables (canonical, lowercase) and where it applies."""

    keys: list[str]
    spans: list[tuple[int, int]]  # where each syllable sits in the query string
    fieldname: str | None = None  # None (title and body), "title" or "body"
    quoted: bool = False

    @property
    def accented(self) -> bool:
        """Whether the words were typed with diacritics."""
        return any(fold_token(k) != k for k in self.keys)


@dataclass
class Node:
    """``and``/``or`` of children, or ``not`` of one child."""

    op: str
    children: list[Clause | Node] = field(default_factory=list)


@dataclass
class ParsedQuery:
    """A parsed query: its tree, the filters it named, and what was repaired."""

    root: Node
    filters: dict[str, list[str]] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def clauses(self, *, negated: bool = False) -> list[Clause]:
        """The positive (or, with ``negated``, the excluded) clauses."""
        out: list[Clause] = []

        def walk(node: Clause | Node, neg: bool) -> None:
            if isinstance(node, Clause):
                if neg == negated:
                    out.append(node)
                return
            for child in node.children:
                walk(child, not neg if node.op == "not" else neg)

        walk(self.root, False)
        return out

    @property
    def accented(self) -> bool:
        """Whether the positive words carry diacritics (then exact matches rank first)."""
        return any(c.accented for c in self.clauses())

    @property
    def empty(self) -> bool:
        """True when the query holds no positive words (browse, or exclusions only)."""
        return not self.clauses()


_LEX = re.compile(
    r"""(?P<ws>\s+)
      | (?P<lp>\()
      | (?P<rp>\))
      | (?P<quote>"[^"]*"?)
      | (?P<word>[^\s()"]+)""",
    re.VERBOSE,
)
_FIELD = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)


def _lex(q: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    for match in _LEX.finditer(q):
        kind = match.lastgroup or "ws"
        if kind != "ws":
            tokens.append((kind, match.group(0), match.start()))
    return tokens


def parse_query(q: str) -> ParsedQuery:
    """Parse a query string (see module docstring); never raises on malformed input."""
    parser = _Parser(normalize(q or "")[:MAX_QUERY_CHARS])
    root = parser.parse()
    return ParsedQuery(root=root, filters=parser.filters, notices=parser.notices)


class _Parser:
    """Recursive descent over the lexed query: conj := disj+ ; disj := unary (OR unary)*."""

    def __init__(self, q: str) -> None:
        self.q = q
        self.tokens = _lex(q)
        self.i = 0
        self.filters: dict[str, list[str]] = {}
        self.notices: list[str] = []
        self.clause_count = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node:
        node = self.conj(top=True)
        if any(
            t[1].startswith('"') and (len(t[1]) == 1 or not t[1].endswith('"')) for t in self.tokens
        ):
            self.notices.append("a quote was not closed: the phrase runs to the end of the query")
        return node

    def conj(self, top: bool = False) -> Node:
        children: list[Clause | Node] = []
        while (tok := self.peek()) is not None:
            if tok[0] == "rp":
                if top:
                    self.i += 1
                    self.notices.append("an unmatched ')' was ignored")
                    continue
                break
            if tok[0] == "word" and tok[1] in ("OR", "|", "||", "AND", "&&", "&"):
                self.i += 1  # a lone or leading operator: nothing to join
                continue
            node = self.disj()
            if node is not None:
                children.append(node)
        return Node("and", children)

    def disj(self) -> Clause | Node | None:
        first = self.unary()
        alternatives = [first] if first is not None else []
        while (tok := self.peek()) is not None and tok[0] == "word" and tok[1] in ("OR", "|", "||"):
            self.i += 1
            nxt = self.unary()
            if nxt is not None:
                alternatives.append(nxt)
        if not alternatives:
            return None
        return alternatives[0] if len(alternatives) == 1 else Node("or", alternatives)

    def unary(self) -> Clause | Node | None:
        tok = self.peek()
        if tok is None:
            return None
        kind, text, start = tok
        if kind == "word" and text == "NOT":
            self.i += 1
            inner = self.unary()
            return Node("not", [inner]) if inner is not None else None
        if kind == "word" and text.startswith("-") and len(text) > 1:
            self.tokens[self.i] = ("word", text[1:], start + 1)
            inner = self.unary()
            return Node("not", [inner]) if inner is not None else None
        if kind == "word" and text in ("-", "+"):
            self.i += 1
            nxt = self.peek()
            if (
                text == "-"
                and nxt is not None
                and nxt[0] in ("lp", "quote")
                and nxt[2] == start + 1
            ):
                inner = self.unary()
                return Node("not", [inner]) if inner is not None else None
            return None
        if kind == "word" and text.startswith("+") and len(text) > 1:
            self.tokens[self.i] = ("word", text[1:], start + 1)
            return self.unary()
        return self.atom(None)

    def atom(self, fieldname: str | None) -> Clause | Node | None:
        tok = self.peek()
        if tok is None:
            return None
        kind, text, start = tok
        self.i += 1
        if kind == "lp":
            inner = self.conj()
            if (nxt := self.peek()) is not None and nxt[0] == "rp":
                self.i += 1
            else:
                self.notices.append("a '(' was not closed")
            if fieldname:
                _set_field(inner, fieldname)
            return inner if inner.children else None
        if kind == "rp":
            return None
        if kind == "quote":
            body = text[1:-1] if len(text) > 1 and text.endswith('"') else text[1:]
            return self.clause(body, start + 1, fieldname, quoted=True)
        match = _FIELD.match(text)
        if match and fieldname is None:
            name, rest = match[1].lower(), match[2]
            if name in _TEXT_FIELDS or name in _FILTER_FIELDS:
                if rest:
                    self.tokens[self.i - 1] = ("word", rest, start + len(match[1]) + 1)
                    self.i -= 1
                elif (nxt := self.peek()) is None or nxt[0] == "ws" or nxt[2] != start + len(text):
                    return None  # "title:" followed by nothing
                if name in _FILTER_FIELDS:
                    return self.filter_value(name)
                return self.atom(name)
        return self.clause(text, start, fieldname, quoted=False)

    def filter_value(self, name: str) -> None:
        tok = self.peek()
        if tok is None:
            return None
        self.i += 1
        value = tok[1].strip('"') if tok[0] in ("word", "quote") else ""
        if value:
            self.filters.setdefault(name, []).append(value)
        return None

    def clause(self, text: str, offset: int, fieldname: str | None, quoted: bool) -> Clause | None:
        tokens = syllables(text)
        if not tokens:
            return None
        self.clause_count += 1
        if self.clause_count > MAX_CLAUSES:
            if self.clause_count == MAX_CLAUSES + 1:
                self.notices.append(f"only the first {MAX_CLAUSES} words were used")
            return None
        keys = [k for k, _, _ in tokens][:MAX_CLAUSES]
        spans = [(offset + s, offset + e) for _, s, e in tokens][:MAX_CLAUSES]
        return Clause(keys, spans, fieldname, quoted=quoted)


def _set_field(node: Clause | Node, fieldname: str) -> None:
    if isinstance(node, Clause):
        node.fieldname = node.fieldname or fieldname
    else:
        for child in node.children:
            _set_field(child, fieldname)


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


# -- matching (document number bitsets) ----------------------------------------------------


class _Matcher:
    """Evaluates a parsed query to the matching document numbers, with bitset algebra.

    A set of documents is a Python int used as a bitset (see :mod:`indexer.searchcache`);
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


# -- the searcher and its per-generation caches ---------------------------------------

_local = threading.local()


def _searcher(index_dir: Path | str | None) -> Searcher | None:
    """A searcher on the latest index generation, kept per thread and per index.

    Never ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 it re-adds the old
    generation's segments to the new reader (documents counted twice after a
    merge or a rebuild), so a stale searcher is closed and a new one opened.
    Whoosh searchers are not shared between threads; the caches behind them
    (:func:`indexer.searchcache.index_cache`) are.
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
    facets: dict[str, dict[str, int]] = {}
    for name in ("portal", "category", "topic", "year"):
        counts = cache.counts(name, docs, total)
        if name == "year":
            facets[name] = dict(sorted(counts.items(), reverse=True))
        else:
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50])
    # month: YYYY-MM counts, oldest first, drawn as the web app's timeline
    # (search_app.timeline; tested by tests/search_app/test_pages.py)
    facets["month"] = dict(sorted(cache.counts("month", docs, total).items()))
    facets["place"] = place_facet(searcher, cache, docs)
    return facets


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


def _by_date(searcher: Searcher, docs: int, sort: str, limit: int | None) -> list[int]:
    return _cache(searcher).by_date(docs, sort, limit)


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


# BM25F, as Whoosh computes it (whoosh.scoring.BM25F), on the cached postings: scoring a
# pool of a few hundred documents this way takes a few milliseconds, where Whoosh's
# matcher tree (skip_to over every posting list, in Python) took tens.


class _Scorer:
    """Scores a pool of documents with a (normalised) Whoosh query, like Whoosh's BM25F."""

    def __init__(self, searcher: Searcher, pool: list[int]) -> None:
        self.searcher = searcher
        self.cache = _cache(searcher)
        self.pool = pool
        weighting = searcher.weighting
        self.K1 = weighting.K1
        self.field_b = dict(getattr(weighting, "_field_B", {}))
        self.B = weighting.B

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
        if not ids or posting.weights is None:
            return {}
        weights = posting.weights
        lengths = self.cache.lengths(self.searcher, fieldname)
        idf = self.searcher.idf(fieldname, text)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        B, K1 = self.field_b.get(fieldname, self.B), self.K1
        boost = query.boost
        out: dict[int, float] = {}
        n = len(ids)
        lo = 0
        for d in self.pool:
            i = bisect_left(ids, d, lo)
            if i >= n:
                break
            lo = i
            if ids[i] != d:
                continue
            tf = weights[i]
            fl = lengths[d]
            score = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
            out[d] = score * boost if boost != 1.0 else score
        return out


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
    """The ranked hits with each story once: its best-ranked copy (indexer.stories)."""
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
    if fields.get("story_id"):
        for other in searcher.document_numbers(story_id=story):
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


# -- did you mean --------------------------------------------------------------------


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance of two short words."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _accented_forms(searcher: Searcher, folded: str) -> list[str]:
    """The words of the index (exact body/title vocabulary) that fold to ``folded``,
    most frequent first (``tuyen`` → ``tuyên``, ``tuyến``, ``tuyển``…)."""
    cache = _cache(searcher)
    forms = getattr(cache, "_vn_accent_forms", None)
    if forms is None:
        forms = {}
        reader = searcher.reader()
        for fieldname in ("title", "body"):
            for word in reader.field_terms(fieldname):
                forms.setdefault(fold_token(word), set()).add(word)
        cache._vn_accent_forms = forms  # type: ignore[attr-defined]
    reader = searcher.reader()
    found = forms.get(folded, set())
    return sorted(found, key=lambda w: (-reader.doc_frequency("body", w), w))


def _suggestions(searcher: Searcher, term: str, exact: bool) -> list[str]:
    """Up to three words of the index for an unknown query word: with strict accents first
    the same letters with other diacritics, then the closest spellings (most frequent first)."""
    reader = searcher.reader()
    fieldname = "body" if exact else "body_f"
    out: list[str] = []
    if exact:
        out += [w for w in _accented_forms(searcher, fold_token(term)) if w != term][:3]
    found = searcher.corrector(fieldname).suggest(term, limit=10, maxdist=2, prefix=1)
    ranked = sorted(
        found, key=lambda w: (_edit_distance(term, w), -reader.doc_frequency(fieldname, w))
    )
    out += [w for w in ranked if w not in out]
    return out[:3]


def _did_you_mean(searcher: Searcher, params: SearchParams, parsed: ParsedQuery) -> str | None:
    """A corrected query string that has results, or None.

    Each query word the index does not know (with strict accents: not with exactly
    these diacritics) gets up to three words it does know (see :func:`_suggestions`),
    typed as the user typed: with diacritics from the exact vocabulary, without from
    the folded one; the first combination with results wins.
    """
    reader = searcher.reader()
    slots: list[tuple[int, int, list[str]]] = []
    known: list[tuple[int, int, list[str]]] = []  # strict accents: other diacritics of known words
    for clause in parsed.clauses():
        exact = clause.accented or params.exact
        for key, span in zip(clause.keys, clause.spans, strict=False):
            term = key if exact else fold_token(key)
            if reader.doc_frequency("body" if exact else "body_f", term) or reader.doc_frequency(
                "title" if exact else "title_f", term
            ):
                if params.exact:
                    others = [w for w in _accented_forms(searcher, fold_token(term)) if w != term]
                    known.append((span[0], span[1], [term, *others[:2]]))
                continue
            found = _suggestions(searcher, term, exact)
            if found:
                slots.append((span[0], span[1], found))
    if not slots or len(slots) > 4:
        return None
    for candidate in (slots, sorted(slots + known)) if known else (slots,):
        corrected = _first_with_results(searcher, params, candidate)
        if corrected:
            return corrected
    return None


def _first_with_results(
    searcher: Searcher, params: SearchParams, slots: list[tuple[int, int, list[str]]]
) -> str | None:
    """The first combination of the slots' words that finds something (at most 27 tried)."""
    if len(slots) > 6:
        return None
    for choice in itertools.islice(itertools.product(*(c for _, _, c in slots)), 27):
        out = params.q
        for (start, end, _), word in sorted(zip(slots, choice, strict=True), reverse=True):
            out = out[:start] + _typed_like(out[start:end], word) + out[end:]
        if out != params.q and _plan(searcher, replace(params, q=out, page=1)).docs:
            return out
    return None


def _typed_like(typed: str, word: str) -> str:
    """``word`` with the capitalisation of what was typed (``Tuyen`` → ``Tuyên``)."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


# -- highlighting (indexer.highlight) ---------------------------------------------------


def highlight_terms_parsed(parsed: ParsedQuery) -> list[str]:
    """The folded syllables a parsed query looks for (exclusions left out)."""
    seen: dict[str, None] = {}
    for clause in parsed.clauses():
        for key in clause.keys:
            seen[fold_token(key)] = None
    return list(seen)


def highlight_terms(q: str) -> list[str]:
    """The folded syllables of query ``q`` (what its highlighting compares words with)."""
    return highlight_terms_parsed(parse_query(q))


def highlighter(q: str | None, *, exact: bool = False) -> Highlighter:
    """The :class:`~indexer.highlight.Highlighter` of query ``q`` (``exact``: strict accents)."""
    return Highlighter.for_query(parse_query(q or ""), strict=exact)


def highlight_html(text: str, q: str, *, exact: bool = False) -> str:
    """``text`` as HTML-safe text with what query ``q`` found in it wrapped in ``<mark>``."""
    return highlighter(q, exact=exact).mark(text)
