"""Jinja2 rendering for the HTML pages: autoescaping, i18n, dates, bookmarkable URLs.

:func:`render` is the one way a route renders a template: it adds the language,
the translation function ``t``, the navigation and the helpers templates use.
Templates extend ``base.html`` (blocks: ``title``, ``head``, ``content``,
``scripts``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from search_app import i18n

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
VN_TZ = timezone(timedelta(hours=7), "ICT")

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

# The top navigation: (i18n key, path).  Page modules append theirs with add_nav().
NAV: list[tuple[str, str]] = [
    ("nav_search", "/"),
    ("nav_portals", "/portals"),
    ("nav_api", "/docs"),
]


def add_nav(key: str, path: str) -> None:
    """Add a link to the top navigation (once)."""
    if (key, path) not in NAV:
        NAV.append((key, path))


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")


def format_date(value: Any, with_time: bool = False) -> str:
    """A date as Vietnamese readers write it: dd/mm/yyyy (``with_time``: dd/mm/yyyy HH:MM).

    Accepts ISO strings (``2021-04-19``, ``2021-04-19T15:17:00+07:00``), dates and
    datetimes (aware datetimes are shown in Vietnam time).  Unknown shapes are
    returned as given; None gives ``""``.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(VN_TZ)
        out = value.strftime("%d/%m/%Y")
        return out + value.strftime(" %H:%M") if with_time else out
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if "T" in text and (text.endswith("Z") or re.search(r"[+-]\d{2}:?\d{2}$", text)):
        try:
            return format_date(datetime.fromisoformat(text.replace("Z", "+00:00")), with_time)
        except ValueError:
            pass
    match = _ISO_DATE.match(text)
    if not match:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return f"{text[5:7]}/{text[:4]}"
        return text
    year, month, day, hour, minute = match.groups()
    out = f"{day}/{month}/{year}"
    if with_time and hour is not None:
        out += f" {hour}:{minute}"
    return out


def date_input(value: str | None) -> str:
    """A date filter's value for its text box: dd/mm/yyyy for a valid ISO day, else as given.

    Links (year facets, timeline bars) carry ISO days; the box shows them the way the
    page asks dates to be typed, and keeps anything else (``2020``, a typo) as typed.
    """
    text = (value or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            pass
    return value or ""


def filesize(size: int | None) -> str:
    """A file size for people: ``834 B``, ``12.5 KB``, ``3.1 MB``."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def query_url(request: Request, path: str | None = None, **changes: Any) -> str:
    """The current URL's query with ``changes`` applied (None drops a key): bookmarkable links.

    Changing anything but ``page`` resets the page to 1.
    """
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    if "page" not in changes and any(k != "lang" for k in changes):
        params = [(k, v) for k, v in params if k != "page"]
    for key, value in changes.items():
        if value is None or value == "":
            continue
        params.append((key, str(value)))
    params = [(k, v) for k, v in params if v != ""]
    base = path if path is not None else request.url.path
    return base + ("?" + urlencode(params) if params else "")


def safe_snippet(snippet_html: str | None) -> Markup:
    """A search snippet where only ``<mark>…</mark>`` survives; everything else is escaped.

    The query module already escapes its snippets; this re-does it defensively so
    that no markup from crawled text can ever reach the page.
    """
    if not snippet_html:
        return Markup("")
    import html as _html

    text = str(snippet_html)
    parts = re.split(r"(</?mark>)", text)
    out: list[str] = []
    depth = 0
    for part in parts:
        if part == "<mark>":
            if depth == 0:
                out.append("<mark>")
                depth = 1
        elif part == "</mark>":
            if depth == 1:
                out.append("</mark>")
                depth = 0
        else:
            out.append(str(escape(_html.unescape(part))))
    if depth:
        out.append("</mark>")
    return Markup("".join(out))


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``name`` with the common context (language, ``t``, nav, helpers)."""
    lang = i18n.get_lang(request)

    def t(key: str, **values: object) -> str:
        return i18n.translate(key, lang, **values)

    def url(path: str | None = None, **changes: Any) -> str:
        return query_url(request, path, **changes)

    other = "en" if lang == "vi" else "vi"
    full: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": t,
        "url": url,
        "nav": NAV,
        "lang_switch_url": query_url(request, None, lang=other),
        "other_lang": other,
        "fmt_date": format_date,
        "date_input": date_input,
        "snippet": safe_snippet,
        "filesize": filesize,
    }
    full.update(context or {})
    response = templates.TemplateResponse(
        request, name, full, status_code=status_code, headers=headers
    )
    if i18n.lang_from_query(request) and request.cookies.get(i18n.COOKIE) != lang:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
        )
    response.headers["Content-Language"] = lang
    return response
