"""Turning request parameters into a search, shared by the search page, ``/api/search`` and export.

:func:`validate` checks the raw GET parameters (what and where is wrong, as an
:class:`~search_app.errors.ApiError`: 400 for a query that cannot run, 422 for a
parameter with an invalid value) through ``indexer.search.params.SearchParams``;
:func:`run_search` runs the search against the app's index.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from search_app.errors import ApiError

MAX_FILTER_CHARS = 200
MAX_RESULT_WINDOW = 10_000  # page * per_page beyond this is refused (deep paging is costly)
MAX_PAGE = 100  # MAX_RESULT_WINDOW / the largest page: any page in 1..100 is in the window

# Parameter names as the URL spells them (the query module says date_from/date_to).
URL_NAMES = {"date_from": "from", "date_to": "to"}


@dataclass
class RawSearch:
    """The search parameters as they came in the URL (strings, unvalidated)."""

    q: str | None = None
    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str | None = None
    page: int | None = None
    per_page: int | None = None
    place: str | None = None
    topic: str | None = None
    exact: bool | None = None  # strict accents (``exact=1``)


def _query_error(exc: Exception) -> ApiError:
    field = getattr(exc, "field", "q")
    message = getattr(exc, "message", None) or str(exc)
    if field == "q":
        code = "query_too_long" if "characters long" in message else "bad_query"
        return ApiError(400, code, f"q: {message}")
    name = URL_NAMES.get(field, field)
    for prefix in (f"{field}: ", f"{name}: "):
        message = message.removeprefix(prefix)
    code = "invalid_date" if field in URL_NAMES else "invalid_parameter"
    return ApiError(422, code, f"{name}: {message}")


def validate(raw: RawSearch) -> dict[str, Any]:
    """The validated search as keyword arguments of ``indexer.search.params.SearchParams``."""
    from indexer.search.params import MAX_PER_PAGE, QueryError, SearchParams

    values = asdict(raw)
    for name, value in values.items():
        if isinstance(value, str):
            if "\x00" in value:
                raise ApiError(400, "bad_request", f"{URL_NAMES.get(name, name)}: contains NUL")
            if name != "q" and len(value) > MAX_FILTER_CHARS:
                raise ApiError(
                    422,
                    "invalid_parameter",
                    f"{URL_NAMES.get(name, name)}: {len(value):,} characters, "
                    f"at most {MAX_FILTER_CHARS} are allowed",
                )
    page = 1 if raw.page is None else raw.page
    per_page = 20 if raw.per_page is None else raw.per_page
    if page >= 1 and 1 <= per_page <= MAX_PER_PAGE and page * per_page > MAX_RESULT_WINDOW:
        raise ApiError(
            422,
            "invalid_parameter",
            f"page: results beyond the first {MAX_RESULT_WINDOW:,} are not served; "
            "narrow the search with filters",
        )
    try:
        params = SearchParams(
            q=raw.q or "",
            portal=raw.portal,
            province=raw.province,
            category=raw.category,
            date_from=raw.date_from,
            date_to=raw.date_to,
            sort=raw.sort or "relevance",
            page=page,
            per_page=per_page,
            place=raw.place,
            topic=raw.topic,
            exact=raw.exact,
        ).validated()
    except QueryError as exc:
        raise _query_error(exc) from None
    return asdict(params)


def run_search(index_dir: Path, raw: RawSearch) -> dict[str, Any]:
    """Validate ``raw`` and run it through ``indexer.search.query.search``; the result dict."""
    from indexer.search.params import QueryError, SearchParams
    from indexer.search.query import search

    params = SearchParams(**validate(raw))
    try:
        return search(params, index_dir=index_dir)
    except QueryError as exc:
        raise _query_error(exc) from None
