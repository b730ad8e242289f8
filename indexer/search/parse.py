"""Parsing a researcher's query (Google-like syntax) into clauses, operators and filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.search.analysis import fold_token, syllables
from indexer.search.params import MAX_QUERY_CHARS
from indexer.text import normalize

MAX_CLAUSES = 64
_FILTER_FIELDS = ("portal", "province", "district", "category", "year", "place", "topic")
_TEXT_FIELDS = ("title", "body")


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
