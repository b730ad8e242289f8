"""The export routes: ``/api/export`` streams the articles of a search as a file download.

``/api/export?format=csv|jsonl|parquet&<search params>`` takes the same
parameters as ``/api/search`` (``q``, ``portal``, ``province``, ``category``,
``from``, ``to``, ``sort``) plus ``fields=a,b,c`` and ``excel``; the CSV is
Excel-safe by default (BOM, formula guard; ``excel=false`` for plain RFC 4180).
The file is named ``vnarchive-<query>-<date>.<ext>`` (ASCII ``filename`` and an
RFC 5987 ``filename*`` keeping the diacritics).

``/api/export/datapackage`` answers the data package descriptor of the same
export (fields, query, filters, row count); a Parquet download also carries
it in its footer (key ``vnarchive``).  Errors before the first byte use the one
error shape; once streaming has started an error can only cut the download.
Exports streaming at once are limited per client and in total
(``search_app.export_limits``: 429 with ``Retry-After``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from indexer.export.datapackage import content_disposition, datapackage, export_filename
from indexer.export.fields import FIELDS, ExportError, parse_fields
from indexer.export.formats import RENDERERS
from indexer.export.request import ExportRequest, count_export_rows
from indexer.export.stream import ExportResult, stream_export
from search_app.api import ERROR_RESPONSES, TOO_MANY, search_args
from search_app.api_models import DataPackage, ExportFormat
from search_app.citing import base_url
from search_app.context import AppContext, get_ctx
from search_app.errors import ApiError
from search_app.export_limits import ExportSlots
from search_app.i18n import add_strings
from search_app.searching import RawSearch, validate

log = logging.getLogger("search_app.export")

router = APIRouter(prefix="/api", tags=["export"])

MEDIA_TYPES = {name: RENDERERS[name].mediatype for name in RENDERERS}  # as the descriptors say
MEDIA_TYPES["csv"] += "; charset=utf-8"
MEDIA_TYPES["jsonl"] += "; charset=utf-8"

STRINGS = {
    "export": {"vi": "Tải dữ liệu", "en": "Export"},
    "export_excel_hint": {
        "vi": "CSV mở được bằng Excel; JSONL và Parquet cho phân tích dữ liệu.",
        "en": "CSV opens in Excel; JSONL and Parquet for data analysis.",
    },
    "export_dictionary": {"vi": "mô tả dữ liệu", "en": "data dictionary"},
}


def setup(app: FastAPI) -> None:
    """Register the export strings used by the search page; the export slots of the app."""
    add_strings(STRINGS)
    app.state.export_slots = _new_slots(app)


def _new_slots(app: FastAPI) -> ExportSlots:
    return ExportSlots(app.state.ctx.data_dir / "run" / "export-slots")


def _slots(request: Request) -> ExportSlots:
    slots = getattr(request.app.state, "export_slots", None)
    if slots is None:
        slots = request.app.state.export_slots = _new_slots(request.app)
    return slots


class _SlotStreamingResponse(StreamingResponse):
    """A streamed export that frees its slot however the response ends."""

    def __init__(self, *args: Any, release: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()  # last byte sent, client gone, HEAD answered or an error


_FIELD_NAME = "(?:" + "|".join(FIELDS) + ")"
FormatParam = Annotated[ExportFormat, Query(alias="format", description="File format")]
FieldsParam = Annotated[
    str | None,
    Query(
        pattern=rf"^{_FIELD_NAME}(?:,{_FIELD_NAME})*$",
        max_length=2000,
        description="Fields to export, comma-separated, in this order (default: every "
        f"field but the optional ones). Fields: {', '.join(FIELDS)}.",
    ),
]
ExcelParam = Annotated[
    bool | None,
    Query(description="CSV for Excel: BOM and formula guard (default: true for CSV)"),
]


def _export_request(
    raw: RawSearch, fmt: str, fields: str | None, excel: bool | None, archive_base: str = ""
) -> ExportRequest:
    """Validate the parameters into an export request (ApiError 400/422 otherwise)."""
    if fmt not in RENDERERS:
        raise ApiError(
            422, "invalid_parameter", f"format: {fmt[:20]!r} is not one of {', '.join(RENDERERS)}"
        )
    raw.page, raw.per_page = None, None  # an export is every result, never a page
    search = validate(raw)
    if excel is None:
        excel = fmt == "csv"
    elif excel and fmt != "csv":
        raise ApiError(422, "invalid_parameter", "excel: applies to CSV only")
    try:
        return ExportRequest(
            query=search["q"],
            portal=search["portal"],
            province=search["province"],
            category=search["category"],
            date_from=search["date_from"],
            date_to=search["date_to"],
            sort=search["sort"] if search["q"] else None,
            fields=parse_fields(fields),
            excel=excel,
            archive_base=archive_base,
            exact=search["exact"],
        )
    except ExportError as exc:
        raise ApiError(422, "invalid_parameter", str(exc)) from None


def _query_errors() -> tuple[type[Exception], ...]:
    try:
        from indexer.search.params import QueryError
    except ImportError:  # pragma: no cover - only before the index module exists
        return ()
    return (QueryError,)


def _logged(chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    """Pass the chunks through; log an error that happens once the download has started."""
    try:
        yield from chunks
    except Exception:
        log.exception("export %s failed while streaming; the download was cut", what)
        raise


@router.get(
    "/export",
    summary="Download the articles of a search as CSV, JSONL or Parquet",
    operation_id="export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The export file (streamed)",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES.values()
            },
        },
        **ERROR_RESPONSES,
        **TOO_MANY,
    },
)
def api_export(
    http: Request,
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
    fmt: FormatParam = "csv",
    fields: FieldsParam = None,
    excel: ExcelParam = None,
) -> StreamingResponse:
    """Every article matching the search, one row each, as a streamed file download.

    429 with ``Retry-After`` when the client or the server streams its limit of exports.
    """
    fmt = str(fmt)  # the enum's value
    request = _export_request(raw, fmt, fields, excel, base_url(http))
    release = _slots(http).acquire(http.client.host if http.client else "unknown")
    try:
        chunks = stream_export(ctx.store, request, fmt, index_dir=ctx.index_dir)
    except ExportError as exc:
        release()
        raise ApiError(422, "invalid_parameter", str(exc)) from None
    except _query_errors() as exc:
        release()
        raise ApiError(400, "bad_query", str(exc)) from None
    except BaseException:
        release()
        raise
    headers = {
        "Content-Disposition": content_disposition(request, fmt),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    name = export_filename(request, fmt)[0]
    return _SlotStreamingResponse(
        _logged(chunks, name), media_type=MEDIA_TYPES[fmt], headers=headers, release=release
    )


@router.get(
    "/export/datapackage",
    summary="The data package descriptor of an export",
    operation_id="exportDatapackage",
    response_model=DataPackage,
    responses={**ERROR_RESPONSES, **TOO_MANY},
)
def api_export_datapackage(
    raw: Annotated[RawSearch, Depends(search_args)],
    ctx: Annotated[AppContext, Depends(get_ctx)],
    fmt: FormatParam = "csv",
    fields: FieldsParam = None,
    excel: ExcelParam = None,
) -> dict[str, Any]:
    """Fields (type, meaning), query, filters and row count of ``/api/export`` with these parameters."""
    fmt = str(fmt)  # the enum's value
    request = _export_request(raw, fmt, fields, excel)
    try:
        rows = count_export_rows(ctx.store, request, index_dir=ctx.index_dir)
    except _query_errors() as exc:
        raise ApiError(400, "bad_query", str(exc)) from None
    result = ExportResult(fmt, request, rows=rows or 0)
    return datapackage(result, export_filename(request, fmt)[0])
