"""Scrapy settings for vnarchive crawls: polite by default, flat UPPERCASE names.

Scrapy's own settings keep their meaning; vnarchive's are prefixed ``VNARCHIVE_``.
Override any of them per run with ``scrapy crawl portal -s NAME=VALUE`` or
``vnarchive crawl ID -s NAME=VALUE``; a portal profile's ``[politeness]`` table sets
the delay and concurrency for that portal.  A few defaults come from the
environment so that tests, the demo and benchmarks can switch politeness off
without editing code:

| setting | default | environment |
|---|---|---|
| ``VNARCHIVE_CONTACT_URL`` (in the User-Agent) | project home page | ``VNARCHIVE_CONTACT_URL`` |
| ``DOWNLOAD_DELAY`` seconds between requests to a host | 1.0 | ``VNARCHIVE_DOWNLOAD_DELAY`` |
| ``AUTOTHROTTLE_ENABLED`` | on | ``VNARCHIVE_AUTOTHROTTLE`` (0/1) |
| ``VNARCHIVE_POLITENESS`` (off: ignore profile delays too) | on | ``VNARCHIVE_POLITENESS`` (0/1) |
| ``VNARCHIVE_RETRY_BACKOFF`` first retry delay, doubled per retry | 2.0 | ``VNARCHIVE_RETRY_BACKOFF`` |
| ``VNARCHIVE_PROGRESS_INTERVAL`` seconds between progress lines | 5.0 | ``VNARCHIVE_PROGRESS_INTERVAL`` |
| ``VNARCHIVE_MAX_ERROR_RATE`` share of failed fetches that fails a crawl | 0.5 | ``VNARCHIVE_MAX_ERROR_RATE`` |

Everything else is set below with a comment saying what it bounds.
"""

from __future__ import annotations

import os
from importlib import metadata


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


try:
    VNARCHIVE_VERSION = metadata.version("vnarchive")
except metadata.PackageNotFoundError:  # running from a checkout that is not installed
    VNARCHIVE_VERSION = "0.1.0"

BOT_NAME = "vnarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# -- identity and politeness ----------------------------------------------------
VNARCHIVE_CONTACT_URL = os.environ.get(
    "VNARCHIVE_CONTACT_URL", "https://github.com/vnarchive/vnarchive#crawler"
)
USER_AGENT = f"vnarchive/{VNARCHIVE_VERSION} (+{VNARCHIVE_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8  # one portal (one host) per crawl process: no need for more
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # never more than 2 requests in flight per host
DOWNLOAD_DELAY = _env_float("VNARCHIVE_DOWNLOAD_DELAY", 1.0)
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 % around the delay
AUTOTHROTTLE_ENABLED = _env_bool("VNARCHIVE_AUTOTHROTTLE", True)
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Off: profile delays are ignored as well (benchmarks and tests on 127.0.0.1 only).
VNARCHIVE_POLITENESS = _env_bool("VNARCHIVE_POLITENESS", True)
COOKIES_ENABLED = False  # session cookies only ever create session-id URL variants
TELNETCONSOLE_ENABLED = False

# -- failures --------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"  # counted in the job (error_reasons) and in its log
VNARCHIVE_RETRY_BACKOFF = _env_float("VNARCHIVE_RETRY_BACKOFF", 2.0)  # 2 s, 4 s, 8 s…
VNARCHIVE_RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 30
# Stop a portal after this many failed requests in a row (5xx, timeouts, refused).
VNARCHIVE_MAX_CONSECUTIVE_FAILURES = 20
# A crawl that ran to its end still ends `failed` (exit 1) when more than this share
# of its fetches failed (error status, no answer, redirected out of the portal),
# judged from VNARCHIVE_ERROR_RATE_MIN_FETCHES fetches on; 0 switches it off.  A
# crawl that fetched none of its start pages or listings always fails.
VNARCHIVE_MAX_ERROR_RATE = _env_float("VNARCHIVE_MAX_ERROR_RATE", 0.5)
VNARCHIVE_ERROR_RATE_MIN_FETCHES = 20

# -- sizes -------------------------------------------------------------------------
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # a page larger than this is dropped (reason: too_large)
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
VNARCHIVE_ATTACHMENTS = True  # download PDF/DOC/XLS attachments into the WARC
VNARCHIVE_ATTACHMENT_MAXSIZE = 32 * 1024 * 1024
# Page requisites of article pages (same-host stylesheets and images, profile switch
# ``requisites``): at most this many per page, each at most this many bytes; only in the WARC.
VNARCHIVE_REQUISITES_PER_PAGE = 30
VNARCHIVE_REQUISITE_MAXSIZE = 5 * 1024 * 1024

# -- scope and traps ------------------------------------------------------------
# Link hops from the home page (pagination is not a hop): home → section → sub-section
# → article …  Discovery walks the portal's own navigation, so this is a safety bound,
# not what limits a crawl; scope, trap rules and the per-shape bound do that.
VNARCHIVE_MAX_DEPTH = 10
VNARCHIVE_MAX_LISTING_PAGES = 1000  # pages followed in one pagination chain
VNARCHIVE_MAX_URL_LENGTH = 1024
# URLs of one shape (digits masked, query keys sorted) admitted before the shape must
# prove it leads to articles: a generated URL space (calendar, filters, endless ids)
# that yields only other pages stops there.
VNARCHIVE_MAX_URLS_PER_PATTERN = 200
# Pages missing (404/410) in one folder, none found there, before the rest of that
# folder's links are skipped (0: never): broken relative links multiply on real portals.
VNARCHIVE_DEAD_FOLDER_AFTER = 5
# Read robots.txt `Sitemap:` lines and try /sitemap.xml (RSS/Atom feeds linked from
# pages are always read).
VNARCHIVE_DISCOVER_SITEMAPS = True
# URLs matching any of these (Python regexes, searched in the full URL) are never
# fetched: endless calendars, session ids in URLs, repeated path segments.
VNARCHIVE_TRAP_PATTERNS = [
    r"(?i)[;?&](jsessionid|phpsessid|aspsessionid\w*|sessionid|sid)=",
    r"(?i)/\(S\([a-z0-9]{16,}\)\)/",  # ASP.NET cookieless session in the path
    r"(?i)/(calendar|lich|lich-?cong-?tac|lichct|events?)/\d{4}[-/]\d{1,2}",
    r"(?i)[?&](calendar|cal|lich|date|ngay|day|month|thang|year|nam)=\d{4}",
    r"(?i)[?&](month|thang)=\d{1,2}&(year|nam)=\d{4}",
    r"(/[^/?#]+)\1{2,}",  # the same path segment three times in a row
    # sort, order, filter and view switches: the same items again, in every order
    r"(?i)[?&](sort|sortby|sort_by|order|orderby|order_by|dir|filter|view|layout|display)=",
    # Liferay action URLs (they change state) and pop-up/exclusive portlet renderings
    r"(?i)[?&]p_p_lifecycle=[12]",
    r"(?i)[?&]p_p_state=(pop_up|exclusive)",
    r"(?i)/(print|printpreview|print-view|in-bai-viet)(/|\.\w+)?$",  # print views
    r"(?i)/web/(\d{8,14}[a-z_]*|\*)/",  # a Wayback-rewritten link that could not be mapped back
    # SharePoint system pages (forms, sign-in, list views of the admin UI)
    r"(?i)/(_layouts|_vti_bin|_catalogs)/",
    r"(?i)/Forms/(AllItems|DispForm|EditForm|NewForm)\.aspx",
]
# Query parameters dropped from URLs: session ids and print/tracking variants of a page.
VNARCHIVE_STRIP_PARAMS = [
    "jsessionid",
    "phpsessid",
    "sessionid",
    "sid",
    "print",
    "printable",
    "printpreview",
    "in",
    "inbai",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
]

# -- incremental re-crawls -------------------------------------------------------
# In a --full crawl an archived article answering 404/410 is a candidate "gone"; the
# marks are applied only when the crawl finishes normally and the candidates are at
# most this fraction of the portal's live articles (a portal answering 404 to
# everything is broken, not emptied).
VNARCHIVE_GONE_MAX_FRACTION = 0.2

# -- what runs ---------------------------------------------------------------------
VNARCHIVE_WARC = True
VNARCHIVE_PROGRESS_INTERVAL = _env_float("VNARCHIVE_PROGRESS_INTERVAL", 5.0)
VNARCHIVE_PROGRESS = True  # print the progress line to stderr
VNARCHIVE_SUMMARY = True  # print the summary line to stderr at the end (vnarchive crawl
# prints its own to stdout)

DOWNLOADER_MIDDLEWARES = {
    # before robots.txt and everything else: out-of-scope and trap URLs never leave
    "crawler.middlewares.ScopeMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # a page's meta refresh: an article is kept whatever it says (see the class)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,
    # next to the downloader: sees every response as received (each retry, redirects,
    # robots.txt), before decompression
    "crawler.middlewares.WarcCaptureMiddleware": 950,
}
ITEM_PIPELINES = {
    "crawler.pipelines.NormalizePipeline": 100,
    "crawler.pipelines.ValidatePipeline": 200,
    "crawler.pipelines.PlacesPipeline": 250,
    "crawler.pipelines.DedupePipeline": 300,
    "crawler.pipelines.SegmentPipeline": 350,
    "crawler.pipelines.StorePipeline": 400,
}
EXTENSIONS = {
    "crawler.extensions.CrawlJobExtension": 100,
    # Scrapy 2.19 would open an HTTP control port per crawl: not wanted on a server
    "scrapy.extensions.remote_control.RemoteControl": None,
}

# Scrapy re-reads and re-parses a generator callback's source on every response to warn
# about `return value` in generators (its cache is keyed by the bound method, a new
# object per request): ~1.5 ms of CPU per page, a tenth of a full crawl's.  Our
# callbacks are fixed code, checked by the tests, so the check is off.
WARN_ON_GENERATOR_RETURN_VALUE = False

LOG_LEVEL = "INFO"
STATS_DUMP = True
# The scheduler's queues stay in memory: resuming is done from the archive store
# (see crawler.job), which is transactional, unlike Scrapy's JOBDIR disk queues.
JOBDIR = None
