"""Places old → new and topics in the web app: search filters, article API and page."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient


def test_search_api_province_matches_the_new_name(client: TestClient, web_archive) -> None:
    body = client.get("/api/search", params={"province": "Lâm Đồng", "per_page": 100}).json()
    assert body["total"] > 0
    assert {r["portal"] for r in body["results"]} == {"daknong_krongno"}
    match = body["results"][0]["place_match"][0]
    assert match == {
        "filter": "Lâm Đồng",
        "name": "Tỉnh Đắk Nông → Tỉnh Lâm Đồng",
        "matched": "new",
    }
    old = client.get("/api/search", params={"province": "Đắk Nông", "per_page": 100}).json()
    assert old["total"] == body["total"]
    tuyenhoa = client.get("/api/search", params={"province": "Quảng Trị"}).json()
    assert {r["portal"] for r in tuyenhoa["results"]} == {"quangbinh_tuyenhoa"}
    assert {"place", "topic"} <= set(body["facets"])
    page = client.get("/", params={"province": "Lâm Đồng", "lang": "en"}).text
    assert '<option value="Lâm Đồng" selected>' in page  # the new name is offered too
    assert "Place matched: Tỉnh Đắk Nông → Tỉnh Lâm Đồng <small>(new name)</small>" in page
    assert 'id="f-topic"' in page and 'id="f-place"' in page


def test_article_api_and_page_show_places_old_to_new(tmp_path: Path) -> None:
    from crawler.items import Article
    from indexer.search.writer import update_index
    from indexer.store.archive import ArchiveStore
    from indexer.text import content_hash
    from indexer.text.places import find_article_places
    from search_app.app import create_app

    title = "Huyện Krông Nô: xã Nam Đà ra quân"
    body = "UBND xã Nam Đà phối hợp với thị trấn Đắk Mâm làm đường."
    article = Article(
        url="http://krongno.example.vn/bai-1",
        title=title,
        portal="krongno",
        published="2019-05-01",
        category="An ninh Quốc phòng",
        body_text=body,
        content_hash=content_hash(body),
        places=find_article_places(title, body, province="Đắk Nông", district="Krông Nô"),
    )
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    _, article_id = store.upsert_article(article, province="Đắk Nông", district="Krông Nô")
    update_index(store, tmp_path / "index")
    with TestClient(create_app(tmp_path)) as client:
        data = client.get(f"/api/articles/{article_id}").json()
        assert [(p["old"], p["new"]) for p in data["places"]] == [
            ("Huyện Krông Nô, Tỉnh Đắk Nông", "Tỉnh Lâm Đồng"),
            ("Xã Nam Đà, Huyện Krông Nô, Tỉnh Đắk Nông", "Xã Nam Đà, Tỉnh Lâm Đồng"),
            ("Thị trấn Đắk Mâm, Huyện Krông Nô, Tỉnh Đắk Nông", "Xã Krông Nô, Tỉnh Lâm Đồng"),
        ]
        assert data["places"][1]["mentions"] == 2
        assert data["topic"] == "Quốc phòng - An ninh"
        page = client.get(f"/articles/{article_id}").text
        assert "Thị trấn Đắk Mâm, Huyện Krông Nô, Tỉnh Đắk Nông</a> → Xã Krông Nô" in page
        found = client.get("/api/search", params={"place": "xã Krông Nô"}).json()
        assert [r["id"] for r in found["results"]] == [article_id]
        assert found["results"][0]["place_match"][0]["matched"] == "new"
        topic = client.get("/api/search", params={"topic": "Quốc phòng - An ninh"}).json()
        assert topic["total"] == 1 and topic["facets"]["topic"] == {"Quốc phòng - An ninh": 1}
