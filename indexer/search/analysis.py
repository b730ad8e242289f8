"""Vietnamese text analysis for the Whoosh index: syllable tokens and their folded twins.

Vietnamese writes one syllable per space-separated unit; a word (``cán bộ``,
``ủy ban nhân dân``) is a run of syllables.  Instead of segmenting words (the
``underthesea`` model runs at ~45 articles/s per core and segments short
queries differently from running text), every syllable is indexed with its
position, so a compound becomes a phrase query and adjacency can be scored.

Two analyzers, one per copy of a text field:

``exact``   syllables in canonical form (``indexer.text.normalize`` applied per
            token: NFC, ``hòa`` tone placement), lowercased, apostrophes dropped
            inside a word (``R’lấp``, ``R'lấp`` and ``Rlấp`` are one token ``rlấp``);
``folded``  the same tokens without diacritics (``đắk`` → ``dak``), for people who
            type without them;
``bigram``  each pair of neighbouring syllables as one token (``cán bộ``), exact or
            folded: phrase and adjacency matching on long bodies become plain term
            lookups instead of Whoosh's slow position checks.
``words``   the multi-syllable words (compounds) of the article as underthesea
            segmented it (``indexer.text.words``), one token each (``bộ trưởng``), exact
            or folded.  Its input is the stored segmentation (``Bộ_trưởng Bộ Nội_vụ``),
            not the text: the index never runs the segmentation model.

Tokens keep their position and the character offsets of the *given* text (the
analyzer never rewrites the text it is handed, so ``text[start:end]`` is always
the token's surface form).  One-letter words (``ở``, ``ý``, ``á``) are kept; no
stop words are removed.  The classes live at this import path and hold no
loaded models, because Whoosh pickles the analyzers into the index schema.  Indexes
built before the regroup of issue 16 pickled them as ``indexer.analysis.*``: that name
is kept as an alias of this module, so those indexes still open (without it every
search and even ``vnarchive index --rebuild`` failed on ``No module named
'indexer.analysis'``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import Filter, Token, Tokenizer

from indexer.text import fold, normalize
from indexer.text.words import compounds

__all__ = [
    "APOSTROPHES",
    "BigramFilter",
    "FoldFilter",
    "VietnameseTokenizer",
    "WordTokenizer",
    "bigram_analyzer",
    "compound_key",
    "exact_analyzer",
    "fold_token",
    "folded_analyzer",
    "bigram_key",
    "syllable_key",
    "syllables",
    "term_lists",
    "word_analyzer",
]

#: Every character used as an apostrophe inside names such as ``Đắk R’lấp``.
APOSTROPHES = "'’‘ʼ`´′"
MAX_TOKEN_CHARS = 40  # longer runs are garbage (URLs, base64), not Vietnamese words

# A word: letters/digits (combining marks included, for text not yet in NFC),
# optionally joined by apostrophes between letters.
_WORD = r"[\w\u0300-\u036f]+"
TOKEN_RE = re.compile(rf"{_WORD}(?:[{APOSTROPHES}]{_WORD})*")
_DROP_APOSTROPHES = dict.fromkeys(map(ord, APOSTROPHES), None)


@lru_cache(maxsize=262_144)
def syllable_key(surface: str) -> str:
    """The indexed form of one token's surface text: canonical, lowercase, no apostrophes."""
    if surface.isascii():
        return surface.lower().translate(_DROP_APOSTROPHES)
    return normalize(surface).lower().translate(_DROP_APOSTROPHES)


@lru_cache(maxsize=262_144)
def fold_token(key: str) -> str:
    """The folded form of an indexed token (``đắk`` → ``dak``)."""
    return key if key.isascii() else fold(key)


@lru_cache(maxsize=262_144)
def _folded_key(surface: str) -> str:
    return fold_token(syllable_key(surface))


def syllables(text: str, *, folded: bool = False) -> list[tuple[str, int, int]]:
    """The tokens of ``text`` as ``(token, start, end)``; ``text[start:end]`` is the surface."""
    key_of = _folded_key if folded else syllable_key
    out = []
    append = out.append
    for match in TOKEN_RE.finditer(text):
        start, end = match.span()
        if end - start > MAX_TOKEN_CHARS:
            continue
        key = key_of(text[start:end])
        if key:
            append((key, start, end))
    return out


def _term(token: Token, key: str, value: str, start_pos: int, start_char: int) -> Token:
    """``token`` as the one token of a term given whole (``tokenize=False``: a query term)."""
    token.original = token.text = key
    token.boost = 1.0
    token.stopped = False
    if token.positions:
        token.pos = start_pos
    if token.chars:
        token.startchar = start_char
        token.endchar = start_char + len(value)
    return token


class VietnameseTokenizer(Tokenizer):
    """Split text into canonical lowercase syllables with positions and character offsets."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(  # noqa: PLR0913 — Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield _term(token, syllable_key(value), value, start_pos, start_char)
            return
        pos = start_pos
        for match in TOKEN_RE.finditer(value):
            start, end = match.span()
            if end - start > MAX_TOKEN_CHARS:
                continue
            surface = match.group(0)
            key = syllable_key(surface)
            if not key:
                continue
            token.text = key
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = surface
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            pos += 1
            yield token


class FoldFilter(Filter):
    """Strip the diacritics of each token (``đắk`` → ``dak``); input tokens are canonical."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold_token(token.text)
            yield token


def exact_analyzer() -> VietnameseTokenizer:
    """The analyzer of the exact (with diacritics) copy of a text field."""
    return VietnameseTokenizer()


def folded_analyzer() -> Any:
    """The analyzer of the folded (without diacritics) copy of a text field."""
    return VietnameseTokenizer() | FoldFilter()


class BigramFilter(Filter):
    """Replace a syllable stream by its neighbouring pairs (``cán``, ``bộ`` → ``cán bộ``)."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        previous: str | None = None
        pos = 0
        for token in tokens:
            text = token.text
            if previous is not None:
                token.text = f"{previous} {text}"
                if token.positions:
                    token.pos = pos
                pos += 1
                yield token
            previous = text


def bigram_key(left: str, right: str) -> str:
    """The token of two neighbouring syllables in a bigram field."""
    return f"{left} {right}"


def bigram_analyzer(*, folded: bool = False) -> Any:
    """The analyzer of a bigram copy of a text field (exact, or folded)."""
    if folded:
        return VietnameseTokenizer() | FoldFilter() | BigramFilter()
    return VietnameseTokenizer() | BigramFilter()


@lru_cache(maxsize=262_144)
def compound_key(token: str) -> str:
    """The index token of one segmented compound (``Bộ_trưởng`` → ``bộ trưởng``), or ""."""
    keys = [key for key, _, _ in syllables(token.replace("_", " "))]
    return " ".join(keys) if len(keys) > 1 else ""


class WordTokenizer(VietnameseTokenizer):
    """The compounds of a stored segmentation (``indexer.text.words``), one token each."""

    def __call__(  # noqa: PLR0913 — Whoosh's tokenizer protocol
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # a query term, already a key
            yield _term(token, value, value, start_pos, start_char)
            return
        pos = start_pos
        for word in compounds(value):
            key = compound_key(word)
            if not key:
                continue
            token.text = key
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            pos += 1
            yield token


def word_analyzer(*, folded: bool = False) -> Any:
    """The analyzer of a word copy of a text field (its value: the stored segmentation)."""
    return WordTokenizer() | FoldFilter() if folded else WordTokenizer()


# -- the same analyses without Whoosh's token objects (bulk indexing: indexer.search.segments) ----


def _memo(memo: dict[Any, Any], kind: str, value: str, make: Any) -> list[str]:
    """``make(value)``, computed once per document for each text (keyed by identity)."""
    key = (kind, id(value))
    found = memo.get(key)
    if found is None or found[0] is not value:
        found = memo[key] = (value, make(value))  # the value is held: its id stays unique
    return found[1]


def _exact_keys(value: str) -> list[str]:
    keys = map(syllable_key, (s for s in TOKEN_RE.findall(value) if len(s) <= MAX_TOKEN_CHARS))
    return [k for k in keys if k]


def _syllable_keys(value: str, memo: dict[Any, Any]) -> list[str]:
    """The exact tokens of ``value`` (as :class:`VietnameseTokenizer`), once per text."""
    return _memo(memo, "exact", value, _exact_keys)


def _folded_keys(value: str, memo: dict[Any, Any]) -> list[str]:
    return _memo(memo, "folded", value, lambda v: list(map(fold_token, _syllable_keys(v, memo))))


def _bigrams(keys: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(keys, keys[1:], strict=False)]


def _compound_keys(value: str, memo: dict[Any, Any]) -> list[str]:
    return _memo(memo, "words", value, lambda v: [k for k in map(compound_key, compounds(v)) if k])


_TERM_LISTS: dict[Any, Any] = {}


def term_lists(analyzer: Any) -> Any:
    """A fast ``(value, memo) -> [token text, …]`` twin of one of this module's analyzers
    (the same tokens in the same order), or None for any other analyzer.

    ``memo`` is one dict per document: the copies of a text (exact, folded, bigrams)
    share one tokenisation.  Only the token texts: bulk indexing needs no positions.
    """
    if not _TERM_LISTS:
        _TERM_LISTS.update(
            {
                "exact": (exact_analyzer(), _syllable_keys),
                "folded": (folded_analyzer(), _folded_keys),
                "bigram": (bigram_analyzer(), lambda v, m: _bigrams(_syllable_keys(v, m))),
                "bigram_f": (
                    bigram_analyzer(folded=True),
                    lambda v, m: _bigrams(_folded_keys(v, m)),
                ),
                "words": (word_analyzer(), _compound_keys),
                "words_f": (
                    word_analyzer(folded=True),
                    lambda v, m: list(map(fold_token, _compound_keys(v, m))),
                ),
            }
        )
    if analyzer is None:
        return None
    for known, fast in _TERM_LISTS.values():
        if type(analyzer) is type(known) and analyzer == known:
            return fast
    return None


# Indexes written before the move (schema pickled as ``indexer.analysis.<class>``) open.
sys.modules.setdefault("indexer.analysis", sys.modules[__name__])
