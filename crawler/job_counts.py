"""What a crawl job counts: pages, outcomes, errors, extraction paths, discovery; its failure verdict."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


MAX_ERROR_URLS = 5  # failing URLs kept on the job row (the log has every one)


# Error reasons of a request that got no response at all (the others, ``http_*``,
# are responses with an error status, already counted in ``pages``).
NO_RESPONSE_REASONS = frozenset(
    ["timeout", "dns", "connection", "download_error", "redirected_out_of_portal"]
)
"""Job statuses a new crawl of the same portal picks up (with ``job.json`` present)."""


class JobCounts:
    """CrawlJob's counters and the failure verdict computed from them."""

    @property
    def errors(self) -> int:
        """Total of the counted problems (every reason in ``error_reasons``)."""
        return sum(self.error_reasons.values())

    def count_error(self, reason: str, url: str = "", detail: str = "") -> None:
        """Count one problem under ``reason`` and log it (with the URL)."""
        self.error_reasons[reason] += 1
        known = (seen["url"] for seen in self.error_urls)
        if url and len(self.error_urls) < MAX_ERROR_URLS and url not in known:
            self.error_urls.append({"url": url[:2000], "reason": reason})
        logger.info("%s: %s%s", reason, url, f" ({detail})" if detail else "")

    def count_extraction_path(self, page_type: str, path: str) -> None:
        """Count one extracted page by how it was read (family selectors or structural fallback)."""
        self.extraction_paths[f"{page_type}:{path}"] += 1

    def count_meta_refresh(self, url: str, target: str, *, followed: bool) -> None:
        """Record an article's ``<meta http-equiv="refresh">`` target (the article is kept)."""
        self.meta_refreshes["followed" if followed else "out_of_portal"] += 1
        if len(self.refresh_targets) < MAX_ERROR_URLS:
            self.refresh_targets.append(
                {"url": url[:2000], "target": target[:2000], "followed": followed}
            )
        logger.info(
            "meta refresh: %s -> %s (%s)",
            url,
            target,
            "followed" if followed else "not followed: out of the portal",
        )

    def page_fetched(self) -> None:
        """Count one page response; the tally file keeps it if the process is killed."""
        self.pages += 1
        if self._pages_fh is not None:
            try:
                self._pages_fh.write(b".")
            except OSError as exc:  # a full disk must not stop the crawl; the row keeps the count
                logger.warning("could not write the page tally: %s", exc)
                self._pages_fh = None

    def count_page(self, kind: str) -> None:
        """Count one fetched page by what it turned out to be: article, listing, other."""
        self.page_kinds[kind] += 1

    def note_unclassified(self, url: str, keep: int = 20) -> None:
        """Remember (the first ``keep``) pages that read as neither article nor listing."""
        if len(self.unclassified) < keep and url not in self.unclassified:
            self.unclassified.append(url)

    def discovery(self) -> dict[str, Any]:
        """The job row's ``discovery`` column: page kinds, skipped URLs, unclassified
        pages, archived articles dated from a listing read after them, and articles'
        meta refreshes (followed or out of the portal; the first targets)."""
        return {
            "pages": dict(self.page_kinds),
            "skipped": dict(self.skipped),
            "unclassified": self.unclassified,
            "dated_from_listing": self.dated_from_listing,
            "meta_refresh": dict(self.meta_refreshes),
            "refresh_targets": self.refresh_targets,
        }

    def count_outcome(self, outcome: str) -> None:
        """Count one stored article: new, changed, unchanged or duplicate."""
        self.outcomes[outcome] += 1

    def counts(self) -> dict[str, Any]:
        """The job row's count columns, from the counters."""
        return {
            "pages": self.pages,
            "articles_new": self.outcomes["new"],
            "articles_changed": self.outcomes["changed"],
            "articles_unchanged": self.outcomes["unchanged"],
            "errors": self.errors,
            "error_reasons": dict(self.error_reasons),
            "error_urls": list(self.error_urls),
            "extraction_failures": self.extraction_failures,
            "extraction_paths": dict(self.extraction_paths),
            "discovery": self.discovery(),
        }

    def fetch_errors(self) -> tuple[int, int]:
        """``(failed, attempted)`` fetches: error statuses and requests that got no response,
        out of every page response plus those requests."""
        no_response = sum(n for r, n in self.error_reasons.items() if r in NO_RESPONSE_REASONS)
        http = sum(n for r, n in self.error_reasons.items() if r.startswith("http_"))
        return http + no_response, self.pages + no_response

    def failure(
        self, *, start_pages_fetched: int, max_error_rate: float, min_fetches: int
    ) -> str | None:
        """Why a crawl that ran to its end failed anyway, or None when it did not.

        It failed when it could fetch none of its start pages or listings (all of them
        answered an error, redirected out of the portal or never answered), or when the
        share of failed fetches is above ``max_error_rate`` (judged from ``min_fetches``
        attempts on; ``max_error_rate`` 0 switches that check off).
        """
        failed, attempted = self.fetch_errors()
        reasons = ", ".join(f"{reason} {n}" for reason, n in self.error_reasons.most_common(3) if n)
        detail = f" ({reasons})" if reasons else ""
        if start_pages_fetched == 0:
            return f"could fetch none of its start pages or listings{detail}"
        if max_error_rate > 0 and attempted >= max(1, min_fetches):
            rate = failed / attempted
            if rate > max_error_rate:
                return (
                    f"error rate {rate:.1%} ({failed} of {attempted} fetches failed) is above "
                    f"VNARCHIVE_MAX_ERROR_RATE {max_error_rate:.1%}{detail}"
                )
        return None

    def progress_line(self) -> str:
        """One line: pages fetched, articles new/changed/unchanged, errors."""
        return (
            f"[{self.portal}] job {self.id}: {self.pages} pages, articles "
            f"{self.outcomes['new']} new / {self.outcomes['changed']} changed / "
            f"{self.outcomes['unchanged']} unchanged, {self.errors} errors"
        )

    def save_counts(self) -> None:
        """Write the counters to the job row (progress for watchers such as the admin)."""
        self.store.update_job(self.id, **self.counts())

    def note_undated(self, article_id: str, url: str, *, no_body: bool) -> None:
        """Remember an article this job stored (and counted) as ``no_date``."""
        self._undated[article_id] = (url, no_body)

    def dated_later(self, article_id: str) -> None:
        """Count an archived article that took its listing's date after it was stored;
        one counted ``no_date`` by this job is no longer a problem of the job."""
        self.dated_from_listing += 1
        undated = self._undated.pop(article_id, None)
        if undated is None:
            return
        url, no_body = undated
        self.error_reasons["no_date"] -= 1
        if self.error_reasons["no_date"] <= 0:
            del self.error_reasons["no_date"]
        if not no_body:
            self.extraction_failures = max(0, self.extraction_failures - 1)
        self.error_urls = [
            e for e in self.error_urls if not (e["url"] == url and e["reason"] == "no_date")
        ]
