"""Run crawls on Scrapyd nodes: the ``CrawlRunner`` interface over a ``ScrapydCluster``."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from crawler.operations.cluster import NoNodeUp, ScrapydCluster
from crawler.operations.job_runner import CrawlRunner
from crawler.operations.scrapyd import NodeDown, ScrapydError, ScrapydNode, _crawl_settings
from indexer import config
from indexer.store.admin import AdminStore

log = logging.getLogger("vnarchive.cluster")


@dataclass
class RemoteCrawl:
    """A crawl dispatched to a Scrapyd node for a job row."""

    portal: str
    job_id: int
    trigger: str
    node: ScrapydNode
    scrapyd_job: str
    started: float = field(default_factory=time.monotonic)

    @property
    def log_path(self) -> str:
        """Where Scrapyd keeps the crawl's output."""
        return urljoin(
            self.node.name, f"logs/{config.scrapyd_project()}/portal/{self.scrapyd_job}.log"
        )


class ScrapydRunner(CrawlRunner):
    """Starts crawls on Scrapyd nodes and watches them (same interface as CrawlRunner)."""

    remote = True

    def __init__(
        self,
        admin: AdminStore,
        cluster: ScrapydCluster | None = None,
        *,
        max_pages: int | None = None,
        probe_health: bool = True,
        settings: dict[str, Any] | None = None,
        poll_seconds: float = 1.0,
        lost_after: int = 3,
        lost_seconds: float = 60.0,
    ) -> None:
        super().__init__(admin, max_pages=max_pages, probe_health=probe_health)
        self.cluster = cluster or ScrapydCluster(admin)
        self.settings = dict(settings or {})  # extra Scrapy settings for every crawl
        self.poll_seconds = poll_seconds
        # a node counts as gone after this many refused connections in a row, or after
        # answering nothing (timeouts: maybe only busy) for this many seconds
        self.lost_after = lost_after
        self.lost_seconds = lost_seconds

    def start(  # type: ignore[override]
        self,
        portal: str,
        *,
        trigger: str = "manual",
        max_pages: int | None = None,
        full: bool = False,
    ) -> RemoteCrawl:
        """Claim a job for ``portal`` and schedule it on the least busy node.

        Raises PortalBusy when the portal is taken, NoNodeUp when no node answers (the
        claimed row is then closed: failed, or interrupted when it had work to resume).
        """
        self.cluster.reap()
        self.cluster.pick()  # NoNodeUp before any row is claimed
        max_pages = max_pages or self.max_pages
        options: dict[str, Any] = {"max_pages": max_pages, "full": full}
        job_id = self.admin.claim_job(portal, trigger=trigger, options=options)
        args = {
            "portal": portal,
            "job_id": job_id,
            "trigger": trigger,
            "max_pages": max_pages,
            "full": "1" if full else None,
        }
        settings = _crawl_settings() | self.settings
        tried: list[str] = []
        while True:
            try:
                node = self.cluster.pick(exclude=tried)
            except NoNodeUp as exc:
                self._give_back(job_id, str(exc))
                raise
            tried.append(node.name)
            # the node first: from now on no machine judges this row by its pid
            self.admin.attach_node(job_id, node.name)
            try:
                scrapyd_job = node.schedule(self.cluster.project, "portal", args, settings)
            except NodeDown as exc:
                self.cluster.mark_down(node, str(exc))
                continue
            except ScrapydError as exc:
                self.admin.finish_if_active(job_id, "failed", stop_reason=str(exc))
                raise
            break
        self.admin.attach_node(job_id, node.name, scrapyd_job)
        run = RemoteCrawl(portal, job_id, trigger, node, scrapyd_job)
        self.admin.store.update_job(job_id, log_path=run.log_path)
        log.info("dispatched %s (job %s) to %s as %s", portal, job_id, node.name, scrapyd_job)
        return run

    def _give_back(self, job_id: int, reason: str) -> None:
        row = self.admin.store.get_job(job_id) or {}
        status = "interrupted" if row.get("pages") else "failed"
        self.admin.finish_if_active(job_id, status, stop_reason=reason)

    def wait(self, run: RemoteCrawl, timeout: float | None = None) -> dict[str, Any]:  # type: ignore[override]
        """Wait until the job row is closed (by the crawl, or here when its node is lost)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        refused = 0
        silent_since: float | None = None
        while True:
            row = self.admin.store.get_job(run.job_id) or {}
            if row.get("status") not in ("queued", "running"):
                break
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"crawl job {run.job_id} still {row.get('status')}")
            try:
                state = run.node.job_state(self.cluster.project, run.scrapyd_job)
                refused, silent_since = 0, None
            except NodeDown as exc:
                refused = refused + 1 if exc.refused else 0
                silent_since = silent_since or time.monotonic()
                silent = time.monotonic() - silent_since
                if refused >= self.lost_after or silent >= self.lost_seconds:
                    self.cluster.mark_down(run.node, str(exc))
                    self.admin.finish_if_active(
                        run.job_id,
                        "interrupted",
                        stop_reason=f"{exc}; the next run of the portal resumes this job",
                    )
                time.sleep(self.poll_seconds)
                continue
            except ScrapydError:
                state = "unknown"
            if state not in ("pending", "running"):
                reason = self.cluster.lost_reason(row)
                if reason:
                    self.admin.finish_if_active(run.job_id, "interrupted", stop_reason=reason)
                continue
            time.sleep(self.poll_seconds)
        job = self.admin.store.get_job(run.job_id) or {}
        log.info("crawl of %s (job %s) ended: %s", run.portal, run.job_id, job.get("status"))
        self.check_health(run.portal)
        return job

    def stop(self, run: RemoteCrawl) -> None:  # type: ignore[override]
        """Ask the node to stop the crawl cleanly (cancel.json)."""
        job = self.admin.store.get_job(run.job_id)
        if job and job["status"] in ("queued", "running"):
            try:
                self.cluster.cancel(job)
            except (ScrapydError, ValueError) as exc:
                log.warning("could not cancel job %s: %s", run.job_id, exc)

    def join(self, run: RemoteCrawl, timeout: float) -> None:  # type: ignore[override]
        """Wait up to ``timeout`` seconds for the crawl to close its job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.admin.store.get_job(run.job_id) or {}
            if job.get("status") not in ("queued", "running"):
                return
            time.sleep(min(self.poll_seconds, 0.5))
