"""Reading a response: its headers and a charset it declares wrongly."""

from __future__ import annotations

import re

from scrapy.http import Response

_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


_CHARSET = re.compile(rb"charset=([\w.:-]+)", re.I)


_WESTERN = {"iso-8859-1", "latin-1", "latin1", "cp1252", "windows-1252", "us-ascii", "ascii"}


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _charset_problem(body: bytes, declared: str) -> bool:
    """Whether the charset a server declared cannot be the page's real encoding."""
    try:
        body.decode(declared)
    except LookupError:
        return True  # unknown codec name
    except UnicodeDecodeError:
        return True
    if declared in _WESTERN and not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True  # valid UTF-8 declared as a Western code page
    return False
