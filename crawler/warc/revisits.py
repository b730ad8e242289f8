"""Previous captures of a URL (validators and payload digests), so a crawl writes revisit records."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from crawler.warc import cdxj_index
from crawler.warc.files import relative_warc_path

logger = logging.getLogger(__name__)

__all__ = ["PriorCaptures"]


@dataclass(frozen=True)
class Prior:
    """An earlier capture holding content: where it is and its payload digest."""

    url: str
    timestamp: str  # 14 digits, from the CDXJ
    digest: str
    file: str  # as stored in the archive (relative to the data directory)
    offset: int
    length: int


class PriorCaptures:
    """The latest capture holding content (a 2xx response) of every URL of a portal.

    Read from the CDXJ indexes of the WARC files in one directory (an older file
    without an index gets one, once); updated as the crawl writes new captures.
    """

    def __init__(self) -> None:
        self._by_url: dict[str, Prior] = {}

    @classmethod
    def load(cls, directory: Path, *, skip: Path | None = None) -> PriorCaptures:
        """The captures of every ``*.warc.gz`` in ``directory`` (except ``skip``)."""
        priors = cls()
        if not directory.is_dir():
            return priors
        for path in sorted(directory.glob("*.warc.gz")):
            if skip is not None and path.resolve() == skip.resolve():
                continue
            stored = relative_warc_path(path)
            try:
                entries = cdxj_index.open_index(path).entries()
            except OSError as exc:
                logger.warning("cannot index %s: %s", path, exc)
                continue
            for entry in entries:
                if entry.is_revisit or not entry.digest or not (entry.status or "").startswith("2"):
                    continue
                priors.note(
                    Prior(
                        entry.url,
                        entry.timestamp,
                        entry.digest,
                        stored,
                        entry.offset,
                        entry.length,
                    )
                )
        return priors

    def note(self, prior: Prior) -> None:
        """Remember a capture, unless an earlier-noted one of the URL is newer."""
        current = self._by_url.get(prior.url)
        if current is None or current.timestamp <= prior.timestamp:
            self._by_url[prior.url] = prior

    def get(self, url: str) -> Prior | None:
        """The latest capture holding content of ``url``, or None."""
        return self._by_url.get(url)

    def __len__(self) -> int:
        return len(self._by_url)
