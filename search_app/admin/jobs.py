"""Admin crawl job pages: running and past crawls, a job's log tail, cancel."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import Response

from crawler.operations.job_control import cancel_job, log_state, log_tail
from search_app.admin.base import (
    STATUSES,
    Admin,
    SessionDep,
    _job_view,
    _page,
    _profiles,
    _redirect,
    pages,
)
from search_app.errors import ApiError, not_found

log = logging.getLogger("search_app.admin")


# -- jobs ----------------------------------------------------------------------------


@pages.get("/admin/jobs")
def jobs_page(
    request: Request,
    session: SessionDep,
    admin: Admin,
    portal: str | None = None,
    status: str | None = None,
) -> Response:
    """Running crawls, then past crawls (filter by portal and status)."""
    status = status if status in STATUSES else None
    portal = portal or None
    active = [_job_view(j) for j in admin.active_jobs(portal)]
    past = [
        _job_view(j)
        for j in admin.store.list_jobs(portal=portal, status=status, limit=100)
        if j["status"] not in ("queued", "running")
    ]
    return _page(
        request,
        "admin/jobs.html",
        session,
        {
            "active": active if status in (None, "queued", "running") else [],
            "past": past,
            "portal": portal,
            "status": status,
            "portal_ids": [p.id for p in _profiles()],
            "statuses": STATUSES,
        },
    )


@pages.get("/admin/jobs/{job_id}")
def job_page(request: Request, job_id: int, session: SessionDep, admin: Admin) -> Response:
    """One crawl: counts, errors by reason, the log's tail; refreshes while it runs."""
    admin.reap_dead_jobs()
    job = admin.store.get_job(job_id)
    if job is None:
        raise not_found(f"crawl job {job_id}")
    view = _job_view(job)
    return _page(
        request,
        "admin/job.html",
        session,
        {
            "job": view,
            "tail": log_tail(job.get("log_path"), 60),
            "log_state": log_state(job.get("log_path")),
            "log_path": job.get("log_path") or "",
        },
    )


@pages.post("/admin/jobs/{job_id}/cancel")
def job_cancel(job_id: int, _session: SessionDep, admin: Admin) -> Response:
    """Cancel: the crawl gets SIGTERM, closes its job as cancelled and can resume."""
    try:
        cancel_job(admin, job_id)
    except LookupError:
        raise not_found(f"crawl job {job_id}") from None
    except ValueError as exc:
        raise ApiError(409, "not_running", str(exc)) from None
    return _redirect(f"/admin/jobs/{job_id}")
