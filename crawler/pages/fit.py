"""Whether a profile's CMS family fits the site being read, judged once over its first pages.

A profile can name a family that fits nothing on the site: the admin picked the wrong
CMS, or the portal moved to a template the family was not written for.  Page by page,
such pages are read by the family's page object as "neither article nor listing" and
the crawl archives nothing.  A :class:`FamilyFit` watches the first
:data:`SAMPLE_PAGES` HTML pages of a crawl (or an import): when none of them shows one
of the family's own markers (its article template, or listing items its selectors
found), the family does not fit, and the rest is read by the family the pages' markup
shows (:func:`crawler.pages.detect_family`, when most of the sampled pages agree on one
with a page object), else by the generic page object.  Articles read that way carry
``extraction_path = "rescued"``: the health check counts them as a layout change, so
the admin is told while nothing is lost.  A profile's ``family = "auto"`` is settled the
same way, on purpose: its first pages are each read by the family their own markup
shows, the rest by the one most of them showed, and nothing is marked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

AUTO = "auto"
"""The profile family that means "the one the portal's markup shows"."""

SAMPLE_PAGES = 5
"""HTML pages looked at before the family is judged (none of them fitting: unfit)."""
SAME_CMS_SAMPLE_PAGES = 15
"""Pages looked at when the markup is the family's own CMS: its first pages may be
neither articles nor listings (an introduction, a contact page), so the judgement waits
longer before taking the site for a template of that CMS the family was not written for."""


@dataclass
class FamilyFit:
    """The first pages' evidence on a profile's family, and the family to read with instead."""

    family: str
    sample: int = SAMPLE_PAGES
    pages: int = 0
    detected: Counter[str] = field(default_factory=Counter)
    settled: bool = False  # judged: the family fits, or ``replacement`` is read instead
    replacement: str | None = None  # set once the family is judged not to fit

    @property
    def auto(self) -> bool:
        """Whether the profile leaves the family to the markup (``family = "auto"``)."""
        return self.family == AUTO

    @property
    def judging(self) -> bool:
        """Whether pages are still being sampled."""
        return not self.settled

    def observe(self, recognised: bool, detected: str) -> bool:
        """Count one page read by the family (whether it showed a family marker, and the
        family its markup shows); True when this page settled that the family does not fit.

        One page with a family marker settles that it fits.  When none has one, the rest
        is read by the CMS most pages' markup shows, else by the generic page object; pages
        whose markup is the family's own CMS are given :data:`SAME_CMS_SAMPLE_PAGES`."""
        if self.settled:
            return False
        self.pages += 1
        if self.auto:
            # the family most of the first pages' markup shows reads the rest
            self.detected[detected] += 1
            if self.pages < self.sample:
                return False
            self.settled = True
            best, count = self.detected.most_common(1)[0]
            self.replacement = best if 2 * count > self.pages else "generic"
            return True
        if recognised:
            self.settled = True
            return False
        self.detected[detected] += 1
        if self.pages < self.sample:
            return False
        best, count = self.detected.most_common(1)[0]
        agreed = 2 * count > self.pages
        if agreed and best == self.family and self.pages < SAME_CMS_SAMPLE_PAGES:
            return False
        self.settled = True
        self.replacement = best if agreed and best not in ("generic", self.family) else "generic"
        return True

    def verdict(self) -> str:
        """What was decided, for the crawl's log and the job's reasons."""
        if self.auto:
            shown = ", ".join(f"{name} {n}" for name, n in self.detected.most_common())
            return (
                f"family auto: the first {self.pages} pages' markup shows {shown}; "
                f"the rest is read as {self.replacement!r}"
            )
        return (
            f"none of the first {self.pages} pages shows a marker of the {self.family!r} "
            f"family: the rest is read as {self.replacement!r} (check the profile's family)"
        )
