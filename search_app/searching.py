"""Turning request parameters into a search, shared by the search page and ``/api/search``.

:func:`build_params` validates the raw GET parameters (what and where is wrong,
as an :class:`~search_app.errors.ApiError` with status 400 or 422) and builds an
``indexer.query.SearchParams``; :func:`run_search` runs it against the app's
index and maps the query module's errors onto the one error shape.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from search_app.errors import ApiError

MAX_QUERY_CHARS = 500
MAX_FILTER_CHARS = 200
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
MAX_RESULT_WINDOW = 10_000  # page * per_page beyond this is refused (deep paging is costly)
SORTS = ("relevance", "newest", "oldest")

_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_YM = re.compile(r"^(\d{4})-(\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})/(\d{4})$")
_Y = re.compile(r"^(\d{4})$")


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


def parse_date_param(value: str, name: str, *, end: bool) -> str:
    """An ISO ``YYYY-MM-DD`` from ``yyyy-mm-dd``, ``dd/mm/yyyy``, ``yyyy-mm`` or ``yyyy``.

    A month or a year stands for its first day (``end=False``) or its last
    (``end=True``).  Raises a 422 ``ApiError`` naming the parameter otherwise.
    """
    text = value.strip()
    try:
        if m := _YMD.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
        elif m := _DMY.match(text):
            day = date(int(m[3]), int(m[2]), int(m[1]))
        elif (m := _YM.match(text)) or (m := _MY.match(text)):
            year, month = (int(m[1]), int(m[2])) if _YM.match(text) else (int(m[2]), int(m[1]))
            last = calendar.monthrange(year, month)[1]
            day = date(year, month, last if end else 1)
        elif m := _Y.match(text):
            day = date(int(m[1]), 12, 31) if end else date(int(m[1]), 1, 1)
        else:
            raise ValueError("unknown shape")
    except ValueError:
        raise ApiError(
            422,
            "invalid_date",
            f"{name}: {text[:40]!r} is not a date (use yyyy-mm-dd or dd/mm/yyyy)",
        ) from None
    if day.year < 1900 or day.year > 2200:
        raise ApiError(422, "invalid_date", f"{name}: year {day.year} is out of range")
    return day.isoformat()


def _clean(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if "\x00" in value:
        raise ApiError(400, "bad_request", f"{name}: contains a NUL character")
    value = value.strip()
    if len(value) > limit:
        raise ApiError(
            400 if name == "q" else 422,
            "query_too_long" if name == "q" else "invalid_parameter",
            f"{name}: {len(value)} characters, at most {limit} are allowed",
        )
    return value or None


def validate(raw: RawSearch) -> dict[str, Any]:
    """The validated search as keyword arguments of ``SearchParams``."""
    q = _clean(raw.q, "q", MAX_QUERY_CHARS)
    if q is not None:
        from indexer.text import normalize

        q = normalize(q) or None
    portal = _clean(raw.portal, "portal", MAX_FILTER_CHARS)
    province = _clean(raw.province, "province", MAX_FILTER_CHARS)
    category = _clean(raw.category, "category", MAX_FILTER_CHARS)
    date_from = _clean(raw.date_from, "from", 40)
    date_to = _clean(raw.date_to, "to", 40)
    if date_from:
        date_from = parse_date_param(date_from, "from", end=False)
    if date_to:
        date_to = parse_date_param(date_to, "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, "invalid_date", f"from ({date_from}) is after to ({date_to})")
    sort = (raw.sort or "").strip().lower() or None
    if sort is not None and sort not in SORTS:
        raise ApiError(
            422, "invalid_parameter", f"sort: {sort[:40]!r} is not one of {', '.join(SORTS)}"
        )
    page = 1 if raw.page is None else raw.page
    per_page = DEFAULT_PER_PAGE if raw.per_page is None else raw.per_page
    if page < 1:
        raise ApiError(422, "invalid_parameter", "page: must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ApiError(422, "invalid_parameter", f"per_page: must be between 1 and {MAX_PER_PAGE}")
    if page * per_page > MAX_RESULT_WINDOW:
        raise ApiError(
            422,
            "invalid_parameter",
            f"page: results beyond the first {MAX_RESULT_WINDOW} are not served; "
            "narrow the search with filters",
        )
    return {
        "q": q or "",
        "portal": portal,
        "province": province,
        "category": category,
        "date_from": date_from,
        "date_to": date_to,
        "sort": sort or "relevance",
        "page": page,
        "per_page": per_page,
    }


def run_search(index_dir: Path, raw: RawSearch) -> dict[str, Any]:
    """Validate ``raw`` and run it through ``indexer.query.search``; the result dict."""
    from indexer import query

    fields = validate(raw)
    try:
        params = query.SearchParams(**fields)
    except query.QueryError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from None
    except (TypeError, ValueError) as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from None
    try:
        return query.search(params, index_dir=index_dir)
    except query.QueryError as exc:
        raise ApiError(400, "bad_query", str(exc)) from None
