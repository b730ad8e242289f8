"""Posting lists kept as raw arrays beside a segment, so a search reads them in one step.

Whoosh stores a term's postings in blocks of 128, each a pickled and (mostly)
zlib-compressed tuple, and finds a term through an on-disk hash table (~40 us a lookup,
found or not): reading a syllable found in every article of a 100,000-article index costs
~800 block decompressions and unpickles, ~25 ms, and every term of a query is looked up
in every segment (issue 14).  The segment writers (:mod:`indexer.search.segments`,
:mod:`indexer.search.segment_merge`, and :func:`indexer.search.segment_merge.add_posting_arrays`
for segments of Whoosh's own writer) therefore also write every term's document numbers
and weights as plain little-endian arrays into one file beside the segment,
``<indexname>_<segment id>.vnpost``, with a directory of every term.  A search maps the
file once, finds a term with one binary search in the directory's sorted hashes (a term
the segment lacks costs no Whoosh lookup) and reads its list with ``numpy.frombuffer`` (no
copy, no decoding).  The file is written under a temporary name and given its own only
after Whoosh has packed the segment's files into its compound ``.seg`` file (which takes
every file named ``<segment id>.*``): :meth:`PostingArraysWriter.publish`.

The file is an addition, never a replacement: Whoosh's own postings stay complete, and a
segment without this file (or with an older one) is read the Whoosh way until the next
``update_index`` writes it.  Its name matches Whoosh's segment-file pattern, so Whoosh
deletes it together with its segment (``whoosh.index.clean_files``).  Whoosh segments never
change once written (deletions are kept in the TOC), so the arrays never go stale.

Layout (version 2, ``MAGIC``): the magic, then the posting arrays (each on a 4-byte
boundary), then the directory, one row per term sorted by hash, as two arrays on 8-byte
boundaries: ``hashes`` (``<u8``: the first 8 bytes of BLAKE2b of ``field NUL term``) and
``entries`` (16 bytes a term: offset ``<u8``, postings ``<u4``, the weights' encoding
``<u1``), then a pickled head (ids dtype, the directory's positions, ``min_postings``: the
directory holds every term when 0, else only lists longer than that, and the hashes that
two terms share: those are read the Whoosh way), then a trailer: the head's offset and
length (``<QQ``) and the magic again.  A reader keeps every 256th hash in memory, so a
lookup touches one page of the hashes and one of the entries, however large the segment.
Document numbers are local to the segment, ``<u2`` when the segment holds at most 65,536
documents, else ``<u4``.  Weights are the term frequencies as ``<u1``/``<u2`` when the
field boost is 1 (the weight is then the frequency), else ``<f4`` weights as Whoosh
stores them; unscored fields keep none.  Ids and weights stand side by side: a short
list is one page.
Version 1 files (``MAGIC_V1``: long lists only, a pickled dict as directory) are still read.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import pickle
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "ABSENT",
    "LONG_POSTINGS",
    "PostingArrays",
    "PostingArraysWriter",
    "file_name",
    "has_arrays",
    "open_arrays",
    "term_hash",
]

_log = logging.getLogger(__name__)

# Lists with more postings than this get raw arrays; 0: every list, and the directory then
# says which terms a segment lacks (what makes a search's cost per segment small).
LONG_POSTINGS = 0
EXTENSION = "vnpost"
MAGIC = b"VNPOST2\n"
MAGIC_V1 = b"VNPOST1\n"
_TRAILER = struct.Struct("<QQ")
# weight codes: how a term's weights are stored
NO_WEIGHTS, FREQ_U1, FREQ_U2, WEIGHT_F4 = 0, 1, 2, 3
_WEIGHT_DTYPES = {FREQ_U1: np.dtype("<u1"), FREQ_U2: np.dtype("<u2"), WEIGHT_F4: np.dtype("<f4")}
_ENTRY = np.dtype([("offset", "<u8"), ("count", "<u4"), ("code", "u1"), ("pad", "V3")])
_FENCE = 256  # every 256th hash kept in memory: a lookup reads one block of the rest


class _Absent:
    """The answer of :meth:`PostingArrays.find` for a term the segment certainly lacks."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


def term_hash(fieldname: str, term: bytes) -> int:
    """The directory key of a term: 64 bits of BLAKE2b over ``field NUL term`` (stable)."""
    digest = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + term, digest_size=8).digest()
    return int.from_bytes(digest, "little")


def file_name(indexname: str, segment_id: str) -> str:
    """The arrays file of segment ``segment_id`` (Whoosh's segment names: ``MAIN_<id>``)."""
    return f"{segment_id}.{EXTENSION}" if segment_id.startswith(indexname) else ""


def _temp_name(segment_id: str) -> str:
    # matches Whoosh's segment-file pattern under an id no segment has: a leftover of a
    # failed build is removed by Whoosh's next clean-up
    return f"{segment_id}tmp.{EXTENSION}"


def _ids_dtype(doc_count: int) -> np.dtype:
    return np.dtype("<u2") if doc_count <= 1 << 16 else np.dtype("<u4")


class PostingArraysWriter:
    """Writes the posting lists of one segment being written, term by term.

    ``add`` takes the postings as the segment writers hold them (ascending local document
    numbers and frequencies); :meth:`close` writes the directory, :meth:`publish` gives the
    file its name once the segment's compound file exists.  Only storages with a folder on
    disk get the file (a search maps it).
    """

    def __init__(self, storage: Any, segment: Any, doc_count: int) -> None:
        self.storage = storage
        self.name = file_name(segment.indexname, segment.segment_id())
        self.temp = _temp_name(segment.segment_id())
        self.ids_dtype = _ids_dtype(doc_count)
        self.min_postings = LONG_POSTINGS
        self.hashes: list[int] = []
        self.offsets: list[int] = []
        self.counts: list[int] = []
        self.codes: list[int] = []
        self.file: Any = None
        self.closed = False
        self.offset = 0
        if getattr(storage, "folder", None) and self.name:
            self.file = storage.create_file(self.temp)
            self._write(MAGIC)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.offset += len(data)

    def _align(self, to: int = 4) -> None:
        pad = -self.offset % to
        if pad:
            self._write(b"\x00" * pad)

    def add(
        self,
        fieldname: str,
        term: bytes,
        ids: Sequence[int],
        freqs: Sequence[int],
        boost: float,
        scored: bool,
    ) -> None:
        """Keep one term's postings (a list of at most ``min_postings`` is not kept)."""
        if self.file is None or not len(ids) or len(ids) <= self.min_postings:
            return
        self._align()
        start = self.offset
        self._write(np.asarray(ids, dtype=self.ids_dtype).tobytes())
        code = NO_WEIGHTS
        if scored:
            top = max(freqs)
            if boost == 1.0 and top < 1 << 8:
                code, data = FREQ_U1, np.asarray(freqs, dtype="<u1")
            elif boost == 1.0 and top < 1 << 16:
                code, data = FREQ_U2, np.asarray(freqs, dtype="<u2")
            else:  # the weights exactly as Whoosh stores them (float32 of freq * boost)
                code = WEIGHT_F4
                data = np.asarray([f * boost for f in freqs], dtype="<f4")
            self._align()
            self._write(data.tobytes())
        self.hashes.append(term_hash(fieldname, term))
        self.offsets.append(start)
        self.counts.append(len(ids))
        self.codes.append(code)

    def close(self) -> None:
        """Write the directory and the trailer; the file is complete only after this."""
        if self.file is None:
            return
        hashes = np.asarray(self.hashes, np.uint64)
        order = np.argsort(hashes, kind="stable")
        hashes = hashes[order]
        shared = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])  # two terms, one hash
        entries = np.zeros(len(hashes), _ENTRY)
        entries["offset"] = np.asarray(self.offsets, np.uint64)[order]
        entries["count"] = np.asarray(self.counts, np.uint32)[order]
        entries["code"] = np.asarray(self.codes, np.uint8)[order]
        where = {}
        for name, data in (("hashes", hashes.astype("<u8")), ("entries", entries)):
            self._align(8)
            where[name] = self.offset
            self._write(data.tobytes())
        head = {
            "ids": self.ids_dtype.str,
            "terms": len(hashes),
            "directory": where,
            "min_postings": self.min_postings,
            "shared": [int(h) for h in shared],
        }
        data = pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL)
        at = self.offset
        self._write(data)
        self._write(_TRAILER.pack(at, len(data)) + MAGIC)
        self.file.close()
        self.file = None
        self.closed = True

    def publish(self) -> None:
        """Give the closed file its name (call after the segment's compound file is made)."""
        if self.closed:
            self.storage.rename_file(self.temp, self.name, safe=False)
            self.closed = False


class PostingArrays:
    """The posting lists of one segment, read from its arrays file (mapped)."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        size = len(self._map)
        tail = _TRAILER.size + len(MAGIC)
        magic = self._map[: len(MAGIC)]
        if size < len(MAGIC) + tail or magic not in (MAGIC, MAGIC_V1):
            raise ValueError("not a posting arrays file")
        if self._map[size - len(MAGIC) :] != magic:
            raise ValueError("incomplete posting arrays file")
        self.version = 2 if magic == MAGIC else 1
        at, length = _TRAILER.unpack_from(self._map, size - tail)
        head = pickle.loads(self._map[at : at + length])
        self.ids_dtype = np.dtype(head["ids"])
        # version 1: {fieldname: {term: (offset, count, code)}}, lists of more than 128 only
        self.terms: dict[str, dict[bytes, tuple[int, int, int]]] = {}
        if self.version == 1:
            self.terms = head["terms"]
            self.min_postings = 128
            self.complete = False
            self.count = sum(len(t) for t in self.terms.values())
            return
        self.count = int(head["terms"])
        self.min_postings = int(head["min_postings"])
        self.complete = self.min_postings == 0  # every term of the segment is listed
        self.shared = set(head["shared"])
        where = head["directory"]
        self.hashes = np.frombuffer(self._map, "<u8", self.count, where["hashes"])
        self.entries = np.frombuffer(self._map, _ENTRY, self.count, where["entries"])
        self.fence = self.hashes[::_FENCE].copy()  # in memory: ~0.4 % of the hashes

    @property
    def current(self) -> bool:
        """Whether the file is what the writers write today (else rewritten on update)."""
        return self.version == 2 and self.min_postings <= LONG_POSTINGS

    def find(self, fieldname: str, term: bytes, key: int | None = None) -> Any:
        """``(local document numbers, weights or None)`` of a term; :data:`ABSENT` when the
        segment certainly lacks it; None when not known here (read it the Whoosh way).

        ``key``: the term's :func:`term_hash`, if the caller has it (one per segment saved).
        """
        if self.version == 1:
            entry = self.terms.get(fieldname, {}).get(term)
            return None if entry is None else self._read(*entry)
        if key is None:
            key = term_hash(fieldname, term)
        block = int(self.fence.searchsorted(key, "right")) - 1  # hashes[block * FENCE] <= key
        if block < 0:
            return ABSENT if self.complete else None
        start = block * _FENCE
        hashes = self.hashes[start : start + _FENCE]
        at = int(hashes.searchsorted(key))
        if at >= len(hashes) or int(hashes[at]) != key:
            return ABSENT if self.complete else None
        if key in self.shared:
            return None
        offset, count, code, _pad = self.entries[start + at].item()
        return self._read(offset, count, code)

    def get(self, fieldname: str, term: bytes) -> tuple[np.ndarray, np.ndarray | None] | None:
        """(local document numbers, weights or None) of a term kept here; None: not kept."""
        found = self.find(fieldname, term)
        return None if found is None or found is ABSENT else found

    def _read(self, offset: int, count: int, code: int) -> tuple[np.ndarray, np.ndarray | None]:
        ids = np.frombuffer(self._map, self.ids_dtype, count, offset)
        if code == NO_WEIGHTS:
            return ids, None
        at = offset + count * self.ids_dtype.itemsize
        at += -at % 4
        return ids, np.frombuffer(self._map, _WEIGHT_DTYPES[code], count, at)


def _arrays_path(storage: Any, segment: Any) -> str | None:
    """Where a segment's arrays file sits, or None when its storage has no folder for one."""
    folder = getattr(storage, "folder", None)
    name = file_name(segment.indexname, segment.segment_id())
    return os.path.join(folder, name) if folder and name else None


def has_arrays(storage: Any, segment: Any) -> bool:
    """Whether a segment needs no arrays file written: it has a current one, or its storage
    cannot hold one (an older or damaged file is written again)."""
    path = _arrays_path(storage, segment)
    if path is None:
        return True
    if not os.path.exists(path):
        return False
    try:
        return PostingArrays(path).current
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, KeyError):
        return False


def open_arrays(storage: Any, segment: Any) -> PostingArrays | None:
    """The arrays file of a segment, or None when it has none (or it cannot be read)."""
    path = _arrays_path(storage, segment) if segment is not None else None
    if path is None or not os.path.exists(path):
        return None
    try:
        return PostingArrays(path)
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, KeyError) as exc:
        _log.warning("ignoring %s (%s): its postings are read the Whoosh way", path, exc)
        return None
