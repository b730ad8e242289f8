"""Builds whole Whoosh segments in memory: the fast path of a large index build.

Whoosh's own writer puts every posting (field, term, document, weight, value)
into a pool that, beyond ``limitmb``, pickles sorted runs to disk and merges them
back at commit: at 100,000 articles that was ~17 GB of run files and ~40 % of the
build time, and its per-token ``Format.word_values`` another ~25 %.  A
:class:`SegmentBuilder` instead keeps, for one segment of some thousands of articles,
each term's postings in one compact array (document number and frequency packed in
one int; they arrive sorted by document), analyses each text once for its exact,
folded and bigram copies (:func:`indexer.search.analysis.term_lists`), and writes the
segment at the end with Whoosh's own codec layout (``W3Codec``): the term dictionary
in sorted order, the postings a block (128 postings) at a time.  Whoosh reads the
files as its own; the equivalence (every term, posting, weight, length, stored
field and column) is tested against Whoosh's ``SegmentWriter``
(tests/indexer/search/test_segments.py).
Beside it, the long posting lists are also written as raw arrays for searches
(:mod:`indexer.search.posting_arrays`).

Nothing here commits: :func:`commit_segments` makes a list of written segments the
index's new generation in one step (the old segments stay readable until then).
:func:`merge_segments` joins several segments into one, streaming term by term
(no pool, no run files): the temporary disk is the segments being merged.
"""

from __future__ import annotations

import operator
import struct
import zlib
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterator, Sequence
from functools import partial
from itertools import repeat
from pickle import dumps
from typing import Any

from whoosh import formats
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _HEADER
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.filedb.filestore import Storage
from whoosh.util.numeric import length_to_byte

from indexer.search.analysis import term_lists
from indexer.search.posting_arrays import PostingArraysWriter

__all__ = [
    "SegmentBuilder",
    "supported",
]

_PACK_INT = struct.Struct("!i").pack
# W3TermInfo.to_bytes: pack_long(offset) + pack_int(length)
_PACK_EXTENT = struct.Struct("!qi").pack
_TERMINFO = W3TermInfo._struct
_COMPRESS_FROM = 64


def _formats_ok(schema: Any) -> bool:
    for name in schema.names():
        field = schema[name]
        if not field.indexed:
            continue
        if type(field.format) not in (formats.Frequency, formats.Existence):
            return False
        if field.vector or field.separate_spelling():
            return False
    return True


def supported(schema: Any) -> bool:
    """Whether :class:`SegmentBuilder` can write this schema (else use Whoosh's writer)."""
    codec = default_codec()
    return isinstance(codec, W3Codec) and _formats_ok(schema)


_FREQ_BITS = 20  # a posting is kept as one int: docnum << 20 | frequency
_FREQ_MASK = (1 << _FREQ_BITS) - 1
_append = array.append


class _Postings:
    """One field's postings in a segment being built: term → packed (docnum, frequency) ints.

    Adding a document's terms runs in C (``map`` over the term counts): no Python
    bytecode per posting.
    """

    __slots__ = ("terms",)

    def __init__(self) -> None:
        self.terms: defaultdict[Any, array] = defaultdict(partial(array, "q"))

    def add_counts(self, docnum: int, counts: dict[Any, int]) -> None:
        terms = self.terms  # a new term gets its array from the defaultdict, in C
        packed = map(operator.or_, counts.values(), repeat(docnum << _FREQ_BITS))
        deque(map(_append, map(terms.__getitem__, counts), packed), maxlen=0)

    def sorted_terms(self) -> Iterator[tuple[bytes, list[int], list[int]]]:
        """(term bytes, docnums, frequencies) in term order; empties the postings."""
        terms, self.terms = self.terms, defaultdict(partial(array, "q"))
        keys = sorted(terms)  # str order is UTF-8 byte order
        for key in keys:
            packed = terms.pop(key)
            tbytes = key.encode("utf-8") if isinstance(key, str) else key
            yield tbytes, [v >> _FREQ_BITS for v in packed], [v & _FREQ_MASK for v in packed]


class SegmentBuilder:
    """Accumulates documents for one new segment of ``storage``'s index; :meth:`finish` writes it.

    ``add_document`` takes the same keyword fields as ``IndexWriter.add_document``
    (no boosts, no ``_stored_`` overrides).  Fields analysed by the Vietnamese
    analyzers (:mod:`indexer.search.analysis`) use their fast twins; any other indexed
    field goes through Whoosh's own ``field.index()``.
    """

    def __init__(self, storage: Storage, schema: Any, indexname: str = "MAIN") -> None:
        if not supported(schema):
            raise ValueError("this schema needs Whoosh's own writer (unsupported format)")
        self.storage = storage
        self.schema = schema
        self.codec = default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.docnum = 0
        self.postings: dict[str, _Postings] = {}
        self.lengths: dict[str, array] = {}  # scorable field → length byte of every document
        self._fast = {name: term_lists(schema[name].analyzer) for name in schema.names()}
        self._closed = False

    def __len__(self) -> int:
        return self.docnum

    def add_document(self, **fields: Any) -> None:
        """Add one document (field name → value), as ``IndexWriter.add_document`` would."""
        schema, perdoc, docnum = self.schema, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        memo: dict[int, Any] = {}  # the analysis of each text, shared by its copies
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            if fieldname.startswith("_") or fieldname not in schema:
                perdoc.cancel_doc()
                raise ValueError(f"unknown field {fieldname!r}")
            field = schema[fieldname]
            length = 0
            if field.indexed:
                length = self._index(fieldname, field, value, docnum, memo)
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self.docnum += 1

    def _index(self, fieldname: str, field: Any, value: Any, docnum: int, memo: dict) -> int:
        fast = self._fast.get(fieldname)
        counts: dict[Any, int]
        if fast is not None and isinstance(value, str):
            counts = Counter(fast(value, memo))
        else:
            counts = {}
            for tbytes, freq, _, _ in field.index(value):
                counts[tbytes] = counts.get(tbytes, 0) + freq
        if not counts:
            return 0
        if max(counts.values()) > _FREQ_MASK:  # unreachable with bounded texts; never corrupt
            counts = {term: min(freq, _FREQ_MASK) for term, freq in counts.items()}
        postings = self.postings.get(fieldname)
        if postings is None:
            postings = self.postings[fieldname] = _Postings()
        postings.add_counts(docnum, counts)
        if not field.scorable:
            return 0
        length = sum(counts.values())
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            lengths = self.lengths[fieldname] = array("B")
        lengths.extend(b"\x00" * (docnum + 1 - len(lengths)))
        lengths[docnum] = length_to_byte(length)
        return length

    def finish(self) -> Any:
        """Write the segment's files; returns the (uncommitted) Whoosh segment."""
        if self._closed:
            raise RuntimeError("segment already written")
        self._closed = True
        self.perdoc.close()
        self.segment.set_doc_count(self.docnum)
        writer = _TermWriter(self.codec, self.storage, self.segment)
        for fieldname in sorted(self.postings):
            field = self.schema[fieldname]
            lengths = self.lengths.get(fieldname)
            if lengths is not None:
                lengths.extend(b"\x00" * (self.docnum - len(lengths)))
            writer.start_field(fieldname, field)
            for tbytes, ids, freqs in self.postings[fieldname].sorted_terms():
                writer.write_term(tbytes, ids, freqs, lengths)
        writer.close()
        if self.segment.should_assemble():
            self.segment.create_compound_file(self.storage)
        writer.arrays.publish()
        return self.segment


class _TermWriter:
    """Writes the term dictionary and posting blocks of one segment (W3Codec's layout)."""

    def __init__(self, codec: W3Codec, storage: Storage, segment: Any) -> None:
        self.codec = codec
        self.fieldwriter = codec.field_writer(storage, segment)
        self.block = codec._blocklimit
        self.compression = codec._compression
        self.postfile = self.fieldwriter._postfile
        # long lists also as raw arrays beside the segment (a search reads them in one step)
        self.arrays = PostingArraysWriter(storage, segment, segment.doc_count_all())
        self.fieldname = ""
        self.field: Any = None
        self.boost = 1.0
        self.freq_values = False

    def start_field(self, fieldname: str, field: Any) -> None:
        if self.field is not None:
            self.fieldwriter.finish_field()
        self.fieldwriter.start_field(fieldname, field)
        self.fieldwriter._fieldkey = struct.pack("!H", self.fieldwriter._fieldid)
        self.fieldname = fieldname
        self.field = field
        self.boost = float(field.format.field_boost)
        self.freq_values = isinstance(field.format, formats.Frequency)

    def write_term(
        self, term: bytes, ids: Sequence[int], freqs: Sequence[int], lengths: array | None
    ) -> None:
        """One term's postings (ids ascending), laid out as ``W3PostingsWriter`` does.

        Blocks whose pickle is under ``_COMPRESS_FROM`` bytes are stored uncompressed
        (the block header says so; zlib's set-up cost dominated for the many rare terms).
        """
        postfile = self.postfile
        start = postfile.tell()
        n = len(ids)
        step = self.block
        boost = self.boost
        chunks = [_HEADER]
        total_weight = 0.0
        maxweight = 0.0
        minlen = 0
        maxlen = 0
        for lo in range(0, n, step):
            hi = lo + step
            block_ids = ids[lo:hi]
            block_freqs = freqs[lo:hi]
            count = len(block_ids)
            weights = [f * boost for f in block_freqs] if boost != 1.0 else block_freqs
            bmax = float(max(weights))
            if lengths is not None:
                lens = bytes(map(lengths.__getitem__, block_ids))
                bmaxlen = max(lens)
                bmin = min(lens) if 0 not in lens else min(lens.replace(b"\x00", b"") or b"\x00")
            else:
                bmin = bmaxlen = 0
            if count == 1:
                deltas: Any = (block_ids[0],)
            else:
                deltas = (block_ids[0], *map(operator.sub, block_ids[1:], block_ids))
            first = weights[0]
            if first == 1 and bmax == 1 and min(weights) == 1:
                wdata: Any = None
            elif bmax == first and min(weights) == first:
                wdata = float(first)
            else:
                wdata = tuple(array("f", weights))
            vdata = struct.pack(f"!{count}I", *block_freqs) if self.freq_values else None
            databytes = dumps((deltas, wdata, vdata), 2)
            comp = self.compression if len(databytes) >= _COMPRESS_FROM else 0
            if comp:
                databytes = zlib.compress(databytes, comp)
            infobytes = dumps((count, block_ids[-1], bmax, comp, bmin, bmaxlen), 2)
            size = len(infobytes) + len(databytes)
            chunks.append(_PACK_INT(-size if hi >= n else size))
            chunks.append(infobytes)
            chunks.append(databytes)
            total_weight += float(sum(weights))
            if bmax > maxweight:
                maxweight = bmax
            if bmin and (not minlen or bmin < minlen):
                minlen = bmin
            if bmaxlen > maxlen:
                maxlen = bmaxlen
        data = b"".join(chunks)
        postfile.write(data)
        info = _TERMINFO.pack(
            False,
            total_weight,
            n,
            minlen,
            maxlen,
            maxweight,
            ids[0],
            ids[-1],
        ) + _PACK_EXTENT(start, len(data))
        fw = self.fieldwriter
        fw._tindex.add(fw._fieldkey + term, info)
        self.arrays.add(self.fieldname, term, ids, freqs, boost, self.field.scorable)

    def close(self) -> None:
        if self.field is not None:
            self.fieldwriter.finish_field()
        self.fieldwriter.close()
        self.arrays.close()
