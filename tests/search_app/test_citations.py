"""Permalinks (``/web/<timestamp>/<url>``), "Cite this" and links from exports back to the archive."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from indexer.export.citation import capture_stamp
from indexer.store.archive import ArchiveStore


def _store(web_archive) -> ArchiveStore:  # type: ignore[no-untyped-def]
    return ArchiveStore(f"sqlite:///{web_archive.data_dir / 'archive.sqlite'}")


def test_the_article_page_cites_its_capture(client, web_archive) -> None:  # type: ignore[no-untyped-def]
    article_id = web_archive.ids["versioned"]
    article = _store(web_archive).get_article(article_id)
    stamp = capture_stamp(article["last_changed"])
    link = f"http://testserver/web/{stamp}/{article['url']}"
    page = client.get(f"/articles/{article_id}").text
    assert 'id="cite"' in page and f'href="{link}" id="permalink"' in page
    for style in ("apa", "chicago", "bibtex"):
        assert f'id="cite-{style}"' in page
    data = client.get(f"/api/articles/{article_id}").json()
    assert data["permalink"] == f"/web/{stamp}/{article['url']}"
    assert data["capture_time"] == article["last_changed"].isoformat()
    apa = data["citations"]["apa"]
    assert apa.startswith(
        "Quận Long Biên, Thành phố Hà Nội. (2024, May 2). Lịch tiếp công dân tháng 5."
    )
    assert article["url"] in apa and link in apa and "archived July 1, 2024" in apa
    assert "@online{vnarchive-" in data["citations"]["bibtex"]
    assert [v["permalink"][:19] for v in data["versions"]] == [
        "/web/20240601044100",
        f"/web/{stamp}",
    ]


def test_a_permalink_shows_that_capture_and_a_near_time_redirects(client, web_archive) -> None:  # type: ignore[no-untyped-def]
    article_id = web_archive.ids["versioned"]
    store = _store(web_archive)
    article = store.get_article(article_id)
    first, second = store.versions_of(article_id)
    old = f"/web/{capture_stamp(first['captured_at'])}/{article['url']}"
    page = client.get(old)
    assert page.status_code == 200
    assert f'src="/replay/{article_id}?version=1"' in page.text
    assert 'id="cite-apa"' in page.text and "archived June 1, 2024" in page.text
    new = client.get(f"/web/{capture_stamp(second['captured_at'])}/{article['url']}")
    assert new.status_code == 200 and f"/replay/{article_id}?version=2" in new.text
    # Wayback: another time goes to the nearest capture
    near = client.get(f"/web/2024/{article['url']}", follow_redirects=False)
    assert near.status_code == 302 and near.headers["location"] == old
    late = client.get(f"/web/20300101/{article['url']}", follow_redirects=False)
    assert late.headers["location"].startswith(f"/web/{capture_stamp(second['captured_at'])}/")
    # as some clients collapse '//' in a path
    collapsed = client.get(old.replace("http://", "http:/"), follow_redirects=False)
    assert collapsed.status_code == 200 and f"/replay/{article_id}?version=1" in collapsed.text


def test_unknown_permalinks_are_404(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/web/20240101000000/http://nowhere.example/x", "/web/notatime/http://x/"):
        response = client.get(path)
        assert response.status_code == 404 and "<script" not in response.text


def test_exports_link_each_row_back_to_its_capture(client, web_archive) -> None:  # type: ignore[no-untyped-def]
    article = _store(web_archive).get_article(web_archive.ids["versioned"])
    stamp = capture_stamp(article["last_changed"])
    response = client.get("/api/export", params={"format": "csv", "portal": "hanoi_longbien"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["id"] == article["id"])
    assert row["archive_url"] == f"http://testserver/web/{stamp}/{article['url']}"
    assert row["capture_time"] == article["last_changed"].isoformat().replace("+00:00", "Z")
    assert client.get(row["archive_url"].removeprefix("http://testserver")).status_code == 200


def test_cli_cite_and_export(web_archive, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from vnarchive.cli import main

    monkeypatch.setenv("VNARCHIVE_DATA", str(web_archive.data_dir))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    monkeypatch.setenv("VNARCHIVE_PUBLIC_URL", "https://archive.example.org/")
    article = _store(web_archive).get_article(web_archive.ids["versioned"])
    stamp = capture_stamp(article["last_changed"])
    link = f"https://archive.example.org/web/{stamp}/{article['url']}"
    result = CliRunner().invoke(main, ["cite", article["id"], "--style", "chicago"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Quận Long Biên, Thành phố Hà Nội. \u201cLịch tiếp công dân tháng 5.\u201d"
    )
    assert f"Archived July 1, 2024, at {link}." in result.output
    bib = CliRunner().invoke(main, ["cite", article["url"], "--style", "bibtex", "--version", "1"])
    assert bib.exit_code == 0 and "urldate = {2024-06-01}" in bib.output
    assert CliRunner().invoke(main, ["cite", "ffffffffffffffff"]).exit_code == 1
    out = tmp_path / "x.jsonl"
    done = CliRunner().invoke(
        main, ["export", "--format", "jsonl", "--portal", "hanoi_longbien", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert rows[article["id"]]["archive_url"] == link
