"""Which search hits can have copies on other portals, known without a lookup per hit.

Every document holds one ``story_id`` term (its story's id, else its own).  A result's
"also on N portals" (``indexer.search.query._other_copies``) looked that term up in every
segment for every hit: at 100,000 articles (10 segments) ~1 ms a hit, a fifth of a
search's CPU (issue 14), though most stories have a single copy.

Per index generation, every segment's ``story_id`` terms are kept as one sorted array of
their hashes (read from the term lists once, ~0.2 s at 100,000 articles, 8 bytes a
document), each with whether it stands once, in a segment whose terms are all distinct
(as many terms as documents: no story has two documents there).  A story whose hash
stands once like that has no other copy: the hit itself is its one document; a story no
segment holds has no document to list either.  Any other story (found in several
segments, in a segment with a repeated story, or a hash collision) is looked up
(``IndexCache.live_documents``: the segments' posting arrays), so results are the same.
One binary search a hit, whatever the number of segments (issue 14: 100 at 1,000,000).
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
    """The hashed ``story_id`` terms of every segment of one index generation, in one sorted
    array (a lookup costs one binary search, however many segments there are)."""

    def __init__(self, searcher: Searcher) -> None:
        parts: list[np.ndarray] = []
        distinct: list[np.ndarray] = []
        for leaf, _offset in searcher.reader().leaf_readers():
            hashes = np.fromiter(
                (hash(term) for term in leaf.lexicon(_FIELD)), dtype=np.int64
            )  # terms are bytes
            parts.append(hashes)
            distinct.append(np.full(len(hashes), len(hashes) == leaf.doc_count_all()))
        hashes = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        flags = np.concatenate(distinct) if distinct else np.zeros(0, np.bool_)
        order = np.argsort(hashes, kind="stable")
        hashes, flags = hashes[order], flags[order]
        # one row per hash: alone when it stands once, in a segment whose stories all differ
        self.hashes, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        self.alone_flags = (counts == 1) & flags[first]

    def alone(self, story: str) -> bool:
        """True when ``story`` certainly has at most one document in the index (a story no
        segment holds has none to list either)."""
        key = hash(story.encode("utf-8"))
        at = int(np.searchsorted(self.hashes, key))
        if at >= len(self.hashes) or self.hashes[at] != key:
            return True
        return bool(self.alone_flags[at])


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
