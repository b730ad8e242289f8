"""Resuming: a crawl killed with SIGKILL half-way (its WARC cut mid-record) and started
again ends with the same archive as an uninterrupted crawl; SIGTERM cancels cleanly and
the next crawl continues the same job; one crawl per portal at a time."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_support import (
    run_crawl,
    snapshot,
    start_crawl,
    truth,
    wait_for_articles,
)

from indexer.store.archive import ArchiveStore

pytestmark = pytest.mark.slow
SLOW = ("-s", "DOWNLOAD_DELAY=0.03")  # slow enough to stop it half-way


def _store(data_dir: Path) -> ArchiveStore:
    data_dir.mkdir(parents=True, exist_ok=True)
    return ArchiveStore(f"sqlite:///{data_dir / 'archive.sqlite'}")


def _warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_sigkill_then_restart_equals_an_uninterrupted_crawl(
    samples_url: str, tmp_path: Path
) -> None:
    portal = "sample-sp2010"
    expected = len(truth(portal)["articles"])
    reference_dir, killed_dir = tmp_path / "reference", tmp_path / "killed"
    done = run_crawl(reference_dir, samples_url, portal)
    assert done.returncode == 0, done.stderr
    reference = snapshot(_store(reference_dir), portal)
    assert len(reference) == expected

    store = _store(killed_dir)
    proc = start_crawl(killed_dir, samples_url, portal, *SLOW)
    try:
        have = wait_for_articles(store, portal, expected // 3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert have < expected
    (job,) = store.list_jobs(portal=portal)
    assert job["status"] == "running"  # nobody closed it
    state = json.loads((killed_dir / "jobs" / portal / "state" / "job.json").read_text())
    assert state["job_id"] == job["id"]
    # make sure the WARC ends in a cut record, whatever the kill interrupted
    warc = killed_dir / job["warc_file"]
    data = warc.read_bytes()
    with open(warc, "ab") as fh:
        fh.write(data[-400:-100])

    again = run_crawl(killed_dir, samples_url, portal)
    assert again.returncode == 0, again.stderr
    jobs = store.list_jobs(portal=portal)
    assert [j["id"] for j in jobs] == [job["id"]]  # the same job, resumed
    assert jobs[0]["status"] == "finished"
    assert jobs[0]["articles_new"] == expected
    assert snapshot(store, portal) == reference
    check = _warcio_check(warc)
    assert check.returncode == 0, check.stdout + check.stderr
    log = Path(jobs[0]["log_path"]).read_text(encoding="utf-8")
    assert "cut-off record" in log and "resuming crawl job" in log
    assert not list((killed_dir / "jobs" / portal / "state").glob("*.pages"))  # tally gone


def test_sigterm_cancels_cleanly_and_the_next_crawl_resumes(
    samples_url: str, tmp_path: Path
) -> None:
    portal = "sample-liferayqb"
    expected = len(truth(portal)["articles"])
    data_dir = tmp_path / "data"
    store = _store(data_dir)
    proc = start_crawl(data_dir, samples_url, portal, *SLOW)
    try:
        wait_for_articles(store, portal, 20)
        # a second crawl of the same portal is refused while this one runs
        busy = run_crawl(data_dir, samples_url, portal)
        assert busy.returncode == 4, busy.stdout + busy.stderr
        assert "already running" in busy.stderr and "Traceback" not in busy.stderr
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err
    (job,) = store.list_jobs(portal=portal)
    assert job["status"] == "cancelled" and job["finished_at"] is not None
    assert "cancelled" in job["stop_reason"]
    stored = store.count_articles(portal)
    assert 0 < stored < expected
    assert job["articles_new"] == stored
    assert (data_dir / "jobs" / portal / "state" / "job.json").is_file()

    again = run_crawl(data_dir, samples_url, portal)
    assert again.returncode == 0, again.stderr
    (resumed,) = store.list_jobs(portal=portal)
    assert resumed["id"] == job["id"] and resumed["status"] == "finished"
    assert resumed["articles_new"] == expected == store.count_articles(portal)
    assert not (data_dir / "jobs" / portal / "state" / "job.json").exists()
    assert all(len(store.versions_of(a["id"])) == 1 for a in store.iter_articles(portal=portal))
