"""The search caches: bitset helpers, BM25F equal to Whoosh's, facets exact, fresh after a change."""

from __future__ import annotations

import random
import threading
from collections import Counter

import numpy as np
import pytest
from archive_helpers import build_archive, load_docs
from whoosh import query as wq

from indexer.search import posting_arrays
from indexer.search.cache import _bits_of, bits_from_ids, docnums
from indexer.search.match import _plan
from indexer.search.params import SearchParams
from indexer.search.query import iter_matching_ids, search
from indexer.search.scoring import _PoolQuery, _score_pool
from indexer.search.searcher import _cache, _searcher
from indexer.search.writer import update_index

WORDS = [
    "ủy",
    "ban",
    "nhân",
    "dân",
    "huyện",
    "tỉnh",
    "xã",
    "hội",
    "nghị",
    "giao",
    "ban",
    "cán",
    "bộ",
    "nông",
    "thôn",
    "mới",
    "kinh",
    "tế",
    "văn",
    "hóa",
    "chuyển",
    "đổi",
    "số",
    "đắk",
    "nông",
    "quảng",
    "bình",
    "tuyên",
    "hóa",
    "năm",
    "nam",
]
PORTALS = ("alpha", "beta", "gamma")
CATEGORIES = ("Tin tức", "Thông báo", "Kinh tế")


def _docs(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        portal = PORTALS[i % 3]
        out.append(
            {
                "url": f"https://{portal}.example.vn/tin/{i}",
                "portal": portal,
                "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))),
                "body_text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))),
                "published": f"20{rng.randint(18, 24)}-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}"
                if i % 7
                else None,
                "category": CATEGORIES[rng.randrange(3)],
            }
        )
    return out


def test_bitsets_round_trip() -> None:
    ids = sorted(random.Random(1).sample(range(5000), 700)) + [0, 4999]
    ids = sorted(set(ids))
    bits = bits_from_ids(ids, 5000)
    assert docnums(bits) == ids
    assert bits.bit_count() == len(ids)
    assert docnums(0) == []
    sparse = [3, 70_000, 99_999]  # listed byte by byte, not by unpacking every bit
    assert docnums(bits_from_ids(sparse, 100_000)) == sparse
    # a posting array's bitset, built three ways by its length: the same bits
    for n in (0, 5, 64, 65, 900, 9_000, 70_000, 100_000):
        some = sorted(random.Random(n).sample(range(100_000), n))
        assert _bits_of(np.array(some, np.uint32), 100_000) == bits_from_ids(some, 100_000), n


def test_date_order_puts_undated_last_and_limits_are_prefixes(tmp_path) -> None:
    store, index_dir, _ids = build_archive(tmp_path, _docs(90))
    cache = _cache(_searcher(index_dir))
    published = {r["id"]: (r["published"] or "")[:10] for r in store.iter_articles()}
    ids = cache.columns["id"]
    for sort in ("newest", "oldest"):
        every = cache.by_date(cache.live, sort, None)
        assert sorted(every) == docnums(cache.live)
        dates = [published[ids[d]] for d in every]
        dated = [d for d in dates if d]
        assert dated == sorted(dated, reverse=sort == "newest")
        assert dates == dated + [""] * (len(dates) - len(dated)) and len(dated) < len(dates)
        for limit in (1, 5, 40):
            assert cache.by_date(cache.live, sort, limit) == every[:limit]


@pytest.mark.parametrize("long_postings", [128, 2, 0])
def test_own_bm25f_scores_equal_whooshs(tmp_path, monkeypatch, long_postings) -> None:
    # 128: no list is that long here, all are read the Whoosh way; 2: the lists of more than
    # 2 postings are read from the raw posting arrays; 0 (the default): every list is
    monkeypatch.setattr(posting_arrays, "LONG_POSTINGS", long_postings)
    docs = _docs(120)
    store, index_dir, _ids = build_archive(tmp_path, docs)
    searcher = _searcher(index_dir)
    arrays = [a for a in _cache(searcher).arrays if a is not None and a.count]
    assert bool(arrays) == (long_postings < 128)
    assert _compare_with_whoosh(searcher) > 100
    # changed articles: their old documents are deleted, still counted in Whoosh's idf
    load_docs(store, [d | {"body_text": d["body_text"] + " nông thôn"} for d in docs[:30]])
    update_index(store, index_dir)
    searcher = _searcher(index_dir)
    assert searcher.reader().has_deletions()
    assert _compare_with_whoosh(searcher) > 100


def _compare_with_whoosh(searcher) -> int:
    compared = 0
    for q in ("ủy ban", "nam", "nam", '"giao ban"', "can bo", "năm nông thôn", "hội OR xã"):
        plan = _plan(searcher, SearchParams(q=q).validated())
        for rank, allowed in ((plan.rank_full, plan.docs), (plan.rank_exact, plan.exact_docs)):
            if rank is None or not allowed:
                continue
            pool = docnums(allowed)
            mine = dict(_score_pool(searcher, rank, pool))
            hits = searcher.search(wq.And([rank, _PoolQuery(searcher, pool)]), limit=None)
            for hit in hits:
                assert abs(mine[hit.docnum] - hit.score) < 1e-9
                compared += 1
    return compared


def test_facets_and_totals_are_exact_and_follow_updates(tmp_path) -> None:
    docs = _docs(90)
    store, index_dir, _ids = build_archive(tmp_path, docs)
    result = search(SearchParams(q="nông"), index_dir)
    # the truth, counted from the stored fields of every match
    every = list(iter_matching_ids(SearchParams(q="nông"), index_dir))
    assert result["total"] == len(every) > 0
    rows = {r["id"]: r for r in store.iter_articles()}
    portals = Counter(rows[i]["portal"] for i in every)
    assert result["facets"]["portal"] == dict(
        sorted(portals.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    years = Counter((rows[i]["published"] or "")[:4] for i in every)
    years.pop("", None)
    assert result["facets"]["year"] == dict(sorted(years.items(), reverse=True))
    assert sum(result["facets"]["month"].values()) == sum(years.values())
    # a new article: the next search sees it (a new generation, a new cache)
    load_docs(store, [docs[0] | {"url": "https://alpha.example.vn/new", "title": "nông nông"}])
    update_index(store, index_dir)
    after = search(SearchParams(q="nông"), index_dir)
    assert after["total"] == result["total"] + 1


def test_threads_share_the_cache_and_agree(tmp_path) -> None:
    _store, index_dir, _ids = build_archive(tmp_path, _docs(60))
    expected = {q: search(SearchParams(q=q), index_dir) for q in ("nam", "ủy ban", "xã")}
    errors: list[str] = []

    def run() -> None:
        for q, want in expected.items():
            got = search(SearchParams(q=q), index_dir)
            if [r["id"] for r in got["results"]] != [r["id"] for r in want["results"]]:
                errors.append(q)
            if got["facets"] != want["facets"] or got["total"] != want["total"]:
                errors.append(q)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_facet_counts_by_value_codes_equal_counting_each_match(tmp_path, monkeypatch) -> None:
    # a large match set is counted with one bincount of value codes, a small one document by
    # document: forced either way on the same queries, the facets are the same
    from indexer.search import cache as cache_module
    from indexer.search import searcher as searcher_module

    _store, index_dir, _ids = build_archive(tmp_path, _docs(120))
    queries = ("ủy ban", "nông", "hội OR xã", "năm -thôn", "")

    def facets(few: int) -> list[dict]:
        monkeypatch.setattr(cache_module, "FEW_MATCHES", few)
        monkeypatch.setattr(searcher_module, "FEW_MATCHES", few)
        return [search(SearchParams(q=q), index_dir)["facets"] for q in queries]

    by_codes, one_by_one = facets(-1), facets(10**9)
    assert by_codes == one_by_one
    assert sum(sum(f["portal"].values()) for f in by_codes) > 100
    assert all(f["year"] and f["month"] for f in by_codes[:2])
