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

import html
import json
from urllib.parse import parse_qsl, unquote

from crawler.samples import discovery, model, specs
from crawler.samples.portal_state import MODES, SiteState
from crawler.samples.render import render
from crawler.samples.responses import HTML, Response, _error, json_response, text_response

# ---------------------------------------------------------------- server-wide


def index_page(base_url: str) -> str:
    """The server root: a list of the sample portals."""
    items = "".join(
        f'<li><a href="/{pid}/">{html.escape(specs.SPECS[pid].name)}</a> ({pid}, {specs.SPECS[pid].family})</li>'
        for pid in specs.PORTAL_IDS
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
            f"Disallow: /{pid}/{model.get_portal(pid).disallowed}\n" for pid in specs.PORTAL_IDS
        )
        text += "".join(
            f"Sitemap: {base_url}/{pid}/sitemap.xml\n"
            for pid in specs.PORTAL_IDS
            if specs.SPECS[pid].family == "wordpress"
        )
        return text_response(200, text)
    if path.startswith("/_control/"):
        portal_id = path[len("/_control/") :].strip("/")
        if portal_id not in specs.SPECS:
            return _error(404, "unknown_portal", f"no sample portal {portal_id!r}")
        return json_response(200, (state or SiteState()).snapshot(portal_id))
    first, _, rest = path.lstrip("/").partition("/")
    if first == discovery.PORTAL_ID and _:
        status, ctype, body = discovery.render(unquote(rest), query, base_url=base_url)
        return Response(status, {"Content-Type": ctype}, body.encode("utf-8"))
    if first in specs.SPECS:
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
    if target not in specs.SPECS:
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
