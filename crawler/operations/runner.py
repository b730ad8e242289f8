"""Run crawls: one portal in this process (Scrapy owns its event loop), or many portals
as one child process each, at most N at a time.

``vnarchive crawl`` is a thin shell over :func:`run_crawl` and :func:`run_many`.
Exit codes (also those of ``vnarchive crawl``): see :data:`EXIT_CODES`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.profiles import PortalProfile
from indexer import config

__all__ = [
    "EXIT_CODES",
    "CrawlOutcome",
    "crawl_settings",
    "parse_setting_overrides",
    "run_crawl",
    "run_many",
    "server_reachable",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 3
EXIT_BUSY = 4
EXIT_CODES = {
    EXIT_OK: "finished",
    EXIT_FAILED: "failed (the job's stop_reason says why)",
    EXIT_USAGE: "bad arguments or profile",
    EXIT_CANCELLED: "cancelled by SIGTERM/SIGINT (resumable)",
    EXIT_BUSY: "another crawl of the portal is running",
}
_STATUS_EXIT = {"finished": EXIT_OK, "cancelled": EXIT_CANCELLED}


@dataclass
class CrawlOutcome:
    """What a crawl run ended with: exit code, its job row (None if no job opened), message."""

    exit_code: int
    job: dict[str, Any] | None
    message: str = ""


def parse_setting_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings (``-s``) as a dict; ValueError naming a malformed one."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not name.strip().replace("_", "").isalnum():
            raise ValueError(f"-s expects NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
    return out


def crawl_settings(overrides: dict[str, Any] | None = None):  # noqa: ANN201 - scrapy Settings
    """The crawl's Scrapy settings: ``crawler.settings`` plus command-line overrides."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    portal_id: str,
    *,
    full: bool = False,
    since: str | None = None,
    max_pages: int | None = None,
    job_id: int | None = None,
    trigger: str = "manual",
    overrides: dict[str, Any] | None = None,
    quiet: bool = False,
) -> CrawlOutcome:
    """Crawl one portal in this process until done, cancelled or failed.

    Scrapy installs SIGTERM/SIGINT handlers: the first signal stops the crawl cleanly
    (job ``cancelled``, resumable), a second one stops it at once.  Only one crawl
    can run per process (Twisted's reactor cannot be restarted).
    """
    from scrapy.crawler import CrawlerProcess

    from crawler.profiles import ProfileError, get_profile
    from crawler.spiders.options import parse_options
    from crawler.spiders.portal import PortalSpider

    config.apply_settings(overrides or {})  # -s VNARCHIVE_DATA=… and friends
    try:
        get_profile(portal_id)
        parse_options(full=full, since=since, max_pages=max_pages, job_id=job_id, trigger=trigger)
    except KeyError as exc:
        return CrawlOutcome(EXIT_USAGE, None, str(exc.args[0]))
    except (ProfileError, ValueError, config.ConfigError) as exc:
        return CrawlOutcome(EXIT_USAGE, None, str(exc))
    if job_id is not None:
        from indexer.store.archive import ArchiveStore

        row = ArchiveStore().get_job(job_id)
        if row is None or row["portal"] != portal_id:
            detail = "no crawl job" if row is None else f"{portal_id!r} is not the portal of job"
            return CrawlOutcome(EXIT_USAGE, None, f"--job-id {job_id}: {detail} {job_id}")
    overrides = dict(overrides or {})
    if "LOG_LEVEL" not in overrides:
        overrides["LOG_LEVEL"] = "WARNING"  # the full log goes to the job's log file
    overrides.setdefault("VNARCHIVE_SUMMARY", False)  # our caller prints it
    if quiet:
        overrides.setdefault("VNARCHIVE_PROGRESS", False)
    settings = crawl_settings(overrides)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    process.crawl(
        crawler,
        portal=portal_id,
        full=full,
        since=since,
        max_pages=max_pages,
        job_id=job_id,
        trigger=trigger,
    )
    process.start()
    spider = crawler.spider
    job = getattr(spider, "job", None)
    if job is None:
        message = getattr(spider, "open_error", None) or "the crawl did not start (see the log)"
        code = EXIT_BUSY if "already running" in message else EXIT_FAILED
        return CrawlOutcome(code, None, message)
    row = job.store.get_job(job.id)
    status = row["status"] if row else "failed"
    return CrawlOutcome(_STATUS_EXIT.get(status, EXIT_FAILED), row)


def server_reachable(url: str, timeout: float = 2.0) -> bool:
    """Whether something accepts TCP connections at ``url``'s host and port."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _child_command(profile: PortalProfile, args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "vnarchive", "crawl", profile.id, "--quiet", *args]


def run_many(
    profiles: Sequence[PortalProfile],
    *,
    parallel: int = 2,
    child_args: Sequence[str] = (),
    report: Callable[[str], None] = print,
    progress_interval: float = 5.0,
) -> dict[str, int]:
    """Crawl several portals, one child process each, at most ``parallel`` at once.

    Each child's stderr goes to ``$VNARCHIVE_DATA/jobs/<portal>/crawl.stderr``; its job
    summary is reported when it ends.  SIGTERM/SIGINT are passed on to the children (which
    stop cleanly and can be resumed).  Returns {portal id: exit code}.
    """
    from crawler.extensions import summary_line
    from indexer.store.archive import ArchiveStore

    store = ArchiveStore()
    pending = list(profiles)
    running: dict[str, tuple[subprocess.Popen[bytes], Any]] = {}
    codes: dict[str, int] = {}
    stopping = False

    def _forward(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for proc, _ in running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    old_handlers = {sig: signal.signal(sig, _forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    last_progress = time.monotonic()
    try:
        while pending or running:
            while pending and len(running) < max(1, parallel) and not stopping:
                profile = pending.pop(0)
                err_path = config.jobs_dir() / profile.id / "crawl.stderr"
                err_path.parent.mkdir(parents=True, exist_ok=True)
                err_fh = open(err_path, "wb")  # noqa: SIM115 - closed when the child ends
                proc = subprocess.Popen(
                    _child_command(profile, child_args),
                    stdout=subprocess.DEVNULL,
                    stderr=err_fh,
                    env=os.environ.copy(),
                )
                running[profile.id] = (proc, err_fh)
                report(f"{profile.id}: crawling (pid {proc.pid})")
            if stopping and pending:
                for profile in pending:
                    codes[profile.id] = EXIT_CANCELLED
                pending.clear()
            for portal_id, (proc, err_fh) in list(running.items()):
                code = proc.poll()
                if code is None:
                    continue
                err_fh.close()
                del running[portal_id]
                codes[portal_id] = code
                jobs = store.list_jobs(portal=portal_id, limit=1)
                if jobs and code != EXIT_BUSY and code != EXIT_USAGE:
                    report(summary_line(jobs[0]))
                else:
                    tail = _tail(config.jobs_dir() / portal_id / "crawl.stderr")
                    report(f"{portal_id}: exit {code}: {tail or EXIT_CODES.get(code, '')}")
            if running and time.monotonic() - last_progress >= progress_interval:
                last_progress = time.monotonic()
                parts = []
                for portal_id in running:
                    jobs = store.list_jobs(portal=portal_id, limit=1)
                    if jobs and jobs[0]["status"] == "running":
                        j = jobs[0]
                        parts.append(f"{portal_id} {j['pages']}p/{j['articles_new']}new")
                if parts:
                    report("  running: " + ", ".join(parts))
            time.sleep(0.2)
    finally:
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)
    return codes


def _tail(path: Any, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])
