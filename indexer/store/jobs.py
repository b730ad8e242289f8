"""The ``crawl_jobs`` rows, a part of ``ArchiveStore``."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from indexer.store.rows import _row, utcnow
from indexer.store.tables import MAX_ROW_ID, crawl_jobs, versions


class CrawlJobs:
    """The ``crawl_jobs`` rows, a part of ``ArchiveStore``."""

    def job_outcome_counts(self, job_id: int) -> dict[str, int]:
        """How many articles a crawl job added (``new``) and changed (``changed``), counted
        from the versions it wrote — exact even when the job was killed and resumed."""
        first = (
            sa.select(versions.c.article_id, sa.func.min(versions.c.id).label("first_id"))
            .group_by(versions.c.article_id)
            .subquery()
        )
        query = (
            sa.select(
                sa.func.count().label("total"),
                sa.func.sum(sa.case((versions.c.id == first.c.first_id, 1), else_=0)).label("new"),
            )
            .select_from(versions.join(first, first.c.article_id == versions.c.article_id))
            .where(versions.c.job_id == job_id)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        total = int(row.total or 0) if row else 0
        new = int(row.new or 0) if row else 0
        return {"new": new, "changed": total - new}

    # -- crawl jobs ---------------------------------------------------------

    def start_job(
        self,
        portal: str,
        *,
        options: dict[str, Any] | None = None,
        trigger: str = "manual",
        status: str = "running",
        log_path: str | None = None,
        pid: int | None = None,
    ) -> int:
        """Record a new crawl job and return its id."""
        with self.writer.begin() as conn:
            result = conn.execute(
                crawl_jobs.insert().values(
                    portal=portal,
                    started_at=utcnow(),
                    status=status,
                    trigger=trigger,
                    options=json.dumps(options or {}),
                    log_path=log_path,
                    pid=pid,
                    error_reasons="{}",
                    error_urls="[]",
                    extraction_paths="{}",
                )
            )
            return int(result.inserted_primary_key[0])

    def update_job(self, job_id: int, **fields: Any) -> None:
        """Update a crawl job's columns (counts, status, stop reason…)."""
        for key in ("error_reasons", "error_urls", "options", "extraction_paths", "discovery"):
            if key in fields and not isinstance(fields[key], str):
                fields[key] = json.dumps(fields[key], ensure_ascii=False)
        with self.writer.begin() as conn:
            conn.execute(crawl_jobs.update().where(crawl_jobs.c.id == job_id).values(**fields))

    def finish_job(self, job_id: int, status: str, **fields: Any) -> None:
        """Close a crawl job with its final status and counts."""
        self.update_job(job_id, status=status, finished_at=utcnow(), **fields)

    def get_job(self, job_id: int) -> dict[str, Any] | None:
        """One crawl job, or None (also for an id no database integer can hold)."""
        if not 0 < job_id <= MAX_ROW_ID:
            return None  # a huge id from a URL would raise OverflowError in the driver
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(crawl_jobs).where(crawl_jobs.c.id == job_id)).first()
        return _row(row) if row else None

    def list_jobs(
        self, *, portal: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Crawl jobs, newest first."""
        query = sa.select(crawl_jobs).order_by(crawl_jobs.c.id.desc()).limit(limit)
        if portal:
            query = query.where(crawl_jobs.c.portal == portal)
        if status:
            query = query.where(crawl_jobs.c.status == status)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]
