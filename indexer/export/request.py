"""What to export (``ExportRequest``) and where its rows come from (store or index)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.export.fields import DEFAULT_FIELDS, ExportError, parse_fields
from indexer.store.archive import ArchiveStore
from indexer.text import normalize

BATCH_SIZE = 500  # rows read from the store at a time


# -- what to export -----------------------------------------------------------


def _search_dates(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Date filter bounds as ``YYYY-MM-DD``, read exactly as the search reads them.

    ``YYYY`` and ``YYYY-MM`` cover their whole span, ``dd/mm/yyyy`` is accepted; a bad
    value or a start after the end raises :class:`ExportError`.
    """
    if not date_from and not date_to:
        return None, None
    from indexer.search.params import QueryError, SearchParams

    try:
        params = SearchParams(date_from=date_from, date_to=date_to).validated()
    except QueryError as exc:
        raise ExportError(exc.message) from None
    return params.date_from, params.date_to


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a text query and the search filters, which fields, Excel mode."""

    query: str = ""
    portal: str | None = None
    province: str | None = None
    category: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str | None = None
    fields: tuple[str, ...] = DEFAULT_FIELDS
    excel: bool = False
    archive_base: str = ""  # the web app's address, base of each row's archive_url
    exact: bool = False  # strict accents (indexer.search.params.SearchParams.exact)

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", normalize(self.query or ""))
        for name in ("portal", "province", "category"):
            value = getattr(self, name)
            object.__setattr__(self, name, normalize(value) or None if value else None)
        date_from, date_to = _search_dates(self.date_from, self.date_to)
        object.__setattr__(self, "date_from", date_from)
        object.__setattr__(self, "date_to", date_to)
        object.__setattr__(self, "fields", parse_fields(list(self.fields)))

    def filters(self) -> dict[str, str]:
        """The filters that are set, by their search parameter name."""
        values = {
            "portal": self.portal,
            "province": self.province,
            "category": self.category,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }
        return {k: v for k, v in values.items() if v}


def _search_params(request: ExportRequest, **extra: Any) -> Any:
    from indexer.search.params import SearchParams

    return SearchParams(
        q=request.query,
        portal=request.portal,
        province=request.province,
        category=request.category,
        date_from=request.date_from,
        date_to=request.date_to,
        exact=request.exact,
        **({"sort": request.sort} if request.sort else {}),
        **extra,
    )


def _index_kwargs(index_dir: str | Path | None) -> dict[str, Any]:
    return {"index_dir": Path(index_dir)} if index_dir is not None else {}


def _matching_ids(request: ExportRequest, index_dir: str | Path | None) -> Iterator[str]:
    """Every id matching the text query (and filters) from the search index, in result order."""
    try:
        from indexer.search import query as query_module
    except ImportError:  # pragma: no cover - only before the index module exists
        raise ExportError(
            "text queries need the search index module (indexer.search.query)"
        ) from None
    iterate = getattr(query_module, "iter_matching_ids", None)
    if iterate is None:  # pragma: no cover - depends on the index module's version
        raise ExportError("this vnarchive's search index cannot list all matches of a query")
    return iter(iterate(_search_params(request), **_index_kwargs(index_dir)))


def _store_filters(store: ArchiveStore, request: ExportRequest) -> dict[str, Any]:
    """The request's filters for the store, matching values the way the search does.

    The search matches a province or category by its folded key (``dak nong`` finds
    ``Đắk Nông``), a province also by its name after the 2025 reform (``Lâm Đồng`` finds
    ``Đắk Nông``): the stored values with such a key are looked up and matched exactly.
    """
    from indexer.search.placeindex import province_filter_keys, province_keys
    from indexer.search.schema import facet_key

    filters: dict[str, Any] = request.filters()
    if "category" in filters:
        key = facet_key(filters["category"])
        filters["category"] = [v for v in store.distinct_values("category") if facet_key(v) == key]
    if "province" in filters:  # by its name before or after the 2025 reform, as the search
        wanted = set(province_filter_keys(filters["province"]))
        filters["province"] = [
            v for v in store.distinct_values("province") if wanted & set(province_keys(v))
        ]
    return filters


def count_export_rows(
    store: ArchiveStore, request: ExportRequest, *, index_dir: str | Path | None = None
) -> int | None:
    """How many rows the export will have (None when it cannot be known cheaply)."""
    if not request.query:
        return store.count_articles_matching(**_store_filters(store, request))
    try:
        from indexer.search.query import search

        result = search(_search_params(request, page=1, per_page=1), **_index_kwargs(index_dir))
    except Exception:  # a count is only for the progress bar; the export reports errors
        return None
    total = result.get("total") if isinstance(result, dict) else None
    return int(total) if isinstance(total, int) else None


# The store columns an export row is made of (not the images, hashes, WARC record ids or
# the stored word segmentation, which is as large as the text): reading every column
# cost ~15 % more CPU on an archive without stored words, more with them.
STORE_COLUMNS = (
    "id",
    "url",
    "portal",
    "province",
    "district",
    "category",
    "published",
    "title",
    "author",
    "credit",
    "summary",
    "body_text",
    "first_seen",
    "last_seen",
    "last_changed",
    "warc_file",
    "warc_offset",
    "status",
    "places",
    "story_id",
)


def iter_rows_of(batches: Iterable[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """Flatten export batches into rows (a convenience for callers and tests)."""
    for batch in batches:
        yield from batch
