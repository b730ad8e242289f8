"""Crawl scheduling: fire each portal's cron, run the crawl as its own process, index after.

The pieces, smallest first (one module each in ``crawler.operations``):

- ``schedules``: :func:`parse_cron` / :func:`next_run` / :func:`missed_run`: cron expressions
  (5 fields, time zone Asia/Ho_Chi_Minh by default) through APScheduler's ``CronTrigger``.
- ``schedules``: :func:`effective_schedules`: every portal's schedule: its ``schedules`` row if it has
  one, else the ``schedule`` of its profile (seeded into the store the first time the
  scheduler sees the portal; edit it afterwards with ``vnarchive schedule set`` or
  the admin page).
- ``job_runner``: :class:`CrawlRunner`: claims a job row for a portal (atomically: never two crawls of
  one portal, whoever asks), starts ``python -m vnarchive crawl PORTAL --job-id N
  --trigger T`` as a subprocess, waits, closes the row if the crawl could not, and
  re-evaluates the portal's health.  The web app's "Run now" uses it too.
- ``index_updater``: :class:`IndexUpdater`: runs ``python -m vnarchive index`` after crawls, one at a time,
  coalescing requests (Whoosh allows one writer).
- ``scheduler`` (here): :class:`CrawlScheduler`: APScheduler's ``BackgroundScheduler`` with one cron job per
  schedule; at most ``max_concurrent`` crawls at once; polls the store every few
  seconds for schedule edits; on start runs each schedule missed while it was down
  **once** (computed from ``schedules.last_run``, not once per missed slot).

All state lives in the archive store (schedules, jobs); a restarted scheduler
loses nothing.  On shutdown it asks its running crawls to stop cleanly (SIGTERM:
they close their job as ``cancelled`` and resume from their Scrapy JOBDIR next
time) and puts their ``last_run`` back, so the restarted scheduler runs them again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from crawler.operations.index_updater import IndexUpdater
from crawler.operations.job_runner import NoCrawlNode, RunningCrawl, make_runner
from crawler.operations.schedules import _load_profiles, effective_schedules, missed_run, parse_cron
from indexer.store.admin import DEFAULT_TIMEZONE, AdminStore
from indexer.store.errors import PortalBusy

log = logging.getLogger("vnarchive.scheduler")


# -- the scheduler ---------------------------------------------------------------------


@dataclass
class SchedulerSettings:
    """How the scheduler runs (``vnarchive scheduler`` options)."""

    max_concurrent: int = field(
        default_factory=lambda: int(os.environ.get("VNARCHIVE_MAX_CRAWLS") or 2)
    )
    poll_seconds: float = 5.0
    max_pages: int | None = None
    index_after: bool = True
    probe_health: bool = True
    catch_up: bool = True
    stop_grace_seconds: float = 60.0
    crawl_args: tuple[str, ...] = ()  # extra `vnarchive crawl` arguments (-s NAME=VALUE…)


class CrawlScheduler:
    """Fires scheduled crawls from the store's schedules (see the module docstring)."""

    def __init__(
        self,
        admin: AdminStore | None = None,
        settings: SchedulerSettings | None = None,
        *,
        profiles: Callable[[], list[Any]] = _load_profiles,
    ) -> None:
        self.admin = admin or AdminStore()
        self.settings = settings or SchedulerSettings()
        self.profiles = profiles
        self.runner = make_runner(
            self.admin,
            max_pages=self.settings.max_pages,
            probe_health=self.settings.probe_health,
            crawl_args=self.settings.crawl_args,
        )
        self.indexer = IndexUpdater(self.admin)
        self.aps = BackgroundScheduler(timezone=ZoneInfo(DEFAULT_TIMEZONE))
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="crawl")
        self._slots = threading.BoundedSemaphore(max(1, self.settings.max_concurrent))
        self._lock = threading.Lock()
        self._inflight: set[str] = set()  # portals queued or crawling in this process
        self._pending: set[str] = set()  # portals to run again once they are free
        self._running: dict[str, RunningCrawl] = {}
        self._previous_last_run: dict[str, datetime | None] = {}
        self._signature: tuple[Any, ...] | None = None
        self._stopping = threading.Event()
        self.peak_running = 0
        self.started_jobs: list[int] = []

    # -- lifecycle --

    def start(self) -> None:
        """Start firing: load schedules, run missed ones once, begin polling."""
        self.aps.start()
        self.sync(catch_up=self.settings.catch_up)
        self.aps.add_job(
            self.poll,
            "interval",
            seconds=self.settings.poll_seconds,
            id="__poll__",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        log.info("scheduler started: %d schedule(s)", len(self.aps.get_jobs()) - 1)

    def run_forever(self) -> None:
        """Start, then block until SIGTERM/SIGINT; shut down cleanly."""
        self.start()

        def stop(signum: int, _frame: Any) -> None:
            log.info("signal %s: stopping", signum)
            self._stopping.set()

        previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self._stopping.wait(1.0):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.shutdown()

    def _crawl_ended(self, run: RunningCrawl) -> bool:
        """Whether the crawl of ``run`` has closed its job as finished or failed."""
        try:
            job = self.admin.store.get_job(run.job_id)
        except Exception:  # the store is unreachable: give the slot back, as before
            return False
        return bool(job) and job["status"] in ("finished", "failed")

    def shutdown(self, *, stop_crawls: bool = True) -> None:
        """Stop firing; ask running crawls to stop cleanly and give back their slot."""
        self._stopping.set()
        with contextlib.suppress(Exception):
            self.aps.shutdown(wait=False)
        with self._lock:
            running = list(self._running.values())
            self._pending.clear()
        if stop_crawls:
            for run in running:
                self.runner.stop(run)
                # Give the slot back: the restarted scheduler runs it again (and resumes);
                # not when the crawl had already ended and only its health check was left.
                if run.trigger == "schedule" and not self._crawl_ended(run):
                    self.admin.restore_schedule_run(
                        run.portal, self._previous_last_run.get(run.portal)
                    )
        deadline = time.monotonic() + self.settings.stop_grace_seconds
        for run in running:
            self.runner.join(run, deadline - time.monotonic())
        self._pool.shutdown(wait=True, cancel_futures=True)

    # -- schedules --

    def sync(self, *, catch_up: bool = False) -> None:
        """Make the APScheduler jobs match the store's schedules (and run missed ones)."""
        try:
            profiles = self.profiles()
        except Exception as exc:
            log.error("cannot load portal profiles: %s", exc)
            return
        schedules = effective_schedules(self.admin, profiles, seed=True)
        self._signature = self.admin.schedules_signature()
        wanted = {s["portal"]: s for s in schedules if s["enabled"] and not s["error"]}
        for job in self.aps.get_jobs():
            if job.id != "__poll__" and job.id not in wanted:
                job.remove()
        for portal, schedule in wanted.items():
            trigger = parse_cron(schedule["cron"], schedule["timezone"])
            existing = self.aps.get_job(portal)
            if existing is not None and str(existing.trigger) == str(trigger):
                continue
            self.aps.add_job(
                self.fire,
                trigger,
                id=portal,
                args=[portal],
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )
        for schedule in schedules:
            if schedule["error"]:
                log.error("schedule of %s: %s", schedule["portal"], schedule["error"])
        if catch_up:
            for portal, schedule in wanted.items():
                missed = missed_run(schedule)
                if missed is not None:
                    log.info("%s missed its run of %s: running it once now", portal, missed)
                    self.fire(portal)

    def next_run_times(self) -> dict[str, datetime | None]:
        """Each scheduled portal's next fire time, as APScheduler sees it."""
        return {job.id: job.next_run_time for job in self.aps.get_jobs() if job.id != "__poll__"}

    def poll(self) -> None:
        """Every few seconds: pick up schedule edits, retry waiting runs, index if behind."""
        if self._stopping.is_set():
            return
        try:
            if self.admin.schedules_signature() != self._signature:
                self.sync(catch_up=False)
            if self.runner.remote:
                self.runner.cluster.reap()  # jobs of nodes that went down
            with self._lock:
                waiting = [p for p in self._pending if p not in self._inflight]
            for portal in waiting:
                self.fire(portal)
            if (
                self.settings.index_after
                and not self.indexer.busy()
                and not self._running
                and self.indexer.behind()
            ):
                self.indexer.request()
        except Exception:
            log.exception("scheduler poll failed")

    # -- running --

    def fire(self, portal: str) -> str:
        """A schedule fired: run the portal's crawl, or remember to once it is free."""
        if self._stopping.is_set():
            return "stopping"
        with self._lock:
            if portal in self._inflight:
                self._pending.add(portal)
                return "pending"
            self._pending.discard(portal)
            self._inflight.add(portal)
        self._pool.submit(self._run, portal)
        return "submitted"

    def _run(self, portal: str) -> None:
        try:
            with self._slots:
                if self._stopping.is_set():
                    return
                previous = (self.admin.get_schedule(portal) or {}).get("last_run")
                try:
                    run = self.runner.start(portal, trigger="schedule")
                except PortalBusy as busy:
                    log.info("%s is busy (job %s): will run when it ends", portal, busy.job["id"])
                    with self._lock:
                        self._pending.add(portal)
                    return
                except NoCrawlNode as exc:  # retried at the next poll
                    log.warning("%s: %s; will retry", portal, exc)
                    with self._lock:
                        self._pending.add(portal)
                    return
                self.admin.mark_schedule_run(portal)
                with self._lock:
                    self._previous_last_run[portal] = previous
                    self._running[portal] = run
                    self.started_jobs.append(run.job_id)
                    self.peak_running = max(self.peak_running, len(self._running))
                try:
                    self.runner.wait(run)
                finally:
                    with self._lock:
                        self._running.pop(portal, None)
                        self._previous_last_run.pop(portal, None)
            if self.settings.index_after and not self._stopping.is_set():
                self.indexer.request()
        except Exception:
            log.exception("scheduled crawl of %s failed", portal)
        finally:
            with self._lock:
                self._inflight.discard(portal)

    def running(self) -> dict[str, int]:
        """The crawls this scheduler is running now: {portal: job id}."""
        with self._lock:
            return {portal: run.job_id for portal, run in self._running.items()}
