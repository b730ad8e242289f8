"""Joining built segments into one, streaming term by term, and committing a list of segments as
the index's new generation; raw posting arrays for committed segments that lack them.
"""

from __future__ import annotations

import heapq
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from pickle import loads
from typing import Any

from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC as _HEADER
from whoosh.filedb.filestore import Storage
from whoosh.index import TOC, clean_files
from whoosh.util.numeric import byte_to_length

from indexer.search import posting_arrays
from indexer.search.posting_arrays import PostingArraysWriter, has_arrays
from indexer.search.segments import _TermWriter

# -- merging ------------------------------------------------------------------------------


def _read_blocks(reader: Any, info: Any) -> Iterable[tuple[list, Any, Any]]:
    """(ids, weights, values) of each posting block of a term (``info``) in a segment."""
    terms = reader._terms
    if info.is_inlined():
        ids, weights, values = info.inlined_postings()
        yield list(ids), list(weights), values
        return
    offset, _length = info.extent()
    postfile = terms._postfile
    pos = offset + len(_HEADER)
    last = False
    while not last:
        postfile.seek(pos)
        size = postfile.read_int()
        last = size < 0
        nxt = pos + 4 + abs(size)
        count, _lastid, _maxw, comp, _minl, _maxl = postfile.read_pickle()
        start = postfile.tell()
        data = postfile.get(start, nxt - start)
        if comp:
            data = zlib.decompress(data)
        deltas, weights, values = loads(data)
        ids = list(accumulate(deltas))
        if weights is None:
            weights = [1.0] * count
        elif isinstance(weights, float):
            weights = [weights] * count
        yield ids, list(weights), values
        pos = nxt


def merge_segments(
    storage: Storage,
    schema: Any,
    segments: Sequence[Any],
    indexname: str = "MAIN",
    progress: Callable[[], None] | None = None,
) -> Any:
    """One new segment holding the documents of ``segments`` in order (deleted ones dropped
    is not supported: the segments must have no deletions).  Returns it, uncommitted."""
    from whoosh.reading import SegmentReader

    if any(s.has_deletions() for s in segments):
        raise ValueError("merge_segments: segments with deletions")
    codec = default_codec()
    segment = codec.new_segment(storage, indexname)
    perdoc = codec.per_document_writer(storage, segment)
    readers = [SegmentReader(storage, schema, s) for s in segments]
    offsets = []
    base = 0
    for reader in readers:
        offsets.append(base)
        base += reader.doc_count_all()
    # per-document data: stored fields, lengths, columns
    names = set(schema.names())
    docnum = 0
    for reader in readers:
        columns = {}
        for fieldname in names:
            field = schema[fieldname]
            if field.column_type and reader.has_column(fieldname):
                creader = reader.column_reader(fieldname, field.column_type, translate=False)
                columns[fieldname] = creader
        lengths = {}
        for fieldname in names:
            if schema[fieldname].scorable:
                lengths[fieldname] = reader._perdoc._cached_reader(
                    f"_{fieldname}_len", _lengths_column()
                )
        for local, stored in reader.iter_docs():
            perdoc.start_doc(docnum)
            for fieldname in names:
                field = schema[fieldname]
                column = lengths.get(fieldname)
                lbyte = column[local] if column is not None else 0
                value = stored.get(fieldname)
                if value is None and not lbyte and fieldname not in columns:
                    continue
                length = byte_to_length(lbyte) if lbyte else 0
                perdoc.add_field(fieldname, field, value, length)
                if fieldname in columns:
                    perdoc.add_column_value(fieldname, field.column_type, columns[fieldname][local])
            perdoc.finish_doc()
            docnum += 1
    # exact total field lengths (the per-document bytes are approximations)
    perdoc.close()
    totals: dict[str, int] = {}
    for s in segments:
        for fieldname, total in s._fieldlengths.items():
            totals[fieldname] = totals.get(fieldname, 0) + total
    segment._fieldlengths = totals
    segment.set_doc_count(docnum)
    del perdoc
    # postings, term by term across the segments
    writer = _TermWriter(codec, storage, segment)
    merged_lengths = _merged_lengths(readers, schema)
    for fieldname in sorted({f for r in readers for f in r.indexed_field_names()}):
        if fieldname not in schema:
            continue
        writer.start_field(fieldname, schema[fieldname])
        iters = [_field_terms(r, fieldname, n) for n, r in enumerate(readers)]
        for tbytes, group in _grouped(heapq.merge(*iters)):
            ids: list[int] = []
            freqs: list[int] = []
            for n, info in group:
                offset = offsets[n]
                for block_ids, weights, values in _read_blocks(readers[n], info):
                    ids.extend(d + offset for d in block_ids)
                    freqs.extend(_freqs(values, weights, len(block_ids), writer.boost))
            writer.write_term(tbytes, ids, freqs, merged_lengths.get(fieldname))
            if progress:
                progress()
    writer.close()
    for reader in readers:
        reader.close()
    if segment.should_assemble():
        segment.create_compound_file(storage)
    writer.arrays.publish()
    return segment


def _lengths_column() -> Any:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    return LENGTHS_COLUMN


def _merged_lengths(readers: Sequence[Any], schema: Any) -> dict[str, array]:
    out: dict[str, array] = {}
    for fieldname in schema.names():
        if not schema[fieldname].scorable:
            continue
        merged = array("B")
        for reader in readers:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", _lengths_column())
            n = reader.doc_count_all()
            if column is None:
                merged.extend(b"\x00" * n)
            else:
                merged.extend(bytes(column[d] for d in range(n)))
        out[fieldname] = merged
    return out


def _field_terms(reader: Any, fieldname: str, n: int) -> Iterator[tuple[bytes, int, Any]]:
    """(term, segment number, term info) of a field's terms in one segment, in order
    (read sequentially: no hash lookup per term)."""
    for (fname, tbytes), info in reader._terms.items_from(fieldname, b""):
        if fname != fieldname:
            return
        yield tbytes, n, info


def _grouped(
    merged: Iterable[tuple[bytes, int, Any]],
) -> Iterator[tuple[bytes, list[tuple[int, Any]]]]:
    """Consecutive entries of one term, as (term, [(segment number, term info), …])."""
    current: bytes | None = None
    group: list[tuple[int, Any]] = []
    for tbytes, n, info in merged:
        if tbytes != current:
            if current is not None:
                yield current, group
            current, group = tbytes, []
        group.append((n, info))
    if current is not None:
        yield current, group


def _freqs(values: Any, weights: list[float], count: int, boost: float) -> list[int]:
    if isinstance(values, bytes) and len(values) == 4 * count:
        return list(struct.unpack(f"!{count}I", values))
    return [max(1, round(w / boost)) if boost else 1 for w in weights]


# -- committing ---------------------------------------------------------------------------


def commit_segments(ix: Any, segments: Sequence[Any], *, keep_existing: bool = False) -> None:
    """Make ``segments`` the index's new generation (with its current segments if
    ``keep_existing``), in one TOC write; unused files are removed."""
    toc = ix._read_toc()
    final = (list(toc.segments) if keep_existing else []) + list(segments)
    generation = ix.latest_generation() + 1
    TOC(toc.schema, final, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, final)


# -- raw posting arrays for segments written without them ---------------------------------


def add_posting_arrays(ix: Any) -> int:
    """Write the raw posting arrays (:mod:`indexer.search.posting_arrays`) of every segment of
    ``ix``'s latest generation that has none: segments of Whoosh's own writer (incremental
    updates, its merges) and of indexes built before the arrays existed.  Returns how many.

    Call with the index's writer lock held.  Reads each such segment's long lists once the
    Whoosh way (a 10,000-article segment: seconds).
    """
    from whoosh.reading import SegmentReader

    storage, schema = ix.storage, ix.schema
    written = 0
    for segment in ix._read_toc().segments:
        if has_arrays(storage, segment):
            continue
        reader = SegmentReader(storage, schema, segment)
        try:
            arrays = PostingArraysWriter(storage, segment, reader.doc_count_all())
            for fieldname in sorted(reader.indexed_field_names()):
                if fieldname not in schema:
                    continue
                field = schema[fieldname]
                boost = float(getattr(field.format, "field_boost", 1.0))
                for tbytes, _n, info in _field_terms(reader, fieldname, 0):
                    if info.doc_frequency() <= posting_arrays.LONG_POSTINGS:
                        continue
                    ids: list[int] = []
                    freqs: list[int] = []
                    for block_ids, weights, values in _read_blocks(reader, info):
                        ids.extend(block_ids)
                        freqs.extend(_freqs(values, weights, len(block_ids), boost))
                    arrays.add(fieldname, tbytes, ids, freqs, boost, field.scorable)
            arrays.close()
            arrays.publish()
            written += 1
        finally:
            reader.close()
    return written
