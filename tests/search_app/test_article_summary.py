"""The article page shows a portal's lead (sapo) once, whether or not the body repeats it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from crawler.items import Article
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from search_app.app import create_app

LEAD = "Sáng 5/6, UBND huyện tổ chức hội nghị giao ban tháng 5."
REST = "Hội nghị đánh giá kết quả thực hiện nhiệm vụ và bàn giải pháp cho tháng tới."


def _add(store: ArchiveStore, n: int, summary: str, body: str) -> str:
    url = f"http://portal.test/tin-{n}.html"
    article = Article(
        url=url,
        title=f"Hội nghị giao ban số {n}",
        portal="p",
        summary=summary,
        body_text=body,
        content_hash=content_hash(body),
    )
    return store.upsert_article(article)[1]


def test_lead_repeated_in_body_is_shown_once_and_a_distinct_one_is_kept(tmp_path: Path) -> None:
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    repeated = _add(store, 1, LEAD, f"{LEAD}\n\n{REST}")
    distinct = _add(store, 2, "Tóm tắt riêng của bài.", REST)
    with TestClient(create_app(tmp_path)) as client:
        page = client.get(f"/articles/{repeated}").text
        assert page.count("Sáng 5/6, UBND huyện") == 1
        assert 'class="summary"' not in page
        page = client.get(f"/articles/{distinct}", params={"q": "tom tat"}).text
        assert '<p class="summary"><mark>Tóm tắt</mark> riêng của bài.</p>' in page
