"""The search page (``/``): query box, filters with facet counts, timeline, results, paging."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from search_app.api import search_args
from search_app.context import AppContext, get_ctx
from search_app.errors import ApiError
from search_app.i18n import get_lang, translate
from search_app.pages.feed import feed_url
from search_app.portals import portal_rows
from search_app.searching import MAX_PAGE, RawSearch, run_search
from search_app.templating import render
from search_app.timeline import facet_counts, timeline_svg

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
) -> Any:
    """Render the search page for the GET parameters (every state is a bookmarkable URL).

    A URL with empty parameters (a submitted form's unset filters) is redirected to the
    same search without them, so the URLs people copy and bookmark stay clean.
    """
    items = request.query_params.multi_items()
    if any(not value.strip() for _key, value in items):
        kept = [(k, v) for k, v in items if v.strip()]
        return RedirectResponse("/" + (f"?{urlencode(kept)}" if kept else ""), status_code=303)
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
        "feed_url": feed_url(request),
        "exact": bool(raw.exact),
    }
    portals = portal_rows(ctx)
    labels = {p["portal"]: p["district"] or p["portal"] for p in portals}
    # provinces by their names before and after the 2025 reform (either finds the articles)
    now_names = {(p.get("now") or {}).get("province_now") for p in portals} - {None}
    old_names = {p["province"] for p in portals if p["province"]}
    facets: dict[str, list[dict[str, Any]]] = {
        "province": [
            {"value": name, "count": None, "label": name} for name in sorted(old_names | now_names)
        ]
    }
    if result is not None:
        for name, facet in (result.get("facets") or {}).items():
            counts = facet_counts(facet)
            facets[name] = [
                {"value": value, "count": count, "label": labels.get(value, value)}
                for value, count in counts.items()
            ]
    context["facets"] = facets
    browsing = not any(
        (raw.q, raw.portal, raw.province, raw.category, raw.date_from, raw.date_to, raw.place)
    )
    if result is not None and browsing and not result.get("total"):
        # nothing at all to show: say why (no article archived, or none indexed yet)
        context["archive_state"] = "index_missing" if portals else "empty_archive"
    if result is not None:
        per_page = int(result.get("per_page") or 20)
        pages = math.ceil(int(result.get("total") or 0) / per_page)
        context["pages"] = max(1, min(pages, MAX_PAGE))  # deeper pages are not served
        context["timeline"] = timeline_svg(
            result.get("facets") or {},
            request,
            translate("timeline_desc", get_lang(request)),
        )
    status = error.status if error else 200
    return render(request, "search.html", context, status_code=status)
