"""Rendering a sample portal's pages: routes to listings, articles, files, robots.txt, feeds."""

from __future__ import annotations

import contextlib
import html
import re
from datetime import datetime, timedelta
from types import ModuleType
from urllib.parse import parse_qs, parse_qsl, unquote, urljoin

from crawler.samples import common, files, model, records, specs
from crawler.samples.portal_state import REDIRECT_HOST, SiteState
from crawler.samples.responses import HTML, Response, _conditional, encode_cp1258, text_response

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
    for portal_id in specs.PORTAL_IDS:
        model.get_portal(portal_id)
        _listing_index(portal_id)


def _split(path_and_query: str, portal_id: str) -> tuple[str, str]:
    path, _, query = path_and_query.partition("?")
    path = path.lstrip("/")
    if path == portal_id or path.startswith(portal_id + "/"):
        path = path[len(portal_id) + 1 :]
    if any(ord(ch) > 127 for ch in path):  # raw UTF-8 read as latin-1 by http.server
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            path = path.encode("latin-1").decode("utf-8")
    return unquote(path, errors="replace"), query


_LISTING_INDEX: dict[str, dict[tuple[str, str | None], records.ListingPage]] = {}


def _cur(query: str) -> str | None:
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "cur" or name.endswith("_cur"):
            return value
    return None


def _listing_index(portal_id: str) -> dict[tuple[str, str | None], records.ListingPage]:
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


def _article_modified(art: records.SampleArticle, edits: int) -> datetime:
    base = art.published + timedelta(hours=1)
    if edits:
        base = datetime(2025, 7, 1, tzinfo=specs.TZ) + timedelta(hours=edits)
    return base


def robots_txt(portal: records.Portal, base_url: str) -> str:
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
    portal: records.Portal,
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
        when = datetime(2019, 1, 1, tzinfo=specs.TZ)
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
