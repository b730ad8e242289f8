"""``vnarchive index`` and ``vnarchive search`` as a user runs them (real store, real index)."""

from __future__ import annotations

import fcntl
import json
import os

import pytest
from click.testing import CliRunner

from crawler.items import Article
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from vnarchive.cli import main

ARTICLES = [
    (
        "https://tuyenhoa.example.vn/1",
        "Hội nghị giao ban tháng 3",
        "2023-03-15",
        "Ủy ban nhân dân huyện Tuyên Hóa tổ chức hội nghị giao ban <b>quý I</b>.",
    ),
    (
        "https://tuyenhoa.example.vn/2",
        "Phòng chống lụt bão",
        "2020-10-15",
        "Huyện Tuyên Hoá chủ động phòng chống lũ lụt.",
    ),
    (
        "https://tuyenhoa.example.vn/3",
        "Thủy lợi nội đồng",
        "2019-02-02",
        "Nạo vét kênh mương ở xã Lâm Hóa.",
    ),
]


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    store = ArchiveStore()
    for url, title, published, body in ARTICLES:
        store.upsert_article(
            Article(
                url=url,
                title=title,
                portal="tuyenhoa",
                published=published,
                category="Tin tức",
                body_text=body,
                content_hash=content_hash(body),
            ),
            province="Quảng Bình",
            district="Tuyên Hóa",
        )
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_index_then_search(data_dir) -> None:
    result = invoke("index")
    assert result.exit_code == 0, result.output
    assert "3 articles indexed" in result.output
    assert "3 in the index" in result.output
    result = invoke("search", "tuyen", "hoa")
    assert result.exit_code == 0, result.output
    assert "Hội nghị giao ban tháng 3" in result.output
    assert "Phòng chống lụt bão" in result.output
    assert "Thủy lợi" not in result.output
    assert "[Tuyên Hóa]" in result.output  # the matched words are marked
    assert "1–2 of 2 articles" in result.output
    again = invoke("index")
    assert "0 articles indexed" in again.output


def test_search_json(data_dir) -> None:
    invoke("index")
    result = invoke("search", "Tuyên Hóa", "--json", "--sort", "newest", "--per-page", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == 2 and data["page"] == 1
    assert [r["published"] for r in data["results"]] == ["2023-03-15"]
    hit = data["results"][0]
    assert hit["province"] == "Quảng Bình" and hit["portal"] == "tuyenhoa"
    assert "&lt;b&gt;quý I&lt;/b&gt;" in hit["snippet_html"]
    assert data["facets"]["year"] == {"2023": 1, "2020": 1}
    data = json.loads(
        invoke("search", "--json", "--from", "2020-01-01", "--to", "2020-12-31").output
    )
    assert [r["title"] for r in data["results"]] == ["Phòng chống lụt bão"]


def test_no_results_and_did_you_mean(data_dir) -> None:
    invoke("index")
    result = invoke("search", "tuyen", "hao")
    assert result.exit_code == 0
    assert "No articles found." in result.output
    assert "Did you mean: tuyen hoa" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "31/02/2023", "x"], "is not a date"),
        (["--sort", "random", "x"], "Invalid value for '--sort'"),
        (["--per-page", "5000", "x"], "per_page must be between"),
        (["x" * 10_000], "at most 1,000"),
    ],
)
def test_bad_input_gets_a_message_not_a_traceback(data_dir, args, message) -> None:
    invoke("index")
    result = invoke("search", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_malformed_query_is_searched_as_well_as_possible(data_dir) -> None:
    invoke("index")
    result = invoke("search", '"hội nghị')
    assert result.exit_code == 0
    assert "Hội nghị giao ban" in result.output


def test_second_indexer_refuses_clearly(data_dir) -> None:
    invoke("index")
    lock = data_dir / "index" / "vnarchive-writer.lock"
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, b"999", 0)
        result = invoke("index", "--rebuild")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert result.exit_code == 1
    assert "another indexer (pid 999)" in result.output
    assert "--wait" in result.output


def test_search_before_any_index(data_dir) -> None:
    result = invoke("search", "tuyen")
    assert result.exit_code == 0
    assert "run `vnarchive index` first" in result.output


def test_snippet_is_one_line_per_result(data_dir) -> None:
    body = "Mở đầu bài viết.\n\nĐoạn hai nói về đê điều.\n\n\nĐoạn ba: đê   điều\tvững chắc."
    ArchiveStore().upsert_article(
        Article(
            url="https://tuyenhoa.example.vn/4",
            title="Tu bổ đê điều",
            portal="tuyenhoa",
            published="2022-05-01",
            body_text=body,
            content_hash=content_hash(body),
        ),
        province="Quảng Bình",
        district="Tuyên Hóa",
    )
    invoke("index")
    result = invoke("search", "de dieu")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    title = lines.index("1. Tu bổ đê điều")
    snippet = lines[title + 2]
    assert snippet.startswith("   ") and "[đê điều]" in snippet and "Đoạn ba" in snippet
    assert "  " not in snippet.strip() and "\t" not in snippet
    assert lines[title + 3] == ""  # one blank line closes the result, none inside it


def test_index_of_an_empty_archive_says_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path / "empty"))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    result = CliRunner().invoke(main, ["index"])
    assert result.exit_code == 1
    assert "nothing to index" in result.output and str(tmp_path / "empty") in result.output
    assert "vnarchive crawl" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "empty" / "index").exists()


def test_an_unknown_portal_filter_is_refused(data_dir) -> None:
    invoke("index")
    result = CliRunner().invoke(main, ["search", "hoi nghi", "--portal", "tuyenhao"])
    assert result.exit_code == 2
    assert "no portal 'tuyenhao'" in result.output and "tuyenhoa" in result.output
    assert "Traceback" not in result.output
    assert "Hội nghị" in invoke("search", "hoi nghi", "--portal", "tuyenhoa").output
    # a portal with a profile but nothing archived is a filter that matches nothing
    assert "No articles found." in invoke("search", "hoi", "--portal", "krongno").output
