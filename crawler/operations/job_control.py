"""Control and describe crawl jobs: cancel one, its duration, the tail of its log."""

from __future__ import annotations

import logging
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.store.admin import AdminStore
from indexer.store.claims import pid_alive
from indexer.store.rows import utcnow

log = logging.getLogger("vnarchive.scheduler")


def _looks_like_crawl(pid: int) -> bool:
    """Whether ``pid`` is a ``vnarchive crawl`` process (never signal anything else)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().split(b"\0")
    except OSError:
        return False
    joined = b" ".join(args)
    return b"crawl" in args and (b"vnarchive" in joined or b"scrapy" in joined)


def cancel_job(admin: AdminStore, job_id: int) -> str:
    """Ask a crawl job to stop cleanly; return what happened (a short phrase).

    A running crawl gets SIGTERM (it closes its job as ``cancelled`` and can resume
    later); a queued job that has no crawl process yet is marked ``cancelled``.
    Raises ``LookupError`` for an unknown job and ``ValueError`` for a closed one.
    """
    job = admin.store.get_job(job_id)
    if job is None:
        raise LookupError(f"no crawl job {job_id}")
    if job["status"] not in ("queued", "running"):
        raise ValueError(f"job {job_id} is already {job['status']}")
    if job.get("node"):  # dispatched to a Scrapyd node: cancel.json there
        from crawler.operations.cluster import ScrapydCluster
        from crawler.operations.scrapyd import ScrapydError

        try:
            return ScrapydCluster(admin, [job["node"]]).cancel(job)
        except ScrapydError as exc:
            raise ValueError(str(exc)) from None
    pid = job.get("pid")
    if pid and pid_alive(pid) and _looks_like_crawl(pid):
        os.kill(pid, signal.SIGTERM)
        return f"sent SIGTERM to crawl process {pid}; it stops cleanly and can resume"
    if admin.finish_if_active(job_id, "cancelled", stop_reason="cancelled before it started"):
        return "cancelled before its crawl process started"
    return "the job ended meanwhile"


def _tail(path: Path | str | None, lines: int = 40, max_bytes: int = 64 * 1024) -> list[str]:
    """The last ``lines`` lines of a log file (bounded read; [] when missing)."""
    if not path:
        return []
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace")
    return text.splitlines()[-lines:]


def job_duration(job: dict[str, Any], now: datetime | None = None) -> str:
    """How long a job ran (or has been running): ``1h02m``, ``3m05s``, ``12s``."""
    start = job.get("started_at")
    if start is None:
        return "-"
    end = job.get("finished_at") or now or utcnow()
    seconds = max(0, int((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def log_state(path: Path | str | None) -> str:
    """Why a job's log tail may be empty: ``none`` (no log recorded for the job),
    ``missing`` (the file is gone or unreadable here: removed, or written on another
    machine), ``empty`` (nothing written yet) or ``ok``."""
    if not path:
        return "none"
    try:
        return "ok" if os.stat(path).st_size else "empty"
    except OSError:
        return "missing"


LOG_STATES = {
    "none": "no log file was recorded for this job",
    "missing": "the log file {path} is not there (removed, or written on another machine)",
    "empty": "the log file {path} is empty",
}


def log_tail(path: Path | str | None, lines: int = 40) -> list[str]:
    """The last lines of a job's log (for the admin page and ``vnarchive jobs``)."""
    return _tail(path, lines)
