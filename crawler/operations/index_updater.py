"""Update the search index after crawls: ``vnarchive index`` one at a time, requests coalesced."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

from indexer import config
from indexer.store.admin import AdminStore

log = logging.getLogger("vnarchive.scheduler")


class IndexUpdater:
    """Runs ``vnarchive index`` after crawls: one at a time, requests coalesced."""

    WATERMARK = "scheduler_indexed_job"

    def __init__(self, admin: AdminStore, *, python: str = sys.executable) -> None:
        self.admin = admin
        self.python = python
        self._lock = threading.Lock()
        self._wanted = False
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.last_code: int | None = None

    def request(self) -> None:
        """Ask for an index update (runs now in a thread, or right after the current one)."""
        with self._lock:
            self._wanted = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="index-update", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._thread = None
                    return
                self._wanted = False
            self.run_once()

    def run_once(self) -> int:
        """Run one index update now (blocking); record up to which job it covers."""
        covered = self._closed_job_watermark()
        log_path = config.jobs_dir() / "index.out"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as out:
            code = subprocess.call(
                [self.python, "-m", "vnarchive", "index"],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=str(config.REPO_ROOT),
            )
        self.runs += 1
        self.last_code = code
        if code == 0:
            self.admin.store.set_meta(self.WATERMARK, str(covered))
        else:
            log.error("vnarchive index exited with code %s (see %s)", code, log_path)
        return code

    def _closed_job_watermark(self) -> int:
        jobs = self.admin.store.list_jobs(limit=200)
        closed = [j["id"] for j in jobs if j["status"] not in ("queued", "running")]
        return max(closed, default=0)

    def behind(self) -> bool:
        """Whether a crawl that archived something closed after the last index update."""
        done = int(self.admin.store.get_meta(self.WATERMARK, "0") or 0)
        for job in self.admin.store.list_jobs(limit=50):
            if job["id"] <= done:
                break
            if job["status"] in ("queued", "running"):
                continue
            if (job.get("articles_new") or 0) + (job.get("articles_changed") or 0) > 0:
                return True
        return False

    def busy(self) -> bool:
        """Whether an update is running or wanted."""
        with self._lock:
            return self._wanted or (self._thread is not None and self._thread.is_alive())
