"""Which search hits can have copies on other portals, known without a lookup per hit.

Every document holds one ``story_id`` term (its story's id, else its own).  A result's
"also on N portals" (``indexer.search.query._other_copies``) looked that term up in every
segment for every hit: at 100,000 articles (10 segments) ~1 ms a hit, a fifth of a
search's CPU (issue 14), though most stories have a single copy.

Per index generation, each segment's ``story_id`` terms are kept as a sorted array of
their hashes (read from the term list once, ~0.2 s at 100,000 articles, 8 bytes a
document), with whether the segment's terms are all distinct (as many terms as
documents: no story has two documents there).  A story whose hash stands in one such
segment only has no other copy: the hit itself is its one document.  Any other story
(found in several segments, in a segment with a repeated story, or a hash collision)
is looked up as before, so results are the same.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from indexer.search.searcher import _cache

_FIELD = "story_id"
_lock = threading.Lock()
_by_generation: weakref.WeakKeyDictionary[Any, _StoryTerms] = weakref.WeakKeyDictionary()


class _StoryTerms:
    """The hashed ``story_id`` terms of each segment of one index generation."""

    def __init__(self, searcher: Searcher) -> None:
        self.segments: list[tuple[np.ndarray, bool]] = []
        for leaf, _offset in searcher.reader().leaf_readers():
            hashes = np.fromiter(
                (hash(term) for term in leaf.lexicon(_FIELD)), dtype=np.int64
            )  # terms are bytes
            hashes.sort()
            self.segments.append((hashes, len(hashes) == leaf.doc_count_all()))

    def alone(self, story: str) -> bool:
        """True when ``story`` certainly has one document in the index."""
        key = hash(story.encode("utf-8"))
        found = 0
        for hashes, distinct in self.segments:
            at = int(np.searchsorted(hashes, key))
            if at < len(hashes) and hashes[at] == key:
                found += 1
                if found > 1 or not distinct:
                    return False
        return found == 1


def single_copy(searcher: Searcher, story: str) -> bool:
    """Whether the story ``story`` of a hit has no other document (no lookup needed)."""
    generation = _cache(searcher)
    terms = _by_generation.get(generation)
    if terms is None:
        with _lock:
            terms = _by_generation.get(generation)
            if terms is None:
                terms = _by_generation[generation] = _StoryTerms(searcher)
    return terms.alone(story)
