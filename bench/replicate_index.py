"""Makes a larger search index for query timings by copying a built index's segments.

Building a 300,000- or 1,000,000-article index takes hours on a 2-core machine (the
100,000 build: ~15 minutes of 2 processes), so the query timings at those sizes (issue
14) are taken on an index made of ``--copies`` copies of a built one: each copy of a
segment keeps its term dictionary, postings, lengths, columns and raw posting arrays
byte for byte (only the segment id changes), and gets its documents' stored fields and
``id`` column rewritten with new ids (``<id>-c<k>``, ``url`` and ``story_id`` likewise), so
that results, story grouping and facets see distinct articles.

What the copies do not reproduce, so the figures are an estimate, not a measurement of a
real archive that size: every term has exactly ``copies`` times the postings (a real
archive grows its vocabulary too: rare terms stay rare, as here); the copies' ``id`` and
``story_id`` terms are the originals' (only stored fields and the ``id`` column are
rewritten), so a hit's story is found in no segment under its new id (no copies, as in a
real archive of distinct stories) and the originals' in ``copies`` segments; and the index
has ``copies`` times the segments (100 segments of 10,000 articles at 1M, where a full build
merges down to 2 and incremental updates add a few: 100 is the adverse case, kept on purpose
since the query path must not depend on the segment count).  The ``.vnpost`` posting arrays
are copied with their segment: make the source index with today's code (or run
``update_index`` on it first) so they are the current format.
Run: ``.venv/bin/python bench/replicate_index.py WORKDIR --from 100000 --copies 3``
writes ``WORKDIR/index-300000`` and ``WORKDIR/queries-300000.json`` (the same queries:
their words are all in the copies); then ``bench/index_bench.py --query-only --sizes
100000,300000 --workdir WORKDIR`` times them and estimates 1M from the two.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.codec import default_codec  # noqa: E402
from whoosh.reading import SegmentReader  # noqa: E402

from indexer.search.posting_arrays import file_name  # noqa: E402
from indexer.search.segment_merge import commit_segments  # noqa: E402

_REWRITTEN = ("_stored.col", "id.col")  # per-document files written anew for each copy


def _renamed(field: str | None, value: object, k: int) -> object:
    """A stored value of copy ``k``: ids, urls and story ids made distinct."""
    if field in ("id", "story_id") and value:
        return f"{value}-c{k}"
    if field == "url" and value:
        return f"{value}#c{k}"
    return value


def copy_segment(ix: whoosh_index.Index, segment: object, k: int) -> object:
    """Copy ``k`` of ``segment`` in ``ix``'s storage (written, not committed)."""
    storage, schema = ix.storage, ix.schema
    codec = default_codec()
    new = codec.new_segment(storage, ix.indexname)
    new.set_doc_count(segment.doc_count_all())
    new._fieldlengths = dict(segment._fieldlengths)
    old_id, new_id = segment.segment_id(), new.segment_id()
    # stored fields and the id column, with new ids
    reader = SegmentReader(storage, schema, segment)
    perdoc = codec.per_document_writer(storage, new)
    id_field = schema["id"]
    for docnum, stored in reader.iter_docs():
        perdoc.start_doc(docnum)
        for field, value in stored.items():
            perdoc.add_field(field, schema[field], _renamed(field, value, k), 0)
        if stored.get("id"):
            new_value = id_field.to_column_value(_renamed("id", stored["id"], k))
            perdoc.add_column_value("id", id_field.column_type, new_value)
        perdoc.finish_doc()
    perdoc.close()
    # every other file of the segment, byte for byte
    files = segment.open_compound_file(storage)
    for name in files.list():
        suffix = name[len(old_id) :]
        if suffix.lstrip(".") in _REWRITTEN:
            continue
        src, dst = files.open_file(name), storage.create_file(new_id + suffix)
        dst.write(src.read())
        src.close()
        dst.close()
    files.close()
    reader.close()
    new.create_compound_file(storage)
    arrays = file_name(ix.indexname, old_id)
    if arrays and (Path(storage.folder) / arrays).exists():
        shutil.copyfile(Path(storage.folder) / arrays, Path(storage.folder) / (new_id + ".vnpost"))
    return new


def replicate(work: Path, size: int, copies: int) -> Path:
    """``work/index-<size * copies>`` made of ``copies`` copies of ``work/index-<size>``."""
    source, target = work / f"index-{size}", work / f"index-{size * copies}"
    if target.exists():
        raise SystemExit(f"{target} exists: remove it first")
    shutil.copytree(source, target)
    ix = whoosh_index.open_dir(str(target))
    segments = list(ix._read_toc().segments)
    made = list(segments)
    for k in range(1, copies):
        started = time.perf_counter()
        made += [copy_segment(ix, segment, k) for segment in segments]
        print(f"copy {k}: {time.perf_counter() - started:.0f} s", flush=True)
    commit_segments(ix, made)
    shutil.rmtree(target / f"{ix.indexname}.tmp", ignore_errors=True)
    queries = work / f"queries-{size}.json"
    if queries.exists():
        shutil.copyfile(queries, work / f"queries-{size * copies}.json")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", help="index_bench's work directory (holds index-<size>)")
    parser.add_argument("--from", dest="size", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=3)
    args = parser.parse_args()
    target = replicate(Path(args.workdir), args.size, args.copies)
    ix = whoosh_index.open_dir(str(target))
    print(f"{target}: {ix.doc_count():,} documents in {len(ix._read_toc().segments)} segments")


if __name__ == "__main__":
    main()
