"""The admin's router for the web app: every section's routes, strings and nav link."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from search_app import i18n
from search_app.admin import api, base, jobs, overview, portals, schedules, signin
from search_app.admin.checks import BackgroundChecks
from search_app.admin.strings import ADMIN_STRINGS
from search_app.templating import add_nav


def setup(app: FastAPI) -> None:
    """Register the admin strings and nav link; the crawl runner lives on app.state."""
    i18n.add_strings({k: v for k, v in ADMIN_STRINGS.items() if k not in i18n.STRINGS})
    add_nav("nav_admin", "/admin")
    app.state.admin_crawls = {}
    app.state.admin_checks = BackgroundChecks(app.state.ctx.data_dir / "checks")


SECTIONS = (signin, overview, portals, schedules, jobs, api)
"""The admin sections: importing one registers its routes on the routers of ``base``."""

router = APIRouter()
router.include_router(base.public)
router.include_router(base.pages)
router.include_router(base.api)
