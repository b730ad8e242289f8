"""Crawls on Scrapyd nodes: pick the least busy node, schedule, watch, cancel.

With ``VNARCHIVE_SCRAPYD_URLS`` set (see ``indexer.config.scrapyd_urls``), the scheduler
and the admin's Run now start crawls through :class:`ScrapydRunner` instead of local
processes.  The rules stay those of a local crawl:

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

import base64
import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit
from urllib.request import ProxyHandler, Request, build_opener

from indexer import config
from indexer.admin_store import AdminStore
from indexer.store import utcnow
from search_app.scheduler import CrawlRunner, NoCrawlNode

log = logging.getLogger("vnarchive.cluster")

NODES_META = "scrapyd_nodes"
"""``meta`` key holding the last seen state of each node: JSON {url: {up, load, error, checked}}."""

_OPENER = build_opener(ProxyHandler({}))  # nodes are on the cluster's network, never via a proxy


class NodeDown(RuntimeError):
    """A Scrapyd node did not answer (refused, timed out, not JSON).

    ``refused``: nothing listens there any more (the node is gone, not just busy).
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class ScrapydError(RuntimeError):
    """A Scrapyd node answered with an error (e.g. the project is not deployed there)."""


class NoNodeUp(NoCrawlNode):
    """No Scrapyd node answered: nothing can be dispatched now."""


def public_url(url: str) -> str:
    """A node URL without its user:password (what is shown and stored)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass
class ScrapydNode:
    """One Scrapyd server, through its JSON API (``http://user:pass@host:6800/`` for auth)."""

    url: str
    timeout: float = 10.0

    @property
    def name(self) -> str:
        """The URL without credentials."""
        return public_url(self.url)

    def _call(self, method: str, path: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        target = urljoin(self.name, path)
        data = urlencode(params).encode() if method == "POST" else None
        if method == "GET" and params:
            target += "?" + urlencode(params)
        request = Request(target, data=data, method=method)
        parts = urlsplit(self.url)
        if parts.username:
            token = f"{parts.username}:{parts.password or ''}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                payload = json.loads(response.read(4 * 1024 * 1024))
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeDown(
                f"Scrapyd node {self.name} does not answer: {reason}",
                refused=isinstance(reason, ConnectionRefusedError),
            ) from None
        if not isinstance(payload, dict) or payload.get("status") != "ok":
            message = payload.get("message") if isinstance(payload, dict) else payload
            raise ScrapydError(f"Scrapyd node {self.name}: {str(message)[:500]}")
        return payload

    def status(self) -> dict[str, Any]:
        """``daemonstatus.json``: running, pending and finished counts."""
        return self._call("GET", "daemonstatus.json", [])

    def schedule(
        self, project: str, spider: str, args: dict[str, Any], settings: dict[str, Any]
    ) -> str:
        """``schedule.json``: start a crawl; return Scrapyd's job id."""
        params = [("project", project), ("spider", spider)]
        params += [(k, str(v)) for k, v in args.items() if v not in (None, "", False)]
        params += [("setting", f"{k}={v}") for k, v in settings.items()]
        return str(self._call("POST", "schedule.json", params)["jobid"])

    def cancel(self, project: str, job: str) -> str:
        """``cancel.json`` (SIGTERM to a running crawl); return its previous state."""
        payload = self._call("POST", "cancel.json", [("project", project), ("job", job)])
        return str(payload.get("prevstate") or "")

    def job_state(self, project: str, job: str) -> str:
        """``status.json``: pending, running, finished or unknown."""
        payload = self._call("GET", "status.json", [("project", project), ("job", job)])
        return str(payload.get("currstate") or "unknown")


def _crawl_settings() -> dict[str, str]:
    """The paths a dispatched crawl needs, as Scrapy settings (from this process's config)."""
    out = {
        "VNARCHIVE_DATA": str(config.data_dir()),
        "VNARCHIVE_PORTALS": str(config.portals_dir()),
        "VNARCHIVE_DB_URL": config.db_url(),
    }
    samples = config.setting("VNARCHIVE_SAMPLES_URL")
    if samples:
        out["VNARCHIVE_SAMPLES_URL"] = samples
    return out


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
