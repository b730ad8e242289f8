"""Posting lists as raw arrays beside each segment (indexer.search.posting_arrays): equal to
Whoosh's postings, written by every path that makes segments, a directory that knows which
terms a segment lacks, and never needed to search."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from archive_helpers import build_archive, load_docs
from whoosh import index as whoosh_index
from whoosh.reading import SegmentReader

from indexer.search import cache as cache_module
from indexer.search import posting_arrays
from indexer.search.params import SearchParams
from indexer.search.posting_arrays import open_arrays
from indexer.search.query import search
from indexer.search.searcher import _cache, _searcher
from indexer.search.writer import update_index

TEXT = (
    "ủy ban nhân dân huyện tỉnh xã hội nghị giao cán bộ nông thôn mới kinh tế văn hóa "
    "chuyển đổi số đắk quảng bình tuyên năm nam lũ lụt"
)
SYLLABLES = TEXT.split()
QUERIES = ("ủy ban", "nam", "năm", '"giao ban"', "can bo", "nông -thôn", "lũ OR lụt", "dak nong")


def _articles(n: int, seed: int = 11, start: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [
        {
            "url": f"https://p{i % 3}.example.vn/tin/{i}",
            "portal": f"p{i % 3}",
            "title": " ".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 7))),
            "body_text": " ".join(rng.choice(SYLLABLES) for _ in range(rng.randint(10, 90))),
            "published": f"20{rng.randint(15, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "category": ("Tin tức", "Thông báo")[i % 2],
        }
        for i in range(start, start + n)
    ]


@pytest.fixture(params=[0, 2])
def short_lists(monkeypatch, request):
    """Every list gets arrays (0, the default: a complete directory), or every list of more
    than 2 postings (a partial directory: the shorter lists are read the Whoosh way)."""
    monkeypatch.setattr(posting_arrays, "LONG_POSTINGS", request.param)
    return request.param


def _whoosh_postings(reader: SegmentReader, fieldname: str, tbytes: bytes) -> tuple[list, list]:
    matcher = reader.postings(fieldname, tbytes)
    ids, weights = [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def assert_arrays_equal_whoosh(index_dir: Path) -> int:
    """Every segment has arrays holding exactly Whoosh's long lists; returns the lists compared."""
    ix = whoosh_index.open_dir(str(index_dir))
    compared = 0
    for segment in ix._read_toc().segments:
        arrays = open_arrays(ix.storage, segment)
        assert arrays is not None, segment.segment_id()
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            assert arrays.version == 2
            assert arrays.complete == (posting_arrays.LONG_POSTINGS == 0)
            assert arrays.count == sum(
                reader.doc_frequency(f, t) > posting_arrays.LONG_POSTINGS
                for f, t in reader.all_terms()
            )
            for fieldname, tbytes in reader.all_terms():
                entry = arrays.get(fieldname, tbytes)
                long_list = reader.doc_frequency(fieldname, tbytes) > posting_arrays.LONG_POSTINGS
                assert (entry is not None) == long_list, (fieldname, tbytes)
                if entry is None:
                    continue
                ids, weights = _whoosh_postings(reader, fieldname, tbytes)
                assert entry[0].tolist() == ids, (fieldname, tbytes)
                if ix.schema[fieldname].scorable:
                    assert entry[1] is not None
                    assert entry[1].astype(np.float64).tolist() == weights, (fieldname, tbytes)
                else:
                    assert entry[1] is None
                compared += 1
        finally:
            reader.close()
    return compared


def _results(index_dir: Path) -> dict[str, dict]:
    out = {}
    for q in QUERIES:
        for sort in ("relevance", "newest"):
            result = search(SearchParams(q=q, sort=sort, per_page=50), index_dir)
            result.pop("took_ms")
            out[f"{q} {sort}"] = result
    return out


def _without_arrays(index_dir: Path, copy: Path) -> Path:
    shutil.copytree(index_dir, copy)
    removed = list(copy.glob("*.vnpost"))
    assert removed
    for path in removed:
        path.unlink()
    return copy


def test_built_segments_carry_arrays_equal_to_whooshs_postings(tmp_path, short_lists) -> None:
    _store, index_dir, _ids = build_archive(tmp_path, _articles(150))
    assert assert_arrays_equal_whoosh(index_dir) > 100


def test_merged_segments_carry_arrays_too(tmp_path, short_lists, monkeypatch) -> None:
    from indexer.search import writer

    monkeypatch.setattr(writer, "SEGMENT_ARTICLES", 20)
    monkeypatch.setattr(writer, "MAX_SEGMENTS", 3)  # 150 articles: 8 segments merged into 1
    _store, index_dir, _ids = build_archive(tmp_path, _articles(150))
    ix = whoosh_index.open_dir(str(index_dir))
    assert len(ix._read_toc().segments) == 1
    assert assert_arrays_equal_whoosh(index_dir) > 100


def test_searches_are_the_same_without_arrays(tmp_path, short_lists) -> None:
    _store, index_dir, _ids = build_archive(tmp_path, _articles(150))
    plain = _without_arrays(index_dir, tmp_path / "plain")
    with_arrays, without = _results(index_dir), _results(plain)
    assert any(a is not None for a in _cache(_searcher(index_dir)).arrays)
    assert all(a is None for a in _cache(_searcher(plain)).arrays)
    assert with_arrays == without
    assert sum(r["total"] for r in with_arrays.values()) > 500


def test_a_damaged_arrays_file_is_ignored(tmp_path, short_lists, caplog) -> None:
    _store, index_dir, _ids = build_archive(tmp_path, _articles(80))
    damaged = tmp_path / "damaged"
    shutil.copytree(index_dir, damaged)
    for path in damaged.glob("*.vnpost"):
        path.write_bytes(path.read_bytes()[:-5])  # the trailer cut off, as by a full disk
    assert _results(damaged) == _results(index_dir)
    assert all(a is None for a in _cache(_searcher(damaged)).arrays)
    assert "incomplete posting arrays file" in caplog.text


def test_incremental_updates_and_older_indexes_get_arrays(tmp_path, short_lists) -> None:
    store, index_dir, _ids = build_archive(tmp_path, _articles(120))
    # an index built before the arrays existed: the next update writes them
    for path in index_dir.glob("*.vnpost"):
        path.unlink()
    update_index(store, index_dir)
    assert list(index_dir.glob("*.vnpost"))
    # new articles go through Whoosh's own writer (a new segment): it gets arrays too
    load_docs(store, _articles(40, seed=12, start=120))
    update_index(store, index_dir)
    ix = whoosh_index.open_dir(str(index_dir))
    assert ix.doc_count() == 160
    assert len(ix._read_toc().segments) >= 2
    assert assert_arrays_equal_whoosh(index_dir) > 100
    plain = _without_arrays(index_dir, tmp_path / "plain")
    assert _results(index_dir) == _results(plain)


def test_a_complete_directory_knows_the_terms_a_segment_lacks(tmp_path) -> None:
    store, index_dir, _ids = build_archive(tmp_path, _articles(60))
    load_docs(
        store,
        _articles(10, seed=13, start=60)
        + [
            _articles(1, start=99)[0]
            | {
                "url": "https://p9.example.vn/tin/only",
                "body_text": "Khánh thành cầu treo Nâm Nung",
            }
        ],
    )
    update_index(store, index_dir)  # a second segment, by Whoosh's writer
    ix = whoosh_index.open_dir(str(index_dir))
    first, second = (open_arrays(ix.storage, s) for s in ix._read_toc().segments)
    assert first.complete and second.complete
    for fieldname, term in (("body", b"treo"), ("portal", b"p9"), ("body", b"zzz")):
        assert first.find(fieldname, term) is posting_arrays.ABSENT
    ids, _weights = second.find("body", b"treo")
    assert len(ids) == 1
    assert second.find("body", b"zzz") is posting_arrays.ABSENT
    result = search(SearchParams(q="cầu treo"), index_dir)
    assert [h["url"] for h in result["results"]] == ["https://p9.example.vn/tin/only"]


def test_terms_sharing_a_hash_are_read_the_whoosh_way(tmp_path, monkeypatch) -> None:
    real = posting_arrays.term_hash

    def few_hashes(fieldname: str, term: bytes) -> int:
        return real(fieldname, term) % 5  # nearly every term shares its hash with others

    monkeypatch.setattr(posting_arrays, "term_hash", few_hashes)
    monkeypatch.setattr(cache_module, "term_hash", few_hashes)
    _store, index_dir, _ids = build_archive(tmp_path, _articles(150))
    ix = whoosh_index.open_dir(str(index_dir))
    arrays = open_arrays(ix.storage, ix._read_toc().segments[0])
    assert arrays.shared == {0, 1, 2, 3, 4}
    assert arrays.get("body", "nông".encode()) is None  # not trusted: Whoosh reads it
    plain = _without_arrays(index_dir, tmp_path / "plain")
    assert _results(index_dir) == _results(plain)


def test_older_arrays_files_are_written_again_on_update(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(posting_arrays, "LONG_POSTINGS", 2)  # as files of long lists only
    store, index_dir, _ids = build_archive(tmp_path, _articles(100))
    ix = whoosh_index.open_dir(str(index_dir))
    (segment,) = ix._read_toc().segments
    assert not open_arrays(ix.storage, segment).complete
    monkeypatch.setattr(posting_arrays, "LONG_POSTINGS", 0)
    update_index(store, index_dir)  # nothing new: only the arrays file is written again
    assert open_arrays(ix.storage, segment).complete
    assert assert_arrays_equal_whoosh(index_dir) > 100
