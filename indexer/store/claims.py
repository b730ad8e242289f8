"""Crawl-job claims: the one atomic way to start a crawl, and the jobs the admin watches."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from indexer.store.errors import PortalBusy
from indexer.store.rows import _aware, _row, utcnow
from indexer.store.tables import articles, crawl_jobs

ACTIVE_STATUSES = ("queued", "running")
RESUMABLE_STATUSES = ("cancelled", "interrupted")  # a new crawl picks these jobs up again

CLAIM_LOCK_KEY = 0x766E_6172_0003  # "vnar" 3: PostgreSQL advisory lock of claim_job
_PG_CLAIM_LOCK = sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=CLAIM_LOCK_KEY)


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists on this machine (zombies count as dead)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[-1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return True


class CrawlClaims:
    """Crawl-job claims and the jobs the admin watches, a part of ``AdminStore``."""

    # -- crawl jobs ---------------------------------------------------------------

    def active_jobs(self, portal: str | None = None) -> list[dict[str, Any]]:
        """Jobs queued or running (oldest first), after reaping those whose process died."""
        self.reap_dead_jobs()
        query = (
            sa.select(crawl_jobs)
            .where(crawl_jobs.c.status.in_(ACTIVE_STATUSES))
            .order_by(crawl_jobs.c.id)
        )
        if portal:
            query = query.where(crawl_jobs.c.portal == portal)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def reap_dead_jobs(self, *, queued_grace: timedelta = timedelta(minutes=10)) -> list[int]:
        """Mark ``interrupted`` the active jobs whose process is gone; return their ids.

        A running job whose pid no longer exists died without closing its row (killed,
        machine rebooted).  A queued job with no live pid for longer than
        ``queued_grace`` was never started.
        """
        now = utcnow()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    crawl_jobs.c.id, crawl_jobs.c.pid, crawl_jobs.c.status, crawl_jobs.c.started_at
                ).where(
                    crawl_jobs.c.status.in_(ACTIVE_STATUSES),
                    # a crawl on a Scrapyd node has a pid on another machine: the
                    # dispatcher asks its node instead (crawler.operations.cluster)
                    crawl_jobs.c.node.is_(None),
                )
            ).all()
        dead = []
        for row in rows:
            if pid_alive(row.pid):
                continue
            started = _aware(row.started_at) or now
            if row.status == "queued" and now - started < queued_grace:
                continue
            dead.append(row.id)
        if dead:
            with self.writer.begin() as conn:
                conn.execute(
                    crawl_jobs.update()
                    .where(crawl_jobs.c.id.in_(dead), crawl_jobs.c.status.in_(ACTIVE_STATUSES))
                    .values(
                        status="interrupted",
                        finished_at=now,
                        stop_reason="the crawl process ended without closing its job",
                    )
                )
        return dead

    def claim_job(
        self,
        portal: str,
        *,
        trigger: str,
        options: dict[str, Any] | None = None,
        pid: int | None = None,
        resume: bool = True,
    ) -> int:
        """Reserve the next crawl of ``portal`` as a ``queued`` job row; return its id.

        Check and write happen in one write transaction (on SQLite ``BEGIN IMMEDIATE``),
        so two processes (the scheduler and the web app) can never both start a crawl
        of the same portal: raises :class:`PortalBusy` when one is queued or running.
        With ``resume`` (default), when the portal's latest job was ``cancelled`` or
        ``interrupted`` that row is reopened, so the crawl resumes it (same job id,
        same WARC, counts carried on), as a crawl started by hand would.
        """
        self.reap_dead_jobs()
        owner = pid if pid is not None else os.getpid()
        with self.writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                # READ COMMITTED would let two machines both see "no active job" and both
                # insert one: claims of every portal are serialised by one advisory lock.
                conn.execute(_PG_CLAIM_LOCK)
            active = conn.execute(
                sa.select(crawl_jobs)
                .where(crawl_jobs.c.portal == portal, crawl_jobs.c.status.in_(ACTIVE_STATUSES))
                .order_by(crawl_jobs.c.id)
            ).first()
            if active is not None:
                raise PortalBusy(portal, _row(active))
            latest = conn.execute(
                sa.select(crawl_jobs.c.id, crawl_jobs.c.status)
                .where(crawl_jobs.c.portal == portal)
                .order_by(crawl_jobs.c.id.desc())
                .limit(1)
            ).first()
            if resume and latest is not None and latest.status in RESUMABLE_STATUSES:
                conn.execute(
                    crawl_jobs.update()
                    .where(crawl_jobs.c.id == latest.id)
                    # "running", not "queued": the crawl attached with --job-id then
                    # resumes it (skips what this job already archived).
                    .values(
                        status="running",
                        pid=owner,
                        finished_at=None,
                        stop_reason=None,
                        node=None,
                        scrapyd_job=None,
                    )
                )
                return int(latest.id)
            result = conn.execute(
                crawl_jobs.insert().values(
                    portal=portal,
                    started_at=utcnow(),
                    status="queued",
                    trigger=trigger,
                    options=json.dumps(options or {}, ensure_ascii=False),
                    pid=owner,
                    error_reasons="{}",
                )
            )
            return int(result.inserted_primary_key[0])

    def attach_node(self, job_id: int, node: str, scrapyd_job: str | None = None) -> None:
        """Record where a dispatched crawl runs: its Scrapyd node (URL) and Scrapyd job id."""
        with self.writer.begin() as conn:
            conn.execute(
                crawl_jobs.update()
                .where(crawl_jobs.c.id == job_id)
                .values(node=node, scrapyd_job=scrapyd_job)
            )

    def node_jobs(self, node: str | None = None) -> list[dict[str, Any]]:
        """Active jobs dispatched to Scrapyd nodes (to one node with ``node``), oldest first."""
        query = (
            sa.select(crawl_jobs)
            .where(crawl_jobs.c.status.in_(ACTIVE_STATUSES), crawl_jobs.c.node.is_not(None))
            .order_by(crawl_jobs.c.id)
        )
        if node:
            query = query.where(crawl_jobs.c.node == node)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def finish_if_active(self, job_id: int, status: str, **fields: Any) -> bool:
        """Close a job only if it is still queued/running (the crawl did not close it)."""
        with self.writer.begin() as conn:
            return bool(
                conn.execute(
                    crawl_jobs.update()
                    .where(crawl_jobs.c.id == job_id, crawl_jobs.c.status.in_(ACTIVE_STATUSES))
                    .values(status=status, finished_at=utcnow(), **fields)
                ).rowcount
            )

    def finished_jobs(self, portal: str, *, limit: int = 10) -> list[dict[str, Any]]:
        """A portal's closed jobs (finished/failed/cancelled/interrupted), newest first."""
        query = (
            sa.select(crawl_jobs)
            .where(crawl_jobs.c.portal == portal, crawl_jobs.c.finished_at.is_not(None))
            .order_by(crawl_jobs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def last_jobs(self) -> dict[str, dict[str, Any]]:
        """The most recent job of every portal: {portal: job}."""
        latest = (
            sa.select(sa.func.max(crawl_jobs.c.id).label("id"))
            .group_by(crawl_jobs.c.portal)
            .subquery()
        )
        query = sa.select(crawl_jobs).join(latest, latest.c.id == crawl_jobs.c.id)
        with self.engine.connect() as conn:
            return {r.portal: _row(r) for r in conn.execute(query)}

    def latest_first_seen(self, portal: str) -> datetime | None:
        """When the newest article of a portal was first archived (None: no articles)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.max(articles.c.first_seen)).where(articles.c.portal == portal)
            ).scalar()
        return _aware(value)
