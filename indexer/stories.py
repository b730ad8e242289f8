"""Stories: the same article published on several portals, linked as one story.

District, department and union portals republish each other's news (the Đắk Song stories
on stc and ldld, for example).  Each portal's copy stays an article of its own (its URL,
its capture, its portal's category), and copies share a ``story_id``: the id of the first
copy archived.  Search shows a story once ("also on N portals"); exports carry the
``story_id`` so analysts can deduplicate or count reach.

Two copies are the same story when their titles and the start of their bodies agree once
folded (diacritics, case, punctuation and spacing ignored): portals re-type titles and
re-wrap paragraphs, but rarely change the words.  A body shorter than
:data:`MIN_BODY_CHARS` gives no key: short notices ("Thông báo 1", attachment-only
pages) share titles without being one story.
"""

from __future__ import annotations

import hashlib
import re

from indexer.text import fold_lower, normalize

__all__ = ["MIN_BODY_CHARS", "story_key"]

MIN_BODY_CHARS = 200
"""Folded body characters a copy needs before it can be linked to another."""
_KEY_BODY_CHARS = 400
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def _folded_words(text: str) -> str:
    return _NOT_WORD.sub(" ", fold_lower(normalize(text or ""))).strip()


def story_key(title: str | None, body_text: str | None) -> str | None:
    """The fingerprint copies of one story share (hex SHA-1), or None when the body is
    too short to tell a story from a look-alike."""
    body = _folded_words(body_text or "")
    head = _folded_words(title or "")
    if len(body) < MIN_BODY_CHARS or not head:
        return None
    material = f"{head}|{body[:_KEY_BODY_CHARS]}"
    return hashlib.sha1(material.encode("utf-8")).hexdigest()
