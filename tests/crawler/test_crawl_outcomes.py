"""What a crawl reports: a crawl that fetched none of its start pages, or whose error rate
is above ``VNARCHIVE_MAX_ERROR_RATE``, ends ``failed`` with exit 1 and says why; the job's
``pages`` counter keeps the pages of a run that was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_support import (
    REPO,
    archive_store,
    run_crawl,
    set_mode,
    start_crawl,
    truth,
    wait_for_articles,
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("mode", "reason"), [("down", "http_503"), ("redirect", "redirected_out_of_portal")]
)
def test_a_crawl_that_fetched_no_start_page_fails(
    samples_url: str, tmp_path: Path, mode: str, reason: str
) -> None:
    # fewer start pages than VNARCHIVE_MAX_CONSECUTIVE_FAILURES: this used to end
    # `finished` with exit 0, only the health flag telling
    set_mode(samples_url, "sample-wordpress", mode)
    proc = run_crawl(
        tmp_path, samples_url, "sample-wordpress", "--no-health", "-s", "RETRY_TIMES=1"
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (job,) = archive_store(tmp_path).list_jobs()
    assert job["status"] == "failed"
    assert job["stop_reason"].startswith("could fetch none of its start pages or listings")
    assert reason in job["stop_reason"]
    assert f"failed: {job['pages']} pages" in proc.stdout
    assert "stopped: could fetch none of its start pages" in proc.stdout


def _profile_with_dead_starts(portals: Path, samples_url: str, dead: int) -> str:
    """A profile whose start pages are one real listing and ``dead`` that answer 404."""
    base = f"{samples_url}/sample-wordpress/"
    starts = [f"{base}category/tin-tuc/"] + [f"{base}khong-con/{n}/" for n in range(dead)]
    portals.mkdir(parents=True, exist_ok=True)
    (portals / "dead-starts.toml").write_text(
        f'id = "dead-starts"\nname = "Mẫu"\nprovince = "Đắk Nông"\nfamily = "wordpress"\n'
        f'base_url = "{base}"\nstart_urls = {json.dumps(starts)}\nsample = true\n',
        encoding="utf-8",
    )
    return "dead-starts"


def test_a_crawl_whose_error_rate_passes_the_threshold_fails(
    samples_url: str, tmp_path: Path
) -> None:
    portals = tmp_path / "portals"
    portal = _profile_with_dead_starts(portals, samples_url, 16)
    env = {"VNARCHIVE_PORTALS": str(portals)}
    data = tmp_path / "failing"
    proc = run_crawl(data, samples_url, portal, "--max-pages", "26", "--no-health", **env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (job,) = archive_store(data).list_jobs()
    assert job["status"] == "failed" and job["articles_new"] > 0
    failed = job["error_reasons"]["http_404"]
    assert failed >= 16 and len(job["error_reasons"]) == 1  # (one listing link is dead too)
    assert job["stop_reason"].startswith(
        f"error rate {failed / job['pages']:.1%} ({failed} of {job['pages']} fetches failed)"
    )
    assert "above VNARCHIVE_MAX_ERROR_RATE 50.0%" in job["stop_reason"]
    assert "stopped: error rate" in proc.stdout
    # the threshold is a setting; 0 switches the check off
    off = tmp_path / "off"
    proc = run_crawl(
        off,
        samples_url,
        portal,
        "--max-pages",
        "26",
        "--no-health",
        "-s",
        "VNARCHIVE_MAX_ERROR_RATE=0",
        **env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert archive_store(off).list_jobs()[0]["status"] == "finished"


def test_the_error_rate_threshold_reads_the_environment() -> None:
    code = "import crawler.settings as s; print(s.VNARCHIVE_MAX_ERROR_RATE)"
    env = {**os.environ, "VNARCHIVE_MAX_ERROR_RATE": "0.25"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "0.25"


def _page_responses(warc: Path) -> int:
    """Responses the crawl received for pages: HTML, not a redirect, not robots.txt (a page
    fetched again unchanged is a revisit record)."""
    from warcio.archiveiterator import ArchiveIterator

    count = 0
    with open(warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type not in ("response", "revisit") or record.http_headers is None:
                continue
            status = int(record.http_headers.get_statuscode())
            ctype = record.http_headers.get_header("Content-Type") or ""
            url = record.rec_headers.get_header("WARC-Target-URI")
            if "html" in ctype and not 300 <= status < 400 and not url.endswith("/robots.txt"):
                count += 1
    return count


def test_pages_counter_keeps_the_pages_of_a_killed_run(samples_url: str, tmp_path: Path) -> None:
    portal = "sample-liferayqb"
    expected = len(truth(portal)["articles"])
    store = archive_store(tmp_path)
    # no progress saves while it runs (and no retries, so every page response is
    # final): what the killed run fetched is known from its WARC alone
    quiet = ("-s", "DOWNLOAD_DELAY=0.03", "-s", "RETRY_ENABLED=0")
    proc = start_crawl(tmp_path, samples_url, portal, *quiet, VNARCHIVE_PROGRESS_INTERVAL="600")
    try:
        wait_for_articles(store, portal, expected // 3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    (job,) = store.list_jobs(portal=portal)
    assert job["status"] == "running" and not job["pages"]  # nothing saved on the row
    warc = tmp_path / job["warc_file"]
    killed_run = _page_responses(warc)
    assert killed_run >= expected // 3

    # the resumed run is stopped too (SIGTERM: cancelled, counts saved on the row)
    again = start_crawl(tmp_path, samples_url, portal, *quiet)
    try:
        wait_for_articles(store, portal, 2 * expected // 3)
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=60)
    assert again.returncode == 3
    (done,) = store.list_jobs(portal=portal)
    assert done["id"] == job["id"] and done["status"] == "cancelled"
    both_runs = _page_responses(warc)
    assert both_runs > killed_run
    # a response written to the WARC by the killed run may not have been counted yet
    # (at most one per request in flight)
    assert both_runs - 4 <= done["pages"] <= both_runs
