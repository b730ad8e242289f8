"""The admin overview page: alerts, running and recent crawls."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from crawler.operations.cluster import node_states
from search_app.admin.base import Admin, SessionDep, _job_view, _page, pages
from search_app.admin.crawls import _checks, portal_rows

# -- overview ------------------------------------------------------------------------


@pages.get("/admin")
def dashboard(request: Request, session: SessionDep, admin: Admin) -> Response:
    """Alerts, background checks with their progress line, running crawls, latest crawls."""
    rows = portal_rows(admin)
    flags = [(r, f) for r in rows for f in r["flags"]]
    nodes = node_states(admin)  # Scrapyd nodes (VNARCHIVE_SCRAPYD_URLS), probed now
    active = [_job_view(j) for j in admin.active_jobs()]
    recent = [_job_view(j) for j in admin.store.list_jobs(limit=10)]
    checks = _checks(request).latest(10)
    return _page(
        request,
        "admin/dashboard.html",
        session,
        {
            "portals": rows,
            "flags": flags,
            "active": active,
            "recent": recent,
            "checks": checks,
            "nodes": nodes,
            "refresh": 2 if any(c.active for c in checks) else None,
        },
    )
