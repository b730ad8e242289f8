"""Crawl scheduling: fire each portal's cron, run the crawl as its own process, index after.

The pieces, smallest first:

- :func:`parse_cron` / :func:`next_run` / :func:`missed_run`: cron expressions
  (5 fields, time zone Asia/Ho_Chi_Minh by default) through APScheduler's ``CronTrigger``.
- :func:`effective_schedules`: every portal's schedule: its ``schedules`` row if it has
  one, else the ``schedule`` of its profile (seeded into the store the first time the
  scheduler sees the portal; edit it afterwards with ``vnarchive schedule set`` or
  the admin page).
- :class:`CrawlRunner`: claims a job row for a portal (atomically: never two crawls of
  one portal, whoever asks), starts ``python -m vnarchive crawl PORTAL --job-id N
  --trigger T`` as a subprocess, waits, closes the row if the crawl could not, and
  re-evaluates the portal's health.  The web app's "Run now" uses it too.
- :class:`IndexUpdater`: runs ``python -m vnarchive index`` after crawls, one at a time,
  coalescing requests (Whoosh allows one writer).
- :class:`CrawlScheduler`: APScheduler's ``BackgroundScheduler`` with one cron job per
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
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from indexer import config
from indexer.admin_store import DEFAULT_TIMEZONE, AdminStore, PortalBusy, pid_alive
from indexer.store import utcnow

log = logging.getLogger("vnarchive.scheduler")

DEFAULT_CRON = "0 2 * * *"  # nightly, 02:00 Vietnam time
EXIT_CANCELLED = 3  # `vnarchive crawl` exit status of a cancelled crawl


class NoCrawlNode(RuntimeError):
    """No machine can run a crawl now (no Scrapyd node answers); try again later."""


class CronError(ValueError):
    """A cron expression or time zone that cannot be used (the message says why)."""


def parse_cron(cron: str, timezone: str = DEFAULT_TIMEZONE) -> CronTrigger:
    """A CronTrigger for a 5-field cron expression (minute hour day month weekday)."""
    cron = " ".join((cron or "").split())
    if len(cron.split(" ")) != 5:
        raise CronError(
            f"cron needs 5 fields (minute hour day month weekday), e.g. '0 2 * * *': {cron!r}"
        )
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {timezone!r}") from None
    try:
        return CronTrigger.from_crontab(cron, timezone=tz)
    except ValueError as exc:
        raise CronError(f"bad cron expression {cron!r}: {exc}") from None


def next_run(
    cron: str, timezone: str = DEFAULT_TIMEZONE, after: datetime | None = None
) -> datetime | None:
    """The first fire time strictly after ``after`` (default: now)."""
    trigger = parse_cron(cron, timezone)
    start = (after or utcnow()) + timedelta(seconds=1)
    return trigger.get_next_fire_time(None, start.replace(microsecond=0))


def next_runs(
    cron: str, timezone: str = DEFAULT_TIMEZONE, count: int = 3, after: datetime | None = None
) -> list[datetime]:
    """The next ``count`` fire times after ``after`` (default: now)."""
    out: list[datetime] = []
    when = after or utcnow()
    for _ in range(count):
        fire = next_run(cron, timezone, when)
        if fire is None:
            break
        out.append(fire)
        when = fire
    return out


def missed_run(schedule: dict[str, Any], now: datetime | None = None) -> datetime | None:
    """The first fire time missed since the schedule last ran (None: nothing missed).

    The reference is ``last_run`` (or, for a schedule that never ran, ``updated_at``:
    a schedule does not owe runs from before it existed).  However many slots were
    missed, the answer is one time: the run happens once.
    """
    now = now or utcnow()
    since = schedule.get("last_run") or schedule.get("updated_at")
    if since is None:
        return None
    trigger = parse_cron(schedule["cron"], schedule.get("timezone") or DEFAULT_TIMEZONE)
    fire = trigger.get_next_fire_time(None, (since + timedelta(seconds=1)).replace(microsecond=0))
    if fire is None or fire > now:
        return None
    return fire


def _load_profiles() -> list[Any]:
    from crawler.profiles import load_profiles

    return load_profiles()


def effective_schedules(
    admin: AdminStore, profiles: Iterable[Any] | None = None, *, seed: bool = False
) -> list[dict[str, Any]]:
    """Every portal's schedule: its store row, else its profile's ``schedule``.

    Each dict has ``portal``, ``cron``, ``timezone``, ``enabled`` (false when the
    schedule or the portal is off), ``portal_enabled``, ``last_run``, ``updated_at``,
    ``source`` (``store`` or ``profile``) and ``next_run``.  With ``seed`` the
    profile schedules are written to the store (what the scheduler does).
    """
    profiles = list(_load_profiles() if profiles is None else profiles)
    rows = {row["portal"]: row for row in admin.list_schedules()}
    out = []
    for profile in profiles:
        row = rows.get(profile.id)
        source = "store"
        if row is None:
            cron = getattr(profile, "schedule", None) or DEFAULT_CRON
            if seed:
                row = admin.set_schedule(profile.id, cron)
            else:
                row = {
                    "portal": profile.id,
                    "cron": cron,
                    "timezone": DEFAULT_TIMEZONE,
                    "enabled": True,
                    "last_run": None,
                    "updated_at": None,
                }
                source = "profile"
        item = dict(row)
        item["source"] = source
        item["portal_enabled"] = bool(profile.enabled)
        item["enabled"] = bool(row["enabled"]) and bool(profile.enabled)
        try:
            item["next_run"] = next_run(item["cron"], item["timezone"]) if item["enabled"] else None
            item["error"] = None
        except CronError as exc:
            item["next_run"] = None
            item["error"] = str(exc)
        out.append(item)
    return out


# -- running one crawl ---------------------------------------------------------------


def crawl_command(
    portal: str,
    job_id: int,
    *,
    trigger: str,
    max_pages: int | None = None,
    full: bool = False,
    python: str = sys.executable,
    extra_args: Iterable[str] = (),
) -> list[str]:
    """The command line of one crawl attached to a pre-created job row.

    ``--no-health``: the runner checks the portal's health itself once the crawl ends.
    """
    cmd = [python, "-m", "vnarchive", "crawl", portal, "--job-id", str(job_id)]
    cmd += ["--trigger", trigger, "--no-health"]
    if max_pages:
        cmd += ["--max-pages", str(int(max_pages))]
    if full:
        cmd.append("--full")
    cmd += list(extra_args)
    return cmd


def job_log_path(portal: str, job_id: int) -> Path:
    """Where the output of a crawl started by the scheduler/admin goes."""
    path = config.jobs_dir() / portal / "logs" / f"job-{job_id}.out"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


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
        from search_app.cluster import ScrapydCluster, ScrapydError

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


@dataclass
class RunningCrawl:
    """A crawl subprocess started for a job row."""

    portal: str
    job_id: int
    trigger: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started: float = field(default_factory=time.monotonic)


class CrawlRunner:
    """Starts and supervises crawls as subprocesses, one per claimed job row."""

    remote = False  # search_app.cluster.ScrapydRunner: crawls on Scrapyd nodes

    def __init__(
        self,
        admin: AdminStore,
        *,
        max_pages: int | None = None,
        probe_health: bool = True,
        python: str = sys.executable,
        extra_env: dict[str, str] | None = None,
        extra_args: Iterable[str] = (),
    ) -> None:
        self.admin = admin
        self.extra_args = list(extra_args)  # e.g. ["-s", "DOWNLOAD_DELAY=0"]
        self.max_pages = max_pages
        self.probe_health = probe_health
        self.python = python
        self.extra_env = extra_env or {}

    def start(
        self,
        portal: str,
        *,
        trigger: str = "manual",
        max_pages: int | None = None,
        full: bool = False,
    ) -> RunningCrawl:
        """Claim a job for ``portal`` and start its crawl (raises PortalBusy when taken)."""
        max_pages = max_pages or self.max_pages
        options: dict[str, Any] = {"max_pages": max_pages, "full": full}
        job_id = self.admin.claim_job(portal, trigger=trigger, options=options)
        log_path = job_log_path(portal, job_id)
        self.admin.store.update_job(job_id, log_path=str(log_path))
        cmd = crawl_command(
            portal,
            job_id,
            trigger=trigger,
            max_pages=max_pages,
            full=full,
            python=self.python,
            extra_args=self.extra_args,
        )
        env = os.environ.copy()
        env.update(self.extra_env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        with open(log_path, "ab") as out:
            out.write(f"$ {' '.join(cmd[1:])}\n".encode())
            out.flush()
            try:
                process = subprocess.Popen(
                    cmd,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    cwd=str(config.REPO_ROOT),
                    start_new_session=True,  # a Ctrl-C on the scheduler is not a crawl's
                )
            except OSError as exc:
                self.admin.finish_if_active(
                    job_id, "failed", stop_reason=f"cannot start the crawl: {exc}"
                )
                raise
        # Hand the row to the crawl process, unless it was cancelled while queued.
        job = self.admin.store.get_job(job_id) or {}
        if job.get("status") == "cancelled":
            process.send_signal(signal.SIGTERM)
        elif job.get("status") in ("queued", "running") and job.get("pid") == os.getpid():
            self.admin.store.update_job(job_id, pid=process.pid)
        log.info("started crawl of %s (job %s, pid %s)", portal, job_id, process.pid)
        return RunningCrawl(portal, job_id, trigger, process, log_path)

    def wait(self, run: RunningCrawl, timeout: float | None = None) -> dict[str, Any]:
        """Wait for a crawl to end; close its row if it could not; check health; return it."""
        code = run.process.wait(timeout=timeout)
        if code != 0:
            tail = _tail(run.log_path, 1)
            reason = f"the crawl process exited with code {code}" + (
                f": {tail[-1][:300]}" if tail else ""
            )
            cancelled = (-signal.SIGTERM, -signal.SIGINT, EXIT_CANCELLED)
            status = "cancelled" if code in cancelled else "failed"
        else:
            reason = "the crawl process ended without closing its job"
            status = "failed"
        self.admin.finish_if_active(run.job_id, status, stop_reason=reason)
        job = self.admin.store.get_job(run.job_id) or {}
        log.info("crawl of %s (job %s) ended: %s", run.portal, run.job_id, job.get("status"))
        self.check_health(run.portal)
        return job

    def stop(self, run: RunningCrawl) -> None:
        """Ask a crawl to stop cleanly (SIGTERM: its job closes as cancelled, resumable)."""
        with contextlib.suppress(ProcessLookupError):
            run.process.send_signal(signal.SIGTERM)

    def join(self, run: RunningCrawl, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a crawl to end."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            run.process.wait(timeout=max(0.1, timeout))

    def check_health(self, portal: str) -> dict[str, str]:
        """Re-evaluate and store a portal's health flags (never raises)."""
        from search_app.health import check_portal

        try:
            from crawler.profiles import get_profile

            profile = get_profile(portal)
            return check_portal(self.admin, profile, probe=self.probe_health)
        except Exception:  # a broken profile or probe must not stop the scheduler
            log.exception("health check of %s failed", portal)
            return {}


def make_runner(admin: AdminStore, **kwargs: Any) -> CrawlRunner:
    """The runner for this machine: Scrapyd nodes when ``VNARCHIVE_SCRAPYD_URLS`` is set,
    else local crawl processes.  ``crawl_args`` (``-s NAME=VALUE`` pairs) become Scrapy
    settings of dispatched crawls."""
    crawl_args = list(kwargs.pop("crawl_args", ()) or ())
    if config.scrapyd_urls():
        from crawler.runner import parse_setting_overrides
        from search_app.cluster import ScrapydRunner

        values = [v for flag, v in zip(crawl_args, crawl_args[1:], strict=False) if flag == "-s"]
        return ScrapydRunner(admin, settings=parse_setting_overrides(values), **kwargs)
    return CrawlRunner(admin, extra_args=crawl_args, **kwargs)


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


def log_tail(path: Path | str | None, lines: int = 40) -> list[str]:
    """The last lines of a job's log (for the admin page and ``vnarchive jobs``)."""
    return _tail(path, lines)


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
