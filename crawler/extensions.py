"""The crawl-job extension: opens and closes the job, prints progress, enforces --max-pages.

On ``spider_opened`` it opens the :class:`crawler.job.CrawlJob` (lock, resume or new
row, WARC file) and attaches it as ``spider.job``, adds the job's log file
(``$VNARCHIVE_DATA/jobs/<portal>/<job>.log``) to the root logger, and starts a
progress line every ``VNARCHIVE_PROGRESS_INTERVAL`` seconds (also written to the
job row, so the admin pages can watch).  On ``spider_closed`` it turns Scrapy's
close reason into the job's status:

| close reason | job status |
|---|---|
| ``finished`` | finished, unless the crawl fetched none of its start pages or listings, or its error rate is above ``VNARCHIVE_MAX_ERROR_RATE``: failed (stop_reason says why; see ``CrawlJob.failure``) |
| ``max_pages`` (``--max-pages`` reached) | finished (stop_reason says why), or failed as above |
| ``shutdown`` (SIGTERM/SIGINT) | cancelled — resumable: the next crawl continues it |
| ``consecutive_failures`` | failed (stop_reason names the last failure) |
| anything else | failed |
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.job import CrawlJob, JobBusy, JobError

__all__ = ["CrawlJobExtension", "summary_line"]

logger = logging.getLogger(__name__)

_PAGE_KINDS = ("page", "sitemap", "raw")
# Scrapy components that log a download failure with its full traceback; for a crawl a
# refused connection or a timeout is data (counted in the job), not a program error.
_QUIET_TRACEBACKS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.core.scraper",
    "scrapy.downloadermiddlewares.retry",
)


class _NoTraceback(logging.Filter):
    """Keep a record's message, drop its traceback when it is about a failed download."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            name = record.exc_info[0].__module__
            if name.startswith(("twisted.", "scrapy.exceptions", "scrapy.core.downloader")):
                record.exc_info = None
                record.exc_text = None
        return True


_LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"


def summary_line(job: dict[str, Any]) -> str:
    """The summary of a finished job row (also printed by ``vnarchive crawl``).

    One line of counts, then one line per failing URL the job kept (at most
    ``crawler.job_counts.MAX_ERROR_URLS``), marked when a sample portal breaks it on purpose.
    """
    reasons = job.get("error_reasons") or {}
    detail = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1]))
    line = (
        f"{job['portal']}: job {job['id']} {job['status']}: {job['pages']} pages, articles "
        f"{job['articles_new']} new / {job['articles_changed']} changed / "
        f"{job['articles_unchanged']} unchanged / {job.get('articles_gone') or 0} gone, "
        f"{job['errors']} errors"
    )
    if detail:
        line += f" ({detail})"
    if job.get("extraction_failures"):
        line += f", {job['extraction_failures']} extraction failures"
    if job.get("stop_reason"):
        line += f"; stopped: {job['stop_reason']}"
    found = job.get("discovery") or {}
    if isinstance(found, str):
        found = json.loads(found or "{}")
    kinds = found.get("pages") or {}
    if kinds:
        line += "\n  pages read as: " + ", ".join(
            f"{kinds.get(k, 0)} {k}" for k in ("article", "listing", "other")
        )
        skipped = found.get("skipped") or {}
        if skipped:
            top = sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0]))
            line += (
                f"; {sum(skipped.values())} URLs not fetched ("
                + ", ".join(f"{k} {v}" for k, v in top)
                + ")"
            )
        unclassified = found.get("unclassified") or []
        if unclassified:
            shown = "" if len(unclassified) <= 5 else ", the first 5 shown"
            line += (
                f"\n  neither article nor listing ({len(unclassified)} kept{shown}): "
                + ", ".join(unclassified[:5])
            )
    line += refresh_lines(found)
    for failed in job.get("error_urls") or []:
        line += f"\n  failed: {failed.get('url')} ({failed.get('reason')})"
        expected = deliberate_break(job["portal"], failed.get("url") or "")
        if expected:
            line += f" -- expected: {expected}"
    return line


def refresh_lines(found: dict[str, Any]) -> str:
    """The summary's lines on articles that carried a ``<meta http-equiv="refresh">``
    (each was kept; the target followed only inside the portal), or ``""``."""
    counts = found.get("meta_refresh") or {}
    if not any(counts.values()):
        return ""
    text = (
        f"\n  meta refresh on {sum(counts.values())} article(s), each kept: "
        f"{counts.get('followed', 0)} followed, {counts.get('out_of_portal', 0)} out of the portal"
    )
    for seen in found.get("refresh_targets") or []:
        how = "followed" if seen.get("followed") else "not followed: out of the portal"
        text += f"\n    {seen.get('url')} -> {seen.get('target')} ({how})"
    return text


def deliberate_break(portal_id: str, url: str) -> str | None:
    """Why a failing URL of a bundled sample portal fails on purpose, or None."""
    from crawler.samples import model, specs

    if portal_id not in specs.SPECS:
        return None
    return model.deliberate_break(portal_id, url)


class CrawlJobExtension:
    """Job bookkeeping for PortalSpider crawls (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.interval = settings.getfloat("VNARCHIVE_PROGRESS_INTERVAL", 5.0)
        self.print_progress = settings.getbool("VNARCHIVE_PROGRESS", True)
        self.print_summary = settings.getbool("VNARCHIVE_SUMMARY", True)
        self.warc = settings.getbool("VNARCHIVE_WARC", True)
        self.max_gone_fraction = settings.getfloat("VNARCHIVE_GONE_MAX_FRACTION", 0.2)
        self.max_error_rate = settings.getfloat("VNARCHIVE_MAX_ERROR_RATE", 0.5)
        self.error_rate_min = settings.getint("VNARCHIVE_ERROR_RATE_MIN_FETCHES", 20)
        self.start_pages_fetched = 0  # start pages / listings (hops 0) that answered
        self.loop: task.LoopingCall | None = None
        self.log_handler: logging.Handler | None = None
        self.stopping = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        for name in _QUIET_TRACEBACKS:
            logging.getLogger(name).addFilter(_NoTraceback())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlJobExtension:
        return cls(crawler)

    # -- open -------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        if not hasattr(spider, "profile") or not hasattr(spider, "options"):
            return
        try:
            job = CrawlJob.open(spider.profile, spider.options, warc=self.warc)
        except JobBusy as exc:
            spider.open_error = str(exc)  # type: ignore[attr-defined]
            logger.error("%s", exc)
            raise CloseSpider("already_running") from None
        except JobError as exc:
            spider.open_error = str(exc)  # type: ignore[attr-defined]
            logger.error("%s", exc)
            raise CloseSpider("job_error") from None
        job.max_gone_fraction = self.max_gone_fraction
        spider.job = job  # type: ignore[attr-defined]
        self._add_log_file(job)
        logger.info(
            "%s crawl job %s of %s (%s; options %s)",
            "resuming" if job.resumed else "starting",
            job.id,
            job.portal,
            job.profile.base_url,
            job.options,
        )
        if job.warc is not None and job.warc.repaired_bytes:
            logger.warning(
                "WARC %s ended with a cut-off record (the crawl was killed while writing "
                "it): removed its %d bytes",
                job.warc.path,
                job.warc.repaired_bytes,
            )
        if self.interval > 0:
            self.loop = task.LoopingCall(self._tick, job)
            self.loop.start(self.interval, now=False)

    def _add_log_file(self, job: CrawlJob) -> None:
        job.log_path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(job.log_path, encoding="utf-8")
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter(_LOG_FORMAT))
        logging.getLogger().addHandler(handler)
        self.log_handler = handler

    def _tick(self, job: CrawlJob) -> None:
        try:
            job.save_counts()
        except Exception as exc:  # a busy database must not kill the crawl
            logger.warning("could not save job progress: %s", exc)
        if self.print_progress:
            print(job.progress_line(), file=sys.stderr, flush=True)

    # -- while running ------------------------------------------------------------

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        job: CrawlJob | None = getattr(spider, "job", None)
        if job is None or request.meta.get("kind") not in _PAGE_KINDS:
            return
        job.page_fetched()
        status = response.status
        start = request.meta.get("hops") == 0 or request.meta.get("kind") == "raw"
        if start and (200 <= status < 300 or status == 304):
            self.start_pages_fetched += 1
        limit = job.options.max_pages
        if limit and job.pages >= limit and not self.stopping:
            self.stopping = True
            job.stop_reason = f"--max-pages {limit} reached"
            logger.info("max pages reached (%d): stopping", limit)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="max_pages"))

    def spider_error(self, failure: Any, response: Response, spider: Spider) -> None:
        job: CrawlJob | None = getattr(spider, "job", None)
        if job is not None:
            job.count_error("spider_error", response.url, repr(failure.value)[:200])

    # -- close ------------------------------------------------------------------

    def spider_closed(self, spider: Spider, reason: str) -> None:
        job: CrawlJob | None = getattr(spider, "job", None)
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if job is None:
            return
        if reason == "finished" and hasattr(spider, "check_outcome"):
            spider.check_outcome()
        stop_reason = job.stop_reason
        if reason in ("finished", "max_pages"):
            status = "finished"
            failure = job.failure(
                start_pages_fetched=self.start_pages_fetched,
                max_error_rate=self.max_error_rate,
                min_fetches=self.error_rate_min,
            )
            if failure is not None:
                status, stop_reason = "failed", failure
                logger.error("crawl failed: %s", failure)
        elif reason == "shutdown":
            status = "cancelled"
            stop_reason = "cancelled (SIGTERM/SIGINT); the next crawl of this portal resumes it"
        elif reason == "consecutive_failures":
            status = "failed"
        else:
            status = "failed"
            stop_reason = stop_reason or f"closed: {reason}"
        stats = {k: v for k, v in sorted(self.crawler.stats.get_stats().items())}
        logger.info("crawl stats: %s", stats)
        try:
            job.close(status, stop_reason)
        finally:
            row = job.store.get_job(job.id)
            logger.info("%s", summary_line(row) if row else f"job {job.id} {status}")
            if self.print_summary and row:
                print(summary_line(row), file=sys.stderr, flush=True)
            if self.log_handler is not None:
                logging.getLogger().removeHandler(self.log_handler)
                self.log_handler.close()
