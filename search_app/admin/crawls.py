"""Start crawls and background checks from the admin, and the portal rows they show."""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException

from crawler.operations.cluster import NoNodeUp
from crawler.operations.health import check_portal
from crawler.operations.index_updater import IndexUpdater
from crawler.operations.job_runner import CrawlRunner, RunningCrawl, make_runner
from crawler.operations.schedules import effective_schedules
from indexer.store.admin import AdminStore
from search_app.admin.auth import (
    get_admin_store,
)
from search_app.admin.base import _profile, _profiles
from search_app.admin.checks import BackgroundChecks, Check, TooManyChecks
from search_app.errors import ApiError

log = logging.getLogger("search_app.admin")


def _checks(request: Request) -> BackgroundChecks:
    state = request.app.state
    if getattr(state, "admin_checks", None) is None:
        state.admin_checks = BackgroundChecks(state.ctx.data_dir / "checks")
    return state.admin_checks


def _start_check(request: Request, kind: str, portal: str, work: Any, **details: Any) -> Check:
    """Start a background check (429 with Retry-After when too many are running)."""
    try:
        return _checks(request).start(kind, portal, work, **details)
    except TooManyChecks as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "10"}) from None


def _start_health_check(request: Request, portal: str) -> Check:
    """The running health check of ``portal``, or a new one."""
    profile = _profile(portal)
    running = _checks(request).running("health", portal)
    if running is not None:
        return running
    admin = get_admin_store(request)
    return _start_check(
        request, "health", portal, lambda check: check_portal(admin, profile, progress=check.say)
    )


def _runner(request: Request) -> CrawlRunner:
    state = request.app.state
    if getattr(state, "admin_runner", None) is None:
        # Scrapyd nodes when VNARCHIVE_SCRAPYD_URLS is set, else a local process
        state.admin_runner = make_runner(get_admin_store(request))
        state.admin_indexer = IndexUpdater(get_admin_store(request))
    return state.admin_runner


def start_crawl(request: Request, portal: str, max_pages: int | None) -> int:
    """Run now: start a crawl process and supervise it from a thread (health, index after).

    Raises PortalBusy when the portal already has a queued or running crawl.
    """
    runner = _runner(request)
    indexer: IndexUpdater = request.app.state.admin_indexer
    try:
        run: RunningCrawl = runner.start(portal, trigger="manual", max_pages=max_pages)
    except NoNodeUp as exc:
        raise ApiError(503, "no_crawl_node", str(exc)) from None
    crawls = request.app.state.__dict__.setdefault("admin_crawls", {})

    def supervise() -> None:
        try:
            runner.wait(run)
            if not runner.remote:  # on a cluster the scheduler updates the index, once
                indexer.request()
        except Exception:
            log.exception("supervising crawl job %s failed", run.job_id)
        finally:
            crawls.pop(run.job_id, None)

    thread = threading.Thread(target=supervise, name=f"crawl-{run.job_id}", daemon=True)
    crawls[run.job_id] = run
    thread.start()
    return run.job_id


def _max_pages(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise ApiError(422, "invalid_parameter", "max_pages must be a whole number ≥ 1")
    return int(value)


def portal_rows(admin: AdminStore) -> list[dict[str, Any]]:
    """One row per portal for the portals page and the API: health, last job, counts, next run."""
    profiles = _profiles()
    admin.reap_dead_jobs()
    health = admin.health()
    last = admin.last_jobs()
    counts = {s["portal"]: s["articles"] for s in admin.store.portal_stats()}
    schedules = {s["portal"]: s for s in effective_schedules(admin, profiles)}
    rows = []
    for p in profiles:
        rows.append(
            {
                "id": p.id,
                "name": p.name,
                "province": p.province,
                "district": p.district,
                "family": p.family,
                "base_url": p.base_url,
                "enabled": p.enabled,
                "sample": p.sample,
                "flags": health.get(p.id, []),
                "last_job": last.get(p.id),
                "articles": counts.get(p.id, 0),
                "schedule": schedules.get(p.id),
            }
        )
    return rows
