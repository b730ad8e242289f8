"""The JSON API: the twins of the search, article and portals pages.

``/api/search`` answers exactly what ``indexer.query.search`` returns (the
same JSON as ``vnarchive search --json``).  Errors use the one error shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from search_app.articles import article_json, get_article
from search_app.citing import article_citations
from search_app.context import AppContext, get_ctx
from search_app.errors import error_body
from search_app.portals import portal_rows
from search_app.searching import RawSearch, run_search

MAX_PER_PAGE = 100  # indexer.query.MAX_PER_PAGE (imported lazily: Whoosh loads on first search)

router = APIRouter(prefix="/api", tags=["api"])

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "The query cannot run (syntax, too long)",
        "content": {
            "application/json": {"example": error_body("query_too_long", "q: 12000 characters")}
        },
    },
    422: {
        "description": "A parameter has an invalid value",
        "content": {
            "application/json": {"example": error_body("invalid_date", "from: 'x' is not a date")}
        },
    },
}


def search_args(
    q: Annotated[str | None, Query(description='Words or "phrases"; diacritics optional')] = None,
    portal: Annotated[str | None, Query(description="Portal id")] = None,
    province: Annotated[str | None, Query(description="Province name")] = None,
    category: Annotated[str | None, Query(description="Category name")] = None,
    date_from: Annotated[
        str | None, Query(alias="from", description="Published on or after (yyyy-mm-dd)")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description="Published on or before (yyyy-mm-dd)")
    ] = None,
    sort: Annotated[str | None, Query(description="relevance | newest | oldest")] = None,
    page: Annotated[int | None, Query(description="Page number, from 1")] = None,
    per_page: Annotated[
        int | None, Query(description=f"Results per page, 1 to {MAX_PER_PAGE}")
    ] = None,
    place: Annotated[
        str | None, Query(description="A place the article names, by its old or new name")
    ] = None,
    topic: Annotated[
        str | None, Query(description="Topic (categories mapped across portals)")
    ] = None,
) -> RawSearch:
    """The search parameters of a request (shared by the search page and the API)."""
    return RawSearch(
        q, portal, province, category, date_from, date_to, sort, page, per_page, place, topic
    )


@router.get("/search", summary="Search the archive", responses=ERROR_RESPONSES)
def api_search(
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
) -> dict[str, Any]:
    """Search results with facets: ``{total, page, per_page, results, facets, did_you_mean, took_ms}``."""
    return run_search(ctx.index_dir, raw)


@router.get(
    "/articles/{article_id}",
    summary="One article with its attachments and versions",
    responses={404: {"description": "Unknown article id"}},
)
def api_article(
    request: Request, article_id: str, ctx: Annotated[AppContext, Depends(get_ctx)]
) -> dict[str, Any]:
    """The article's clean fields, attachments (with archive download links), versions,
    permalink and citations (APA, Chicago, BibTeX)."""
    article = get_article(ctx, article_id)
    out = article_json(article, ctx.store.versions_of(article["id"]))
    out["citations"] = article_citations(request, article)
    return out


@router.get("/portals", summary="Every archived portal")
def api_portals(ctx: Annotated[AppContext, Depends(get_ctx)]) -> dict[str, Any]:
    """Each portal with its article count, date span and last crawl."""
    rows = portal_rows(ctx)
    return {"total": len(rows), "portals": rows}
