"""The CPU work of importing one captured page, run in the importing process or in workers.

``vnarchive import`` spends most of its time on each HTML page's own work: the page
objects (``crawler.pages.extract``), the crawl's normaliser, the places the text names
and its word segmentation.  None of it depends on what other pages said, so with
``--workers N`` it runs in N worker processes while the importing process reads the WARC
records, writes the CDXJ lines and stores the pages in capture order, as one core would.

:func:`page_work` is the one function for both: ``eager=False`` (one process) stops after
the page objects, the rest being done when the page is stored and only if it is (a
payload the archive holds already is neither placed nor segmented); ``eager=True`` (a
worker) prepares an article up to the store, words and places included, so that the
importing process only decides and writes.  The importing process still decides which
date an undated article takes (a listing's, read in capture order); places read with
another date are read again there.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

from crawler.captures import ArticleCapture
from crawler.items import Article, Listing, OtherPage
from crawler.pages.fit import FamilyFit
from crawler.pipelines import _ISO_DATE, MAX_BODY_CHARS, MAX_TITLE_CHARS, NormalizePipeline
from crawler.profiles import PortalProfile
from indexer.text import content_hash
from indexer.text.places import find_article_places
from indexer.text.words import ArticleWords, segment_article

__all__ = [
    "PageWork",
    "WorkerPool",
    "normalize_article",
    "page_work",
    "place_article",
    "validated",
]

_NORMALIZE = NormalizePipeline(None)  # type: ignore[arg-type]


@dataclass
class PageWork:
    """What one captured page's work found: its page object, or why there is none."""

    page: Article | Listing | OtherPage | None
    error: str | None = None  # the page objects failed: "ExcType: message"
    title_as_read: str | None = None  # an article's title before the normaliser
    prepared: bool = False  # normalised and bounded already
    placed: bool = False  # its places were read, with the date ``places_for``
    places_for: str | None = None
    words: ArticleWords | None = None


def validated(article: Article) -> str | None:
    """Why an extracted (normalised) article is not stored (the crawl's rules), or None;
    bounds its title and body on the way (done twice, it does the same)."""
    if not article.title:
        return "no_title"
    if article.published and not _ISO_DATE.match(article.published):
        article.published = None
    if article.is_chrome():
        return "not_an_article"
    article.title = article.title[:MAX_TITLE_CHARS]
    if len(article.body_text) > MAX_BODY_CHARS:
        article.body_text = article.body_text[:MAX_BODY_CHARS]
        article.content_hash = content_hash(article.body_text)
    return None


def place_article(article: Article, profile: PortalProfile) -> None:
    """Find the places an article names, read in its portal's context and on its date."""
    article.places = find_article_places(
        article.title,
        article.body_text,
        province=profile.province or None,
        district=profile.district or None,
        published=article.published,
    )


def page_work(
    body: bytes,
    url: str,
    encoding: str | None,
    profile: PortalProfile,
    *,
    eager: bool,
    fit: FamilyFit | None = None,
) -> PageWork:
    """One captured page's work: the page objects, and with ``eager`` an article's
    normalisation, validation, places and words (see the module docstring).  ``fit`` is
    the process's judgement of the profile's family (:mod:`crawler.pages.fit`)."""
    from crawler.pages import extract

    try:
        page = extract(
            body, url, family=profile.family, profile=profile, encoding=encoding, fit=fit
        )
    except Exception as exc:  # noqa: BLE001 - hostile input must not stop the import
        return PageWork(None, error=f"{type(exc).__name__}: {exc}")
    if not isinstance(page, Article):
        return PageWork(page)
    work = PageWork(page, title_as_read=page.title)
    if eager:
        prepare(work, profile)
    return work


def normalize_article(article: Article) -> None:
    """Pass an article's text fields through the crawl's normaliser."""
    _NORMALIZE.process_item(ArticleCapture(article=article))


def prepare(work: PageWork, profile: PortalProfile) -> None:
    """Normalise and bound an article's page work; place and segment it when it would be
    kept as it stands (the importing process gives the verdict: a listing's date can
    still change it)."""
    page = work.page
    assert isinstance(page, Article)
    normalize_article(page)
    work.prepared = True
    if validated(page) is None:
        place_article(page, profile)
        work.placed, work.places_for = True, page.published
        work.words = segment_article(page)


_PROFILE: PortalProfile | None = None
_FIT: FamilyFit | None = None  # a worker's own judgement of the family, over its pages


def _start_worker(profile: PortalProfile) -> None:
    """A worker's start: its profile; Ctrl-C is the importing process's to handle, and a
    worker whose importing process was killed ends too (nothing is left to do with it)."""
    global _PROFILE, _FIT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PROFILE, _FIT = profile, FamilyFit(profile.family)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _work_in_worker(body: bytes, url: str, encoding: str | None) -> PageWork:
    assert _PROFILE is not None
    return page_work(body, url, encoding, _PROFILE, eager=True, fit=_FIT)


class WorkerPool:
    """Worker processes doing :func:`page_work` for one import (spawned: nothing of the
    importing process, its database connections least of all, is inherited)."""

    def __init__(self, workers: int, profile: PortalProfile) -> None:
        self.workers = workers
        self.window = 16 * workers  # pages in flight: their payloads are held meanwhile
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("spawn"),
            initializer=_start_worker,
            initargs=(profile,),
        )

    def submit(self, body: bytes, url: str, encoding: str | None) -> Future[PageWork]:
        return self._pool.submit(_work_in_worker, body, url, encoding)

    def close(self, *, cancel: bool = False) -> None:
        self._pool.shutdown(wait=True, cancel_futures=cancel)


def default_workers() -> int:
    """The worker processes ``--workers 0`` means: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def result(future: Future[PageWork], fallback: Any) -> PageWork:
    """A worker's page work; ``fallback()`` does it here when the worker could not (it
    died, or the pool was shut down)."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - a dead worker loses no page: do it in this process
        return fallback()
