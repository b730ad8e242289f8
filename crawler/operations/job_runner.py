"""Run one crawl on a claimed job row as a local ``vnarchive crawl`` process, then check the portal's health."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.operations.job_control import _tail
from indexer import config
from indexer.store.admin import AdminStore

log = logging.getLogger("vnarchive.scheduler")


EXIT_CANCELLED = 3  # `vnarchive crawl` exit status of a cancelled crawl


class NoCrawlNode(RuntimeError):
    """No machine can run a crawl now (no Scrapyd node answers); try again later."""


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

    remote = False  # crawler.operations.scrapyd_runner.ScrapydRunner: crawls on Scrapyd nodes

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
        from crawler.operations.health import check_portal

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
        from crawler.operations.runner import parse_setting_overrides
        from crawler.operations.scrapyd_runner import ScrapydRunner

        values = [v for flag, v in zip(crawl_args, crawl_args[1:], strict=False) if flag == "-s"]
        return ScrapydRunner(admin, settings=parse_setting_overrides(values), **kwargs)
    return CrawlRunner(admin, extra_args=crawl_args, **kwargs)
