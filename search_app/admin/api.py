"""The admin's JSON twins under ``/api/admin``."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Body, Request
from fastapi.responses import JSONResponse

from crawler.operations.job_control import cancel_job, log_state, log_tail
from crawler.operations.schedules import CronError, next_runs
from indexer.store.errors import PortalBusy
from search_app.admin.base import Admin, SessionDep, _duration, _profile, api
from search_app.admin.crawls import (
    _checks,
    _max_pages,
    _start_health_check,
    portal_rows,
    start_crawl,
)
from search_app.api_models import (
    AdminPortalList,
    AdminSession,
    BackgroundCheck,
    BackgroundCheckList,
    CheckStarted,
    CrawlJobDetail,
    CrawlJobList,
    JobCancelled,
    JobStarted,
    ScheduleSet,
)
from search_app.errors import ApiError, not_found

log = logging.getLogger("search_app.admin")


# -- JSON API ------------------------------------------------------------------------


def _json_job(job: dict[str, Any]) -> dict[str, Any]:
    out = dict(job)
    for key in ("started_at", "finished_at"):
        out[key] = out[key].isoformat() if out.get(key) else None
    out["duration"] = _duration(job)
    return out


@api.get("/session", operation_id="getAdminSession", response_model=AdminSession)
def api_session(session: SessionDep) -> dict[str, Any]:
    """Who is signed in, and the CSRF token to send as ``X-CSRF-Token``."""
    return {"user": session.user, "csrf_token": session.csrf}


@api.get("/portals", operation_id="listAdminPortals", response_model=AdminPortalList)
def api_portals(admin: Admin) -> dict[str, Any]:
    """Every portal: health flags, last job, article count, next run."""
    out = []
    for row in portal_rows(admin):
        schedule = row["schedule"] or {}
        job = row["last_job"]
        out.append(
            {
                "id": row["id"],
                "name": row["name"],
                "enabled": row["enabled"],
                "health": {f["flag"]: f["detail"] for f in row["flags"]},
                "last_job": _json_job(job) if job else None,
                "articles": row["articles"],
                "cron": schedule.get("cron"),
                "next_run": schedule["next_run"].isoformat() if schedule.get("next_run") else None,
            }
        )
    return {"portals": out}


@api.post(
    "/portals/{portal}/run",
    status_code=202,
    operation_id="runPortal",
    response_model=JobStarted,
    responses={404: {"description": "No such portal"}, 409: {"description": "Already crawling"}},
)
def api_run(
    request: Request,
    portal: str,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> JSONResponse:
    """Run now (JSON body ``{"max_pages": N}`` optional); 409 when the portal is busy."""
    _profile(portal)
    raw = (body or {}).get("max_pages")
    try:
        job_id = start_crawl(request, portal, _max_pages(str(raw) if raw is not None else None))
    except PortalBusy as busy:
        raise ApiError(409, "portal_busy", str(busy)) from None
    return JSONResponse({"job": job_id, "url": f"/api/admin/jobs/{job_id}"}, status_code=202)


@api.get("/jobs", operation_id="listJobs", response_model=CrawlJobList)
def api_jobs(
    admin: Admin, portal: str | None = None, status: str | None = None, limit: int = 50
) -> dict[str, Any]:
    """Crawl jobs, newest first."""
    admin.reap_dead_jobs()
    limit = max(1, min(limit, 500))
    return {
        "jobs": [
            _json_job(j) for j in admin.store.list_jobs(portal=portal, status=status, limit=limit)
        ]
    }


@api.get(
    "/jobs/{job_id}",
    operation_id="getJob",
    response_model=CrawlJobDetail,
    responses={404: {"description": "No such crawl job"}},
)
def api_job(job_id: int, admin: Admin, lines: int = 40) -> dict[str, Any]:
    """One crawl job with the tail of its log."""
    admin.reap_dead_jobs()
    job = admin.store.get_job(job_id)
    if job is None:
        raise not_found(f"crawl job {job_id}")
    return _json_job(job) | {
        "log_tail": log_tail(job.get("log_path"), max(0, min(lines, 500))),
        "log_state": log_state(job.get("log_path")),
    }


@api.post(
    "/jobs/{job_id}/cancel",
    status_code=202,
    operation_id="cancelJob",
    response_model=JobCancelled,
    responses={404: {"description": "No such crawl job"}, 409: {"description": "Not running"}},
)
def api_cancel(job_id: int, admin: Admin) -> dict[str, Any]:
    """Cancel a queued or running crawl (it stops cleanly and can resume)."""
    try:
        message = cancel_job(admin, job_id)
    except LookupError:
        raise not_found(f"crawl job {job_id}") from None
    except ValueError as exc:
        raise ApiError(409, "not_running", str(exc)) from None
    return {"job": job_id, "message": message}


@api.post(
    "/portals/{portal}/health",
    status_code=202,
    operation_id="checkPortalHealth",
    response_model=CheckStarted,
    responses={404: {"description": "No such portal"}, 429: {"description": "Too many checks"}},
)
def api_health(request: Request, portal: str) -> dict[str, Any]:
    """Re-check a portal's health in the background; follow it at the URL answered."""
    check = _start_health_check(request, portal)
    return {"check": check.id, "url": f"/api/admin/checks/{check.id}"}


@api.get("/checks", operation_id="listChecks", response_model=BackgroundCheckList)
def api_checks(request: Request) -> dict[str, Any]:
    """The latest background checks (health, portal tests), running ones first."""
    return {"checks": [c.as_json() for c in _checks(request).latest(50)]}


@api.get(
    "/checks/{check_id}",
    operation_id="getCheck",
    response_model=BackgroundCheck,
    responses={404: {"description": "No such check"}},
)
def api_check(request: Request, check_id: int) -> dict[str, Any]:
    """One background check: status, progress line, and its flags or problems."""
    check = _checks(request).get(check_id)
    if check is None:
        raise not_found(f"check {check_id}")
    return check.as_json()


@api.put(
    "/schedules/{portal}",
    operation_id="setSchedule",
    response_model=ScheduleSet,
    responses={404: {"description": "No such portal"}},
)
def api_schedule(
    portal: str, admin: Admin, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    """Set a portal's schedule: ``{"cron": "0 2 * * *", "enabled": true}``."""
    _profile(portal)
    cron = " ".join(str(body.get("cron") or "").split())[:128]
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ApiError(422, "invalid_parameter", "enabled must be true or false")
    try:
        upcoming = next_runs(cron, count=3)
    except CronError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from None
    admin.set_schedule(portal, cron, enabled=enabled)
    return {
        "portal": portal,
        "cron": cron,
        "enabled": enabled,
        "next_runs": [t.isoformat() for t in upcoming] if enabled else [],
    }
