"""Naming and describing an export: file names, Content-Disposition, the Frictionless Data Package."""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import date, datetime
from pathlib import Path
from typing import Any

from indexer.export.csv import CsvRenderer
from indexer.export.fields import FIELDS, VN_TZ
from indexer.export.formats import _renderer
from indexer.export.request import ExportRequest
from indexer.export.stream import ExportResult
from indexer.text import fold, normalize

# -- naming and describing an export -----------------------------------------------


def _slug(text: str, limit: int = 60) -> str:
    ascii_text = fold(normalize(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")


def _label(request: ExportRequest) -> str:
    """What the export is of, for its name: the query, else the filters, else 'all'."""
    if request.query:
        return request.query
    parts = [request.portal, request.province, request.category]
    if request.date_from and request.date_to:
        parts.append(f"{request.date_from} to {request.date_to}")
    elif request.date_from or request.date_to:
        parts.append(f"from {request.date_from}" if request.date_from else f"to {request.date_to}")
    return " ".join(p for p in parts if p) or "all"


def export_filename(
    request: ExportRequest, fmt: str, *, day: date | None = None
) -> tuple[str, str]:
    """(ASCII file name, UTF-8 file name) for a download: ``vnarchive-<query>-<date>.<ext>``.

    The ASCII name folds Vietnamese (``ủy ban`` → ``uy-ban``); the UTF-8 one keeps the
    diacritics, for an RFC 5987 ``filename*``.
    """
    day = day or datetime.now(VN_TZ).date()
    ext = _renderer(fmt).extension
    label = _label(request)
    ascii_slug = _slug(label) or "query"
    utf8_slug = re.sub(r"[^\w]+", "-", normalize(label).lower()).strip("-")[:60].strip("-")
    return (
        f"vnarchive-{ascii_slug}-{day.isoformat()}.{ext}",
        f"vnarchive-{utf8_slug or ascii_slug}-{day.isoformat()}.{ext}",
    )


def content_disposition(request: ExportRequest, fmt: str, *, day: date | None = None) -> str:
    """A ``Content-Disposition: attachment`` value with ASCII ``filename`` and RFC 5987 ``filename*``."""
    ascii_name, utf8_name = export_filename(request, fmt, day=day)
    quoted = urllib.parse.quote(utf8_name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


def datapackage(result: ExportResult, path: str | Path) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of a finished export written to ``path``."""
    renderer = _renderer(result.format)
    request = result.request
    file_name = Path(path).name
    label = _label(request)
    name = _slug(f"vnarchive {label} {result.started.date().isoformat()}", limit=100) or "vnarchive"
    type_of = "text_type" if renderer.name != "parquet" else "parquet_type"
    fields = []
    for field_name in request.fields:
        spec = FIELDS[field_name]
        entry: dict[str, Any] = {
            "name": field_name,
            "type": getattr(spec, type_of),
            "description": spec.description,
        }
        fields.append(entry)
    resource: dict[str, Any] = {
        "name": _slug(Path(file_name).stem, limit=100) or "articles",
        "path": file_name,
        "profile": "tabular-data-resource" if renderer.tabular else "data-resource",
        "format": renderer.extension,
        "mediatype": renderer.mediatype,
        "encoding": renderer.encoding(request.excel),
        "bytes": result.bytes,
        "hash": f"sha256:{result.sha256}",
        "schema": {"fields": fields, "primaryKey": ["id"] if "id" in request.fields else []},
    }
    if not result.sha256 or not renderer.byte_stream:
        # described before it was written (the web app's descriptor), or a file that
        # Frictionless does not read as bytes: size and hash are under "vnarchive" only
        del resource["bytes"], resource["hash"]
    if renderer.tabular:
        resource["dialect"] = dict(CsvRenderer.DIALECT)
    resource["schema"]["missingValues"] = list(renderer.missing_values)
    if not resource["schema"]["primaryKey"]:
        del resource["schema"]["primaryKey"]
    meta = result.metadata()
    description = (
        f"Articles archived by vnarchive from Vietnamese local-government portals: "
        f"{'query ' + repr(request.query) if request.query else 'all articles'}"
        + (f", filters {meta['filters']}" if meta["filters"] else "")
        + f"; {result.rows} rows exported {meta['exported_at']}."
    )
    if request.excel:
        description += (
            " Excel mode: UTF-8 with BOM; text cells starting with = + - @ tab or CR "
            "are prefixed with an apostrophe (formula-injection guard)."
        )
    return {
        "profile": "tabular-data-package" if renderer.tabular else "data-package",
        "name": name,
        "title": f"vnarchive export: {label}",
        "description": description,
        "created": meta["exported_at"],
        "resources": [resource],
        "vnarchive": meta
        | {"complete": result.complete}
        | ({"bytes": result.bytes, "sha256": result.sha256} if result.sha256 else {}),
    }


def write_datapackage(
    result: ExportResult, export_path: str | Path, descriptor_path: str | Path | None = None
) -> Path:
    """Write the descriptor beside the export (``<file>.datapackage.json``); return its path."""
    target = Path(descriptor_path) if descriptor_path else Path(f"{export_path}.datapackage.json")
    descriptor = datapackage(result, export_path)
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
