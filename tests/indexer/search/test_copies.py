"""A hit's story is known to have one document without a lookup only when that is true,
and search shows the same "also on" copies either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.items import Article
from indexer.search.copies import single_copy
from indexer.search.params import SearchParams
from indexer.search.query import search
from indexer.search.searcher import _searcher
from indexer.search.writer import update_index
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash

TEXT = (
    "Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác phòng chống thiên tai năm "
    "2023 và triển khai nhiệm vụ năm 2024, với sự tham dự của lãnh đạo các xã, thị trấn. "
    "Hội nghị đã đánh giá kết quả đạt được, chỉ ra hạn chế và đề ra giải pháp cho năm tới."
)


def _add(store: ArchiveStore, portal: str, slug: str, title: str, body: str = TEXT) -> str:
    article = Article(
        url=f"http://{portal}.gov.vn/{slug}/",
        title=title,
        portal=portal,
        published="2024-01-10",
        body_text=body,
        content_hash=content_hash(body),
    )
    return store.upsert_article(article)[1]


@pytest.mark.parametrize("rebuild", [False, True])
def test_single_copy_only_when_the_story_has_one_document(tmp_path: Path, rebuild: bool) -> None:
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    first = _add(store, "stc", "hoi-nghi", "Hội nghị tổng kết phòng chống thiên tai")
    alone = _add(store, "stc", "khac", "Tin khác", "Khánh thành cầu treo xã Nâm Nung " * 9)
    update_index(store, tmp_path / "index")  # segment 1: every story once
    copy = _add(store, "ldld", "hoi-nghi", "Hội nghị tổng kết phòng chống thiên tai")
    later = _add(store, "ldld", "moi", "Tin mới", "Ra quân làm đường giao thông nông thôn " * 9)
    update_index(store, tmp_path / "index", rebuild=rebuild)  # a second segment, or one
    searcher = _searcher(tmp_path / "index")
    assert searcher is not None
    assert not single_copy(searcher, first)  # its copy stands in the other segment too
    assert single_copy(searcher, "no-such-story")  # no document to list: no lookup either
    by_lookup = {s: len(list(searcher.document_numbers(story_id=s))) for s in (alone, later)}
    assert by_lookup == {alone: 1, later: 1}
    # one segment holding a repeated story: no story of it is taken as single
    expected = not rebuild
    assert single_copy(searcher, alone) is expected and single_copy(searcher, later) is expected
    result = search(SearchParams(q="phòng chống thiên tai"), tmp_path / "index")
    (hit,) = result["results"]
    assert hit["story_id"] == first
    other = copy if hit["id"] == first else first
    assert [c["id"] for c in hit["also_on"]] == [other]
    result = search(SearchParams(q="cầu treo"), tmp_path / "index")
    assert [(h["id"], h["also_on"]) for h in result["results"]] == [(alone, [])]
