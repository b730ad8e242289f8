"""Background checks of the admin console: health checks and "test this portal".

A check fetches a live portal, which may be slow or hostile, so it never runs
inside the web request: :meth:`BackgroundChecks.start` runs it in a thread and
returns at once; the admin follows it at ``/admin/checks/{id}`` (the page refreshes
itself while it runs) and on ``/admin``, where each check shows its progress line
("fetching …", "reading … (12,345 bytes)").  Each check has the wall-clock deadline
of ``crawler.operations.health`` (``VNARCHIVE_HEALTH_DEADLINE``, 30 s by default).

A check runs in a thread of the web worker that started it, and its state is written
to ``$VNARCHIVE_DATA/checks/<id>.check`` (at the start, at most every
:data:`SAVE_EVERY` seconds of progress, and at the end), so every worker of
``vnarchive serve --workers N`` shows it: a client's next request often reaches another
worker (each worker kept its checks in memory before, and their pages answered 404 about
half the time with two workers).  Ids are unique across workers (the file is created
exclusively).  A check whose worker is gone reads as failed.  The latest :data:`KEEP`
are kept, at most :data:`MAX_RUNNING` run at once (over all workers), and one portal
has at most one health check running (asking again shows the running one).  The files
are pickles the web app writes itself, in the data directory it trusts like its store.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from indexer.store.claims import pid_alive
from indexer.store.rows import utcnow

log = logging.getLogger("search_app.admin.checks")

KEEP = 50
MAX_RUNNING = 4
SAVE_EVERY = 0.5  # seconds between two saves of a running check's progress
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
    pid: int = field(default_factory=os.getpid)  # the web worker running it
    # called on each progress line (BackgroundChecks saves the check); never pickled
    notify: Callable[[Check], None] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"notify": None}

    @property
    def active(self) -> bool:
        """Whether the check is still running."""
        return self.status == "running"

    def say(self, line: str) -> None:
        """Set the progress line (called from the check's thread)."""
        self.progress = " ".join(line.split())[:300]
        if self.notify is not None:
            self.notify(self)

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
    """The checks of one web app, shared by its workers through the files in ``folder``:
    start them in threads, find them by id, list the latest."""

    def __init__(self, folder: Path, keep: int = KEEP, max_running: int = MAX_RUNNING) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self.max_running = max_running
        self._mine: dict[int, Check] = {}  # the checks this process runs or ran
        self._saved: dict[int, float] = {}  # check id -> when it was last saved
        # checks of other workers as last read: id -> ((inode, mtime), check); a finished
        # check's file never changes, so the dashboard's refreshes do not read it again
        self._read: dict[int, tuple[tuple[int, int], Check]] = {}
        self._lock = threading.RLock()  # start() reads the list under it

    def get(self, check_id: int) -> Check | None:
        """One check (this worker's, or as another worker last saved it), or None."""
        with self._lock:
            mine = self._mine.get(check_id)
        return mine if mine is not None else self._load(check_id)

    def latest(self, limit: int = 10) -> list[Check]:
        """The latest checks of every worker, running ones first, newest first."""
        checks = [c for i in self._ids()[::-1][: self.keep] if (c := self.get(i)) is not None]
        return sorted(checks, key=lambda c: not c.active)[:limit]

    def running(self, kind: str, portal: str) -> Check | None:
        """The running check of this kind and portal, if any."""
        for check in self.latest(self.keep):
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
            if sum(c.active for c in self.latest(self.keep)) >= self.max_running:
                raise TooManyChecks(f"{self.max_running} checks are running; wait for one to end")
            check = Check(id=self._new_id(), kind=kind, portal=portal, **details)
            check.notify = self._save
            self._mine[check.id] = check
            self._save(check, force=True)
            self._prune()
        thread = threading.Thread(
            target=self._run, args=(check, work), name=f"check-{check.id}", daemon=True
        )
        thread.start()
        return check

    def _run(self, check: Check, work: Callable[[Check], Any]) -> None:
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
            self._save(check, force=True)

    # -- the files ----------------------------------------------------------------

    def _path(self, check_id: int) -> Path:
        return self.folder / f"{check_id}.check"

    def _ids(self) -> list[int]:
        """The ids of the saved checks, oldest first."""
        try:
            names = [p.name for p in self.folder.iterdir()]
        except OSError:
            return []
        return sorted(int(n[:-6]) for n in names if n.endswith(".check") and n[:-6].isdigit())

    def _new_id(self) -> int:
        """The next id, unique across the workers: its file is created exclusively."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ids = self._ids()
        check_id = (ids[-1] if ids else 0) + 1
        while True:
            try:
                os.close(os.open(self._path(check_id), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                return check_id
            except FileExistsError:
                check_id += 1

    def _save(self, check: Check, *, force: bool = False) -> None:
        """Write the check's state for the other workers (progress at most every
        :data:`SAVE_EVERY` seconds; always when ``force``)."""
        now = time.monotonic()
        if not force and now - self._saved.get(check.id, 0.0) < SAVE_EVERY:
            return
        self._saved[check.id] = now
        path = self._path(check.id)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            temporary.write_bytes(pickle.dumps(check))
            os.replace(temporary, path)  # readers see the old state or the new, whole
        except Exception as exc:  # the check goes on; other workers see it less fresh
            log.warning("could not save check %s: %s", check.id, exc)
            temporary.unlink(missing_ok=True)

    def _load(self, check_id: int) -> Check | None:
        """A check as its worker last saved it (failed when that worker is gone), or None."""
        path = self._path(check_id)
        try:
            info = path.stat()
            stamp = (info.st_ino, info.st_mtime_ns)
            cached = self._read.get(check_id)
            check = cached[1] if cached and cached[0] == stamp else pickle.loads(path.read_bytes())
        except Exception:  # not saved yet (just created), or unreadable
            return None
        if not isinstance(check, Check):
            return None
        self._read[check_id] = (stamp, check)
        if check.active and not pid_alive(check.pid):
            return replace(check, status="failed", error="the web worker running this check ended")
        return check

    def _prune(self) -> None:
        """Remove the files of the oldest finished checks beyond :data:`KEEP`."""
        for check_id in self._ids()[: -self.keep]:
            old = self.get(check_id)
            if old is not None and old.active:
                continue
            self._path(check_id).unlink(missing_ok=True)
            self._mine.pop(check_id, None)
            self._saved.pop(check_id, None)
            self._read.pop(check_id, None)
