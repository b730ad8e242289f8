"""Stories: the same article published on several portals, linked as one story.

District, department and union portals republish each other's news (the Đắk Song stories
on stc and ldld, for example).  Each portal's copy stays an article of its own (its URL,
its capture, its portal's category), and copies share a ``story_id``: the id of the first
copy archived.  Search shows a story once ("also on N portals"); exports carry the
``story_id`` so analysts can deduplicate or count reach.

Two copies are one story when their titles agree once folded (diacritics, case,
punctuation and spacing ignored) and their texts mostly agree: at least
:data:`MIN_SHARED` of the shorter text's word 4-grams appear in the other.  Portals
re-type titles, add or drop the lead, a credit or a photo caption, and re-wrap paragraphs,
but rarely rewrite the story.  A body shorter than :data:`MIN_BODY_CHARS` or a title of
fewer than :data:`MIN_TITLE_WORDS` words gives no key: short notices ("Thông báo 1",
attachment-only pages) share titles without being one story.
"""

from __future__ import annotations

import hashlib
import re

from indexer.text import fold_lower, normalize

__all__ = ["MIN_BODY_CHARS", "MIN_SHARED", "MIN_TITLE_WORDS", "same_story", "story_key"]

MIN_BODY_CHARS = 200
"""Folded body characters a copy needs before it can be linked to another."""
MIN_TITLE_WORDS = 4
"""Words a title needs before it can name a story on several portals."""
MIN_SHARED = 0.6
"""Share of the shorter text's word 4-grams the other text must hold."""
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def _folded_words(text: str) -> list[str]:
    return _NOT_WORD.sub(" ", fold_lower(normalize(text or ""))).split()


def _long_enough(body: str) -> bool:
    """Whether the folded words of ``body`` hold :data:`MIN_BODY_CHARS` characters.

    A body is folded only as far as it takes: the words of the text before a space are
    the first words of the whole text (normalising and folding never reach across a
    space), so when they are enough, the rest need not be read (a body is folded for
    every article stored).
    """
    cut = body.find(" ", 4 * MIN_BODY_CHARS)
    if cut > 0 and len(" ".join(_folded_words(body[:cut]))) >= MIN_BODY_CHARS:
        return True
    return len(" ".join(_folded_words(body))) >= MIN_BODY_CHARS


def story_key(title: str | None, body_text: str | None) -> str | None:
    """The key copies of one story share (hex SHA-1 of the folded title), or None when the
    title or the body is too short to tell a story from a look-alike."""
    head = _folded_words(title or "")
    if len(head) < MIN_TITLE_WORDS or not _long_enough(body_text or ""):
        return None
    return hashlib.sha1(" ".join(head).encode("utf-8")).hexdigest()


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _folded_words(text)
    return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}


def same_story(body_a: str | None, body_b: str | None) -> bool:
    """Whether two texts under one story key tell the same story (see the module docstring)."""
    a, b = _shingles(body_a or ""), _shingles(body_b or "")
    if not a or not b:
        return False
    return len(a & b) >= MIN_SHARED * min(len(a), len(b))
