"""Per-index-generation caches that make searches fast: posting bitsets, columns, BM25F inputs.

The query module (:mod:`indexer.search.query`) decides which documents match with set
algebra.  Sets of document numbers are Python ints used as bitsets (bit ``d`` set
= document ``d`` matches): ``&``, ``|``, ``& ~`` and ``bit_count()`` run in C over
12.5 KB for 100,000 documents, where Python ``set`` operations on the matches of a
common syllable (tens of thousands of members) took tens of milliseconds.

One :class:`IndexCache` exists per index generation (the key holds the directory,
the generation and every segment's id and deletion count, so any commit, merge or
rebuild gets a fresh one).  It holds, loaded once:

- the per-document columns (id, portal, category, year, newest, oldest);
- each facet column's values as codes (portal, category, topic, year, and month of
  ``newest``): exact facet counts are one ``bincount`` over the matches' codes (popcounts
  of a bitset per value cost ~170 passes over 125 KB a query at 1,000,000 articles);
- bitsets per month, for newest/oldest ordering (walk the months in order) and date-range
  filters;
- the field lengths of every document (BM25F's ``fl``);
- an LRU of posting lists (sorted doc numbers, term frequencies, bitset), shared
  by every thread and bounded by :data:`POSTING_CACHE_MB` (``$VNARCHIVE_SEARCH_CACHE_MB``,
  default 256).

Everything is exact: nothing is sampled or capped here.  Thread-safe: the caches
are filled under locks; posting lists are read with the caller's own searcher.
"""

from __future__ import annotations

import os
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching import FilterMatcher
from whoosh.query import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from indexer.search.posting_arrays import ABSENT, PostingArrays, open_arrays, term_hash

__all__ = [
    "POSTING_CACHE_MB",
    "IndexCache",
    "Posting",
    "bits_from_ids",
    "clear",
    "docnum_array",
    "docnums",
    "index_cache",
]

# Posting lists kept across queries, per index generation (100k articles: the benchmark's
# 300 queries touch ~320 MB of them; the common syllables' lists are ~0.8 MB each).
POSTING_CACHE_MB = int(os.environ.get("VNARCHIVE_SEARCH_CACHE_MB") or 256)
COLUMNS = ("id", "portal", "category", "topic", "year", "newest", "oldest")
FACET_COLUMNS = ("portal", "category", "topic", "year", "month")
# Facets of at most this many matches are counted document by document, not by popcounts.
FEW_MATCHES = 2_000
_BIT_NUMBERS = np.arange(8)


def bits_from_ids(ids: Iterable[int], size: int) -> int:
    """The bitset of document numbers ``ids`` (all below ``size``)."""
    buf = bytearray((size >> 3) + 1)
    for d in ids:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def _bits_of(ids: np.ndarray, size: int) -> int:
    """The bitset of the (ascending, distinct) document numbers in ``ids``, all below ``size``."""
    if len(ids) <= 64:
        return bits_from_ids(ids.tolist(), size)
    if len(ids) * 8 < size:  # sparse: each byte that holds a document gets its bits OR-ed
        at = ids >> 3
        first = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
        bits = np.left_shift(np.uint8(1), (ids & 7).astype(np.uint8))
        buf = np.zeros((size >> 3) + 1, np.uint8)
        buf[at[first]] = np.bitwise_or.reduceat(bits, first)
        return int.from_bytes(buf.tobytes(), "little")
    flags = np.zeros(size, np.bool_)
    flags[ids] = True
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def docnum_array(bits: int) -> np.ndarray:
    """The document numbers of a bitset, ascending, as an array."""
    if not bits:
        return np.zeros(0, np.int64)
    data = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) >> 3, "little"), np.uint8)
    held = np.flatnonzero(data)  # the bytes holding documents
    if len(held) * 4 > len(data):  # dense: unpack every byte
        return np.flatnonzero(np.unpackbits(data, bitorder="little"))
    flags = np.unpackbits(data[held], bitorder="little").reshape(-1, 8).view(np.bool_)
    return ((held[:, None] << 3) + _BIT_NUMBERS)[flags]


def docnums(bits: int) -> list[int]:
    """The document numbers of a bitset, ascending."""
    return docnum_array(bits).tolist()


@dataclass(slots=True)
class Posting:
    """A term's postings: sorted document numbers, their term frequencies, and the bitset."""

    ids: np.ndarray  # uint32, ascending (deleted documents included when ``complete``)
    weights: np.ndarray | None  # float32, aligned with ids (None: the field is not scored)
    bits: int  # live documents only
    complete: bool = True  # ids hold every posting: len(ids) is Whoosh's doc_frequency

    @property
    def doc_frequency(self) -> int | None:
        """The term's document frequency as Whoosh counts it (None: not known here)."""
        return len(self.ids) if self.complete else None

    @property
    def nbytes(self) -> int:
        """Approximate memory held."""
        weights = self.weights.nbytes if self.weights is not None else 0
        return self.ids.nbytes + weights + (self.bits.bit_length() >> 3) + 100


def _leaf_blocks(matcher: Any, weights: bool) -> Iterator[tuple[Any, Any, Any]]:
    """(ids, weights, deltas) of each block of a fresh posting matcher (whoosh3: a block at a time).

    ``deltas`` are the block's raw delta-encoded ids (the first one absolute; then ``ids``
    is None: the caller decodes them), or None.

    Reads the block tuples directly: ids are delta-decoded by ``itertools.accumulate``
    (in C) instead of Whoosh's generator, which dominated reading long posting lists.
    """
    if isinstance(matcher, FilterMatcher):  # deletions: the caller drops them
        matcher = matcher.child
    if all(hasattr(matcher, a) for a in ("_read_data", "_next_block", "_byteids", "_data")):
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            raw_ids, raw_weights = matcher._data[0], matcher._data[1]
            n = matcher._blocklength
            deltas = None if matcher._byteids else raw_ids
            ids = raw_ids if deltas is None else None
            block_weights = None
            if weights:
                if raw_weights is None:
                    block_weights = array("f", [1.0]) * n
                elif isinstance(raw_weights, float):
                    block_weights = array("f", [raw_weights]) * n
                else:
                    block_weights = raw_weights
            if matcher._i:  # not a fresh block: skip what was consumed
                i = matcher._i
                ids = list(ids if deltas is None else accumulate(deltas))[i:]
                deltas = None
                block_weights = block_weights[i:] if block_weights is not None else None
            yield ids, block_weights, deltas
            matcher._i = n
            matcher._next_block()
        return
    ids, ws = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        ws.append(matcher.weight() if weights else 0.0)
        matcher.next()
    yield ids, (ws if weights else None), None


def _all_postings(leaf: Any, fieldname: str, tbytes: bytes, text: str) -> tuple[Any, bool]:
    """(matcher, raw) of a term's postings in one segment: raw, every posting, deleted
    documents' too (Whoosh's ``postings()`` filters them out, so its list may be shorter
    than the term's document frequency).  Raises ``TermNotFound``."""
    terms = getattr(leaf, "_terms", None)
    if terms is not None and hasattr(terms, "matcher"):
        return terms.matcher(fieldname, tbytes, leaf.schema[fieldname].format), True
    return leaf.postings(fieldname, text), False


class IndexCache:
    """Everything a search reuses on one index generation (see the module docstring)."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.leaves = [(leaf.doc_count_all(), offset) for leaf, offset in reader.leaf_readers()]
        storage = getattr(getattr(searcher, "_ix", None), "storage", None)
        # each segment's long posting lists as raw arrays (None: read the Whoosh way)
        self.arrays: list[PostingArrays | None] = [
            open_arrays(storage, getattr(leaf, "_segment", None))
            for leaf, _offset in reader.leaf_readers()
        ]
        self._lock = threading.Lock()
        self._postings: OrderedDict[tuple[str, str], Posting] = OrderedDict()
        self._posting_bytes = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._avg_lengths: dict[str, float | None] = {}
        self.columns = self._load_columns(reader)
        live = (1 << self.size) - 1
        for leaf, offset in reader.leaf_readers():
            if leaf.has_deletions():
                gone = [d + offset for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)]
                live &= ~bits_from_ids(gone, self.size)
        self.live = live
        newest = self.columns["newest"]
        self.columns["month"] = [
            f"{m // 100:04d}-{m % 100:02d}" if (m := (v or 0) // 1_000_000) else None
            for v in newest
        ]
        # each facet column's values as codes (-1: none), for counting with one bincount
        self.facet_codes: dict[str, tuple[np.ndarray, list[Any]]] = {
            name: _codes(self.columns[name]) for name in FACET_COLUMNS
        }
        # months in order (None: undated, last either way), for ordering and date ranges
        by_month: dict[int, list[int]] = {}
        for d, v in enumerate(newest):
            by_month.setdefault((v or 0) // 1_000_000, []).append(d)
        self.months = sorted(by_month)
        self.month_bits = {m: bits_from_ids(ds, self.size) & live for m, ds in by_month.items()}
        self.month_docs = by_month

    # -- columns and facets -----------------------------------------------------------

    def _load_columns(self, reader: Any) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for name in COLUMNS:
            values: list[Any] = []
            for leaf, _offset in reader.leaf_readers():
                if leaf.has_column(name):
                    values.extend(leaf.column_reader(name, translate=True))
                else:
                    values.extend([None] * leaf.doc_count_all())
            out[name] = values
        return out

    def counts(
        self, name: str, bits: int, total: int, listed: list[int] | np.ndarray | None = None
    ) -> Counter[Any]:
        """Exact counts of column ``name``'s values over the documents of ``bits``.

        ``listed``: ``docnums(bits)`` (or :func:`docnum_array`) if the caller has it (several
        columns, one match set).  Few matches are counted one by one, more with a bincount
        of the column's value codes (one pass over the matches, whatever the number of values).
        """
        if listed is None:
            listed = docnum_array(bits)
        if total <= FEW_MATCHES:
            column = self.columns[name]
            ids = listed.tolist() if isinstance(listed, np.ndarray) else listed
            counts = Counter(column[d] for d in ids)
            counts.pop(None, None)
            counts.pop("", None)
            return counts
        codes, values = self.facet_codes[name]
        ids = np.asarray(listed, np.int64)
        found = np.bincount(codes[ids], minlength=len(values) + 1)[1:]
        return Counter({values[i]: int(found[i]) for i in np.flatnonzero(found).tolist()})

    # -- order and date ranges ----------------------------------------------------------

    def by_date(self, bits: int, sort: str, limit: int | None) -> list[int]:
        """Documents of ``bits``, newest (or oldest) first, at most ``limit``.

        Order: ``(newest, -docnum)`` descending, or ``(oldest, docnum)`` ascending within
        the months of ``newest`` in ascending order; undated documents last either way.
        Only the months needed to reach ``limit`` are read (their bitsets' popcounts), and
        their documents listed in one pass.
        """
        newest = self.columns["newest"]
        if sort == "oldest":
            months = [m for m in self.months if m] + [m for m in self.months if not m]
        else:
            months = sorted(self.months, reverse=True)
        chosen = 0
        count = 0
        for month in months:
            found = bits & self.month_bits[month]
            if found:
                chosen |= found
                count += found.bit_count()
                if limit is not None and count >= limit:
                    break
        docs = docnums(chosen)
        if sort == "oldest":
            oldest = self.columns["oldest"]

            def key(d: int) -> tuple[bool, int, int, int]:
                month = (newest[d] or 0) // 1_000_000
                return (not month, month, oldest[d] or 0, d)

            docs.sort(key=key)
        else:
            docs.sort(key=lambda d: (newest[d] or 0, -d), reverse=True)
        return docs if limit is None else docs[:limit]

    def date_range(self, low: int, high: int | None) -> int:
        """The live documents whose ``newest`` key lies in ``[low, high]``."""
        newest = self.columns["newest"]
        out = 0
        for month in self.months:
            if not month:
                continue
            start, end = month * 1_000_000, month * 1_000_000 + 999_999
            if end < low or (high is not None and start > high):
                continue
            if start >= low and (high is None or end <= high):
                out |= self.month_bits[month]
                continue
            inside = [
                d
                for d in self.month_docs[month]
                if (v := newest[d] or 0) >= low and (high is None or v <= high)
            ]
            out |= bits_from_ids(inside, self.size) & self.live
        return out

    # -- postings and lengths -----------------------------------------------------------

    def posting(self, searcher: Searcher, fieldname: str, text: str) -> Posting:
        """The cached postings of a term (read with ``searcher`` on a miss).

        A segment's lists come from its raw arrays (:mod:`indexer.search.posting_arrays`), whose
        directory also says which terms the segment lacks (no Whoosh lookup); a segment
        without them (or with an older file) is read the Whoosh way.
        """
        key = (fieldname, text)
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        ids, weights, complete = self._read(searcher, fieldname, text)
        posting = Posting(ids, weights, _bits_of(ids, self.size) & self.live, complete)
        with self._lock:
            if key not in self._postings:
                self._postings[key] = posting
                self._posting_bytes += posting.nbytes
                budget = POSTING_CACHE_MB * 2**20
                while self._posting_bytes > budget and len(self._postings) > 1:
                    _, old = self._postings.popitem(last=False)
                    self._posting_bytes -= old.nbytes
        return posting

    def live_documents(self, searcher: Searcher, fieldname: str, text: str) -> list[int]:
        """The live documents holding a term, ascending (read each time, not cached: for the
        short lists of one-off lookups such as a story's copies)."""
        ids, _weights, _complete = self._read(searcher, fieldname, text, scored=False)
        live = self.live
        return [d for d in ids.tolist() if live >> d & 1]

    def _read(
        self, searcher: Searcher, fieldname: str, text: str, scored: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, bool]:
        """(ids, weights or None, complete) of a term over every segment (see :meth:`posting`)."""
        try:
            field = searcher.schema[fieldname]
        except KeyError:
            field = None
        scored = scored and bool(field is not None and field.scorable)
        id_parts: list[np.ndarray] = []
        weight_parts: list[np.ndarray] = []
        complete = True  # every posting read, deleted documents' too
        if field is not None:
            tbytes = field.to_bytes(text) if isinstance(text, str) else text
            hashed = term_hash(fieldname, tbytes)
            leaves = searcher.reader().leaf_readers()
            for (leaf, offset), arrays in zip(leaves, self.arrays, strict=True):
                found = arrays.find(fieldname, tbytes, hashed) if arrays is not None else None
                if found is ABSENT:  # the segment's directory lists every term: not there
                    continue
                if found is not None:
                    local, weights = found
                    ids = local.astype(np.uint32)
                    ids += offset
                    id_parts.append(ids)
                    if scored:
                        weight_parts.append(
                            weights if weights is not None else np.ones(len(ids), np.float32)
                        )
                    continue
                try:
                    matcher, raw = _all_postings(leaf, fieldname, tbytes, text)
                except TermNotFound:
                    continue
                complete = complete and raw
                for block_ids, block_weights, deltas in _leaf_blocks(matcher, scored):
                    local = accumulate(deltas) if deltas is not None else block_ids
                    ids = np.fromiter(local, np.uint32)
                    ids += offset
                    id_parts.append(ids)
                    if scored:
                        weight_parts.append(np.asarray(block_weights, np.float32))
        ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.uint32)
        weights = None
        if scored:
            weights = (
                np.concatenate(weight_parts).astype(np.float32, copy=False)
                if weight_parts
                else np.zeros(0, np.float32)
            )
        return ids, weights, complete

    def avg_length(self, searcher: Searcher, fieldname: str) -> float | None:
        """``searcher.avg_field_length(fieldname)``, once per generation (it sums every segment)."""
        if fieldname not in self._avg_lengths:
            self._avg_lengths[fieldname] = searcher.avg_field_length(fieldname)
        return self._avg_lengths[fieldname]

    def lengths(self, searcher: Searcher, fieldname: str) -> np.ndarray:
        """The length of ``fieldname`` in every document, as Whoosh's scorer sees it (float64:
        the scorer's vector arithmetic)."""
        found = self._lengths.get(fieldname)
        if found is not None:
            return found
        parts = []
        for leaf, _offset in searcher.reader().leaf_readers():
            count = leaf.doc_count_all()
            perdoc = getattr(leaf, "_perdoc", None)
            column = None
            if perdoc is not None and hasattr(perdoc, "_cached_reader"):
                column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is not None:
                codes = np.zeros(count, np.uint8)  # past the column's end: the default, 0
                raw = _column_bytes(column)
                if raw is None:
                    raw = bytes(column[d] for d in range(count))
                codes[: min(count, len(raw))] = np.frombuffer(raw, np.uint8)[:count]
                parts.append(_LENGTH_OF_CODE[codes])
            else:
                parts.append(
                    np.array(
                        [leaf.doc_field_length(d, fieldname) or 0 for d in range(count)],
                        np.float64,
                    )
                )
        out = np.concatenate(parts) if parts else np.zeros(0, np.float64)
        with self._lock:
            self._lengths[fieldname] = out
        return out


def _codes(column: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """(a code per document, the values coded): ``values[code - 1]``, 0 for none or empty;
    the smallest integer type that holds them (less memory to gather per query)."""
    index: dict[Any, int] = {}
    for value in column:
        if value not in (None, "") and value not in index:
            index[value] = len(index) + 1
    dtype = np.uint8 if len(index) < 1 << 8 else np.uint16 if len(index) < 1 << 16 else np.int64
    codes = np.fromiter((index.get(v, 0) for v in column), dtype, count=len(column))
    return codes, list(index)


def _column_bytes(column: Any) -> bytes | None:
    """The stored bytes of a one-byte Whoosh column (its first documents; None: not such a
    column), read in one step instead of a Python call per document."""
    needed = ("_dbfile", "_basepos", "_count", "_fixedlen")
    if not all(hasattr(column, a) for a in needed) or column._fixedlen != 1:
        return None
    return bytes(column._dbfile.get(column._basepos, column._count))


LENGTH_OF_BYTE = tuple(byte_to_length(b) for b in range(256))
_LENGTH_OF_CODE = np.array(LENGTH_OF_BYTE, np.float64)

_caches: dict[str, tuple[tuple[Any, ...], IndexCache]] = {}
_caches_lock = threading.Lock()


def _generation_key(searcher: Searcher) -> tuple[Any, ...]:
    reader = searcher.reader()
    segments = []
    for leaf, _offset in reader.leaf_readers():
        segment = getattr(leaf, "_segment", None)
        segments.append(
            (
                segment.segment_id() if segment is not None else id(leaf),
                segment.deleted_count() if segment is not None else 0,
                leaf.doc_count_all(),
            )
        )
    return (reader.generation(), tuple(segments))


def index_cache(path: str, searcher: Searcher) -> IndexCache:
    """The cache of the index generation ``searcher`` reads (one per directory, the latest)."""
    key = _generation_key(searcher)
    with _caches_lock:
        entry = _caches.get(path)
        if entry is not None and entry[0] == key:
            return entry[1]
        cache = IndexCache(searcher)
        _caches[path] = (key, cache)
        return cache


def clear() -> None:
    """Forget every cache (benchmarks: time queries from cold, as after a rebuild)."""
    with _caches_lock:
        _caches.clear()
