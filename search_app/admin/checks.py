"""Background checks of the admin console: health checks and "test this portal".

A check fetches a live portal, which may be slow or hostile, so it never runs
inside the web request: :meth:`BackgroundChecks.start` runs it in a thread and
returns at once; the admin follows it at ``/admin/checks/{id}`` (the page refreshes
itself while it runs) and on ``/admin``, where each check shows its progress line
("fetching …", "reading … (12,345 bytes)").  Each check has the wall-clock deadline
of ``crawler.operations.health`` (``VNARCHIVE_HEALTH_DEADLINE``, 30 s by default).

Checks live in memory, per web-app process: the latest :data:`KEEP` are kept, at
most :data:`MAX_RUNNING` run at once, and one portal has at most one health check
running (asking again shows the running one).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from indexer.store.rows import utcnow

log = logging.getLogger("search_app.admin.checks")

KEEP = 50
MAX_RUNNING = 4
KINDS = ("health", "test")


class TooManyChecks(RuntimeError):
    """:data:`MAX_RUNNING` checks are running already."""


@dataclass
class Check:
    """One background check: what, of which portal, its progress line and its outcome."""

    id: int
    kind: str  # health | test
    portal: str
    started_at: datetime = field(default_factory=utcnow)
    status: str = "running"  # running | finished | failed
    progress: str = "starting"
    finished_at: datetime | None = None
    result: Any = None  # health: {flag: detail}; test: health.TryResult
    error: str = ""
    form: dict[str, str] = field(default_factory=dict)  # test: the submitted profile form
    editing: str | None = None  # test: the id of the portal being edited, if any

    @property
    def active(self) -> bool:
        """Whether the check is still running."""
        return self.status == "running"

    def say(self, line: str) -> None:
        """Set the progress line (called from the check's thread)."""
        self.progress = " ".join(line.split())[:300]

    def as_json(self) -> dict[str, Any]:
        """The check for the JSON API."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "portal": self.portal,
            "status": self.status,
            "progress": self.progress,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error or None,
        }
        if self.kind == "health" and isinstance(self.result, dict):
            out["flags"] = self.result
        elif self.kind == "test" and self.result is not None:
            out["ok"] = self.result.ok
            out["problems"] = list(self.result.problems)
        return out


class BackgroundChecks:
    """The checks of one web app: start them in threads, find them by id, list the latest."""

    def __init__(self, keep: int = KEEP, max_running: int = MAX_RUNNING) -> None:
        self.keep = keep
        self.max_running = max_running
        self._checks: OrderedDict[int, Check] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def get(self, check_id: int) -> Check | None:
        """One check, or None."""
        with self._lock:
            return self._checks.get(check_id)

    def latest(self, limit: int = 10) -> list[Check]:
        """The latest checks, running ones first, newest first."""
        with self._lock:
            checks = list(self._checks.values())[::-1]
        return sorted(checks, key=lambda c: not c.active)[:limit]

    def running(self, kind: str, portal: str) -> Check | None:
        """The running check of this kind and portal, if any."""
        with self._lock:
            for check in self._checks.values():
                if check.active and check.kind == kind and check.portal == portal:
                    return check
        return None

    def start(self, kind: str, portal: str, work: Callable[[Check], Any], **details: Any) -> Check:
        """Run ``work(check)`` in a thread; its return value becomes ``check.result``.

        Raises TooManyChecks when :data:`MAX_RUNNING` checks are running.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown check kind {kind!r}")
        with self._lock:
            if sum(c.active for c in self._checks.values()) >= self.max_running:
                raise TooManyChecks(f"{self.max_running} checks are running; wait for one to end")
            check = Check(id=next(self._ids), kind=kind, portal=portal, **details)
            self._checks[check.id] = check
            while len(self._checks) > self.keep:
                oldest = next(iter(self._checks.values()))
                if oldest.active:
                    break
                self._checks.popitem(last=False)
        thread = threading.Thread(
            target=self._run, args=(check, work), name=f"check-{check.id}", daemon=True
        )
        thread.start()
        return check

    @staticmethod
    def _run(check: Check, work: Callable[[Check], Any]) -> None:
        try:
            check.result = work(check)
            check.status = "finished"
            check.say("done")
        except Exception as exc:  # a hostile portal must not take the console down
            log.exception("%s check %s of %s failed", check.kind, check.id, check.portal)
            check.status = "failed"
            check.error = f"{type(exc).__name__}: {exc}"[:300]
            check.say("failed")
        finally:
            check.finished_at = utcnow()
