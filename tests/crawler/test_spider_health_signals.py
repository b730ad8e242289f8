"""What a crawl records for the health rules: pages expected to be articles that no longer
extract after a layout change (``crawl_jobs.extraction_failures``), and removed articles
that redirect to the home page instead of answering 404/410 (gone in a --full crawl)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from crawl_support import run_crawl, snapshot, truth

from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow
PORTAL = "sample-sp2010"


def _control(samples_url: str, **fields: str) -> dict:
    request = urllib.request.Request(
        f"{samples_url}/_control/{PORTAL}",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _store(data_dir: Path) -> ArchiveStore:
    return ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")


def _crawl(data_dir: Path, samples_url: str, *args: str) -> dict:
    proc = run_crawl(data_dir, samples_url, PORTAL, "--no-health", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _store(data_dir).list_jobs(portal=PORTAL)[0]


def test_a_relayout_crawl_is_rescued_and_counted_and_a_normal_one_reads_by_family(
    samples_url: str, tmp_path: Path
) -> None:
    normal = _crawl(tmp_path / "normal", samples_url, "--max-pages", "10")
    assert normal["status"] == "finished" and normal["articles_new"] > 0
    assert normal["extraction_failures"] == 0
    assert "not_an_article" not in normal["error_reasons"]
    # every article was read by the family's selectors, none by the structural fallback
    assert normal["extraction_paths"].get("article:family", 0) >= normal["articles_new"]
    assert "article:structural" not in normal["extraction_paths"]

    _control(samples_url, mode="relayout")
    changed = _crawl(tmp_path / "relayout", samples_url, "--max-pages", "10")
    assert changed["status"] == "finished" and changed["articles_new"] > 0
    # a template none of the family's markers fits: every article was rescued by the
    # generic page object (which the health check counts as a layout change), none lost
    paths = changed["extraction_paths"]
    assert paths.get("article:rescued") == changed["articles_new"], paths
    assert "article:family" not in paths and "article:structural" not in paths
    # judged once, over the first pages, and said in the job's reasons
    assert changed["error_reasons"]["family_unfit"] == 1
    # and read right: the rescued articles' titles and dates are the portal's own
    store = _store(tmp_path / "relayout")
    want = {f"{samples_url}/{PORTAL}/{art['url']}": art for art in truth(PORTAL)["articles"]}
    rows = list(store.iter_articles(portal=PORTAL))
    assert len(rows) == changed["articles_new"]
    for row in rows:
        art = want[row["url"]]
        assert row["title"] == art["title"]
        assert (row["published"] or "")[:10] == art["published"][:10]
        assert row["body_text"] == art["body_text"]


def test_removed_articles_that_redirect_home_are_gone_within_the_safety_rule(
    samples_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = _crawl(data_dir, samples_url)
    store = _store(data_dir)
    before = snapshot(store, PORTAL)
    assert first["articles_new"] == len(before) == len(truth(PORTAL)["articles"])

    # two articles taken down the way many portals do: a 302 to the home page
    articles = truth(PORTAL)["articles"]
    taken = [art["id"] for art in articles[5:7]]
    for article_id in taken:
        state = _control(samples_url, remove_redirect=article_id)
    assert state["removed_redirect"] == sorted(taken) and state["removed"] == []
    prefix = f"{samples_url}/{PORTAL}/"
    gone_ids = {store.find_article_by_url(prefix + art["url"])["id"] for art in articles[5:7]}

    # an incremental crawl does not revisit them: nothing changes
    _crawl(data_dir, samples_url)
    assert snapshot(store, PORTAL) == before

    second = _crawl(data_dir, samples_url, "--full")
    assert second["status"] == "finished"
    assert (second["articles_new"], second["articles_changed"], second["articles_gone"]) == (
        0,
        0,
        2,
    )
    assert second["extraction_failures"] == 0  # the home page was not misread as an article
    after = snapshot(store, PORTAL)
    assert after.keys() == before.keys()  # kept, not deleted
    assert {aid for aid in before if before[aid] != after[aid]} == gone_ids
    assert {after[aid]["status"] for aid in gone_ids} == {"gone"}
    assert after[next(iter(gone_ids))]["body_text"] == before[next(iter(gone_ids))]["body_text"]

    # a quarter of the portal redirecting home looks like a broken portal: nobody is gone
    live = len(before) - 2
    for art in articles[10 : 10 + live // 4 + 1]:
        _control(samples_url, remove_redirect=art["id"])
    third = _crawl(data_dir, samples_url, "--full")
    assert third["status"] == "finished" and third["articles_gone"] == 0
    assert third["error_reasons"].get("gone_suspicious") == 1
    assert store.count_articles(PORTAL, status="live") == live
