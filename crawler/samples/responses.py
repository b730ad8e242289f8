"""The sample server's responses: text, JSON, errors, HTTP dates, conditional requests, CP1258."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    """An HTTP answer: status, headers (without Content-Length) and body bytes."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type (for tests)."""
        match = re.search(r"charset=([\w-]+)", self.headers.get("Content-Type", ""))
        charset = match.group(1) if match else "utf-8"
        return self.body.decode("cp1258" if charset == "windows-1258" else charset, "replace")


def text_response(status: int, text: str, ctype: str = "text/plain; charset=utf-8") -> Response:
    return Response(status, {"Content-Type": ctype}, text.encode("utf-8"))


def json_response(status: int, data: dict) -> Response:
    return Response(
        status,
        {"Content-Type": "application/json; charset=utf-8"},
        json.dumps(data, ensure_ascii=False).encode("utf-8"),
    )


def _error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"error": {"code": code, "message": message}})


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode as windows-1258: base letter + combining tone mark where needed."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONES))
        try:
            out += (base + tones).encode("cp1258")
        except UnicodeEncodeError:
            out += f"&#{ord(ch)};".encode("ascii")
    return bytes(out)


def _conditional(
    resp: Response, headers: dict[str, str], last_modified: datetime | None
) -> Response:
    etag = '"' + hashlib.md5(resp.body).hexdigest()[:20] + '"'
    resp.headers["ETag"] = etag
    if last_modified is not None:
        resp.headers["Last-Modified"] = http_date(last_modified)
    lower = {k.lower(): v for k, v in headers.items()}
    inm = lower.get("if-none-match")
    not_modified = False
    if inm is not None:
        tags = [tag.strip().removeprefix("W/") for tag in inm.split(",")]
        not_modified = "*" in tags or etag in tags
    elif last_modified is not None and lower.get("if-modified-since"):
        try:
            since = parsedate_to_datetime(lower["if-modified-since"])
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            not_modified = since >= last_modified.replace(microsecond=0)
        except (TypeError, ValueError, IndexError):
            not_modified = False
    if not_modified:
        keep = {
            k: v for k, v in resp.headers.items() if k in ("ETag", "Last-Modified", "Cache-Control")
        }
        return Response(304, keep, b"")
    return resp
