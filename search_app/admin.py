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

JSON twins under ``/api/admin`` (state changes need the ``X-CSRF-Token`` header,
whose value ``GET /api/admin/session`` gives).

Everything except the login page sits on routers whose dependency is
:func:`search_app.auth.admin_guard`: a route added here is protected by construction.
"""

from __future__ import annotations

import logging
import secrets
import threading
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, FastAPI, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from crawler.profiles import FAMILIES, SELECTOR_KEYS, ProfileError, load_profiles
from indexer.admin_store import AdminStore, PortalBusy, Session
from search_app import admin_forms, i18n
from search_app.admin_i18n import ADMIN_STRINGS
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
from search_app.auth import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    admin_guard,
    clear_session_cookie,
    client_ip,
    get_admin_store,
    get_rate_limiter,
    login,
    safe_next,
    set_session_cookie,
    tokens_match,
)
from search_app.checks import BackgroundChecks, Check, TooManyChecks
from search_app.cluster import NoNodeUp, node_states
from search_app.errors import ApiError, not_found
from search_app.health import HealthSettings, check_portal, try_portal
from search_app.passwords import MAX_PASSWORD_LENGTH
from search_app.scheduler import (
    CrawlRunner,
    CronError,
    IndexUpdater,
    RunningCrawl,
    cancel_job,
    effective_schedules,
    job_duration,
    log_tail,
    make_runner,
    next_runs,
)
from search_app.templating import add_nav, render

log = logging.getLogger("search_app.admin")

STATUSES = ("queued", "running", "finished", "failed", "cancelled", "interrupted")
NOTICES = ("started", "busy", "saved", "health")

public = APIRouter(include_in_schema=False)
pages = APIRouter(include_in_schema=False, dependencies=[Depends(admin_guard)])
api = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(admin_guard)])

Admin = Annotated[AdminStore, Depends(get_admin_store)]
SessionDep = Annotated[Session, Depends(admin_guard)]


def setup(app: FastAPI) -> None:
    """Register the admin strings and nav link; the crawl runner lives on app.state."""
    i18n.add_strings({k: v for k, v in ADMIN_STRINGS.items() if k not in i18n.STRINGS})
    add_nav("nav_admin", "/admin")
    app.state.admin_crawls = {}
    app.state.admin_checks = BackgroundChecks()


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


def _checks(request: Request) -> BackgroundChecks:
    state = request.app.state
    if getattr(state, "admin_checks", None) is None:
        state.admin_checks = BackgroundChecks()
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


def _duration(job: dict[str, Any]) -> str:
    return job_duration(job)


def _job_view(job: dict[str, Any]) -> dict[str, Any]:
    reasons = job.get("error_reasons") or {}
    return job | {
        "duration": _duration(job),
        "reasons": sorted(reasons.items(), key=lambda kv: (-int(kv[1]), kv[0])),
        "active": job["status"] in ("queued", "running"),
    }


# -- login ---------------------------------------------------------------------------


def _login_form(
    request: Request,
    *,
    error: str | None = None,
    status_code: int = 200,
    retry: int = 0,
    target: str | None = None,
) -> Response:
    token = secrets.token_urlsafe(24)
    admin = get_admin_store(request)
    headers = {"Retry-After": str(retry)} if retry else None
    response = _page(
        request,
        "admin/login.html",
        None,
        {
            "login_csrf": token,
            "error": error,
            "next": safe_next(target or request.query_params.get("next")),
            "no_users": not admin.list_users(),
            "retry": retry,
            "max_password": MAX_PASSWORD_LENGTH,
        },
        status_code=status_code,
        headers=headers,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/admin/login",
    )
    return response


@public.get("/admin/login")
def login_page(request: Request) -> Response:
    """The sign-in form (a signed-in admin goes straight to the overview)."""
    from search_app.auth import current_session

    if current_session(request) is not None:
        return _redirect(safe_next(request.query_params.get("next")))
    return _login_form(request)


@public.post("/admin/login")
async def login_submit(request: Request) -> Response:
    """Check the CSRF cookie, the rate limit, then the password; start a session."""
    form = await request.form()
    name = str(form.get("name") or "").strip()[:64]
    password = str(form.get("password") or "")[:MAX_PASSWORD_LENGTH]
    target = safe_next(str(form.get("next") or ""))
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")):
        return _login_form(request, error="login_csrf", status_code=403, target=target)
    limiter = get_rate_limiter(request)
    address = client_ip(request)
    wait = limiter.retry_after(name, address)
    if wait:
        return _login_form(
            request, error="login_rate_limited", status_code=429, retry=wait, target=target
        )
    admin = get_admin_store(request)
    result = await run_in_threadpool(login, admin, name, password)
    if result is None:
        limiter.record_failure(name, address)
        return _login_form(request, error="login_failed", status_code=401, target=target)
    limiter.reset(name, address)
    token, _session = result
    response = _redirect(target)
    set_session_cookie(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/admin/login")
    return response


@pages.post("/admin/logout")
def logout(request: Request, admin: Admin) -> Response:
    """End the session (server-side) and clear the cookie."""
    from search_app.auth import SESSION_COOKIE

    token = request.cookies.get(SESSION_COOKIE)
    if token:
        admin.delete_session(token)
    response = _redirect("/admin/login")
    clear_session_cookie(response)
    return response


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


# -- portals -------------------------------------------------------------------------


@pages.get("/admin/portals")
def portals_page(request: Request, session: SessionDep, admin: Admin) -> Response:
    """Every portal with health, last crawl, counts, schedule and actions."""
    return _page(request, "admin/portals.html", session, {"portals": portal_rows(admin)})


def _form_page(
    request: Request,
    session: Session,
    form: dict[str, str],
    *,
    editing: str | None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    test: Any = None,
    check: Check | None = None,
    status_code: int = 200,
) -> Response:
    return _page(
        request,
        "admin/portal_form.html",
        session,
        {
            "form": form,
            "editing": editing,
            "errors": errors or {},
            "message": message,
            "test": test,
            "check": check,
            "refresh": 2 if check is not None and check.active else None,
            "families": FAMILIES,
            "selector_keys": SELECTOR_KEYS,
            "selectors_open": any(
                form.get(f"selector_{k}") or f"selector_{k}" in (errors or {})
                for k in SELECTOR_KEYS
            ),
        },
        status_code=status_code,
    )


@pages.get("/admin/portals/new")
def portal_new(request: Request, session: SessionDep) -> Response:
    """The empty profile form."""
    form = admin_forms.form_from_raw({"family": "generic", "enabled": True})
    return _form_page(request, session, form, editing=None)


@pages.get("/admin/portals/{portal}/edit")
def portal_edit(request: Request, portal: str, session: SessionDep) -> Response:
    """The profile form filled with a portal's profile."""
    profile = _profile(portal)
    form = admin_forms.form_from_raw(admin_forms.raw_profile(profile))
    return _form_page(request, session, form, editing=portal)


async def _submit_portal(
    request: Request, session: Session, admin: AdminStore, editing: str | None
) -> Response:
    submitted = await request.form()
    form = {k: str(v) for k, v in submitted.items() if isinstance(v, str)}
    action = form.get("action", "save")
    existing = None
    if editing is not None:
        existing = _profile(editing)
        form["id"] = editing  # the id of a saved portal does not change
    data = admin_forms.raw_from_form(form, sample=bool(existing and existing.sample))
    try:
        profile = admin_forms.validate(data)
    except ProfileError as exc:
        return _form_page(
            request,
            session,
            form,
            editing=editing,
            errors={admin_forms.error_field(exc): exc.message},
            message=str(exc),
            status_code=422,
        )
    if editing is None and any(p.id == profile.id for p in _profiles()):
        return _form_page(
            request,
            session,
            form,
            editing=None,
            errors={"id": i18n.translate("portal_exists", i18n.get_lang(request), id=profile.id)},
            status_code=409,
        )
    if action == "test":
        check = _start_check(
            request,
            "test",
            profile.id,
            lambda check: try_portal(
                profile, deadline=HealthSettings().deadline, progress=check.say
            ),
            form=form,
            editing=editing,
        )
        return _redirect(f"/admin/checks/{check.id}")
    try:
        await run_in_threadpool(admin_forms.save_profile, data)
    except (ProfileError, OSError) as exc:
        return _form_page(
            request, session, form, editing=editing, message=str(exc), status_code=422
        )
    old_cron = existing.schedule if existing else None
    current = admin.get_schedule(profile.id)
    if current is None or profile.schedule != old_cron:
        admin.set_schedule(
            profile.id,
            profile.schedule,
            enabled=bool(current["enabled"]) if current else True,
        )
    return _redirect("/admin/portals?notice=saved")


@pages.post("/admin/portals/new")
async def portal_create(request: Request, session: SessionDep, admin: Admin) -> Response:
    """Validate the form; ``action=test`` tries the portal, ``action=save`` writes it."""
    return await _submit_portal(request, session, admin, None)


@pages.post("/admin/portals/{portal}/edit")
async def portal_update(
    request: Request, portal: str, session: SessionDep, admin: Admin
) -> Response:
    """Validate the edited profile; test it or save it."""
    return await _submit_portal(request, session, admin, portal)


def _set_enabled(portal: str, enabled: bool) -> None:
    profile = _profile(portal)
    data = admin_forms.raw_profile(profile)
    data["enabled"] = enabled
    admin_forms.save_profile(data)


@pages.post("/admin/portals/{portal}/enabled")
def portal_enabled(
    portal: str, _session: SessionDep, enabled: Annotated[str, Form()] = ""
) -> Response:
    """Enable (``enabled=1``) or disable (``enabled=0``) a portal's crawls."""
    _set_enabled(portal, enabled == "1")
    return _redirect("/admin/portals?notice=saved")


@pages.post("/admin/portals/{portal}/run")
def portal_run(
    request: Request,
    portal: str,
    _session: SessionDep,
    admin: Admin,
    max_pages: Annotated[str, Form()] = "",
) -> Response:
    """Run now: start a crawl of the portal and show its job."""
    _profile(portal)
    try:
        job_id = start_crawl(request, portal, _max_pages(max_pages))
    except PortalBusy as busy:
        return _redirect(f"/admin/jobs/{busy.job['id']}?notice=busy")
    return _redirect(f"/admin/jobs/{job_id}?notice=started")


@pages.post("/admin/portals/{portal}/health")
def portal_health(request: Request, portal: str, _session: SessionDep) -> Response:
    """Re-evaluate a portal's health (probes its start page) as a background check."""
    check = _start_health_check(request, portal)
    return _redirect(f"/admin/checks/{check.id}")


@pages.get("/admin/checks/{check_id}")
def check_page(request: Request, check_id: int, session: SessionDep) -> Response:
    """A background check: its progress line while it runs (the page refreshes), then
    the flags raised or, for "test this portal", the form with what was extracted."""
    check = _checks(request).get(check_id)
    if check is None:
        raise not_found(f"check {check_id}")
    if check.kind == "test":
        return _form_page(
            request,
            session,
            check.form,
            editing=check.editing,
            test=None if check.active else check.result,
            check=check,
        )
    return _page(
        request,
        "admin/check.html",
        session,
        {"check": check, "refresh": 2 if check.active else None},
    )


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
        {"job": view, "tail": log_tail(job.get("log_path"), 60)},
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
    return _json_job(job) | {"log_tail": log_tail(job.get("log_path"), max(0, min(lines, 500)))}


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


router = APIRouter()
router.include_router(public)
router.include_router(pages)
router.include_router(api)
