"""The fields of an export row: names, meanings, types in each format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

import pyarrow as pa

VN_TZ = timezone(timedelta(hours=7))


class ExportError(ValueError):
    """An export cannot be made as asked (unknown format or field, bad filter value)."""


# -- the fields -------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One exported field: its meaning, its Frictionless type and its Arrow type."""

    name: str
    description: str
    text_type: str  # Frictionless type in CSV / JSONL
    parquet_type: str  # Frictionless type in Parquet
    arrow: pa.DataType


_ATTACHMENT = pa.struct([("url", pa.string()), ("name", pa.string())])
_UTC_TS = pa.timestamp("us", tz="UTC")
_PLACE = pa.struct(
    [
        ("level", pa.string()),
        ("old", pa.string()),
        ("new", pa.string()),
        ("change", pa.string()),
        ("uncertain", pa.bool_()),
    ]
)

FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "id",
            "Stable article id: first 16 hex digits of the SHA-1 of the canonical URL.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec("url", "URL the article was captured from.", "string", "string", pa.string()),
        FieldSpec(
            "portal",
            "Id of the portal profile it was crawled with.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "province",
            "Province of the portal (pre-July-2025 name, as on the portal).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "district",
            "District of the portal, empty for province-level portals.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "category",
            "Section of the portal the article was listed in.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "published",
            "Publication date and time printed on the page, as a timestamp in Vietnam "
            "time (+07:00; ISO 8601 YYYY-MM-DDTHH:MM:SS+07:00 in CSV and JSONL). When the "
            "page gave only a day it is midnight of that day (published_precision: day). "
            "Empty when the page gave no date.",
            "datetime",
            "datetime",
            pa.timestamp("ms", tz="+07:00"),
        ),
        FieldSpec(
            "published_precision",
            "How precise 'published' is: 'day' (the page gave a date only) or 'minute'; "
            "empty when there is no date.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "title",
            "Title of the article (normalised Unicode NFC).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec("author", "Author named on the page, if any.", "string", "string", pa.string()),
        FieldSpec(
            "credit",
            "Source credit ending the article (e.g. 'Theo Báo Đắk Nông điện tử'), if any.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "summary",
            "Lead paragraph (sapo), if the page has one.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "body_text",
            "Clean main text; paragraphs separated by a blank line (newlines kept).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "attachments",
            "Files linked from the article: a list of {url, name} objects (a JSON array in "
            "CSV and JSONL; list<struct<url: string, name: string>> in Parquet).",
            "array",
            "any",  # no Table Schema type for a Parquet list<struct> (readers give arrays)
            pa.list_(_ATTACHMENT),
        ),
        FieldSpec(
            "first_seen",
            "When vnarchive first captured the article (UTC).",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "last_seen",
            "When vnarchive last saw it on the portal (UTC).",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "last_changed",
            "When its text last changed (UTC); earlier texts stay in the archive.",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "capture_time",
            "When the capture holding this text was taken (UTC): the instant in archive_url.",
            "datetime",
            "datetime",
            _UTC_TS,
        ),
        FieldSpec(
            "archive_url",
            "Permalink of this capture in the archive's web app, Wayback style: "
            "<app>/web/<YYYYMMDDhhmmss>/<url> (the app's address: VNARCHIVE_PUBLIC_URL "
            "for command-line exports, the serving address for web exports).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "warc_file",
            "WARC file holding the raw capture, relative to the vnarchive data directory "
            "($VNARCHIVE_DATA): warc/<portal>/vnarchive-<portal>-<timestamp>-<job>.warc.gz for "
            "a crawl, warc/<portal>/imported/<file> for an import.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "warc_offset",
            "Byte offset of the capture's record in warc_file.",
            "integer",
            "integer",
            pa.int64(),
        ),
        FieldSpec(
            "story_id",
            "Id of the story this article is a copy of: the same text published on several "
            "portals shares one story_id (the id of the first copy archived); an article "
            "published once has its own id.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "status",
            "'live', or 'gone' once the portal stopped serving it (it stays archived); "
            "not exported unless asked for.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "topic",
            "Topic of the category, one list across portals (data/topics.toml); an unmapped "
            "category is its own topic.",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "places",
            "Administrative units the article names, before and after the 1 July 2025 "
            "reform: a list of {level, old, new, change, uncertain} (a JSON array in CSV and "
            "JSONL, a list of structs in Parquet); change is unchanged, renamed, merged or split.",
            "array",
            "any",  # no Table Schema type for a Parquet list<struct> (readers give arrays)
            pa.list_(_PLACE),
        ),
        FieldSpec(
            "province_now",
            "Province of the portal after the 1 July 2025 reform (Đắk Nông -> Lâm Đồng).",
            "string",
            "string",
            pa.string(),
        ),
        FieldSpec(
            "commune_now",
            "The commune (after the reform) the article names most, when certain.",
            "string",
            "string",
            pa.string(),
        ),
    )
}

# exported only when asked for (--fields)
OPTIONAL_FIELDS = (
    "status",
    "topic",
    "places",
    "province_now",
    "commune_now",
)
DEFAULT_FIELDS: tuple[str, ...] = tuple(name for name in FIELDS if name not in OPTIONAL_FIELDS)


def parse_fields(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """The fields to export from ``"a,b,c"`` (or a list); None/empty → the default fields.

    Raises :class:`ExportError` naming the unknown fields and listing the valid ones.
    """
    if value is None:
        return DEFAULT_FIELDS
    names = value.split(",") if isinstance(value, str) else list(value)
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        return DEFAULT_FIELDS
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise ExportError(
            f"unknown field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"valid fields: {', '.join(FIELDS)}"
        )
    seen: dict[str, None] = dict.fromkeys(names)  # keep order, drop repeats
    if "published" in seen and "published_precision" not in seen:
        # a day-only date and midnight look alike without it: it goes with 'published'
        at = list(seen).index("published") + 1
        return (*list(seen)[:at], "published_precision", *list(seen)[at:])
    return tuple(seen)


Columns = dict[str, list[Any]]  # one batch of an export: field name -> its values, in order
