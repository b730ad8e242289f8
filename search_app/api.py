"""The JSON API: the twins of the search, article and portals pages.

``/api/search`` answers exactly what ``indexer.search.query.search`` returns (the
same JSON as ``vnarchive search --json``).  Errors use the one error shape.
Response bodies are the Pydantic models of :mod:`search_app.api_models`; every
route has an explicit operation id (the method names of generated clients).

``/api/search`` is the hot route: its dict is encoded once with orjson
(:class:`FastJSON`) instead of being validated into its model and dumped again,
which cost more than the search itself on a cached query (issue 14;
``bench/app_bench.py``).  ``tests/search_app/test_api_json.py`` holds its bytes equal
to what the model would give.  Its searches run on a few threads of their own
(:data:`SEARCH_THREADS`), which live as long as the process: each keeps its own open
Whoosh searcher, and the app's default thread pool retires a thread idle for 10 s, so
under changing load new threads kept opening searchers (~0.9 s of CPU each at 100,000
articles).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from search_app.api_models import Article, PortalList, SearchResult, SortOrder
from search_app.articles import ID_PATTERN, article_json, get_article, story_copies
from search_app.citing import article_citations
from search_app.context import AppContext, get_ctx
from search_app.errors import error_body
from search_app.portals import portal_rows
from search_app.searching import MAX_FILTER_CHARS, MAX_PAGE, RawSearch, run_search

MAX_PER_PAGE = (
    100  # indexer.search.params.MAX_PER_PAGE (imported lazily: Whoosh loads on first search)
)

router = APIRouter(prefix="/api", tags=["api"])

SEARCH_THREADS = 4  # searches at once per worker process (CPU-bound: more only wait for the GIL)
_searching = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="api-search")

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
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No such article",
        "content": {"application/json": {"example": error_body("not_found", "article not found")}},
    },
}
TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many exports running at once; retry after Retry-After seconds",
        "content": {"application/json": {"example": error_body("too_many_exports", "busy")}},
    },
}


class FastJSON(Response):
    """A JSON response encoded by orjson: the bytes Starlette's ``JSONResponse`` writes
    (UTF-8, no spaces) for the dicts, lists, strings, ints and floats a search gives."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def search_args(
    q: Annotated[str | None, Query(description='Words or "phrases"; diacritics optional')] = None,
    portal: Annotated[
        str | None, Query(max_length=MAX_FILTER_CHARS, description="Portal id")
    ] = None,
    province: Annotated[
        str | None,
        Query(max_length=MAX_FILTER_CHARS, description="Province name (old or new)"),
    ] = None,
    category: Annotated[
        str | None, Query(max_length=MAX_FILTER_CHARS, description="Category name")
    ] = None,
    date_from: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=MAX_FILTER_CHARS,
            description="Published on or after: yyyy-mm-dd, yyyy-mm, yyyy or dd/mm/yyyy",
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        Query(
            alias="to",
            max_length=MAX_FILTER_CHARS,
            description="Published on or before (the same shapes)",
        ),
    ] = None,
    sort: Annotated[SortOrder | None, Query(description="Order (default relevance)")] = None,
    page: Annotated[
        int | None, Query(ge=1, le=MAX_PAGE, description=f"Page number, 1 to {MAX_PAGE}")
    ] = None,
    per_page: Annotated[
        int | None,
        Query(ge=1, le=MAX_PER_PAGE, description=f"Results per page, 1 to {MAX_PER_PAGE}"),
    ] = None,
    place: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_CHARS,
            description="A place the article names, by its old or new name",
        ),
    ] = None,
    topic: Annotated[
        str | None,
        Query(max_length=MAX_FILTER_CHARS, description="Topic (categories mapped across portals)"),
    ] = None,
    exact: Annotated[
        bool | None,
        Query(
            description="Strict accents: 1 (true) matches only words with exactly the typed "
            "diacritics (tuyên, not tuyển or tuyen)"
        ),
    ] = None,
) -> RawSearch:
    """The search parameters of a request (shared by the search page and the API)."""
    order = sort.value if sort is not None else None
    return RawSearch(
        q,
        portal,
        province,
        category,
        date_from,
        date_to,
        order,
        page,
        per_page,
        place,
        topic,
        exact,
    )


@router.get(
    "/search",
    summary="Search the archive",
    operation_id="search",
    response_model=SearchResult,
    responses=ERROR_RESPONSES,
)
async def api_search(
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
) -> Response:
    """Search results with facets: ``{total, page, per_page, results, facets, did_you_mean, took_ms}``."""
    loop = asyncio.get_running_loop()
    return FastJSON(await loop.run_in_executor(_searching, run_search, ctx.index_dir, raw))


@router.get(
    "/articles/{article_id}",
    summary="One article with its attachments, versions and citations",
    operation_id="getArticle",
    response_model=Article,
    responses={**NOT_FOUND, 422: ERROR_RESPONSES[422]},
)
def api_article(
    request: Request,
    article_id: Annotated[
        str,
        Path(
            description="Article id (hex digits, as search gives); another shape is a 404",
            json_schema_extra={"pattern": ID_PATTERN},  # documented; get_article answers 404
        ),
    ],
    ctx: Annotated[AppContext, Depends(get_ctx)],
) -> dict[str, Any]:
    """The article's clean fields, attachments (with archive download links), versions,
    permalink and citations (APA, Chicago, BibTeX)."""
    article = get_article(ctx, article_id)
    out = article_json(article, ctx.store.versions_of(article["id"]))
    out["citations"] = article_citations(request, article)
    out["story_id"] = article.get("story_id") or article["id"]
    out["also_on"] = story_copies(ctx, article)
    return out


@router.get(
    "/portals",
    summary="Every archived portal",
    operation_id="listPortals",
    response_model=PortalList,
)
def api_portals(ctx: Annotated[AppContext, Depends(get_ctx)]) -> dict[str, Any]:
    """Each portal with its article count, date span and last crawl."""
    rows = portal_rows(ctx)
    return {"total": len(rows), "portals": rows}
