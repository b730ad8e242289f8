"""The scheduler and crawl supervision, with real crawls of the sample portals.

Every crawl here is a real ``vnarchive crawl`` process against the sample server
(kept small with --max-pages); the index update is a real ``vnarchive index``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support import sample_profiles, wait_for

from crawler.operations.job_control import cancel_job
from crawler.operations.job_runner import CrawlRunner
from crawler.operations.scheduler import CrawlScheduler, SchedulerSettings
from crawler.operations.schedules import missed_run
from indexer.store.admin import AdminStore
from indexer.store.archive import ArchiveStore
from indexer.store.rows import utcnow

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SLOW = ("-s", "DOWNLOAD_DELAY=0.25", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")


@pytest.fixture()
def admin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, samples_url: str) -> AdminStore:
    monkeypatch.setenv("VNARCHIVE_DATA", str(tmp_path))
    return AdminStore(ArchiveStore())


def missed_daily_cron() -> str:
    """A daily cron whose slot was two hours ago (so it will not fire during the test)."""
    slot = utcnow().astimezone(VN) - timedelta(hours=2)
    return f"{slot.minute} {slot.hour} * * *"


def only(*ids: str):  # type: ignore[no-untyped-def]
    """A profile loader limited to some sample portals (the real ones are never crawled here)."""
    return lambda: [p for p in sample_profiles() if p.id in ids]


def make_scheduler(admin: AdminStore, *ids: str, **settings: object) -> CrawlScheduler:
    values = {"poll_seconds": 0.5, "max_pages": 10, "probe_health": True} | settings
    return CrawlScheduler(admin, SchedulerSettings(**values), profiles=only(*ids))


def closed(admin: AdminStore, count: int):  # type: ignore[no-untyped-def]
    def check():  # type: ignore[no-untyped-def]
        jobs = admin.store.list_jobs(limit=50)
        done = [j for j in jobs if j["status"] not in ("queued", "running")]
        return jobs if len(done) >= count and len(done) == len(jobs) else None

    return check


def test_missed_run_is_computed_once() -> None:
    now = utcnow()
    schedule = {"cron": "*/5 * * * *", "timezone": "Asia/Ho_Chi_Minh", "last_run": None}
    schedule["updated_at"] = now - timedelta(hours=5)  # 60 slots missed: one run
    assert missed_run(schedule, now) is not None
    schedule["last_run"] = now - timedelta(seconds=30)
    later = missed_run(schedule, now)
    assert later is None or later > now - timedelta(minutes=5)
    assert missed_run({"cron": "0 2 * * *", "updated_at": now, "last_run": None}, now) is None


def _indexed_articles() -> int:
    """Documents in the search index now (0 before the first update)."""
    from indexer.config import index_dir
    from indexer.search.writer import open_index

    index = open_index(index_dir())
    if index is None:
        return 0
    with index.searcher() as searcher:
        return searcher.doc_count()


def test_scheduled_crawls_run_recorded_indexed_at_most_n_at_once(admin: AdminStore) -> None:
    cron = missed_daily_cron()
    for portal in ("sample-sp2010", "sample-wordpress"):
        admin.set_schedule(portal, cron, updated_at=utcnow() - timedelta(days=3))
    scheduler = make_scheduler(admin, "sample-sp2010", "sample-wordpress", max_concurrent=1)
    scheduler.start()
    try:
        jobs = wait_for(closed(admin, 2), what="two scheduled crawls")
        # each crawl asks for an index update once its run (health check included) ends
        wait_for(
            lambda: (
                not scheduler.running()
                and scheduler.indexer.runs >= 1
                and not scheduler.indexer.busy()
                and _indexed_articles() == admin.store.count_articles()
            ),
            what="index",
        )
        time.sleep(1.5)  # a few more polls: nothing else may start
        assert len(admin.store.list_jobs(limit=50)) == 2
    finally:
        scheduler.shutdown()
    assert {j["portal"] for j in jobs} == {"sample-sp2010", "sample-wordpress"}
    for job in jobs:
        assert job["status"] == "finished", job
        assert job["trigger"] == "schedule"
        assert job["articles_new"] > 0 and job["pages"] > 0
        assert admin.get_schedule(job["portal"])["last_run"] is not None
    # at most one crawl at once: the scheduler never held two, and the rows do not overlap
    assert scheduler.peak_running == 1
    first, second = sorted(jobs, key=lambda j: j["started_at"])
    assert first["finished_at"] <= second["started_at"]
    # the index holds what the crawls archived
    from indexer.config import index_dir
    from indexer.search.writer import open_index

    index = open_index(index_dir())
    assert index is not None
    with index.searcher() as searcher:
        assert searcher.doc_count() == admin.store.count_articles() > 0
    # a restarted scheduler finds the runs done: nothing runs again
    again = make_scheduler(admin, "sample-sp2010", "sample-wordpress")
    again.start()
    try:
        time.sleep(2.0)
        assert again.started_jobs == []
    finally:
        again.shutdown()
    assert len(admin.store.list_jobs(limit=50)) == 2


def test_overlap_is_prevented(admin: AdminStore) -> None:
    # Another process (the web app's Run now, a manual `vnarchive crawl`) holds the portal.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        other = admin.store.start_job("sample-sp2010", status="running", pid=holder.pid)
        admin.set_schedule(
            "sample-sp2010", missed_daily_cron(), updated_at=utcnow() - timedelta(days=1)
        )
        scheduler = make_scheduler(admin, "sample-sp2010")
        scheduler.start()
        try:
            for _ in range(3):
                scheduler.fire("sample-sp2010")
            time.sleep(2.0)  # four polls
            jobs = admin.store.list_jobs(limit=50)
            assert [j["id"] for j in jobs] == [other], "a second crawl started"
            assert scheduler.started_jobs == []
            holder.kill()
            holder.wait()
            # the holder is gone: its row is reaped and the waiting run happens, once
            wait_for(lambda: scheduler.started_jobs, what="the waiting run")
            wait_for(closed(admin, 1), what="the crawl")
            time.sleep(1.5)
        finally:
            scheduler.shutdown()
        assert len(scheduler.started_jobs) == 1
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    job = admin.store.get_job(scheduler.started_jobs[0])
    assert job["status"] == "finished"


def test_restart_loses_nothing(admin: AdminStore) -> None:
    """A scheduler stopped mid-crawl gives the run back; the next one resumes it once."""
    admin.set_schedule(
        "sample-liferay62", missed_daily_cron(), updated_at=utcnow() - timedelta(days=2)
    )
    first = make_scheduler(admin, "sample-liferay62", max_pages=12, crawl_args=SLOW)
    first.start()
    try:
        wait_for(
            lambda: admin.store.count_articles("sample-liferay62") >= 1, what="a first article"
        )
        # in one process too, a second firing while the crawl runs is only remembered
        assert first.fire("sample-liferay62") == "pending"
    finally:
        first.shutdown()  # SIGTERM to the crawl: it closes its job as cancelled
    [job] = admin.store.list_jobs(limit=10)
    assert job["status"] == "cancelled", job
    assert admin.get_schedule("sample-liferay62")["last_run"] is None  # the run was given back
    second = make_scheduler(admin, "sample-liferay62", max_pages=12)
    second.start()
    try:
        wait_for(lambda: second.started_jobs, what="the resumed run")
        wait_for(closed(admin, 1), what="the resumed crawl")
        time.sleep(1.5)
    finally:
        second.shutdown()
    jobs = admin.store.list_jobs(limit=10)
    assert [j["id"] for j in jobs] == [job["id"]], "resumed as the same job, run once"
    assert jobs[0]["status"] == "finished" and jobs[0]["trigger"] == "schedule"
    assert admin.get_schedule("sample-liferay62")["last_run"] is not None


def test_cancel_a_running_crawl_then_resume_it(admin: AdminStore) -> None:
    runner = CrawlRunner(admin, max_pages=14, probe_health=False, extra_args=SLOW)
    run = runner.start("sample-wordpress")
    wait_for(lambda: admin.store.count_articles("sample-wordpress") >= 2, what="two articles")
    message = cancel_job(admin, run.job_id)
    assert "SIGTERM" in message
    job = runner.wait(run, timeout=120)
    assert job["status"] == "cancelled"
    assert run.process.returncode == 3  # `vnarchive crawl`: cancelled
    archived = admin.store.count_articles("sample-wordpress")
    assert archived >= 2
    # Run it again: the same job resumes and finishes; nothing archived is lost.
    runner = CrawlRunner(admin, max_pages=14, probe_health=False)
    again = runner.start("sample-wordpress")
    assert again.job_id == run.job_id
    job = runner.wait(again, timeout=180)
    assert job["status"] == "finished", job
    assert admin.store.count_articles("sample-wordpress") >= archived
    log = Path(job["log_path"]).read_text(encoding="utf-8")
    assert f"resuming crawl job {run.job_id}" in log
    # the articles of the first part were not fetched again: one capture each in the WARC
    from warcio.archiveiterator import ArchiveIterator

    from crawler.warc.files import resolve_warc_path

    seen: dict[str, int] = {}
    with open(resolve_warc_path(job["warc_file"]), "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                seen[uri] = seen.get(uri, 0) + 1
    articles = [a["url"] for a in admin.store.iter_articles(portal="sample-wordpress")]
    assert articles
    assert all(seen.get(url, 0) == 1 for url in articles), {
        u: seen.get(u, 0) for u in articles if seen.get(u, 0) != 1
    }
