"""Word segmentation of articles with underthesea, run once per article version and stored.

Vietnamese writes one syllable per space-separated unit; a word (``cán bộ``,
``ủy ban nhân dân``) is a run of syllables.  ``underthesea.word_tokenize`` (a CRF
model shipped inside the package, offline) tells which neighbouring syllables
form one word, so the index can tell a real compound (``Bộ trưởng``) from two
words that happen to stand side by side (``cán bộ | trưởng thôn``).

It costs ~7 ms of CPU per real article (2 k characters; ~14 ms through ``word_tokenize`` itself,
see :mod:`indexer.text.word_model`), so it runs once per article and per
version, where the text enters the archive: the crawl's item pipeline
(``crawler.pipelines.SegmentPipeline``) and the import both call
:func:`segment_article` and hand the result to ``ArchiveStore.upsert_article(...,
words=...)``; the store keeps it in ``articles.title_words``/``summary_words``/
``body_words``.  The indexer reads it from there and never segments again (it
segments only rows stored before the columns existed, once, and stores the result:
``indexer.search.writer``).

The stored form is underthesea's ``text`` format: words separated by spaces, the
syllables of one word joined by ``_`` (``Cán_bộ trưởng_thôn họp tại xã Nhân_Hòa ,``),
one sentence per line.  Punctuation tokens are kept: this is the whole
segmentation, not only what today's index uses.

Texts are segmented sentence by sentence (the model was trained on sentences;
per-sentence output equals whole-text output on 99.7 % of the compounds of the
sample corpus), with a cache of recent sentences: boilerplate that portals repeat
in every article (source credits, signatures, addresses) is segmented once per
process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from indexer.text.word_model import word_tokenize_words

__all__ = [
    "MAX_SEGMENT_CHARS",
    "ArticleWords",
    "compounds",
    "segment",
    "segment_article",
]

#: Only this much of a body is segmented (the index holds at most this much of it:
#: ``indexer.search.schema.MAX_BODY_CHARS``); crawled text is hostile, a 2 MB body must not
#: cost a minute of CPU.
MAX_SEGMENT_CHARS = 300_000
#: A "sentence" longer than this (no punctuation for pages) is cut at spaces.
MAX_SENTENCE_CHARS = 2_000

# A sentence ends at . ! ? … followed by space(s) and an upper-case letter or a digit,
# unless the word before the dot is a short abbreviation (TP. Gia Nghĩa, TT. Đắk Mâm).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[^\W\d_a-zđ]|\d)")
_ABBREVIATION = re.compile(r"(?<![^\W\d_])[A-ZĐ][^\W\d_]{0,2}\.$")


@dataclass(frozen=True)
class ArticleWords:
    """The stored segmentation of one article's texts (see the module docstring for the form)."""

    title: str = ""
    summary: str = ""
    body: str = ""


def _sentences(text: str) -> Iterator[str]:
    """The sentences of a (normalised) text, long ones cut into pieces at spaces.

    A sentence that is not split (an abbreviation taken for its end, or the other way
    round) only costs a cache hit: the words are the same either way.
    """
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(line):
            if _ABBREVIATION.search(line, max(start, match.start() - 5), match.start()):
                continue
            yield from _bounded(line[start : match.start()])
            start = match.end()
        yield from _bounded(line[start:])


def _bounded(sentence: str) -> Iterator[str]:
    while len(sentence) > MAX_SENTENCE_CHARS:
        cut = sentence.rfind(" ", 0, MAX_SENTENCE_CHARS)
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        yield sentence[:cut]
        sentence = sentence[cut:].lstrip()
    if sentence:
        yield sentence


@lru_cache(maxsize=20_000)
def _segment_sentence(sentence: str) -> str:
    # the text is already normalised (indexer.text.normalize): underthesea's own token
    # normalisation would only cost time (identical output on the sample corpus).
    # word_tokenize_words gives word_tokenize's words at half its CPU (see word_model).
    words = word_tokenize_words(sentence)
    return " ".join(w.replace(" ", "_") for w in words)


def segment(text: str | None) -> str:
    """The segmentation of one normalised text, in the stored form (``Cán_bộ trưởng_thôn …``)."""
    if not text:
        return ""
    return "\n".join(_segment_sentence(s) for s in _sentences(text[:MAX_SEGMENT_CHARS]))


def segment_article(article: Any) -> ArticleWords:
    """Segment an article's title, summary and body (an ``Article`` or a store row dict).

    The one segmentation step of the ingest: the crawl pipeline and the import call
    it on normalised text and pass the result to ``ArchiveStore.upsert_article(...,
    words=...)``; the indexer calls it for rows stored without one.
    """

    def get(name: str) -> str:
        value = article.get(name) if isinstance(article, dict) else getattr(article, name, "")
        return value or ""

    return ArticleWords(
        title=segment(get("title")),
        summary=segment(get("summary")),
        body=segment(get("body_text")),
    )


def compounds(words: str | None) -> list[str]:
    """The multi-syllable words of a stored segmentation, as written (``Cán_bộ``, ``Nhân_Hòa``)."""
    if not words or "_" not in words:
        return []
    return [token for token in words.split() if "_" in token]
