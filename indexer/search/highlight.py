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
"""

from __future__ import annotations

import html
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from indexer.search.analysis import fold_token, syllables
from indexer.search.parse import ParsedQuery, parse_query
from indexer.search.wordmatch import query_words

__all__ = ["Highlighter", "SNIPPET_CHARS"]

SNIPPET_CHARS = 240
_SNIPPET_SCAN = 60_000
_MAX_HITS = 300

Token = tuple[str, int, int]  # (exact key, start, end)


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

    # -- what to mark ------------------------------------------------------------------

    def spans(self, text: str, *, lone: bool | None = None) -> list[tuple[int, int]]:
        """The character spans to mark in ``text``, sorted, neighbours merged.

        ``lone``: whether the lone words of a chain are marked (None: only when the
        text holds no two of them side by side; see :meth:`chains_found`).
        """
        return self._spans(self._tokens(text), text, lone)

    def chains_found(self, text: str) -> bool:
        """Whether two neighbouring query words stand side by side somewhere in ``text``."""
        keys = [k for k, _, _ in self._tokens(text)]
        return any(self._chain_hits(keys, chain) for chain in self.chains)

    def _chain_hits(self, keys: list[str], chain: tuple[str, ...]) -> list[tuple[int, int]]:
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

    def _spans(self, tokens: list[Token], text: str, lone: bool | None) -> list[tuple[int, int]]:
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
