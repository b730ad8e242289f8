"""Long posting lists kept as raw arrays beside a segment, so a search reads them in one step.

Whoosh stores a term's postings in blocks of 128, each a pickled and (mostly)
zlib-compressed tuple: reading a syllable found in every article of a 100,000-article
index costs ~800 block decompressions and unpickles, ~25 ms, and a query reads several
(issue 14).  The segment writers of a full build (:mod:`indexer.search.segments`,
:mod:`indexer.search.segment_merge`) therefore also write, for every term with more than
:data:`LONG_POSTINGS` postings, its document numbers and weights as plain little-endian
arrays into one file beside the segment, ``<indexname>_<segment id>.vnpost``.  A search
maps the file once and reads such a list with ``numpy.frombuffer`` (no copy, no decoding).
The file is written under a temporary name and given its own only after Whoosh has packed
the segment's files into its compound ``.seg`` file (which takes every file named
``<segment id>.*``): :meth:`PostingArraysWriter.publish`.

The file is an addition, never a replacement: Whoosh's own postings stay complete, and a
segment without this file (one written by Whoosh's incremental writer or merges, or an index
built before it existed) is read the Whoosh way.  Its name matches Whoosh's segment-file
pattern, so Whoosh deletes it together with its segment (``whoosh.index.clean_files``).
Whoosh segments never change once written (deletions are kept in the TOC), so the arrays
never go stale.

Layout: ``MAGIC``, then the arrays (each starting on a 4-byte boundary), then the pickled
directory ``{fieldname: {term bytes: (offset, count, weight code)}}``, then a trailer:
the directory's offset and length (``<QQ``) and ``MAGIC`` again.  Document numbers are
local to the segment, ``<u2`` when the segment holds at most 65,536 documents, else
``<u4``.  Weights are the term frequencies as ``<u1``/``<u2`` when the field boost is 1 (the
weight is then the frequency), else ``<f4`` weights as Whoosh stores them; unscored fields
keep none.
"""

from __future__ import annotations

import logging
import mmap
import os
import pickle
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "LONG_POSTINGS",
    "PostingArrays",
    "PostingArraysWriter",
    "file_name",
    "has_arrays",
    "open_arrays",
]

_log = logging.getLogger(__name__)

# Terms with more postings than this get raw arrays: shorter lists are one Whoosh block,
# read quickly enough, and keeping them would make the directory large.
LONG_POSTINGS = 128
EXTENSION = "vnpost"
MAGIC = b"VNPOST1\n"
_TRAILER = struct.Struct("<QQ")
# weight codes: how a term's weights are stored
NO_WEIGHTS, FREQ_U1, FREQ_U2, WEIGHT_F4 = 0, 1, 2, 3
_WEIGHT_DTYPES = {FREQ_U1: np.dtype("<u1"), FREQ_U2: np.dtype("<u2"), WEIGHT_F4: np.dtype("<f4")}


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
    """Writes the long posting lists of one segment being written, term by term.

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
        self.directory: dict[str, dict[bytes, tuple[int, int, int]]] = {}
        self.file: Any = None
        self.closed = False
        self.offset = 0
        if getattr(storage, "folder", None) and self.name:
            self.file = storage.create_file(self.temp)
            self._write(MAGIC)

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.offset += len(data)

    def _align(self) -> None:
        pad = -self.offset % 4
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
        """Keep one term's postings if the list is long (else nothing happens)."""
        if self.file is None or len(ids) <= LONG_POSTINGS:
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
        self.directory.setdefault(fieldname, {})[term] = (start, len(ids), code)

    def close(self) -> None:
        """Write the directory and the trailer; the file is complete only after this."""
        if self.file is None:
            return
        head = {"ids": self.ids_dtype.str, "terms": self.directory}
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
    """The long posting lists of one segment, read from its arrays file (mapped)."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        size = len(self._map)
        tail = _TRAILER.size + len(MAGIC)
        if size < len(MAGIC) + tail or self._map[: len(MAGIC)] != MAGIC:
            raise ValueError("not a posting arrays file")
        if self._map[size - len(MAGIC) :] != MAGIC:
            raise ValueError("incomplete posting arrays file")
        at, length = _TRAILER.unpack_from(self._map, size - tail)
        head = pickle.loads(self._map[at : at + length])
        self.ids_dtype = np.dtype(head["ids"])
        self.terms: dict[str, dict[bytes, tuple[int, int, int]]] = head["terms"]

    def get(self, fieldname: str, term: bytes) -> tuple[np.ndarray, np.ndarray | None] | None:
        """(local document numbers, weights or None) of a long list; None: not kept here."""
        entry = self.terms.get(fieldname, {}).get(term)
        if entry is None:
            return None
        offset, count, code = entry
        ids = np.frombuffer(self._map, self.ids_dtype, count, offset)
        if code == NO_WEIGHTS:
            return ids, None
        at = offset + count * self.ids_dtype.itemsize
        at += -at % 4
        return ids, np.frombuffer(self._map, _WEIGHT_DTYPES[code], count, at)


def has_arrays(storage: Any, segment: Any) -> bool:
    """Whether a segment needs no arrays file written: it has one (complete or not: see
    :func:`open_arrays`), or its storage cannot hold one."""
    folder = getattr(storage, "folder", None)
    name = file_name(segment.indexname, segment.segment_id())
    return not folder or not name or os.path.exists(os.path.join(folder, name))


def open_arrays(storage: Any, segment: Any) -> PostingArrays | None:
    """The arrays file of a segment, or None when it has none (or it cannot be read)."""
    folder = getattr(storage, "folder", None)
    name = file_name(segment.indexname, segment.segment_id()) if segment is not None else ""
    if not folder or not name:
        return None
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return None
    try:
        return PostingArrays(path)
    except (OSError, ValueError, pickle.UnpicklingError, EOFError, KeyError) as exc:
        _log.warning("ignoring %s (%s): its postings are read the Whoosh way", path, exc)
        return None
