"""The sample portals as a pure request → response function, plus the control API.

:func:`render` answers one GET for one portal without any server, so tests
can fetch pages in-process; :func:`handle_get` adds the server-wide paths
(``/``, ``/robots.txt``, ``GET /_control/...``); :func:`control` changes a
:class:`SiteState`.  ``crawler.samples.server`` is a thin HTTP shell over them.

URLs (``P`` = ``/<portal-id>/``; every portal has all of these):

- ``P`` home, ``P robots.txt``, listings and articles (shapes per family: see
  the family modules and ``crawler/samples/truth/<portal-id>.json``);
- ``P lich/?thang=YYYY-MM``: an endless month calendar (crawler trap);
- the disallowed path of robots.txt (``tim-kiem/``, ``c/``, ``tim-kiem``,
  ``wp-admin/``): a real page that must not be crawled;
- one listing link answering 404, one article answering 500 on the first
  request (per server process, per path) and 200 afterwards, one old URL
  that redirects (301) to an article, one article with an alternate URL
  (print/amp/alias) carrying ``<link rel="canonical">``;
- attachments at unencoded Vietnamese paths (percent-encoded requests work);
- ETag + Last-Modified on articles and files; ``If-None-Match`` /
  ``If-Modified-Since`` give 304.

Control API (state is per server process, see :class:`SiteState`):

- ``POST /_control/<portal-id>`` with JSON or form fields
  ``mode=normal|relayout|redirect|down|maintenance`` and/or ``edit=<article-id>``.
  ``relayout`` serves articles and listings with a new template (old
  selectors find nothing); ``redirect`` 301s every page to
  ``http://example.invalid/...``; ``down`` answers 503; ``maintenance`` answers
  200 with a "Trang web đang bảo trì" parked page.  ``edit`` appends one
  paragraph to the article's body (a new version; its truth is
  ``crawler.samples.truth.edited_body(portal_id, article_id, n)``).
  ``remove=<article-id>`` takes the article down: its URLs answer 404 (listings
  still link it, as stale portal listings do).  ``remove_redirect=<article-id>``
  takes it down the way many portals do: its URLs answer 302 to the portal's home
  page.  ``refresh=<article-id>`` with ``refresh_to=<url>`` (absolute, or relative to
  the portal) puts ``<meta http-equiv="refresh" content="1;url=…">`` in the article's
  ``<head>`` (the article itself is unchanged), as old portals did when a story moved.
  Answers the portal's state as JSON.
- ``POST /_control/reset``: every portal back to normal, no edits, flaky
  pages flaky again.
- ``GET /_control/<portal-id>``: the portal's state as JSON.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from types import ModuleType
from urllib.parse import parse_qs, parse_qsl, unquote, urljoin

from crawler.samples import common, discovery, files, model

MODES = ("normal", "relayout", "redirect", "down", "maintenance")
CLOSE_CONNECTION = 0  # a Response status meaning "close without answering"
REDIRECT_HOST = "http://example.invalid"
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


class SiteState:
    """Per-process mutable state: control modes, article edits, flaky hits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._modes: dict[str, str] = {}
        self._edits: dict[str, dict[str, int]] = {}
        self._hits: set[tuple[str, str]] = set()
        self._removed: dict[str, set[str]] = {}
        self._redirected: dict[str, set[str]] = {}  # removed, answering 302 to home
        self._refresh: dict[str, dict[str, str]] = {}  # article id -> meta refresh target

    def mode(self, portal_id: str) -> str:
        return self._modes.get(portal_id, "normal")

    def set_mode(self, portal_id: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
        with self._lock:
            self._modes[portal_id] = mode

    def edits(self, portal_id: str) -> dict[str, int]:
        return dict(self._edits.get(portal_id, {}))

    def edit(self, portal_id: str, article_id: str) -> int:
        """Edit an article once more; returns its edit count."""
        with self._lock:
            counts = self._edits.setdefault(portal_id, {})
            counts[article_id] = counts.get(article_id, 0) + 1
            return counts[article_id]

    def removed(self, portal_id: str) -> set[str]:
        return set(self._removed.get(portal_id, set()))

    def remove(self, portal_id: str, article_id: str, *, redirect: bool = False) -> None:
        """Take an article down (its URLs answer 404, or 302 to the home page with
        ``redirect``, until reset)."""
        with self._lock:
            target = self._redirected if redirect else self._removed
            target.setdefault(portal_id, set()).add(article_id)

    def set_refresh(self, portal_id: str, article_id: str, target: str) -> None:
        """Give an article a ``<meta http-equiv="refresh">`` to ``target`` (until reset)."""
        with self._lock:
            self._refresh.setdefault(portal_id, {})[article_id] = target

    def refreshes(self, portal_id: str) -> dict[str, str]:
        return dict(self._refresh.get(portal_id, {}))

    def removed_redirect(self, portal_id: str) -> set[str]:
        return set(self._redirected.get(portal_id, set()))

    def first_hit(self, portal_id: str, path: str) -> bool:
        """True the first time a (portal, path) is requested in this process."""
        key = (portal_id, path)
        with self._lock:
            if key in self._hits:
                return False
            self._hits.add(key)
            return True

    def reset(self) -> None:
        with self._lock:
            self._modes.clear()
            self._edits.clear()
            self._hits.clear()
            self._removed.clear()
            self._redirected.clear()
            self._refresh.clear()

    def snapshot(self, portal_id: str) -> dict:
        return {
            "portal": portal_id,
            "mode": self.mode(portal_id),
            "edits": self.edits(portal_id),
            "removed": sorted(self.removed(portal_id)),
            "removed_redirect": sorted(self.removed_redirect(portal_id)),
            "refresh": self.refreshes(portal_id),
        }


# ---------------------------------------------------------------- helpers


def _renderer(family: str) -> ModuleType:
    import importlib

    module = {
        "sharepoint2010": "sp2010",
        "liferay62": "liferay62",
        "liferay_qb": "liferayqb",
        "wordpress": "wordpress",
    }[family]
    return importlib.import_module(f"crawler.samples.{module}")


def warm_up() -> None:
    """Generate every portal now (the first request would otherwise pay for it)."""
    for portal_id in model.PORTAL_IDS:
        model.get_portal(portal_id)
        _listing_index(portal_id)


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


def _split(path_and_query: str, portal_id: str) -> tuple[str, str]:
    path, _, query = path_and_query.partition("?")
    path = path.lstrip("/")
    if path == portal_id or path.startswith(portal_id + "/"):
        path = path[len(portal_id) + 1 :]
    if any(ord(ch) > 127 for ch in path):  # raw UTF-8 read as latin-1 by http.server
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            path = path.encode("latin-1").decode("utf-8")
    return unquote(path, errors="replace"), query


_LISTING_INDEX: dict[str, dict[tuple[str, str | None], model.ListingPage]] = {}


def _cur(query: str) -> str | None:
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "cur" or name.endswith("_cur"):
            return value
    return None


def _listing_index(portal_id: str) -> dict[tuple[str, str | None], model.ListingPage]:
    index = _LISTING_INDEX.get(portal_id)
    if index is None:
        index = {}
        for page in model.get_portal(portal_id).listings:
            path, _, query = page.url.partition("?")
            index[(path, _cur(query))] = page
            if page.number == 1:
                index[(path, "1")] = page
        _LISTING_INDEX[portal_id] = index
    return index


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


def _article_modified(art: model.SampleArticle, edits: int) -> datetime:
    base = art.published + timedelta(hours=1)
    if edits:
        base = datetime(2025, 7, 1, tzinfo=model.TZ) + timedelta(hours=edits)
    return base


def robots_txt(portal: model.Portal, base_url: str) -> str:
    """The portal's robots.txt (the disallowed path really exists)."""
    lines = ["User-agent: *", f"Disallow: /{portal.id}/{portal.disallowed}"]
    if portal.family == "wordpress":
        lines.append(f"Allow: /{portal.id}/wp-admin/admin-ajax.php")
        lines.append(f"Sitemap: {base_url}/{portal.id}/sitemap.xml")
    return "\n".join(lines) + "\n"


def _family_headers(family: str) -> dict[str, str]:
    return {
        "sharepoint2010": {
            "MicrosoftSharePointTeamServices": "14.0.0.6029",
            "X-Powered-By": "ASP.NET",
        },
        "liferay62": {
            "Liferay-Portal": "Liferay Portal Community Edition 6.2 CE GA6 (Newton / Build 6205 / January 6, 2016)"
        },
        "liferay_qb": {"Liferay-Portal": "Liferay Portal Community Edition 6.2 CE GA4"},
        "wordpress": {"X-Powered-By": "PHP/7.4.33"},
    }[family]


# ---------------------------------------------------------------- render


def render(
    portal_id: str,
    path_and_query: str,
    *,
    base_url: str,
    headers: dict[str, str] | None = None,
    state: SiteState | None = None,
) -> Response:
    """Answer ``GET /<portal_id>/<path_and_query>`` (path relative to the portal prefix).

    ``base_url`` is the server root (``http://127.0.0.1:8765``).  Without a
    ``state`` the answer is pure: normal mode, no edits, and the flaky page
    answers 200.
    """
    base_url = base_url.rstrip("/")
    headers = headers or {}
    try:
        portal = model.get_portal(portal_id)
    except KeyError:
        return text_response(404, f"unknown portal {portal_id!r}\n")
    rel, query = _split(path_and_query, portal_id)
    mode = state.mode(portal_id) if state else "normal"
    if mode == "down":
        resp = text_response(503, "Service Unavailable\n")
        resp.headers["Retry-After"] = "120"
        return resp
    if mode == "redirect":
        target = f"{REDIRECT_HOST}/{portal_id}/{rel}" + (f"?{query}" if query else "")
        return Response(301, {"Location": target, "Content-Type": HTML}, b"")
    ctx = common.Ctx(portal, base_url, mode, state.edits(portal_id) if state else {})
    if mode == "maintenance":
        return text_response(200, common.maintenance_page(ctx), HTML)
    resp = _route(portal, ctx, rel, query, headers, state)
    for name, value in _family_headers(portal.family).items():
        resp.headers.setdefault(name, value)
    return resp


def _html(page: str, charset: str = "utf-8") -> Response:
    if charset == "windows-1258":
        return Response(
            200, {"Content-Type": "text/html; charset=windows-1258"}, encode_cp1258(page)
        )
    return Response(200, {"Content-Type": HTML}, page.encode("utf-8"))


def _route(
    portal: model.Portal,
    ctx: common.Ctx,
    rel: str,
    query: str,
    headers: dict[str, str],
    state: SiteState | None,
) -> Response:
    r = _renderer(portal.family)
    key = rel + (f"?{query}" if query else "")
    params = parse_qs(query)

    if rel == "robots.txt":
        return text_response(200, robots_txt(portal, ctx.base_url))
    if rel == "sitemap.xml" and portal.family == "wordpress":
        return text_response(200, r.sitemap(ctx), "application/xml; charset=utf-8")
    file_key = key if key in portal.files else rel if rel in portal.files else None
    if file_key is not None:
        ctype, att = portal.files[file_key]
        body = files.file_bytes(file_key, ctype, att)
        resp = Response(200, {"Content-Type": ctype}, body)
        when = datetime(2019, 1, 1, tzinfo=model.TZ)
        return _conditional(resp, headers, when)
    if key in portal.redirects or (rel in portal.redirects and not query):
        status, target = portal.redirects.get(key) or portal.redirects[rel]
        location = ctx.base_url + ctx.prefix + target
        return Response(status, {"Location": location, "Content-Type": HTML}, b"")

    found = portal.by_url.get(key) or portal.by_url.get(rel)
    if found:
        art, variant = found
        if state is not None and art.id in state.removed(portal.id):
            page = r.generic(ctx, "Không tìm thấy trang", common.not_found_main())
            return Response(404, {"Content-Type": HTML}, page.encode("utf-8"))
        if state is not None and art.id in state.removed_redirect(portal.id):
            home = ctx.base_url + ctx.prefix
            return Response(302, {"Location": home, "Content-Type": HTML}, b"")
        if art.url in portal.flaky and state is not None and state.first_hit(portal.id, key):
            return text_response(500, "<h1>Server Error in '/' Application.</h1>\n", HTML)
        edits = ctx.edit(art)
        charset = "utf-8"
        if ctx.mode == "relayout":
            resp = _html(common.relayout_article(ctx, art))
        else:
            if art.has("windows1258") and variant == "canonical":
                charset = "windows-1258"
            page = r.article(ctx, art, variant, charset=charset)
            refresh = state.refreshes(portal.id).get(art.id) if state is not None else None
            if refresh is not None:
                target = html.escape(urljoin(ctx.base_url + ctx.prefix, refresh))
                tag = f'<meta http-equiv="refresh" content="1;url={target}">'
                page = re.sub(r"(?i)(<head\b[^>]*>)", lambda m: m.group(1) + tag, page, count=1)
            resp = _html(page, charset)
            if art.has("wrong_charset") and variant == "canonical":
                resp.headers["Content-Type"] = "text/html; charset=iso-8859-1"
        return _conditional(resp, headers, _article_modified(art, edits))

    listing = _listing_index(portal.id).get((rel, _cur(query)))
    if listing is not None:
        if ctx.mode == "relayout":
            next_rel = listing.next_url
            return _conditional(
                _html(common.relayout_listing(ctx, listing.items, next_rel)), headers, None
            )
        return _conditional(_html(r.listing(ctx, listing)), headers, None)

    if rel == "":
        return _conditional(_html(r.home(ctx)), headers, None)
    if rel == "lich/":
        match = re.fullmatch(r"(\d{4})-(\d{2})", (params.get("thang") or [""])[0])
        year, month = (int(match.group(1)), int(match.group(2))) if match else (2019, 6)
        if not (1 <= month <= 12 and 1 <= year <= 9999):
            year, month = 2019, 6
        main = common.calendar_main(ctx, year, month)
        return _html(r.generic(ctx, f"Lịch công tác tháng {month}/{year}", main))
    if rel == portal.disallowed or rel.startswith(portal.disallowed):
        main = common.search_main(ctx, (params.get("k") or params.get("s") or [""])[0][:100])
        return _html(r.generic(ctx, "Tìm kiếm", main))
    if rel in common.STATIC_PAGES:
        title = common.STATIC_PAGES[rel]
        return _conditional(
            _html(r.generic(ctx, title, common.static_main(title, ctx))), headers, None
        )
    page = r.generic(ctx, "Không tìm thấy trang", common.not_found_main())
    return Response(404, {"Content-Type": HTML}, page.encode("utf-8"))


# ---------------------------------------------------------------- server-wide


def index_page(base_url: str) -> str:
    """The server root: a list of the sample portals."""
    items = "".join(
        f'<li><a href="/{pid}/">{html.escape(model.SPECS[pid].name)}</a> ({pid}, {model.SPECS[pid].family})</li>'
        for pid in model.PORTAL_IDS
    )
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>vnarchive: sample portals</title>'
        f"</head><body><h1>Sample portals</h1><ul>{items}</ul></body></html>"
    )


def handle_get(
    raw_path: str,
    *,
    base_url: str,
    headers: dict[str, str] | None = None,
    state: SiteState | None = None,
) -> Response:
    """Answer any GET to the server (``raw_path`` as sent, percent-encoded)."""
    path, _, query = raw_path.partition("?")
    if "://" in path:  # absolute-form request target
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    if path in ("", "/"):
        return text_response(200, index_page(base_url), HTML)
    if path == "/robots.txt":
        text = "User-agent: *\n" + "".join(
            f"Disallow: /{pid}/{model.get_portal(pid).disallowed}\n" for pid in model.PORTAL_IDS
        )
        text += "".join(
            f"Sitemap: {base_url}/{pid}/sitemap.xml\n"
            for pid in model.PORTAL_IDS
            if model.SPECS[pid].family == "wordpress"
        )
        return text_response(200, text)
    if path.startswith("/_control/"):
        portal_id = path[len("/_control/") :].strip("/")
        if portal_id not in model.SPECS:
            return _error(404, "unknown_portal", f"no sample portal {portal_id!r}")
        return json_response(200, (state or SiteState()).snapshot(portal_id))
    first, _, rest = path.lstrip("/").partition("/")
    if first == discovery.PORTAL_ID and _:
        status, ctype, body = discovery.render(unquote(rest), query, base_url=base_url)
        return Response(status, {"Content-Type": ctype}, body.encode("utf-8"))
    if first in model.SPECS:
        if not _ and not rest:  # "/<portal-id>" without the slash
            return Response(301, {"Location": f"{base_url}/{first}/", "Content-Type": HTML}, b"")
        return render(
            first,
            rest + (f"?{query}" if query else ""),
            base_url=base_url,
            headers=headers,
            state=state,
        )
    return text_response(404, "Not Found\n")


def parse_control_body(raw: bytes, content_type: str) -> dict[str, str]:
    """Fields of a control request body: JSON object or form-encoded."""
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return {}
    if "json" in content_type or text.startswith("{"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("control body must be a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    return dict(parse_qsl(text))


def control(state: SiteState, path: str, params: dict[str, str]) -> Response:
    """Apply a control request (``/_control/reset`` or ``/_control/<portal-id>``)."""
    target = path.removeprefix("/_control/").strip("/") if path.startswith("/_control/") else None
    if target is None:
        return _error(
            404, "not_found", "control URLs are /_control/<portal-id> and /_control/reset"
        )
    if target == "reset":
        state.reset()
        return json_response(200, {"reset": True})
    if target not in model.SPECS:
        return _error(404, "unknown_portal", f"no sample portal {target!r}")
    mode = params.get("mode")
    article_id = params.get("edit")
    removed_id = params.get("remove")
    redirected_id = params.get("remove_redirect")
    refresh_id = params.get("refresh")
    if refresh_id is not None:
        if model.get_portal(target).article(refresh_id) is None:
            return _error(404, "unknown_article", f"no article {refresh_id!r} in {target}")
        if not params.get("refresh_to"):
            return _error(400, "bad_request", "refresh=<article-id> needs refresh_to=<url>")
        state.set_refresh(target, refresh_id, params["refresh_to"])
        if mode is None and article_id is None and removed_id is None and redirected_id is None:
            return json_response(200, state.snapshot(target))
    for taken in (removed_id, redirected_id):
        if taken is not None and model.get_portal(target).article(taken) is None:
            return _error(404, "unknown_article", f"no article {taken!r} in {target}")
    if removed_id is not None:
        state.remove(target, removed_id)
    if redirected_id is not None:
        state.remove(target, redirected_id, redirect=True)
    if mode is None and article_id is None and (removed_id or redirected_id) is not None:
        return json_response(200, state.snapshot(target))
    if mode is None and article_id is None:
        return _error(
            400,
            "bad_request",
            "give mode=normal|relayout|redirect|down|maintenance and/or edit=<article-id>",
        )
    if mode is not None and mode not in MODES:
        return _error(400, "bad_mode", f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    if article_id is not None and model.get_portal(target).article(article_id) is None:
        return _error(404, "unknown_article", f"no article {article_id!r} in {target}")
    if mode is not None:
        state.set_mode(target, mode)
    if article_id is not None:
        state.edit(target, article_id)
    return json_response(200, state.snapshot(target))
