"""``vnarchive places refresh|show`` and ``vnarchive search --province/--place`` across the reform."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.items import Article
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from vnarchive.cli import main


@pytest.fixture()
def archive(tmp_path, monkeypatch):
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    store = ArchiveStore()
    body = "UBND xã Nam Bình, huyện Đắk Song tổ chức lễ ra quân; thị trấn Đắk Mâm tham gia."
    article = Article(  # archived before places existed: places is None
        url="https://krongno.example.vn/1",
        title="Ra quân làm đường",
        portal="krongno",
        published="2019-05-01",
        category="Tin tức sự kiện",
        body_text=body,
        content_hash=content_hash(body),
    )
    _, article_id = store.upsert_article(article, province="Đắk Nông", district="Krông Nô")
    assert store.get_article(article_id)["places"] is None
    return store, article_id


def test_refresh_stores_places_and_search_finds_them_by_new_names(archive) -> None:
    store, article_id = archive
    runner = CliRunner()
    before = runner.invoke(main, ["index"])  # archived before places: the index says so
    assert "1 article(s) have no places yet" in before.output
    assert runner.invoke(main, ["search", "--place", "Đức An"]).output.startswith("No")
    refreshed = runner.invoke(main, ["places", "refresh"])
    assert refreshed.exit_code == 0, refreshed.output
    assert "1 article(s) read, 1 updated" in refreshed.output
    places = store.get_article(article_id)["places"]
    assert places[0]["old"] == "Xã Nam Bình, Huyện Đắk Song, Tỉnh Đắk Nông"
    assert places[0]["new"] == "Xã Đức An, Tỉnh Lâm Đồng"
    again = runner.invoke(main, ["places", "refresh"])
    assert "0 article(s) read" in again.output  # only articles without places, unless --all
    shown = runner.invoke(main, ["places", "show", article_id])
    assert json.loads(shown.output) == places
    indexed = runner.invoke(main, ["index"])
    assert indexed.exit_code == 0 and "have no places yet" not in indexed.output
    found = runner.invoke(main, ["search", "--province", "Lâm Đồng"])
    assert found.exit_code == 0, found.output
    assert article_id in found.output
    assert "matched 'Lâm Đồng': Tỉnh Đắk Nông → Tỉnh Lâm Đồng (new name)" in found.output
    by_place = runner.invoke(main, ["search", "--place", "Đức An", "--json"])
    result = json.loads(by_place.output)
    assert [r["id"] for r in result["results"]] == [article_id]
    assert result["results"][0]["place_match"][0]["matched"] == "new"
    assert result["facets"]["topic"] == {"Tin tức - Sự kiện": 1}
    assert runner.invoke(main, ["search", "--province", "Quảng Trị"]).output.startswith("No")
    missing = runner.invoke(main, ["places", "show", "nope"])
    assert missing.exit_code != 0 and "no article 'nope'" in missing.output
