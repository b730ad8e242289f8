"""One Scrapyd node's JSON API (schedule, cancel, status), called without any proxy."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit
from urllib.request import ProxyHandler, Request, build_opener

from indexer import config

_OPENER = build_opener(ProxyHandler({}))  # nodes are on the cluster's network, never via a proxy


class NodeDown(RuntimeError):
    """A Scrapyd node did not answer (refused, timed out, not JSON).

    ``refused``: nothing listens there any more (the node is gone, not just busy).
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class ScrapydError(RuntimeError):
    """A Scrapyd node answered with an error (e.g. the project is not deployed there)."""


def public_url(url: str) -> str:
    """A node URL without its user:password (what is shown and stored)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass
class ScrapydNode:
    """One Scrapyd server, through its JSON API (``http://user:pass@host:6800/`` for auth)."""

    url: str
    timeout: float = 10.0

    @property
    def name(self) -> str:
        """The URL without credentials."""
        return public_url(self.url)

    def _call(self, method: str, path: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        target = urljoin(self.name, path)
        data = urlencode(params).encode() if method == "POST" else None
        if method == "GET" and params:
            target += "?" + urlencode(params)
        request = Request(target, data=data, method=method)
        parts = urlsplit(self.url)
        if parts.username:
            token = f"{parts.username}:{parts.password or ''}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                payload = json.loads(response.read(4 * 1024 * 1024))
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeDown(
                f"Scrapyd node {self.name} does not answer: {reason}",
                refused=isinstance(reason, ConnectionRefusedError),
            ) from None
        if not isinstance(payload, dict) or payload.get("status") != "ok":
            message = payload.get("message") if isinstance(payload, dict) else payload
            raise ScrapydError(f"Scrapyd node {self.name}: {str(message)[:500]}")
        return payload

    def status(self) -> dict[str, Any]:
        """``daemonstatus.json``: running, pending and finished counts."""
        return self._call("GET", "daemonstatus.json", [])

    def schedule(
        self, project: str, spider: str, args: dict[str, Any], settings: dict[str, Any]
    ) -> str:
        """``schedule.json``: start a crawl; return Scrapyd's job id."""
        params = [("project", project), ("spider", spider)]
        params += [(k, str(v)) for k, v in args.items() if v not in (None, "", False)]
        params += [("setting", f"{k}={v}") for k, v in settings.items()]
        return str(self._call("POST", "schedule.json", params)["jobid"])

    def cancel(self, project: str, job: str) -> str:
        """``cancel.json`` (SIGTERM to a running crawl); return its previous state."""
        payload = self._call("POST", "cancel.json", [("project", project), ("job", job)])
        return str(payload.get("prevstate") or "")

    def job_state(self, project: str, job: str) -> str:
        """``status.json``: pending, running, finished or unknown."""
        payload = self._call("GET", "status.json", [("project", project), ("job", job)])
        return str(payload.get("currstate") or "unknown")


def _crawl_settings() -> dict[str, str]:
    """The paths a dispatched crawl needs, as Scrapy settings (from this process's config)."""
    out = {
        "VNARCHIVE_DATA": str(config.data_dir()),
        "VNARCHIVE_PORTALS": str(config.portals_dir()),
        "VNARCHIVE_DB_URL": config.db_url(),
    }
    samples = config.setting("VNARCHIVE_SAMPLES_URL")
    if samples:
        out["VNARCHIVE_SAMPLES_URL"] = samples
    return out
