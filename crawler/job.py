"""One crawl job of one portal: its row in ``crawl_jobs``, counters, WARC file, lock and resume state.

A job is opened when the spider opens and closed when it closes, by
``crawler.extensions.CrawlJobExtension``; the spider, middlewares and pipelines
reach it as ``spider.job``.

Resuming.  Each portal has a job directory ``$VNARCHIVE_DATA/jobs/<portal>/``
holding the job logs (``<job>.log``) and ``state/``: a lock file (one crawl per
portal at a time, released by the OS even on SIGKILL) and ``job.json`` naming the
job in progress.  A crawl that is killed (SIGKILL) or cancelled (SIGTERM/SIGINT)
leaves ``job.json`` behind; the next crawl of the portal resumes that job: same job
id, same WARC file (repaired if a record was cut), and the crawl skips every
article the store already holds for this job.  The ``pages`` counter survives a
SIGKILL too: every fetched page appends one byte to ``state/<job>.pages`` (no
database write per page), and a resumed job starts from that file's size.  The pending-request queue is *not*
persisted (Scrapy's JOBDIR disk queues are written only on a clean shutdown and its
seen-requests file records requests when scheduled, not when archived, so neither
survives SIGKILL safely): listings are cheap to walk again, and the store, written
in one transaction per article, is the record of what is done.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.job_counts import JobCounts
from crawler.profiles import PortalProfile
from crawler.warc.files import relative_warc_path, resolve_warc_path, warc_file_name
from crawler.warc.repair import check_warc_ends
from crawler.warc.revisits import PriorCaptures
from crawler.warc.writer import WarcFile
from indexer import config
from indexer.store.archive import ArchiveStore
from indexer.store.claims import pid_alive
from indexer.store.rows import utcnow

__all__ = ["CrawlJob", "JobBusy", "JobError", "JobOptions", "record_failed_start"]

logger = logging.getLogger(__name__)

RESUMABLE = ("queued", "running", "cancelled", "interrupted")


class JobError(RuntimeError):
    """A job that cannot be opened (unknown --job-id, another portal's job…)."""


class JobBusy(JobError):
    """Another crawl of the same portal is running (it holds the portal's lock)."""


@dataclass(frozen=True)
class JobOptions:
    """What a crawl was asked to do (stored as the job's ``options`` JSON)."""

    full: bool = False
    since: str | None = None  # ISO date: skip listing items published before it
    max_pages: int | None = None
    trigger: str = "manual"  # manual | schedule
    job_id: int | None = None  # attach to a job row pre-created by a scheduler


def portal_job_dir(portal: str) -> Path:
    """``$VNARCHIVE_DATA/jobs/<portal>`` (logs) — its ``state/`` holds the lock and job.json."""
    return config.jobs_dir() / portal


class CrawlJob(JobCounts):
    """A running crawl job: counters, the store, the WARC file; see the module docstring."""

    def __init__(
        self,
        profile: PortalProfile,
        options: JobOptions,
        store: ArchiveStore,
        *,
        job_id: int,
        started_at: datetime,
        resumed: bool,
        lock_fh: Any,
        warc: WarcFile | None,
        log_path: Path,
        row: dict[str, Any],
    ) -> None:
        self.profile = profile
        self.portal = profile.id
        self.options = options
        self.store = store
        self.id = job_id
        self.started_at = started_at
        self.resumed = resumed
        self._lock_fh = lock_fh
        self.warc = warc
        self.log_path = log_path
        self.closed = False
        # counters (a resumed job continues from what its row says)
        self.pages = int(row.get("pages") or 0)
        self._pages_fh: Any = None
        self.outcomes: Counter[str] = Counter(
            new=int(row.get("articles_new") or 0),
            changed=int(row.get("articles_changed") or 0),
            unchanged=int(row.get("articles_unchanged") or 0),
        )
        self.error_reasons: Counter[str] = Counter(row.get("error_reasons") or {})
        self.error_urls: list[dict[str, str]] = list(row.get("error_urls") or [])
        self.extraction_failures = int(row.get("extraction_failures") or 0)
        # how pages were extracted: "article:family", "article:structural", "listing:…"
        self.extraction_paths: Counter[str] = Counter(row.get("extraction_paths") or {})
        # what discovery saw: pages by kind, skipped URLs by reason (the frontier
        # counts into ``skipped``), the first pages that read as neither article nor
        # listing
        discovery = row.get("discovery") or {}
        if isinstance(discovery, str):
            discovery = json.loads(discovery or "{}")
        self.page_kinds: Counter[str] = Counter(discovery.get("pages") or {})
        self.skipped: Counter[str] = Counter(discovery.get("skipped") or {})
        self.unclassified: list[str] = list(discovery.get("unclassified") or [])
        # archived articles without a date of their own that took their listing's date
        # after they were stored (reached before their listing, or in an earlier crawl)
        self.dated_from_listing = int(discovery.get("dated_from_listing") or 0)
        # articles' <meta http-equiv="refresh">: followed | out_of_portal, the first targets
        self.meta_refreshes: Counter[str] = Counter(discovery.get("meta_refresh") or {})
        self.refresh_targets: list[dict[str, Any]] = list(discovery.get("refresh_targets") or [])
        # articles stored undated in this job: id -> (url, whether it also had no body)
        self._undated: dict[str, tuple[str, bool]] = {}
        self.consecutive_failures = 0
        self.stop_reason: str | None = None  # why the crawl stopped early, when it did
        self.admitted = 0  # page requests let through to the downloader (--max-pages)
        self.gone_candidates: dict[str, str] = {}  # article id -> url
        self.gone_marked = 0
        self.known: dict[str, dict[str, Any]] = store.known_urls(profile.id)

    # -- opening ----------------------------------------------------------------

    @classmethod
    def open(
        cls,
        profile: PortalProfile,
        options: JobOptions,
        *,
        store: ArchiveStore | None = None,
        warc: bool = True,
    ) -> CrawlJob:
        """Lock the portal, resume its unfinished job or start a new one, open the WARC."""
        store = store or ArchiveStore()
        job_dir = portal_job_dir(profile.id)
        state_dir = job_dir / "state"
        state_dir.mkdir(parents=True, exist_ok=True)
        lock_fh = open(state_dir / "lock", "a+")  # noqa: SIM115 - held for the whole crawl
        try:
            fcntl.flock(lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_fh.close()
            holder = next(iter(store.list_jobs(portal=profile.id, status="running", limit=1)), None)
            detail = f" (job {holder['id']}, pid {holder['pid']})" if holder else ""
            raise JobBusy(f"a crawl of {profile.id} is already running{detail}") from None
        try:
            return cls._open_locked(profile, options, store, job_dir, state_dir, lock_fh, warc)
        except BaseException:
            lock_fh.close()
            raise

    @classmethod
    def _open_locked(
        cls,
        profile: PortalProfile,
        options: JobOptions,
        store: ArchiveStore,
        job_dir: Path,
        state_dir: Path,
        lock_fh: Any,
        warc_enabled: bool,
    ) -> CrawlJob:
        state_file = state_dir / "job.json"
        pid = os.getpid()
        resumed = False
        row: dict[str, Any] | None = None
        if options.job_id is not None:
            row = store.get_job(options.job_id)
            if row is None:
                raise JobError(f"no crawl job {options.job_id}")
            if row["portal"] != profile.id:
                raise JobError(f"crawl job {options.job_id} is for portal {row['portal']!r}")
            if row["status"] not in RESUMABLE:
                raise JobError(f"crawl job {options.job_id} is already {row['status']}")
            # a queued row may be a cancelled/interrupted job claimed again
            resumed = row["status"] != "queued" or bool(row.get("pages"))
        else:
            previous = _read_state(state_file)
            if previous is not None:
                candidate = store.get_job(int(previous.get("job_id", 0)))
                if (
                    candidate is not None
                    and candidate["portal"] == profile.id
                    and candidate["status"] in RESUMABLE
                ):
                    row, resumed = candidate, True
        # We hold the portal's lock: any other job of this portal still marked
        # running belongs to a process that died without closing it.
        for stale in store.list_jobs(portal=profile.id, status="running", limit=100):
            if row is None or stale["id"] != row["id"]:
                store.finish_job(
                    stale["id"],
                    "interrupted",
                    stop_reason=f"process {stale['pid']} ended without closing the job",
                )
        opts = {k: v for k, v in asdict(options).items() if k != "job_id"}
        if row is None:
            job_id = store.start_job(profile.id, options=opts, trigger=options.trigger, pid=pid)
            row = store.get_job(job_id) or {}
        else:
            job_id = int(row["id"])
            if resumed:
                how = "cancelled" if row["status"] == "cancelled" else "interrupted"
                if row["status"] == "running" and pid_alive(row.get("pid")):
                    how = "still marked running"
                logger.info("resuming crawl job %s of %s (%s)", job_id, profile.id, how)
            store.update_job(
                job_id,
                status="running",
                pid=pid,
                options=opts,
                finished_at=None,
                stop_reason=None,
            )
        started_at = row.get("started_at") or utcnow()
        log_path = job_dir / f"{job_id}.log"
        warc_path: Path | None = None
        if resumed and row.get("warc_file"):
            warc_path = resolve_warc_path(row["warc_file"])  # the file it was writing
        if warc_path is None:
            warc_path = config.warc_dir() / profile.id / warc_file_name(profile.id, job_id)
        warc_file = None
        recapture: list[str] = []
        if warc_enabled:
            ends = check_warc_ends(store, profile.id)
            recapture = ends.articles_recapture or []
            warc_file = WarcFile(
                warc_path,
                info={
                    "portal": profile.id,
                    "job": str(job_id),
                    "base-url": profile.base_url,
                },
            )
            warc_file.priors = PriorCaptures.load(warc_path.parent)
        store.update_job(
            job_id,
            log_path=str(log_path),
            warc_file=relative_warc_path(warc_path) if warc_enabled else None,
        )
        state_file.write_text(
            json.dumps({"job_id": job_id, "portal": profile.id, "pid": pid}), encoding="utf-8"
        )
        job = cls(
            profile,
            options,
            store,
            job_id=job_id,
            started_at=started_at,
            resumed=resumed,
            lock_fh=lock_fh,
            warc=warc_file,
            log_path=log_path,
            row=row,
        )
        if recapture:
            # their capture was lost: fetch them again, whatever the crawl mode
            lost = set(recapture)
            job.known = {url: k for url, k in job.known.items() if k["id"] not in lost}
            job.error_reasons["warc_capture_lost"] += len(lost)
        job._open_page_tally(state_dir / f"{job_id}.pages", keep=resumed)
        return job

    def _open_page_tally(self, path: Path, *, keep: bool) -> None:
        """Open the job's page tally (one byte per fetched page), kept when resuming."""
        self._pages_path = path
        if keep:
            with contextlib.suppress(OSError):
                self.pages = max(self.pages, path.stat().st_size)
        self._pages_fh = open(path, "ab" if keep else "wb", buffering=0)  # noqa: SIM115

    # -- counting ----------------------------------------------------------------

    # -- incremental state -----------------------------------------------------

    def known_article(self, url: str) -> dict[str, Any] | None:
        """The archived article known under ``url`` (any of its URLs), or None."""
        return self.known.get(url)

    def done_in_this_job(self, known: dict[str, Any]) -> bool:
        """Whether a (resumed) job already captured this article since it started."""
        seen = known.get("last_seen")
        return bool(seen is not None and seen >= self.started_at)

    # -- closing -----------------------------------------------------------------

    def apply_gone(self) -> int:
        """Mark the gone candidates as gone, unless they look like a broken portal."""
        if not self.gone_candidates:
            return 0
        live = max(1, self.store.count_articles(self.portal, status="live"))
        fraction = len(self.gone_candidates) / live
        if fraction > self.max_gone_fraction:
            logger.warning(
                "not marking %d articles of %s gone: %.0f%% of its live articles "
                "answered 404/410 or redirected to a page that is not an article, "
                "which looks like a broken portal",
                len(self.gone_candidates),
                self.portal,
                100 * fraction,
            )
            self.error_reasons["gone_suspicious"] += 1
            return 0
        marked = sum(1 for aid in self.gone_candidates if self.store.mark_gone(aid))
        for aid, url in self.gone_candidates.items():
            logger.info("gone: %s (%s)", url, aid)
        self.gone_marked = marked
        return marked

    max_gone_fraction = 0.2

    def close(self, status: str, stop_reason: str | None = None) -> None:
        """Close the job: counts and status to its row, WARC closed, lock released.

        A cancelled job keeps its ``job.json`` so the next crawl resumes it.
        """
        if self.closed:
            return
        self.closed = True
        try:
            if status == "finished" and self.options.full and stop_reason is None:
                self.apply_gone()
            exact = self.store.job_outcome_counts(self.id)
            self.outcomes["new"], self.outcomes["changed"] = exact["new"], exact["changed"]
            counts = self.counts()
            counts["articles_gone"] = self.gone_marked
            self.store.finish_job(self.id, status, stop_reason=stop_reason, **counts)
            if status != "cancelled":
                (portal_job_dir(self.portal) / "state" / "job.json").unlink(missing_ok=True)
                if self._pages_fh is not None:
                    self._pages_path.unlink(missing_ok=True)
        finally:
            if self._pages_fh is not None:
                self._pages_fh.close()
            if self.warc is not None:
                self.warc.close()
            self._lock_fh.close()


def record_failed_start(portal: str | None, job_id: Any, trigger: Any, message: str) -> int | None:
    """Close as ``failed`` the job of a crawl that could not even start; return its id.

    A crawl attached to a pre-claimed row (``job_id``, as the scheduler and the Scrapyd
    dispatcher start them) fails that row; one started without (``scrapy crawl`` or a
    bare ``schedule.json``) gets a new failed row, so the admin sees it.  When the store
    itself cannot be opened (no usable data directory and no ``VNARCHIVE_DB_URL``) there
    is nowhere to write: returns None, the crawl's own error is all there is.
    """
    try:
        store = ArchiveStore()
        if job_id not in (None, ""):
            row = store.get_job(int(job_id))
            if row is None or row["status"] not in RESUMABLE + ("queued",):
                return None
            jid = int(row["id"])
        elif portal:
            trig = str(trigger) if trigger in ("manual", "schedule") else "manual"
            jid = store.start_job(str(portal)[:64], trigger=trig, pid=os.getpid())
        else:
            return None
        store.finish_job(jid, "failed", stop_reason=f"the crawl could not start: {message}")
        return jid
    except Exception as exc:  # noqa: BLE001 - the crawl's own error is the one to report
        logger.error("could not record the failed start in the archive store: %s", exc)
        return None


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
