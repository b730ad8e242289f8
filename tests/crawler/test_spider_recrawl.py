"""Re-crawls: the same crawl twice adds nothing; after the portal edits one article and
removes another, a --full crawl records one new version and one gone article, and
nothing else changes."""

from __future__ import annotations

import json
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from crawl_support import run_crawl, snapshot, truth

from crawler.warc.reader import read_capture
from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow
PORTAL = "sample-wordpress"


def _control(samples_url: str, **fields: str) -> dict:
    body = json.dumps(fields).encode()
    request = urllib.request.Request(
        f"{samples_url}/_control/{PORTAL}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_recrawl_adds_nothing_then_finds_one_edit_and_one_removal(
    samples_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("VNARCHIVE_DATA", str(data_dir))
    store_url = f"sqlite:///{data_dir / 'archive.sqlite'}"

    first = run_crawl(data_dir, samples_url, PORTAL)
    assert first.returncode == 0, first.stderr
    store = ArchiveStore(store_url)
    job1 = store.list_jobs(portal=PORTAL)[0]
    first_failures = {seen["url"] for seen in job1["error_urls"]}
    before = snapshot(store, PORTAL)
    assert len(before) == len(truth(PORTAL)["articles"])
    # every article was segmented into words by the crawl and stored with it
    assert all(row["title_words"] and row["body_words"] is not None for row in before.values())
    assert any("_" in row["body_words"] for row in before.values())

    # 1. the same crawl again: listings are read, no article is fetched, nothing is added
    second = run_crawl(data_dir, samples_url, PORTAL)
    assert second.returncode == 0, second.stderr
    job2 = store.list_jobs(portal=PORTAL)[0]
    assert (job2["articles_new"], job2["articles_changed"], job2["articles_gone"]) == (0, 0, 0)
    assert snapshot(store, PORTAL) == before
    # pages answering 304 lead on by their stored links; a guessed next page past a
    # listing's end is still a guess there (its 404 is no error, as in the first crawl)
    assert {seen["url"] for seen in job2["error_urls"]} <= first_failures, job2["error_urls"]
    assert job2["errors"] <= job1["errors"], (job1["error_reasons"], job2["error_reasons"])
    article_urls = {row["url"] for row in before.values()}
    refetched = {u for u, _ in _job_responses(data_dir, job2) if u in article_urls}
    assert refetched == set(), "a re-crawl fetched articles it already had"
    # what it fetched again (listings, robots.txt) was unchanged: revisit records only
    kinds = _job_record_kinds(data_dir, job2)
    assert kinds["revisit"] > 0
    assert kinds["response_2xx"] == 0, kinds

    # 2. the portal edits one article and takes another down
    edited, removed = (art for art in truth(PORTAL)["articles"][5:7])
    _control(samples_url, edit=edited["id"])
    state = _control(samples_url, remove=removed["id"])
    assert state["removed"] == [removed["id"]]

    third = run_crawl(data_dir, samples_url, PORTAL, "--full")
    assert third.returncode == 0, third.stderr
    job3 = store.list_jobs(portal=PORTAL)[0]
    assert job3["status"] == "finished"
    assert {seen["url"] for seen in job3["error_urls"]} <= first_failures, job3["error_urls"]
    assert (job3["articles_new"], job3["articles_changed"], job3["articles_gone"]) == (0, 1, 1)
    # everything else was revalidated with a conditional request and answered 304
    assert job3["articles_unchanged"] >= len(before) - 2

    after = snapshot(store, PORTAL)
    assert after.keys() == before.keys()  # nothing deleted, nothing added
    changed = {aid for aid in before if before[aid] != after[aid]}
    edited_id = store.find_article_by_url(_abs(samples_url, edited["url"]))["id"]
    removed_id = store.find_article_by_url(_abs(samples_url, removed["url"]))["id"]
    assert changed == {edited_id, removed_id}
    # the edit: a second version, the first one kept
    assert len(after[edited_id]["versions"]) == 2
    assert after[edited_id]["versions"][0] == before[edited_id]["versions"][0]
    assert after[edited_id]["body_text"].startswith(edited["body_text"])
    assert after[edited_id]["body_text"] != edited["body_text"]
    # the new version was segmented again; its words read the new text
    assert after[edited_id]["body_words"] != before[edited_id]["body_words"]
    new_words = after[edited_id]["body_words"].replace("_", " ").split()
    assert new_words[-3:] == after[edited_id]["body_text"].replace(".", " .").split()[-3:]
    # the removal: marked gone, its text kept
    assert after[removed_id]["status"] == "gone"
    assert after[removed_id]["body_text"] == before[removed_id]["body_text"]
    assert {k: v for k, v in after[removed_id].items() if k != "status"} == {
        k: v for k, v in before[removed_id].items() if k != "status"
    }

    # the 304s are server-not-modified revisits; every article still points at its content
    kinds3 = _job_record_kinds(data_dir, job3)
    assert kinds3["not_modified"] >= len(before) - 2, kinds3
    for aid in before:
        row = store.get_article(aid)
        capture = read_capture(row["warc_file"], row["warc_offset"])
        assert capture.status == 200 and row["title"].split()[0].encode() in capture.body

    # 3. and once more: nothing new, the gone article stays gone
    fourth = run_crawl(data_dir, samples_url, PORTAL)
    assert fourth.returncode == 0, fourth.stderr
    job4 = store.list_jobs(portal=PORTAL)[0]
    assert (job4["articles_new"], job4["articles_changed"]) == (0, 0)
    assert snapshot(store, PORTAL) == after


def _abs(samples_url: str, rel: str) -> str:
    return f"{samples_url}/{PORTAL}/{rel}"


def _job_record_kinds(data_dir: Path, job: dict) -> Counter:
    from warcio.archiveiterator import ArchiveIterator

    kinds: Counter = Counter()
    with open(data_dir / job["warc_file"], "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "revisit":
                kinds["revisit"] += 1
                if record.rec_headers.get_header("WARC-Profile").endswith("server-not-modified"):
                    kinds["not_modified"] += 1
            elif record.rec_type == "response":
                status = record.http_headers.get_statuscode()
                kinds["response_2xx" if status.startswith("2") else "response_other"] += 1
    return kinds


def _job_responses(data_dir: Path, job: dict) -> list[tuple[str, int]]:
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(data_dir / job["warc_file"], "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                out.append(
                    (
                        record.rec_headers.get_header("WARC-Target-URI"),
                        int(record.http_headers.get_statuscode()),
                    )
                )
    return out
