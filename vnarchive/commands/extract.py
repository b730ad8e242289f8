"""``vnarchive extract``: the fields of one page (a saved file or a URL), as JSON."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

_FIRST_KEYS = ("url", "portal", "page_type")
_FETCH_TIMEOUT = 30


def _fetch(url: str) -> tuple[bytes, str, str | None]:
    """GET a page: (body, final URL, charset from Content-Type); bounded in size and time."""
    import urllib.error
    import urllib.request

    from crawler.pages.document import MAX_PAGE_BYTES
    from vnarchive import __version__

    request = urllib.request.Request(
        url, headers={"User-Agent": f"vnarchive/{__version__} (+extract)"}
    )
    try:
        with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_PAGE_BYTES + 1)
            charset = response.headers.get_content_charset()
            return body, response.geturl(), charset
    except urllib.error.HTTPError as exc:
        raise click.ClickException(f"cannot fetch {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise click.ClickException(f"cannot fetch {url}: {reason}") from None


def _ordered(data: dict) -> dict:
    """``url``, ``portal`` (when known) and ``page_type`` first, then the fields."""
    out = {key: data[key] for key in _FIRST_KEYS if data.get(key) is not None}
    out.update({k: v for k, v in data.items() if k not in _FIRST_KEYS})
    return out


@click.command(name="extract")
@click.argument("path_or_url")
@click.option(
    "--url",
    "page_url",
    metavar="URL",
    help="The page's address, for resolving links in a saved file.",
)
@click.option(
    "--portal", "portal_id", metavar="ID", help="Read the page with this portal's profile."
)
@click.option(
    "--family",
    type=click.Choice(
        [
            "sharepoint2010",
            "liferay62",
            "liferay_qb",
            "liferay7",
            "wordpress",
            "nukeviet",
            "dnn",
            "generic",
        ]
    ),
    help="Force a CMS family (default: the portal's, else detected from the markup).",
)
def extract(
    path_or_url: str, page_url: str | None, portal_id: str | None, family: str | None
) -> None:
    """Extract the fields of one page (a saved file or an http(s) URL) and print them as JSON.

    \b
    Examples:
      vnarchive extract page.html --url http://krongno.daknong.gov.vn/tin-tuc-su-kien/
      vnarchive extract http://127.0.0.1:8765/sample-sp2010/tin-tuc-su-kien/
    """
    from crawler.canonical import CanonicalRule
    from crawler.items import Article
    from crawler.pages import extract as extract_page
    from crawler.profiles import ProfileError, get_profile, profile_for_url
    from crawler.scope import PortalScope

    encoding = None
    if path_or_url.startswith(("http://", "https://")):
        html, final_url, encoding = _fetch(path_or_url)
        url = page_url or final_url
    elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path_or_url):
        scheme = path_or_url.split(":", 1)[0]
        raise click.ClickException(
            f"cannot fetch {path_or_url}: only http(s) URLs or local files ({scheme}: is not)"
        )
    else:
        path = Path(path_or_url)
        if not path.exists():
            raise click.ClickException(f"no such file: {path}")
        if not path.is_file():
            raise click.ClickException(f"not a file: {path}")
        try:
            html = path.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
        url = page_url or path.resolve().as_uri()
    if page_url and not page_url.startswith(("http://", "https://", "file://")):
        raise click.ClickException(f"--url must be an http(s) URL, got {page_url!r}")

    profile = None
    try:
        if portal_id:
            profile = get_profile(portal_id)
        elif url.startswith(("http://", "https://")):
            profile = profile_for_url(url)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except ProfileError as exc:
        raise click.ClickException(f"broken portal profile: {exc}") from None

    result = extract_page(html, url, family=family, profile=profile, encoding=encoding)
    if isinstance(result, Article):  # the canonical URL a crawl would believe
        scope = PortalScope(profile.base_url) if profile is not None else None
        result.canonical_url = CanonicalRule(scope).trusted(result.canonical_url, url, result.title)
    data = result.to_dict()
    if profile is not None:
        data["portal"] = profile.id
    json.dump(_ordered(data), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
