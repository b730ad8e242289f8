"""The admin console: portals, schedules, crawl jobs and health, behind a login.

Routes (HTML; every form carries the session's CSRF token):

| route | what |
|---|---|
| ``GET/POST /admin/login``, ``POST /admin/logout`` | sign in / out |
| ``GET /admin`` | overview: alerts, running crawls, recent crawls |
| ``GET /admin/portals`` | portals with health, last crawl, counts, schedule |
| ``GET/POST /admin/portals/new``, ``GET/POST /admin/portals/{id}/edit`` | the profile form; ``action=test`` starts "test this portal" (a background check), ``action=save`` writes the TOML |
| ``POST /admin/portals/{id}/enabled`` | enable/disable a portal |
| ``POST /admin/portals/{id}/run`` | Run now |
| ``POST /admin/portals/{id}/health`` | re-check health (a background check) |
| ``GET /admin/checks/{id}`` | a background check: its progress line, then its result |
| ``GET /admin/schedules``, ``POST /admin/schedules/{id}`` | cron per portal, next runs |
| ``GET /admin/jobs``, ``GET /admin/jobs/{id}`` | running and past crawls, log tail |
| ``POST /admin/jobs/{id}/cancel`` | Cancel (SIGTERM: stops cleanly, resumes later) |

The routes live in one module per section (``signin``, ``overview``, ``portals`` with
the background checks, ``schedules``, ``jobs``, and ``api`` for the JSON twins);
``routes`` gathers them into the router the web app includes.  This module holds what
they share: the routers, the page helper, profile lookup.

JSON twins under ``/api/admin`` (state changes need the ``X-CSRF-Token`` header,
whose value ``GET /api/admin/session`` gives).

Everything except the login page sits on routers whose dependency is
:func:`search_app.admin.auth.admin_guard`: a route added here is protected by construction.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from crawler.operations.job_control import job_duration
from crawler.profiles import ProfileError, load_profiles
from indexer.store.admin import AdminStore, Session
from search_app.admin.auth import (
    CSRF_FIELD,
    admin_guard,
    get_admin_store,
)
from search_app.admin.strings import ADMIN_STRINGS
from search_app.errors import ApiError, not_found
from search_app.templating import render

log = logging.getLogger("search_app.admin")

STATUSES = ("queued", "running", "finished", "failed", "cancelled", "interrupted")
NOTICES = ("started", "busy", "saved", "health")

public = APIRouter(include_in_schema=False)
pages = APIRouter(include_in_schema=False, dependencies=[Depends(admin_guard)])
api = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(admin_guard)])

Admin = Annotated[AdminStore, Depends(get_admin_store)]
SessionDep = Annotated[Session, Depends(admin_guard)]


# -- helpers -------------------------------------------------------------------------


def _page(
    request: Request,
    name: str,
    session: Session | None,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    notice = request.query_params.get("notice")
    full = {
        "session": session,
        "csrf": session.csrf if session else "",
        "csrf_field": CSRF_FIELD,
        "notice": notice if notice in NOTICES else None,
        "flag_names": ("stale", "layout_changed", "redirected", "unreachable", "parked"),
    }
    full.update(context or {})
    response = render(request, name, full, status_code=status_code, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _profiles() -> list[Any]:
    try:
        return load_profiles()
    except ProfileError as exc:
        raise ApiError(500, "bad_profile", str(exc)) from None


def _profile(portal: str) -> Any:
    for profile in _profiles():
        if profile.id == portal:
            return profile
    raise not_found(f"portal {portal!r}")


def _duration(job: dict[str, Any]) -> str:
    return job_duration(job)


def _by_count(counts: dict[str, Any] | None) -> list[tuple[str, int]]:
    """``{name: n}`` as (name, n) pairs, largest first."""
    return sorted(((k, int(v)) for k, v in (counts or {}).items()), key=lambda kv: (-kv[1], kv[0]))


def _labelled(prefix: str, counts: dict[str, Any] | None) -> list[tuple[str, str | None, int]]:
    """``{key: n}`` as (key, string key of its words or None, n), largest first: a key
    the console has no words for is shown as it is."""
    return [
        (key, f"{prefix}{key}" if f"{prefix}{key}" in ADMIN_STRINGS else None, n)
        for key, n in _by_count(counts)
    ]


def _error_labels(
    counts: dict[str, Any] | None,
) -> list[tuple[str, str | None, dict[str, str], int]]:
    """Error reasons as (key, string key of its words or None, values for them, n),
    largest first: ``http_404`` reads as the HTTP status it is, a key the console has
    no words for is shown as it is."""
    labels = []
    for key, words, n in _labelled("error_", counts):
        values: dict[str, str] = {}
        if words is None and key.startswith("http_") and key[5:].isdigit():
            words, values = "error_http", {"status": key[5:]}
        labels.append((key, words, values, n))
    return labels


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    found = job.get("discovery") or {}
    return job | {
        "duration": _duration(job),
        "reasons": _error_labels(job.get("error_reasons")),
        "active": job["status"] in ("queued", "running"),
        # what discovery saw and how pages were extracted (as `vnarchive jobs show`)
        "read_as": _labelled("kind_", found.get("pages")),
        "skipped": _labelled("skip_", found.get("skipped")),
        "meta_refresh": _labelled("refresh_", found.get("meta_refresh")),
        "refresh_targets": list(found.get("refresh_targets") or []),
        "unclassified": list(found.get("unclassified") or []),
        "dated_from_listing": int(found.get("dated_from_listing") or 0),
        "paths": _by_count(job.get("extraction_paths")),
    }
