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
exclusively).  A check whose worker is gone reads as failed: on this machine when its
process has ended; a check started by a server on another machine (a data directory
shared over the network) when it has run for longer than its deadline allows
(:func:`stale_after`), since its process cannot be seen from here.  The latest :data:`KEEP`
are kept, at most :data:`MAX_RUNNING` run at once (over all workers), and one portal
has at most one health check running (asking again shows the running one).

The files are JSON (:func:`dump_check`, :func:`load_check`), never pickles: the data
directory may be shared with crawler nodes that parse hostile pages, and a file there
must not be able to run code in the web app.  Only the known result types are rebuilt
(:data:`RESULT_TYPES`); anything else reads as an unreadable check.  The cache of other
workers' checks keeps only the ids still on disk.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawler.operations.fetch import Probe, default_deadline
from crawler.operations.try_portal import TryResult
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
    host: str = field(default_factory=socket.gethostname)  # the machine it runs on
    # called on each progress line (BackgroundChecks saves the check); never saved
    notify: Callable[[Check], None] | None = field(default=None, repr=False, compare=False)

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


# -- the files' format ---------------------------------------------------------------

#: The dataclasses a check's result may hold, rebuilt by name when a file is read.
RESULT_TYPES: dict[str, type] = {"TryResult": TryResult, "Probe": Probe}


class UnreadableCheck(ValueError):
    """A check file that is not a check this app wrote (bad JSON, unknown type, bad field)."""


def _encode(value: Any) -> Any:
    """A JSON value for ``value``: dates and known dataclasses tagged, dicts wrapped so
    that no key of crawled content can pass for a tag."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and RESULT_TYPES.get(name) is type(value):
        fields = {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$type": name, "fields": fields}
    return str(value)  # anything else is shown, not rebuilt


def _decode(value: Any) -> Any:
    """The value :func:`_encode` wrote (raises UnreadableCheck on anything else)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise UnreadableCheck(f"unexpected value {str(value)[:80]!r}")
    try:
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$dict" in value:
            return {_decode(k): _decode(v) for k, v in value["$dict"]}
        kind = RESULT_TYPES.get(value.get("$type"))
        if kind is not None:
            return kind(**{k: _decode(v) for k, v in value["fields"].items()})
    except (TypeError, ValueError, KeyError) as exc:
        raise UnreadableCheck(str(exc)) from exc
    raise UnreadableCheck(f"unknown value tag in {sorted(value)!r}")


_SAVED_FIELDS = tuple(f.name for f in dataclasses.fields(Check) if f.name != "notify")


def dump_check(check: Check) -> bytes:
    """The bytes of a check file (UTF-8 JSON)."""
    data = {name: _encode(getattr(check, name)) for name in _SAVED_FIELDS}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def load_check(data: bytes) -> Check:
    """The check a file holds (raises UnreadableCheck when it is not one :func:`dump_check` wrote)."""
    try:
        raw = json.loads(data)
    except ValueError as exc:
        raise UnreadableCheck(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or set(raw) - set(_SAVED_FIELDS):
        raise UnreadableCheck("not a check")
    try:
        check = Check(**{k: _decode(v) for k, v in raw.items()})
    except TypeError as exc:
        raise UnreadableCheck(str(exc)) from exc
    if not isinstance(check.id, int) or check.kind not in KINDS:
        raise UnreadableCheck("not a check")
    return check


def stale_after() -> float:
    """Seconds after its start when a running check of another machine reads as failed:
    twice the checks' deadline and a minute (a live check ends within its deadline)."""
    return 2 * default_deadline() + 60.0


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
        self._read: dict[int, tuple[tuple[int, int], Check | None]] = {}
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
        ids = sorted(int(n[:-6]) for n in names if n.endswith(".check") and n[:-6].isdigit())
        with self._lock:  # forget the checks other workers have pruned
            for gone in self._read.keys() - set(ids):
                del self._read[gone]
        return ids

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
            temporary.write_bytes(dump_check(check))
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
            if cached and cached[0] == stamp:
                check = cached[1]
            else:
                check = self._parse(path, path.read_bytes())
        except OSError:  # not there (pruned)
            return None
        self._read[check_id] = (stamp, check)  # an unreadable file is not read again
        if check is None:
            return None
        if check.active and self._gone(check):
            return replace(check, status="failed", error="the web worker running this check ended")
        return check

    @staticmethod
    def _gone(check: Check) -> bool:
        """Whether the worker running ``check`` has ended (see the module's docstring)."""
        if check.host == socket.gethostname():
            return not pid_alive(check.pid)
        return (utcnow() - check.started_at).total_seconds() > stale_after()

    @staticmethod
    def _parse(path: Path, data: bytes) -> Check | None:
        """The check in a file's bytes, or None (an empty file is a check just created)."""
        if not data:
            return None
        try:
            return load_check(data)
        except UnreadableCheck as exc:
            log.warning("check file %s is unreadable (%s); ignored", path, exc)
            return None

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
