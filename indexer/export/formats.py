"""The export formats by name (``RENDERERS``): csv, jsonl, parquet."""

from __future__ import annotations

from indexer.export.csv import CsvRenderer
from indexer.export.fields import ExportError
from indexer.export.jsonl import JsonlRenderer
from indexer.export.parquet import ParquetRenderer
from indexer.export.renderer import Renderer

RENDERERS: dict[str, type[Renderer]] = {
    cls.name: cls for cls in (CsvRenderer, JsonlRenderer, ParquetRenderer)
}


def register_renderer(cls: type[Renderer]) -> type[Renderer]:
    """Class decorator: make a renderer available under its ``name``."""
    RENDERERS[cls.name] = cls
    return cls


def _renderer(fmt: str) -> type[Renderer]:
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ExportError(
            f"unknown export format {fmt!r}; valid formats: {', '.join(RENDERERS)}"
        ) from None
