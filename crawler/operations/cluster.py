"""Crawls on Scrapyd nodes: pick the least busy node, schedule, watch, cancel.

With ``VNARCHIVE_SCRAPYD_URLS`` set (see ``indexer.config.scrapyd_urls``), the scheduler
and the admin's Run now start crawls through ``scrapyd_runner.ScrapydRunner`` instead of
local processes; ``scrapyd`` holds one node's JSON API.  The rules stay those of a local crawl:

- the job row is claimed first, in the shared store (``AdminStore.claim_job``: one crawl
  per portal, whichever machine asks), then the crawl is scheduled on the node with the
  fewest running + pending jobs (Scrapyd's own count, or the store's count of active jobs
  on that node if higher); the row records the node (``node``) and Scrapyd's job id
  (``scrapyd_job``);
- the crawl gets every path as a Scrapy setting (``setting=VNARCHIVE_DATA=…`` etc.):
  the nodes mount the same data directory at the same path, and share the store;
- cancel goes through ``cancel.json`` (Scrapyd sends SIGTERM: the crawl closes its job as
  ``cancelled``, resumable);
- a node that does not answer is skipped and recorded as down (``meta`` key
  :data:`NODES_META`, shown on ``/admin``); a job whose node stopped answering is marked
  ``interrupted``, so its next run (on any node) resumes it.

Only the standard library talks to Scrapyd (its JSON API over HTTP).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from crawler.operations.job_runner import NoCrawlNode
from crawler.operations.scrapyd import NodeDown, ScrapydError, ScrapydNode
from indexer import config
from indexer.store.admin import AdminStore
from indexer.store.rows import utcnow

log = logging.getLogger("vnarchive.cluster")

NODES_META = "scrapyd_nodes"
"""``meta`` key holding the last seen state of each node: JSON {url: {up, load, error, checked}}."""


class NoNodeUp(NoCrawlNode):
    """No Scrapyd node answered: nothing can be dispatched now."""


class ScrapydCluster:
    """The Scrapyd nodes of ``VNARCHIVE_SCRAPYD_URLS``: their state and the choice of one."""

    def __init__(
        self,
        admin: AdminStore,
        urls: Iterable[str] | None = None,
        *,
        project: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.admin = admin
        self.nodes = [ScrapydNode(u, timeout) for u in (urls or config.scrapyd_urls())]
        if not self.nodes:
            raise ValueError("no Scrapyd nodes: set VNARCHIVE_SCRAPYD_URLS")
        self.project = project or config.scrapyd_project()
        self._lock = threading.Lock()

    def node(self, name: str) -> ScrapydNode:
        """The node with this (public) URL; a node no longer configured is still reachable."""
        for node in self.nodes:
            if node.name == name:
                return node
        return ScrapydNode(name, self.nodes[0].timeout)

    # -- state ----------------------------------------------------------------------

    def _record(self, states: dict[str, dict[str, Any]]) -> None:
        try:
            known = json.loads(self.admin.store.get_meta(NODES_META, "{}") or "{}")
        except ValueError:
            known = {}
        known.update(states)
        try:
            self.admin.store.set_meta(NODES_META, json.dumps(known, sort_keys=True))
        except Exception as exc:  # another process wrote it at the same moment
            log.debug("could not record node states: %s", exc)

    def mark_down(self, node: ScrapydNode, error: str) -> None:
        """Record that a node stopped answering (shown on /admin)."""
        self._record({node.name: _state(False, None, error)})

    def probe(self) -> dict[str, dict[str, Any]]:
        """Ask every node for its counts; record and return {url: state}."""
        states = {}
        for node in self.nodes:
            try:
                status = node.status()
                load = int(status.get("running", 0)) + int(status.get("pending", 0))
                states[node.name] = _state(True, load, None)
            except (NodeDown, ScrapydError) as exc:
                states[node.name] = _state(False, None, str(exc))
        self._record(states)
        return states

    def pick(self, exclude: Iterable[str] = ()) -> ScrapydNode:
        """The least busy node that answers (raises NoNodeUp when none does)."""
        skip = set(exclude)
        states = self.probe()
        active: dict[str, int] = {}
        for job in self.admin.node_jobs():
            active[job["node"]] = active.get(job["node"], 0) + 1
        best: tuple[int, int, ScrapydNode] | None = None
        for index, node in enumerate(self.nodes):
            state = states[node.name]
            if node.name in skip or not state["up"]:
                continue
            load = max(int(state["load"] or 0), active.get(node.name, 0))
            if best is None or (load, index) < best[:2]:
                best = (load, index, node)
        if best is None:
            down = "; ".join(f"{u}: {s['error']}" for u, s in states.items() if not s["up"])
            raise NoNodeUp(f"no Scrapyd node is up ({down or 'all were tried'})")
        return best[2]

    # -- jobs -------------------------------------------------------------------------

    def reap(self) -> list[int]:
        """Close the active jobs of the nodes whose crawl is gone; return their ids.

        A node that does not answer: its jobs become ``interrupted`` (resumable).  A
        Scrapyd job that ended while its row is still active (the crawl died without
        closing it): ``interrupted`` too.
        """
        closed = []
        for job in self.admin.node_jobs():
            if not job.get("scrapyd_job"):
                continue  # being dispatched right now
            reason = self.lost_reason(job)
            if reason and self.admin.finish_if_active(job["id"], "interrupted", stop_reason=reason):
                closed.append(job["id"])
        return closed

    def lost_reason(self, job: dict[str, Any]) -> str | None:
        """Why a dispatched job's crawl is gone, or None while it is pending/running."""
        node = self.node(job["node"])
        try:
            state = node.job_state(self.project, job["scrapyd_job"])
        except NodeDown as exc:
            self.mark_down(node, str(exc))
            if not exc.refused:  # busy or slow network: the crawl may well be running
                return None
            return f"{exc}; the next run of the portal resumes this job"
        except ScrapydError as exc:
            return f"{exc}; the next run of the portal resumes this job"
        if state in ("pending", "running"):
            return None
        # Scrapyd says it ended: give the crawl a moment to close its own row first.
        for _ in range(10):
            row = self.admin.store.get_job(job["id"]) or {}
            if row.get("status") not in ("queued", "running"):
                return None
            time.sleep(0.5)
        return (
            f"Scrapyd job {job['scrapyd_job']} on {node.name} ended ({state}) without "
            f"closing its crawl job (see {urljoin(node.name, 'logs/')}); the next run resumes it"
        )

    def cancel(self, job: dict[str, Any]) -> str:
        """Cancel a dispatched job through ``cancel.json``; return what happened."""
        node = self.node(job["node"])
        if not job.get("scrapyd_job"):
            raise ValueError(f"job {job['id']} is being dispatched to {node.name}: try again")
        try:
            previous = node.cancel(self.project, job["scrapyd_job"])
        except NodeDown as exc:
            self.mark_down(node, str(exc))
            self.admin.finish_if_active(
                job["id"], "interrupted", stop_reason=f"{exc}; the next run resumes this job"
            )
            return f"{node.name} does not answer: job marked interrupted (resumable)"
        if previous == "pending":
            self.admin.finish_if_active(
                job["id"], "cancelled", stop_reason="cancelled before its crawl started"
            )
            return f"removed from {node.name}'s queue before it started"
        return (
            f"asked {node.name} to cancel Scrapyd job {job['scrapyd_job']} (cancel.json); "
            "the crawl stops cleanly and can resume"
        )


def _state(up: bool, load: int | None, error: str | None) -> dict[str, Any]:
    return {"up": up, "load": load, "error": error, "checked": utcnow().isoformat()}


def node_states(admin: AdminStore) -> list[dict[str, Any]]:
    """The configured nodes with their last recorded state (for /admin), probed now."""
    if not config.scrapyd_urls():
        return []
    cluster = ScrapydCluster(admin, timeout=2.0)
    states = cluster.probe()
    return [{"url": url} | state for url, state in states.items()]
