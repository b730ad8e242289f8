"""Admin portal pages: the list, the profile form (test, save), enable, run now, health, background checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from crawler.operations.health import HealthSettings
from crawler.operations.try_portal import try_portal
from crawler.profiles import FAMILIES, SELECTOR_KEYS, ProfileError
from indexer.store.admin import AdminStore, Session
from indexer.store.errors import PortalBusy
from search_app import i18n
from search_app.admin import forms
from search_app.admin.base import Admin, SessionDep, _page, _profile, _profiles, _redirect, pages
from search_app.admin.checks import Check
from search_app.admin.crawls import (
    _checks,
    _max_pages,
    _start_check,
    _start_health_check,
    portal_rows,
    start_crawl,
)
from search_app.errors import not_found

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
    form = forms.form_from_raw({"family": "auto", "enabled": True})
    return _form_page(request, session, form, editing=None)


@pages.get("/admin/portals/{portal}/edit")
def portal_edit(request: Request, portal: str, session: SessionDep) -> Response:
    """The profile form filled with a portal's profile."""
    profile = _profile(portal)
    form = forms.form_from_raw(forms.raw_profile(profile))
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
    data = forms.raw_from_form(form, sample=bool(existing and existing.sample))
    try:
        profile = forms.validate(data)
    except ProfileError as exc:
        return _form_page(
            request,
            session,
            form,
            editing=editing,
            errors={forms.error_field(exc): exc.message},
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
        await run_in_threadpool(forms.save_profile, data)
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
    data = forms.raw_profile(profile)
    data["enabled"] = enabled
    forms.save_profile(data)


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
