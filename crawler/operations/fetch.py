"""Fetch a portal page for a health check: bounded size, per-read timeout and a wall-clock deadline."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

USER_AGENT = "vnarchive-health/1 (archive of local government portals)"


MAX_BYTES = 2 * 1024 * 1024  # crawled content is hostile: never read more than this


DEADLINE_FACTOR = 3  # a fetch with no deadline given gets 3 × its per-read timeout in all


Progress = Callable[[str], None]
"""Called with a short line saying what a check is doing now (shown in /admin)."""


def _no_progress(_line: str) -> None:
    return None


def default_deadline() -> float:
    """Seconds a whole health check or portal test may take (``VNARCHIVE_HEALTH_DEADLINE``)."""
    try:
        value = float(os.environ.get("VNARCHIVE_HEALTH_DEADLINE") or 30.0)
    except ValueError:
        value = 30.0
    return min(max(value, 1.0), 600.0)


_TAG_RE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.I | re.S)


_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass
class Probe:
    """What one GET of a URL gave: final URL after redirects, status, error, page text."""

    url: str
    final_url: str | None = None
    status: int | None = None
    error: str | None = None  # "dns", "connection", "timeout", "too_many_redirects", "http"
    error_detail: str = ""
    redirects: list[str] = field(default_factory=list)
    html: str = ""

    @property
    def ok(self) -> bool:
        """Whether the page came back with a non-error status."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def title(self) -> str:
        """The page's <title>, whitespace collapsed, bounded."""
        match = _TITLE_RE.search(self.html)
        return " ".join(_TAG_RE.sub(" ", match.group(1)).split())[:200] if match else ""

    @property
    def text(self) -> str:
        """The visible text of the page, roughly (tags dropped), bounded."""
        return " ".join(_TAG_RE.sub(" ", self.html).split())[:20000]


def _classify_error(exc: Exception) -> tuple[str, str]:
    message = str(exc) or type(exc).__name__
    lowered = message.lower()
    if isinstance(exc, httpx.TooManyRedirects):
        return "too_many_redirects", message
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", message
    if isinstance(exc, httpx.ConnectError) and any(
        s in lowered
        for s in ("name or service not known", "nodename nor servname", "getaddrinfo", "resolve")
    ):
        return "dns", message
    if isinstance(exc, httpx.TransportError):
        return "connection", message
    return "http", message


def fetch(
    url: str,
    *,
    timeout: float = 10.0,
    client: httpx.Client | None = None,
    max_redirects: int = 10,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> Probe:
    """GET ``url``, reading at most ``MAX_BYTES`` within ``deadline`` seconds; never raises.

    ``timeout`` bounds each connect and read; ``deadline`` (default
    ``DEADLINE_FACTOR × timeout``) bounds the whole fetch, redirects included, on the
    wall clock: a server that drips a few bytes every second is cut off there and the
    probe says ``timeout``.  Redirects are followed by hand and only within the
    portal's own host (``www.`` or not): a redirect to another domain is recorded
    (``final_url``, ``redirects``) but not fetched — that domain is not the portal,
    and may not even resolve.
    """
    probe = Probe(url=url)
    budget = deadline if deadline is not None else DEADLINE_FACTOR * timeout
    end = time.monotonic() + budget
    say = progress or _no_progress
    own = client is None
    client = client or httpx.Client(
        follow_redirects=False,
        timeout=timeout,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"},
    )
    home = _bare_host(url)
    current = url

    def left() -> float:
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise _DeadlinePassed
        return min(timeout, remaining)

    try:
        for _ in range(max_redirects + 1):
            say(f"fetching {current[:200]}")
            with client.stream(
                "GET", current, follow_redirects=False, timeout=httpx.Timeout(left())
            ) as response:
                probe.status = response.status_code
                probe.final_url = str(response.url)
                location = response.headers.get("location")
                if response.is_redirect and location:
                    target = urljoin(str(response.url), location)
                    probe.redirects.append(str(response.url))
                    probe.final_url = target
                    if _bare_host(target) != home or urlsplit(target).scheme not in (
                        "http",
                        "https",
                    ):
                        return probe  # off-site: record it, do not follow
                    current = target
                    continue
                chunks: list[bytes] = []
                size = 0
                # each read may wait only until the deadline (httpcore reads the
                # request's timeout before every read of the body)
                timeouts = response.request.extensions.get("timeout")
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= MAX_BYTES:
                        break
                    remaining = left()
                    if isinstance(timeouts, dict):
                        timeouts["read"] = remaining
                    say(f"reading {current[:200]} ({size:,} bytes)")
                raw = b"".join(chunks)[:MAX_BYTES]
                probe.html = raw.decode(response.encoding or "utf-8", errors="replace")
                return probe
        probe.error, probe.error_detail = "too_many_redirects", f"more than {max_redirects}"
    except _DeadlinePassed:
        probe.error, probe.error_detail = "timeout", f"no complete answer within {budget:g} s"
    except (httpx.HTTPError, OSError, ValueError) as exc:
        probe.error, probe.error_detail = _classify_error(exc)
        if time.monotonic() >= end and probe.error == "timeout":
            probe.error_detail = f"no complete answer within {budget:g} s"
    finally:
        if own:
            client.close()
    return probe


class _DeadlinePassed(Exception):
    """The wall-clock deadline of a fetch has passed."""


def _bare_host(url: str | None) -> str:
    host = (urlsplit(url or "").hostname or "").lower()
    return host[4:] if host.startswith("www.") else host
