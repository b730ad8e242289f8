"""The commands agree with each other: queries, ids, bounded facets, where the samples are,
and crawl summaries that name what failed (issue 15, item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.items import Article
from crawler.profiles import load_profiles
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash
from vnarchive.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small archive: 14 articles about 'cán bộ' over 14 months, and one other."""
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    monkeypatch.delenv("VNARCHIVE_DB_URL", raising=False)
    store = ArchiveStore()
    for n in range(14):
        body = f"Hội nghị cán bộ chủ chốt lần {n} của huyện."
        store.upsert_article(
            Article(
                url=f"https://krongno.example.vn/tin/{n}",
                title=f"Hội nghị cán bộ {n}",
                portal="krongno",
                published=f"{2020 + n // 12}-{n % 12 + 1:02d}-10",
                category="Tin tức",
                body_text=body,
                content_hash=content_hash(body),
            ),
            province="Đắk Nông",
            district="Krông Nô",
        )
    body = "Nạo vét kênh mương thủy lợi."
    store.upsert_article(
        Article(
            url="https://krongno.example.vn/tin/other",
            title="Thủy lợi",
            portal="krongno",
            published="2019-01-01",
            body_text=body,
            content_hash=content_hash(body),
        ),
        province="Đắk Nông",
    )
    assert CliRunner().invoke(main, ["index"]).exit_code == 0
    return tmp_path


def test_export_takes_an_unquoted_multi_word_query(archive: Path) -> None:
    out = archive / "out.jsonl"
    result = CliRunner().invoke(main, ["export", "--format", "jsonl", "cán", "bộ", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 14 and all("cán bộ" in row["title"] for row in rows)
    descriptor = json.loads(Path(f"{out}.datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["vnarchive"]["query"] == "cán bộ"


def test_search_text_output_shows_the_ids(archive: Path) -> None:
    result = CliRunner().invoke(main, ["search", "thuy", "loi"])
    assert result.exit_code == 0, result.output
    (found,) = ArchiveStore().iter_articles_matching(portal="krongno", batch_size=100)
    other = next(a for a in found if a["title"] == "Thủy lợi")
    assert f"   {other['id']} · krongno · 2019-01-01 · " in result.output
    shown = CliRunner().invoke(main, ["warc", "show", other["id"]])
    assert "no archived capture" in shown.output.lower() or shown.exit_code != 2


def test_search_json_bounds_the_facets_unless_asked_for_all(archive: Path) -> None:
    bounded = json.loads(CliRunner().invoke(main, ["search", "cán bộ", "--json"]).output)
    assert bounded["total"] == 14
    assert len(bounded["facets"]["month"]) == 10
    assert bounded["facets_truncated"] == {"month": 4}
    months = list(bounded["facets"]["month"])
    assert months == sorted(months)  # still in date order
    full = json.loads(
        CliRunner().invoke(main, ["search", "cán bộ", "--json", "--facets", "all"]).output
    )
    assert len(full["facets"]["month"]) == 14 and "facets_truncated" not in full
    three = json.loads(
        CliRunner().invoke(main, ["search", "cán bộ", "--json", "--facets", "3"]).output
    )
    assert len(three["facets"]["month"]) == 3 and three["facets_truncated"]["month"] == 11
    bad = CliRunner().invoke(main, ["search", "x", "--json", "--facets", "none"])
    assert bad.exit_code == 2 and "'all'" in bad.output


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "VNARCHIVE_DATA": str(data_dir)}
    env.pop("VNARCHIVE_SAMPLES_URL", None)
    env.pop("VNARCHIVE_DB_URL", None)
    return env | extra


def _vnarchive(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``vnarchive ARGS`` as a user runs it, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_portals_list_shows_where_the_samples_are_really_served(tmp_path: Path) -> None:
    env = _env(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "samples", "serve", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = server.stdout.readline() if server.stdout else ""
        assert first.startswith("Sample portals on http://127.0.0.1:"), first
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        assert not url.endswith(":8765")
        deadline = time.monotonic() + 30
        while not (tmp_path / "samples-server.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        listed = _vnarchive(env, "portals", "list")
        assert listed.returncode == 0, listed.stderr
        sample_rows = [line for line in listed.stdout.splitlines() if line.startswith("sample-")]
        assert len(sample_rows) == len([p for p in load_profiles() if p.sample]) == 5
        assert all(f"{url}/sample-" in line for line in sample_rows)
        assert ":8765" not in listed.stdout
        assert f"sample portals: served at {url}" in listed.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not (tmp_path / "samples-server.json").exists()  # removed when it stops
    listed = _vnarchive(env, "portals", "list")
    assert "sample portals: nothing answers at http://127.0.0.1:8765" in listed.stdout


@pytest.mark.slow
def test_crawl_summary_names_failing_urls_and_what_the_samples_break_on_purpose(
    samples_url: str, tmp_path: Path
) -> None:
    env = _env(
        tmp_path,
        VNARCHIVE_SAMPLES_URL=samples_url,
        VNARCHIVE_POLITENESS="0",
        VNARCHIVE_RETRY_BACKOFF="0",
    )
    proc = _vnarchive(env, "crawl", "sample-sp2010", "--no-health")
    assert proc.returncode == 0, proc.stderr
    failed = [line for line in proc.stdout.splitlines() if line.startswith("  failed: ")]
    assert 1 <= len(failed) <= 5, proc.stdout
    dead = f"{samples_url}/sample-sp2010/thong-bao-da-thu-hoi/"
    assert any(
        line.startswith(f"  failed: {dead} (http_404) -- expected: ")
        and "dead listing link" in line
        for line in failed
    ), proc.stdout
    job = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}").list_jobs()[0]
    assert {"url": dead, "reason": "http_404"} in job["error_urls"]
