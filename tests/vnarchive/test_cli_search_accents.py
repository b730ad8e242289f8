"""``vnarchive search --exact-accents`` and what the CLI marks, on a real store and index."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.items import Article
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash, normalize
from vnarchive.cli import main

ARTICLES = [
    (
        "https://th.vn/1",
        "Huyện Tuyên Hóa giao quân",
        "Huyện Tuyên Hóa giao quân. Công tác tuyển quân, xã hội hóa.",
    ),
    ("https://th.vn/2", "Tin van tat", "Huyen Tuyen Hoa don Bang cong nhan."),
    ("https://th.vn/3", "Tuyển quân", "Công tác tuyển quân năm nay; xã hội hóa."),
]


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    store = ArchiveStore()
    for url, title, body in ARTICLES:
        text = normalize(body, multiline=True)
        store.upsert_article(
            Article(
                url=url, title=title, portal="th", body_text=text, content_hash=content_hash(text)
            )
        )
    assert CliRunner().invoke(main, ["index"]).exit_code == 0
    return tmp_path


def search(*args: str) -> dict:
    result = CliRunner().invoke(main, ["search", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_exact_accents_switch(data_dir) -> None:
    assert search("tuyen", "hoa")["total"] == 3
    strict = search("Tuyên", "Hóa", "--exact-accents")
    assert [h["title"] for h in strict["results"]] == ["Huyện Tuyên Hóa giao quân"]
    bare = search("tuyen", "hoa", "--exact-accents")
    assert [h["title"] for h in bare["results"]] == ["Tin van tat"]


def test_text_output_marks_the_pair_only(data_dir) -> None:
    result = CliRunner().invoke(main, ["search", "tuyen", "hoa"], catch_exceptions=False)
    assert "[Tuyên Hóa]" in result.output
    assert "[tuyển]" not in result.output.split("Tuyển quân")[0]  # the first hit: pair only
    strict = CliRunner().invoke(main, ["search", "tuyen", "quan", "--exact-accents"])
    assert "No articles found." in strict.output
    assert (
        "Did you mean: tuyển quân" in strict.output or "Did you mean: tuyên quân" in strict.output
    )


def test_export_honours_the_switch(data_dir, tmp_path) -> None:
    out = tmp_path / "strict.jsonl"
    result = CliRunner().invoke(
        main, ["export", "tuyen", "hoa", "--exact-accents", "--format", "jsonl", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["title"] for r in rows] == ["Tin van tat"]
    descriptor = json.loads((tmp_path / "strict.jsonl.datapackage.json").read_text("utf-8"))
    assert "exact_accents" in json.dumps(descriptor)
