"""The portals page (``/portals``): every portal, its article count, date span, last crawl."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from search_app.context import AppContext, get_ctx
from search_app.portals import portal_rows
from search_app.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/portals", response_class=HTMLResponse)
def portals_page(request: Request, ctx: Annotated[AppContext, Depends(get_ctx)]) -> Any:
    """Render the table of archived portals, each linking to a search filtered on it."""
    rows = portal_rows(ctx)
    total = sum(r["articles"] for r in rows)
    return render(request, "portals.html", {"portals": rows, "total": total})
