"""The search page (``/``): query box, filters with facet counts, timeline, results, paging."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from search_app.api import search_args
from search_app.context import AppContext, get_ctx
from search_app.errors import ApiError
from search_app.searching import RawSearch, run_search
from search_app.templating import render
from search_app.timeline import timeline_svg

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
) -> Any:
    """Render the search page for the GET parameters (every state is a bookmarkable URL)."""
    error: ApiError | None = None
    result: dict[str, Any] | None = None
    try:
        result = run_search(ctx.index_dir, raw)
    except ApiError as exc:
        error = exc
    context: dict[str, Any] = {
        "raw": raw,
        "error": error,
        "result": result,
        "pages": 0,
        "timeline": None,
    }
    if result is not None:
        per_page = int(result.get("per_page") or 20)
        context["pages"] = max(1, math.ceil(int(result.get("total") or 0) / per_page))
        context["timeline"] = timeline_svg(result.get("facets") or {}, request)
    status = error.status if error else 200
    return render(request, "search.html", context, status_code=status)
