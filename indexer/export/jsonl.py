"""The JSONL export format (one JSON object per line)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import orjson

from indexer.export.columns import BYTES_FIELDS
from indexer.export.fields import Columns
from indexer.export.renderer import Renderer, _text_column

_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


_LINE_BREAK_BYTES = {raw.encode(): escaped.encode() for raw, escaped in _LINE_BREAKS.items()}
# What json.dumps(ensure_ascii=False) escapes in a string
_JSON_ESCAPES = {b'"': b'\\"', b"\\": b"\\\\", b"\n": b"\\n", b"\r": b"\\r", b"\t": b"\\t"}
_JSON_ESCAPES |= {b"\b": b"\\b", b"\f": b"\\f"}
_JSON_ESCAPES |= {
    bytes([n]): f"\\u{n:04x}".encode() for n in range(0x20) if bytes([n]) not in _JSON_ESCAPES
}
_JSON_RARE = re.compile(rb"[\x00-\x1f]")
_CONTROL_BYTES = bytes(range(0x20))


def _has_line_break(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds U+2028, U+2029 or U+0085.

    Each lead byte is found with a memchr: searching the 3-byte sequences directly
    is slow on Vietnamese text, full of the continuation bytes they end with.
    """
    for lead, tails in ((b"\xe2", (b"\x80\xa8", b"\x80\xa9")), (b"\xc2", (b"\x85",))):
        at = data.find(lead)
        while at >= 0:
            if data[at + 1 : at + 3] in tails or data[at + 1 : at + 2] in tails:
                return True
            at = data.find(lead, at + 1)
    return False


def _json_string_fragment(value: bytes) -> orjson.Fragment:
    """A JSON string of UTF-8 bytes, as json.dumps writes it (U+2028/2029/0085 are left
    to the renderer, as json.dumps leaves them)."""
    escaped = (
        value.replace(b"\\", b"\\\\")
        .replace(b'"', b'\\"')
        .replace(b"\n", b"\\n")
        .replace(b"\r", b"\\r")
        .replace(b"\t", b"\\t")
    )
    if len(escaped.translate(None, _CONTROL_BYTES)) != len(escaped):  # one C pass
        escaped = _JSON_RARE.sub(lambda m: _JSON_ESCAPES[m.group()], escaped)
    return orjson.Fragment(b'"' + escaped + b'"')


def _json_line(values: Sequence[Any], fields: Sequence[str], plain: Sequence[Any]) -> bytes:
    """One JSON object on one line, UTF-8, no spaces (line separators: see write_columns).

    orjson gives the bytes ``json.dumps(ensure_ascii=False, separators=(",", ":"))``
    gives, ~10x faster; ``json`` writes the row (``plain``: its values without
    fragments) when orjson refuses it (a lone surrogate).
    """
    try:
        line = orjson.dumps(dict(zip(fields, values, strict=True)))
    except orjson.JSONEncodeError:
        row = {
            k: v.decode("utf-8", "replace") if type(v) is bytes else v
            for k, v in zip(fields, plain, strict=True)
        }
        line = json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
    return line


class JsonlRenderer(Renderer):
    """JSON Lines: one object per article per line; no raw line separator inside a line."""

    name = "jsonl"
    extension = "jsonl"
    # No JSON Lines type is registered with IANA; application/x-ndjson is the one HTTP
    # tools and servers use for newline-delimited JSON (application/jsonl is a proposal).
    mediatype = "application/x-ndjson"
    text_as_bytes = True

    def write_columns(self, columns: Columns) -> None:
        fields = self.fields
        plain = [_text_column(name, columns[name]) for name in fields]
        texts = [
            # UTF-8 bytes: escaped as they are, never decoded
            [_json_string_fragment(v) if type(v) is bytes else v for v in values]
            if name in BYTES_FIELDS
            else values
            for name, values in zip(fields, plain, strict=True)
        ]
        lines = [
            _json_line(values, fields, row)
            for values, row in zip(zip(*texts, strict=True), zip(*plain, strict=True), strict=True)
        ]
        if lines:
            data = b"\n".join(lines) + b"\n"
            # JSON leaves U+2028/2029/0085 raw; str.splitlines() would break on them.
            if _has_line_break(data):
                for raw, escaped in _LINE_BREAK_BYTES.items():
                    data = data.replace(raw, escaped)
            self.sink.write(data)
