"""One story on several portals: linked copies, found once by search, exported with story_id."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from store_downgrade import downgrade_store

from crawler.items import Article
from indexer.export.request import ExportRequest
from indexer.export.stream import write_export
from indexer.search.params import SearchParams
from indexer.search.query import search
from indexer.search.writer import update_index
from indexer.store.archive import ArchiveStore
from indexer.store.tables import meta_table
from indexer.text import content_hash
from indexer.text.stories import story_key

BODY = (
    "Sáng ngày 12/6, Ban Chỉ huy Quân sự huyện Đắk Song tổ chức lễ phát động thi đua "
    "luyện quân lập công, quyết thắng chào mừng kỷ niệm 65 năm Ngày chiến thắng lịch sử "
    "Điện Biên Phủ. Tham dự buổi lễ có đại diện lãnh đạo Huyện ủy, UBND huyện cùng đông "
    "đảo cán bộ, chiến sĩ lực lượng vũ trang huyện."
)


def _article(
    portal: str,
    host: str,
    *,
    title: str = "Đắk Song phát động thi đua",
    body: str = BODY,
    slug: str = "dak-song-phat-dong-thi-dua",
) -> Article:
    return Article(
        url=f"http://{host}/{slug}/",
        title=title,
        portal=portal,
        published="2019-06-12",
        body_text=body,
        content_hash=content_hash(body),
    )


@pytest.fixture
def store(tmp_path: Path) -> ArchiveStore:
    return ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")


def test_story_keys_ignore_spacing_case_and_tone_placement() -> None:
    key = story_key("Đắk Song phát động thi đua", BODY)
    assert key is not None
    respaced = BODY.replace(". ", ".\n\n").replace("hòa", "hoà").upper()
    assert story_key("ĐẮK SONG  phát động thi đua!", respaced) == key
    assert story_key("Another title", BODY) != key
    assert story_key("Thông báo 1", "Xem chi tiết tại đây") is None  # too short to tell


def test_copies_on_other_portals_share_the_story_of_the_first(store: ArchiveStore) -> None:
    _, first = store.upsert_article(_article("stc", "stc.daknong.gov.vn"))
    _, second = store.upsert_article(_article("ldld", "ldld.daknong.gov.vn"))
    _, other = store.upsert_article(
        _article("ldld", "ldld.daknong.gov.vn", title="Tin khác", body=BODY, slug="tin-khac")
    )
    rows = {r["id"]: r for r in store.iter_articles()}
    assert first != second  # a copy per portal
    assert rows[first]["story_id"] == rows[second]["story_id"] == first
    assert rows[other]["story_id"] == other
    copies = store.story_copies(first)
    assert [c["portal"] for c in copies] == ["stc", "ldld"]


def test_older_archives_get_their_stories_on_upgrade(store: ArchiveStore) -> None:
    _, first = store.upsert_article(_article("stc", "stc.daknong.gov.vn"))
    _, second = store.upsert_article(_article("ldld", "ldld.daknong.gov.vn"))
    downgrade_store(store, 8)  # as a schema-8 store left them
    reopened = ArchiveStore(store.url)
    rows = {r["id"]: r for r in reopened.iter_articles()}
    assert rows[first]["story_id"] == rows[second]["story_id"] == first
    with reopened.engine.connect() as conn:
        version = conn.execute(
            sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
        ).scalar()
    assert int(version) >= 9


def test_search_shows_a_story_once_and_export_carries_story_id(
    store: ArchiveStore, tmp_path: Path
) -> None:
    _, first = store.upsert_article(_article("stc", "stc.daknong.gov.vn"))
    _, second = store.upsert_article(_article("ldld", "ldld.daknong.gov.vn"))
    store.upsert_article(
        _article(
            "krongno",
            "krongno.daknong.gov.vn",
            title="Krông Nô thi đua",
            body="Krông Nô phát động thi đua " * 20,
        )
    )
    index_dir = tmp_path / "index"
    update_index(store, index_dir)
    result = search(SearchParams(q="phát động thi đua"), index_dir)
    ids = [hit["id"] for hit in result["results"]]
    assert len(ids) == 2 and len({first, second} & set(ids)) == 1
    hit = next(h for h in result["results"] if h["id"] in (first, second))
    assert hit["story_id"] == first
    assert [c["portal"] for c in hit["also_on"]] == ["ldld" if hit["id"] == first else "stc"]
    out = io.BytesIO()
    write_export(store, ExportRequest(), "jsonl", out)
    rows = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    stories = {r["id"]: r["story_id"] for r in rows}
    assert stories[first] == stories[second] == first
    assert len(set(stories.values())) == 2


def test_a_copy_with_its_own_lead_and_credit_is_the_same_story(store: ArchiveStore) -> None:
    _, first = store.upsert_article(_article("stc", "stc.daknong.gov.vn"))
    retold = "Đắk Song (12/6): lễ phát động thi đua năm 2019.\n\n" + BODY + "\n\nTheo Báo Đắk Nông"
    _, second = store.upsert_article(_article("ldld", "ldld.daknong.gov.vn", body=retold))
    other_text = (
        "Hội nghị tổng kết công tác năm của ngành giáo dục huyện Đắk Song diễn ra sáng nay "
        "với sự tham dự của lãnh đạo huyện, các phòng ban và hiệu trưởng các trường học trên "
        "địa bàn; hội nghị đã đánh giá kết quả đạt được và đề ra phương hướng năm học mới."
    )
    _, third = store.upsert_article(
        _article("krongno", "krongno.daknong.gov.vn", body=other_text, slug="khac")
    )
    rows = {r["id"]: r for r in store.iter_articles()}
    assert rows[second]["story_id"] == first  # linked despite the added lead and credit
    assert rows[third]["story_id"] == third  # same title, another text: not one story
