"""Admin schedule pages: cron per portal and its next runs."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import Response

from crawler.operations.schedules import CronError, effective_schedules, next_runs
from indexer.store.admin import AdminStore
from search_app.admin.base import Admin, SessionDep, _page, _profile, _profiles, _redirect, pages

# -- schedules -----------------------------------------------------------------------


def _schedule_rows(admin: AdminStore) -> list[dict[str, Any]]:
    rows = effective_schedules(admin, _profiles())
    for row in rows:
        try:
            row["upcoming"] = next_runs(row["cron"], row["timezone"], 3) if row["enabled"] else []
        except CronError:
            row["upcoming"] = []
    return rows


@pages.get("/admin/schedules")
def schedules_page(request: Request, session: SessionDep, admin: Admin) -> Response:
    """Every portal's cron, on/off, last run and next run times."""
    return _page(request, "admin/schedules.html", session, {"schedules": _schedule_rows(admin)})


@pages.post("/admin/schedules/{portal}")
def schedule_update(
    request: Request,
    portal: str,
    session: SessionDep,
    admin: Admin,
    cron: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
) -> Response:
    """Set a portal's cron and whether its schedule is on."""
    _profile(portal)
    cron = " ".join(cron.split())[:128]
    try:
        next_runs(cron, count=1)
    except CronError as exc:
        return _page(
            request,
            "admin/schedules.html",
            session,
            {"schedules": _schedule_rows(admin), "error": {"portal": portal, "message": str(exc)}},
            status_code=422,
        )
    admin.set_schedule(portal, cron, enabled=enabled == "1")
    return _redirect(f"/admin/schedules?notice=saved#schedule-{quote(portal)}")
