"""The parameters of a search request: what may be asked, checked and normalised."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from indexer.text import normalize

MAX_QUERY_CHARS = 1_000
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
SORTS = ("relevance", "newest", "oldest")


class QueryError(ValueError):
    """A search request that cannot be run; ``message`` says why, for the user."""

    def __init__(self, message: str, field: str = "q") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# -- parameters ---------------------------------------------------------------


@dataclass
class SearchParams:
    """One search request: the query, its filters, the order and the page wanted."""

    q: str = ""
    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None  # YYYY-MM-DD (also YYYY-MM, YYYY, dd/mm/yyyy)
    date_to: str | None = None
    sort: str = "relevance"  # relevance | newest | oldest
    place: str | None = (
        None  # a unit the article names, old or new name (indexer.search.placeindex)
    )
    topic: str | None = None  # indexer.text.topics
    page: int = 1
    per_page: int = 20
    exact: bool = False  # strict accents: only words with exactly the typed diacritics

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SearchParams:
        """Build and validate params from a query string / form / CLI options mapping.

        Accepts ``from``/``to`` as aliases of ``date_from``/``date_to``; empty
        strings count as absent.  Raises :class:`QueryError` on a bad value.
        """

        def get(*names: str) -> Any:
            for name in names:
                value = data.get(name)
                if value not in (None, ""):
                    return value
            return None

        params = cls(
            q=str(get("q") or ""),
            portal=get("portal"),
            province=get("province"),
            category=get("category"),
            date_from=get("date_from", "from"),
            date_to=get("date_to", "to"),
            sort=str(get("sort") or "relevance"),
            page=_as_int(get("page"), "page", 1),
            per_page=_as_int(get("per_page"), "per_page", 20),
            place=get("place"),
            topic=get("topic"),
            exact=as_flag(get("exact"), "exact"),
        )
        return params.validated()

    def validated(self) -> SearchParams:
        """A checked, normalised copy (dates as ``YYYY-MM-DD``); raises :class:`QueryError`."""
        q = self.q or ""
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query is {len(q):,} characters long; at most {MAX_QUERY_CHARS:,} are allowed"
            )
        sort = (self.sort or "relevance").strip().lower()
        if sort not in SORTS:
            raise QueryError(
                f"unknown sort {self.sort!r}: use one of {', '.join(SORTS)}", field="sort"
            )
        page = _as_int(self.page, "page", 1)
        per_page = _as_int(self.per_page, "per_page", 20)
        if not 1 <= page <= MAX_PAGE:
            raise QueryError(f"page must be between 1 and {MAX_PAGE:,}", field="page")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}", field="per_page")
        date_from = _parse_day(self.date_from, "date_from", end=False)
        date_to = _parse_day(self.date_to, "date_to", end=True)

        if date_from and date_to and date_from > date_to:
            raise QueryError(
                f"the start date {date_from} is after the end date {date_to}", field="date_from"
            )
        return replace(
            self,
            q=normalize(q),
            portal=_clean(self.portal),
            province=_clean(self.province),
            category=_clean(self.category),
            place=_clean(self.place),
            topic=_clean(self.topic),
            date_from=date_from,
            date_to=date_to,
            sort=sort,
            page=page,
            per_page=per_page,
            exact=as_flag(self.exact, "exact"),
        )


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def as_flag(value: Any, name: str) -> bool:
    """A yes/no parameter (``exact=1``, ``true``, ``on``…); raises :class:`QueryError`."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise QueryError(f"{name} must be 1 or 0 (true or false), not {value!r}", field=name)


def _clean(value: str | None) -> str | None:
    value = normalize(str(value)) if value is not None else ""
    return value[:200] or None


def _as_int(value: Any, name: str, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {value!r}", field=name) from None


_LABELS = {"date_from": "start date", "date_to": "end date"}
_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _parse_day(value: str | None, name: str, *, end: bool) -> str | None:
    """``YYYY-MM-DD`` for a date filter bound; ``YYYY`` / ``YYYY-MM`` cover the whole span."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    match = _DAY.match(text)
    if match:
        year, month, day = int(match[1]), match[2], match[3]
        if month is None:
            month_i, day_i = (12, 31) if end else (1, 1)
        else:
            month_i = int(month)
            day_i = int(day) if day else (_month_days(year, month_i) if end else 1)
        return _checked_day(year, month_i, day_i, text, name)
    parsed = _vietnamese_date(text)
    if parsed:
        return parsed
    label = _LABELS.get(name, name)
    raise QueryError(
        f"the {label} {text!r} is not a date; use YYYY-MM-DD (or dd/mm/yyyy)", field=name
    )


def _vietnamese_date(text: str) -> str | None:
    """``YYYY-MM-DD`` of a Vietnamese-style date (``dd/mm/yyyy``…), by the one date parser."""
    from indexer.text.dates import parse_date

    parsed = parse_date(text)
    return parsed.iso[:10] if parsed else None


def _month_days(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 31


def _checked_day(year: int, month: int, day: int, text: str, name: str) -> str:
    import datetime as dt

    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        label = _LABELS.get(name, name)
        raise QueryError(f"the {label} {text!r} is not a valid date", field=name) from None
