"""The JSONL export format (one JSON object per line), encoded a column at a time."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import numpy as np
import orjson

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
# Separates the values of a column of short texts while they are encoded together: a
# Unicode noncharacter, which JSON leaves as it is (a column holding it is encoded value
# by value).
_SEP = "\uffff"
_SEP_BYTES = _SEP.encode()
_SEP_QUOTED = b'"' + _SEP_BYTES + b'"'
_NONE = type(None)


def _has_line_break(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds U+2028 or U+2029 (E2 80 A8/A9) or U+0085 (C2 85):
    their lead bytes found with numpy, then the bytes after them (a few vector passes)."""
    view = np.frombuffer(data, np.uint8)
    at = np.flatnonzero(view[:-2] == 0xE2)
    if len(at):
        third = view[at + 2]
        if ((view[at + 1] == 0x80) & ((third == 0xA8) | (third == 0xA9))).any():
            return True
    at = np.flatnonzero(view[:-1] == 0xC2)
    return bool(len(at)) and bool((view[at + 1] == 0x85).any())


def _raw_controls(data: bytes) -> int:
    """How many bytes below 0x20 ``data`` holds (one numpy pass)."""
    return int(np.count_nonzero(np.frombuffer(data, np.uint8) < 0x20))


def _quick_escape(value: bytes) -> bytes:
    """The inside of a JSON string holding UTF-8 ``value``, escaped for the characters
    text holds (backslash, quote, newline, CR, tab); other control bytes are left raw, for
    the renderer to find in the batch (:func:`_raw_controls`) and escape the slow way."""
    return (
        value.replace(b"\\", b"\\\\")
        .replace(b'"', b'\\"')
        .replace(b"\n", b"\\n")
        .replace(b"\r", b"\\r")
        .replace(b"\t", b"\\t")
    )


def _escape_json_bytes(value: bytes) -> bytes:
    """The inside of a JSON string holding UTF-8 ``value``, as json.dumps escapes it
    (U+2028/2029/0085 are left to the renderer, as json.dumps leaves them)."""
    escaped = _quick_escape(value)
    if len(escaped.translate(None, _CONTROL_BYTES)) != len(escaped):  # one C pass
        escaped = _JSON_RARE.sub(lambda m: _JSON_ESCAPES[m.group()], escaped)
    return escaped


def _json_value(value: Any) -> bytes:
    """One value as JSON: the bytes ``json.dumps(ensure_ascii=False, separators=(",", ":"))``
    gives (by orjson, ~10x faster; by ``json`` when orjson refuses it: a lone surrogate,
    replaced on encoding).  ``bytes`` are UTF-8 text, escaped as they are."""
    if type(value) is bytes:
        return b'"' + _escape_json_bytes(value) + b'"'
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "replace")


def _json_cells(values: list[Any], *, careful: bool = True) -> tuple[list[bytes], bool]:
    """Each value of one column as JSON text (:func:`_json_value`), with as little
    Python work per value as the column allows; and whether the cells are the insides of
    strings, their quotes left to the caller (a column of texts without nulls).

    A column of short texts (``str``) is encoded by one orjson call: its values joined by
    :data:`_SEP`, encoded together, cut apart again.  Long texts (UTF-8 ``bytes``) are
    escaped one by one: each is a few KB, which the escaping passes read from the CPU's
    cache (a whole batch of bodies at once is slower); unless ``careful``, only for the
    characters text holds (:func:`_quick_escape`).
    """
    kinds = set(map(type, values))
    if kinds == {bytes}:
        return [(_escape_json_bytes if careful else _quick_escape)(v) for v in values], True
    if kinds <= {int, _NONE}:
        return [b"null" if v is None else b"%d" % v for v in values], False
    if kinds <= {str, _NONE} and len(values) > 1:
        texts = ["" if v is None else v for v in values] if _NONE in kinds else values
        joined = _SEP.join(texts)
        if joined.count(_SEP) == len(values) - 1:  # no value holds the separator
            try:
                encoded = orjson.dumps(joined)
            except orjson.JSONEncodeError:
                pass  # a lone surrogate: value by value
            else:
                if _NONE not in kinds:
                    return encoded[1:-1].split(_SEP_BYTES), True
                cells = encoded.replace(_SEP_BYTES, _SEP_QUOTED).split(_SEP_BYTES)
                return [
                    b"null" if v is None else c for v, c in zip(values, cells, strict=True)
                ], False
    return [b"null" if v is None else _json_value(v) for v in values], False


class JsonlRenderer(Renderer):
    """JSON Lines: one object per article per line; no raw line separator inside a line."""

    name = "jsonl"
    extension = "jsonl"
    # No JSON Lines type is registered with IANA; application/x-ndjson is the one HTTP
    # tools and servers use for newline-delimited JSON (application/jsonl is a proposal).
    mediatype = "application/x-ndjson"
    text_as_bytes = True

    def __init__(self, sink: Any, fields: Any, *, excel: bool = False) -> None:
        super().__init__(sink, fields, excel=excel)
        # what goes before each value on a line: '{"id":', ',"url":', … (keys as json.dumps
        # writes them), and '}\n' after the last
        keys = [orjson.dumps(name) + b":" for name in self.fields]
        self._before = [b"{" + keys[0], *(b"," + key for key in keys[1:]), b"}\n"]

    def _lines(self, columns: Columns, *, careful: bool) -> bytes:
        """The batch's lines, every one in a single join (zip stops with the columns)."""
        parts: list[Any] = []
        quoted = False  # whether the last column's cells want their closing quote
        for name, before in zip(self.fields, self._before, strict=False):
            cells, inside = _json_cells(_text_column(name, columns[name]), careful=careful)
            glue = (b'"' if quoted else b"") + before + (b'"' if inside else b"")
            parts += (itertools.repeat(glue), cells)
            quoted = inside
        parts.append(itertools.repeat((b'"' if quoted else b"") + self._before[-1]))
        return b"".join(itertools.chain.from_iterable(zip(*parts, strict=False)))

    def write_columns(self, columns: Columns) -> None:
        data = self._lines(columns, careful=False)
        if not data:
            return
        if _raw_controls(data) != len(columns[self.fields[0]]):  # more than the line ends
            data = self._lines(columns, careful=True)
        # JSON leaves U+2028/2029/0085 raw; str.splitlines() would break on them.
        if _has_line_break(data):
            for raw, escaped in _LINE_BREAK_BYTES.items():
                data = data.replace(raw, escaped)
        self.sink.write(data)
