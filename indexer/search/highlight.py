"""Highlighting that follows the match: what a query found in a text, marked as HTML.

The search results' snippets, the article page and ``vnarchive search`` mark the
same things, decided here from the parsed query (``indexer.search.parse.ParsedQuery``):

- a phrase, or a word of several syllables (``"hội nghị giao ban"``, ``3/2025``),
  is marked where its syllables stand side by side, as one span;
- neighbouring words of the query (``tuyen hoa``) are marked where at least two of
  them stand side by side in the text, in the query's order, as one span
  (``Tuyên Hóa``) — not every word that folds like one of them (``tuyển``,
  ``cộng hòa``, ``xã hội hóa``).  Only when the text holds none of them side by
  side (the article matched with the words apart) are the lone words marked;
- a lone word of the query (``bão``, ``lũ OR lụt``) is marked wherever it occurs;
- excluded words are never marked.

Words compare folded (``tuyen`` marks ``Tuyên``), or, with strict accents, with
exactly the typed diacritics (``tuyên`` marks ``Tuyên`` and not ``Tuyển``).
Everything else of the text is HTML-escaped.

How the words are found (issue 14: the snippets were ~65 % of a search's CPU when
every hit's whole body was tokenised): a regex per query syllable, built from the
characters that fold to each of its letters, finds the few places where one of them
may stand; only the runs of word characters around those are tokenised (exactly as
:func:`indexer.search.analysis.syllables` does), and two found syllables count as
side by side when no other token stands between them.  The marks are those of
tokenising the whole text (``tests/indexer/search/test_highlight.py`` compares both);
a query syllable that folds to something else than ASCII letters and digits takes
the whole-text path.
"""

from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from indexer.search.analysis import (
    APOSTROPHES,
    MAX_TOKEN_CHARS,
    TOKEN_RE,
    _folded_key,
    fold_token,
    syllable_key,
    syllables,
)
from indexer.search.parse import ParsedQuery, parse_query
from indexer.search.wordmatch import query_words

__all__ = ["Highlighter", "SNIPPET_CHARS"]

SNIPPET_CHARS = 240
_SNIPPET_SCAN = 60_000
_MAX_HITS = 300

Token = tuple[str, int, int]  # (exact key, start, end)
# A found syllable, or None between two that do not stand side by side
Found = tuple[str | None, int, int]

_TOKEN_CHAR = f"[\\w\\u0300-\\u036f{APOSTROPHES}]"  # a character a token's run can hold
_IN_RUN = re.compile(_TOKEN_CHAR)
_RUN_END = re.compile(f"{_TOKEN_CHAR}*")
_WORD_CHAR = re.compile(r"[\w\u0300-\u036f]")  # a token starts on one of these


@lru_cache(maxsize=1)
def _fold_classes() -> tuple[dict[str, str], str]:
    """``({ascii char: regex class of the token characters whose folded key is it},
    class of those whose folded key is empty)``: combining marks, apostrophes.

    A token's folded key is its characters' keys put together (normalising composes
    marks, moves tone marks and maps ``ð``; folding drops marks), so a token whose key
    is ``tuyen`` holds ``t``, ``u``, ``y``, ``e``, ``n`` in that order, in any of their
    forms, with only such empty characters between.  Only the characters that fold or
    lowercase to something else than themselves can have another key; the test suite
    checks the table against every character.
    """
    letters: dict[str, list[str]] = {}
    empty: list[str] = []
    for code in range(0x10000):
        char = chr(code)
        if not _IN_RUN.match(char):
            continue
        if not (
            char.isascii()
            or char in APOSTROPHES
            or char in "ðÐđĐ"
            or unicodedata.decomposition(char)
            or unicodedata.combining(char)
            or char.lower() != char
        ):
            continue  # its key is itself, not ASCII
        key = "" if char in APOSTROPHES else _folded_key(char)
        if not key:
            empty.append(char)
        elif len(key) == 1 and key.isascii():
            letters.setdefault(key, []).append(char)
    as_class = lambda chars: "[" + "".join(re.escape(c) for c in chars) + "]"  # noqa: E731
    return {k: as_class(v) for k, v in letters.items()}, as_class(empty) + "*"


@lru_cache(maxsize=4096)
def _finder(folded: str) -> re.Pattern[str] | None:
    """A regex matching inside every token whose folded key is ``folded`` (and some
    others); None when ``folded`` holds a character no table entry covers."""
    letters, empty = _fold_classes()
    if not folded or any(c not in letters for c in folded):
        return None
    return re.compile(empty.join(letters[c] for c in folded))


@dataclass
class Highlighter:
    """What to mark for one query (see the module docstring); build with :meth:`for_query`."""

    sequences: list[tuple[str, ...]] = field(default_factory=list)  # phrases: all side by side
    chains: list[tuple[str, ...]] = field(default_factory=list)  # neighbouring query words
    singles: set[str] = field(default_factory=set)  # lone words
    strict: bool = False

    @classmethod
    def for_query(cls, parsed: Any, *, strict: bool = False) -> Highlighter:
        """The highlighter of a parsed query (``indexer.search.parse.parse_query``)."""
        out = cls(strict=strict)
        runs, singles = query_words(parsed.root)
        for run in runs:
            keys = tuple(out._key(k) for k in run.keys)
            (out.sequences if run.phrase else out.chains).append(keys)
        out.singles = {out._key(k) for k in singles}
        return out

    @property
    def empty(self) -> bool:
        """True when the query marks nothing."""
        return not (self.sequences or self.chains or self.singles)

    def _key(self, key: str) -> str:
        return key if self.strict else fold_token(key)

    def _tokens(self, text: str) -> list[tuple[str, int, int]]:
        return syllables(text, folded=not self.strict)

    def _wanted(self) -> set[str]:
        """Every key the query marks somewhere."""
        keys = set(self.singles)
        for run in (*self.sequences, *self.chains):
            keys.update(run)
        return keys

    def _found(self, text: str) -> list[Found]:
        """The tokens of ``text`` whose key the query marks, in order, with None between
        two that another token separates: what :meth:`_spans` needs of ``text``, the same
        as from :meth:`_tokens` without tokenising the whole text."""
        wanted = self._wanted()
        finders = [_finder(fold_token(key)) for key in wanted]
        if not all(finders):
            return self._tokens(text)
        starts = sorted({m.start() for finder in finders for m in finder.finditer(text)})
        key_of = syllable_key if self.strict else _folded_key
        found: list[Found] = []
        covered = 0  # the end of the last run tokenised
        last = -1  # the end of the last token found
        for at in starts:
            if at < covered:
                continue
            first = at
            while first > 0 and _IN_RUN.match(text, first - 1):
                first -= 1
            covered = _RUN_END.match(text, at).end()
            for match in TOKEN_RE.finditer(text, first, covered):
                start, end = match.span()
                if end - start > MAX_TOKEN_CHARS:
                    continue
                key = key_of(text[start:end])
                if key not in wanted:
                    continue
                if found and not _side_by_side(text, last, start, key_of):
                    found.append((None, -1, -1))
                found.append((key, start, end))
                last = end
        return found

    # -- what to mark ------------------------------------------------------------------

    def spans(self, text: str, *, lone: bool | None = None) -> list[tuple[int, int]]:
        """The character spans to mark in ``text``, sorted, neighbours merged.

        ``lone``: whether the lone words of a chain are marked (None: only when the
        text holds no two of them side by side; see :meth:`chains_found`).
        """
        return self._spans(self._found(text), text, lone)

    def chains_found(self, text: str) -> bool:
        """Whether two neighbouring query words stand side by side somewhere in ``text``."""
        keys = [k for k, _, _ in self._found(text)]
        return any(self._chain_hits(keys, chain) for chain in self.chains)

    def _chain_hits(self, keys: list[str | None], chain: tuple[str, ...]) -> list[tuple[int, int]]:
        """(first token, end token) of each run of >= 2 chain words in the chain's order."""
        out = []
        n = len(keys)
        heads = set(chain[:-1])  # a run can only start on one of these
        i = 0
        for at in [j for j, key in enumerate(keys) if key in heads]:
            if at < i:
                continue  # inside the run just found
            i = at
            if i >= n - 1:
                break
            best = 0
            for start in range(len(chain) - 1):
                if keys[i] != chain[start]:
                    continue
                length = 1
                while (
                    start + length < len(chain)
                    and i + length < n
                    and keys[i + length] == chain[start + length]
                ):
                    length += 1
                best = max(best, length)
            if best >= 2:
                out.append((i, i + best))
                i += best
        return out

    def _spans(
        self, tokens: list[Found] | list[Token], text: str, lone: bool | None
    ) -> list[tuple[int, int]]:
        if self.empty or not tokens:
            return []
        keys = [k for k, _, _ in tokens]
        marked: list[tuple[int, int]] = []  # token index ranges
        for sequence in self.sequences:
            n = len(sequence)
            first = sequence[0]
            for i in [i for i, key in enumerate(keys) if key == first]:
                if tuple(keys[i : i + n]) == sequence:
                    marked.append((i, i + n))
        found_chains = False
        for chain in self.chains:
            hits = self._chain_hits(keys, chain)
            found_chains = found_chains or bool(hits)
            marked.extend(hits)
        lone_words = set(self.singles)
        if self.chains and (lone if lone is not None else not found_chains):
            lone_words.update(k for chain in self.chains for k in chain)
        if lone_words:
            marked.extend((i, i + 1) for i, key in enumerate(keys) if key in lone_words)
        if not marked:
            return []
        marked.sort()
        spans: list[list[int]] = []
        for first, end in marked:
            start, stop = tokens[first][1], tokens[end - 1][2]
            if spans and (start <= spans[-1][1] or not text[spans[-1][1] : start].strip()):
                spans[-1][1] = max(spans[-1][1], stop)
            else:
                spans.append([start, stop])
        return [(a, b) for a, b in spans]

    # -- HTML ------------------------------------------------------------------------------

    def mark(self, text: str | None, *, lone: bool | None = None) -> str:
        """``text`` HTML-escaped, what the query found wrapped in ``<mark>``."""
        text = text or ""
        return _render(text, self.spans(text, lone=lone))

    def snippet(self, body: str) -> str:
        """An HTML-safe extract of ``body`` (~240 characters) around the densest marks."""
        text = body[:_SNIPPET_SCAN]
        if not text:
            return ""
        spans = self.spans(text)[:_MAX_HITS]
        if not spans:
            end = text.rfind(" ", 0, SNIPPET_CHARS) if len(text) > SNIPPET_CHARS else len(text)
            end = end if end > 0 else min(len(text), SNIPPET_CHARS)
            return html.escape(text[:end]) + (" …" if end < len(body) else "")
        # the window of ~200 characters holding the most marks wins
        starts = [s for s, _ in spans]
        best, best_count = 0, -1
        for n, start in enumerate(starts):
            count = bisect_left(starts, start + 200, n) - n
            if count > best_count:
                best, best_count = n, count
        anchor = starts[best]
        start = max(0, text.rfind(" ", 0, max(0, anchor - 50)) + 1) if anchor > 50 else 0
        end = min(len(text), start + SNIPPET_CHARS)
        if end < len(text):
            cut = text.rfind(" ", spans[best][1], end)
            end = cut if cut > 0 else end
        inside = [
            (max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end
        ]
        prefix = "… " if start > 0 else ""
        suffix = " …" if end < len(body) else ""
        return prefix + _render(text[start:end], inside) + suffix


def _side_by_side(text: str, end: int, start: int, key_of: Any) -> bool:
    """Whether no token (as :func:`syllables` keeps them) stands in ``text[end:start]``,
    between a token ending at ``end`` and one starting at ``start``."""
    word = _WORD_CHAR.search(text, end, start)
    if word is None:
        return True
    for match in TOKEN_RE.finditer(text, word.start(), start):
        first, last = match.span()
        if last - first <= MAX_TOKEN_CHARS and key_of(text[first:last]):
            return False
    return True


def _render(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


# -- highlighting (indexer.search.highlight) ---------------------------------------------------


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
    """The :class:`~indexer.search.highlight.Highlighter` of query ``q`` (``exact``: strict accents)."""
    return Highlighter.for_query(parse_query(q or ""), strict=exact)


def highlight_html(text: str, q: str, *, exact: bool = False) -> str:
    """``text`` as HTML-safe text with what query ``q`` found in it wrapped in ``<mark>``."""
    return highlighter(q, exact=exact).mark(text)
