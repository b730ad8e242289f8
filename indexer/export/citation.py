"""Citing a capture: Wayback-style permalinks and APA, Chicago and BibTeX citations.

A capture is one archived text of an article, taken at one instant.  Its
permalink follows the Wayback Machine's convention,
``<base>/web/<YYYYMMDDhhmmss>/<original URL>`` (the instant in UTC), so the same
link names the same capture in every archive that knows it; the article page is
``<base>/articles/<id>``.  :func:`cite` writes a citation naming the portal, the
original URL, the publication date, the capture date and the permalink, shared by
the article page, ``vnarchive cite`` and the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STYLES = ("apa", "chicago", "bibtex")
STAMP_FORMAT = "%Y%m%d%H%M%S"
_STAMP = re.compile(r"^\d{4,14}$")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def capture_stamp(captured_at: datetime | str) -> str:
    """The 14-digit UTC timestamp of a capture (``YYYYMMDDhhmmss``).

    ``captured_at``: a datetime (naive means UTC), or ISO 8601 UTC text
    ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` as exports read instants (no datetime built).
    """
    if isinstance(captured_at, str):
        text = captured_at
        if len(text) >= 20 and text.endswith("Z") and text[10] == "T":
            return f"{text[0:4]}{text[5:7]}{text[8:10]}{text[11:13]}{text[14:16]}{text[17:19]}"
        captured_at = datetime.fromisoformat(text)
    when = captured_at if captured_at.tzinfo else captured_at.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(stamp: str) -> datetime | None:
    """The UTC instant a (possibly shortened, as Wayback allows) timestamp names, or None.

    ``2024`` is the start of 2024, ``20240501`` the start of that day; digits past a
    valid prefix must themselves be valid (``20241301`` is None).
    """
    if not _STAMP.match(stamp or ""):
        return None
    padded = stamp + "0101000000"[len(stamp) - 4 :] if len(stamp) < 14 else stamp
    try:
        return datetime.strptime(padded, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def permalink(url: str, captured_at: datetime | str, base: str = "") -> str:
    """The Wayback-style permalink of the capture of ``url`` taken at ``captured_at``
    (a datetime or ISO 8601 UTC text, see :func:`capture_stamp`)."""
    return f"{base.rstrip('/')}/web/{capture_stamp(captured_at)}/{url}"


def permalinks(
    urls: Iterable[str], captured: Iterable[datetime | str | None], base: str = ""
) -> list[str | None]:
    """:func:`permalink` of many captures at once (exports: a column at a time); None
    where there is no capture time.  ISO 8601 UTC text is cut, not parsed."""
    prefix = f"{base.rstrip('/')}/web/"
    out: list[str | None] = []
    for url, when in zip(urls, captured, strict=True):
        if not when:
            out.append(None)
        elif type(when) is str and len(when) >= 20 and when[10] == "T" and when[-1] == "Z":
            stamp = f"{when[0:4]}{when[5:7]}{when[8:10]}{when[11:13]}{when[14:16]}{when[17:19]}"
            out.append(f"{prefix}{stamp}/{url}")
        else:
            out.append(f"{prefix}{capture_stamp(when)}/{url}")
    return out


def article_link(article_id: str, base: str = "") -> str:
    """The article page's address."""
    return f"{base.rstrip('/')}/articles/{article_id}"


@dataclass(frozen=True)
class CiteSource:
    """What a citation names: the capture of one article."""

    title: str
    url: str
    portal_name: str
    published: str | None  # ISO date or datetime as stored
    captured_at: datetime
    permalink: str
    article_id: str

    @classmethod
    def of(
        cls,
        article: dict[str, Any],
        *,
        base: str = "",
        portal_name: str | None = None,
        captured_at: datetime | None = None,
    ) -> CiteSource:
        """The source of a stored article's current capture (or of the one at ``captured_at``)."""
        when = captured_at or article.get("last_changed") or article.get("first_seen")
        if not isinstance(when, datetime):
            raise ValueError(f"article {article.get('id')} has no capture time")
        name = portal_name or ", ".join(
            p
            for p in (article.get("district") or article.get("portal"), article.get("province"))
            if p
        )
        return cls(
            title=article.get("title") or "(untitled)",
            url=article.get("url") or "",
            portal_name=name or "unknown portal",
            published=article.get("published"),
            captured_at=when,
            permalink=permalink(article.get("url") or "", when, base),
            article_id=article.get("id") or "",
        )


def _day(iso: str | None) -> tuple[int, int, int] | None:
    if not iso or not re.match(r"^\d{4}-\d{2}-\d{2}", iso):
        return None
    return int(iso[:4]), int(iso[5:7]), int(iso[8:10])


def _utc_day(when: datetime) -> tuple[int, int, int]:
    day = when.astimezone(UTC) if when.tzinfo else when
    return day.year, day.month, day.day


def _sentence(text: str) -> str:
    """``text`` ending with one full stop (none added after ? or !)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def apa(src: CiteSource) -> str:
    """APA (7th edition) reference of an archived web page."""
    day = _day(src.published)
    date = f"{day[0]}, {_MONTHS[day[1] - 1]} {day[2]}" if day else "n.d."
    y, m, d = _utc_day(src.captured_at)
    return (
        f"{_sentence(src.portal_name)} ({date}). {_sentence(src.title)} {src.url} "
        f"(archived {_MONTHS[m - 1]} {d}, {y}, at {src.permalink})"
    )


def chicago(src: CiteSource) -> str:
    """Chicago (17th edition, bibliography) entry of an archived web page."""
    day = _day(src.published)
    date = f"{_MONTHS[day[1] - 1]} {day[2]}, {day[0]}" if day else "n.d."
    y, m, d = _utc_day(src.captured_at)
    title = src.title.strip().rstrip(".")
    return (
        f"{_sentence(src.portal_name)} \u201c{title}.\u201d {_sentence(date)} {src.url}. "
        f"Archived {_MONTHS[m - 1]} {d}, {y}, at {src.permalink}."
    )


_BIBTEX_SPECIAL = re.compile(r"([\\{}%&$#_^~])")


def _bib(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group(1)
        if char == "\\":
            return r"\textbackslash{}"
        if char in "^~":
            return rf"\{char}{{}}"
        return "\\" + char

    return _BIBTEX_SPECIAL.sub(escape, " ".join(text.split()))


def _bib_url(url: str) -> str:
    """A URL for ``\\url{}``/``url =``: braces and backslashes cannot appear in it."""
    return re.sub(r"[{}\\\s]", lambda m: f"%{ord(m.group(0)):02X}", url)


def bibtex(src: CiteSource) -> str:
    """A biblatex ``@online`` entry (also read by BibTeX as ``@misc``-like)."""
    day = _day(src.published)
    y, m, d = _utc_day(src.captured_at)
    key = f"vnarchive-{src.article_id or capture_stamp(src.captured_at)}"
    lines = [
        f"@online{{{key},",
        f"  author = {{{{{_bib(src.portal_name)}}}}},",
        f"  title = {{{_bib(src.title)}}},",
    ]
    if day:
        lines.append(f"  date = {{{day[0]:04d}-{day[1]:02d}-{day[2]:02d}}},")
    lines += [
        f"  url = {{{_bib_url(src.permalink)}}},",
        f"  urldate = {{{y:04d}-{m:02d}-{d:02d}}},",
        f"  note = {{Archived by vnarchive on {y:04d}-{m:02d}-{d:02d} from "
        f"\\url{{{_bib_url(src.url)}}}}},",
        "}",
    ]
    return "\n".join(lines)


_WRITERS = {"apa": apa, "chicago": chicago, "bibtex": bibtex}


def cite(src: CiteSource, style: str = "apa") -> str:
    """The citation of ``src`` in ``style`` (one of :data:`STYLES`)."""
    try:
        return _WRITERS[style](src)
    except KeyError:
        raise ValueError(f"unknown citation style {style!r}; styles: {', '.join(STYLES)}") from None


def citations(src: CiteSource) -> dict[str, str]:
    """Every style's citation of ``src``."""
    return {style: cite(src, style) for style in STYLES}
