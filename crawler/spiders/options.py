"""The spider's arguments (``-a full=1 since=... max_pages=...``) validated into JobOptions."""

from __future__ import annotations

from datetime import date
from typing import Any

from crawler.job import JobOptions

__all__ = ["parse_options"]


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def parse_options(
    *,
    full: Any = False,
    since: Any = None,
    max_pages: Any = None,
    job_id: Any = None,
    trigger: Any = "manual",
) -> JobOptions:
    """Validate spider arguments (strings from ``-a``) into JobOptions; ValueError if bad."""
    since_iso = None
    if since not in (None, ""):
        try:
            since_iso = date.fromisoformat(str(since).strip()).isoformat()
        except ValueError:
            raise ValueError(f"since: expected a date YYYY-MM-DD, got {since!r}") from None
    pages = None
    if max_pages not in (None, "", 0, "0"):
        try:
            pages = int(max_pages)
        except ValueError:
            raise ValueError(f"max_pages: expected a number, got {max_pages!r}") from None
        if pages < 1:
            raise ValueError(f"max_pages: must be at least 1, got {pages}")
    jid = None
    if job_id not in (None, ""):
        try:
            jid = int(job_id)
        except ValueError:
            raise ValueError(f"job_id: expected a number, got {job_id!r}") from None
    trig = str(trigger or "manual")
    if trig not in ("manual", "schedule"):
        raise ValueError(f"trigger: expected manual or schedule, got {trig!r}")
    return JobOptions(
        full=_truthy(full), since=since_iso, max_pages=pages, trigger=trig, job_id=jid
    )
