"""The one Vietnamese date parser: every date shape seen on real portals.

Day first is the Vietnamese default; the US ``m/d/yyyy`` order is used only
when the caller knows the source uses it (``month_first=True``, e.g. SharePoint
list views).  Results are in Asia/Ho_Chi_Minh (UTC+07:00, no DST since 1975):

>>> parse_date("thứ năm, 08 08 2019 08:51").iso
'2019-08-08T08:51:00+07:00'
>>> parse_date("(11.06.2019 21:00)").iso
'2019-06-11T21:00:00+07:00'
>>> parse_date("11/06/2019").iso
'2019-06-11'

Shapes understood (anywhere in the text; weekday prefixes such as ``Thứ hai,``
or ``Monday,`` and labels such as ``Ngày đăng:`` are simply skipped):

* ``dd/mm/yyyy``, ``dd.mm.yyyy``, ``dd-mm-yyyy`` and ``dd mm yyyy`` (spaces);
* a time after the date: ``dd/mm/yyyy HH:MM``, ``dd/mm/yyyy, HH:MM``,
  ``dd/mm/yyyy | hh:mm AM``, ``dd/mm/yyyy - 10h30`` (``AM/PM`` and ``SA/CH``);
* a time before the date: ``18:05 24/05/2021``, ``10h30 ngày 5/6/2019``;
* ``ngày 5 tháng 6 năm 2019`` (optionally with a time before or after);
* ISO 8601: ``2019-06-11``, ``2019-06-11T09:24:00Z``, ``…+07:00`` (converted
  to +07:00; a naive timestamp is taken as Vietnamese local time).

Impossible dates (``31/02/2019``, month 13, hour 25) are rejected, never
"corrected"; years outside 1900–2100 are rejected too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = ["ParsedDate", "VN_TZ", "parse_date", "find_dates"]

VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Vietnam's time zone (fixed UTC+07:00)."""

_MIN_YEAR, _MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class ParsedDate:
    """A date (or date and time) found in text, and the text it came from."""

    value: date | datetime  # datetime values are timezone-aware (+07:00)
    iso: str  # YYYY-MM-DD or YYYY-MM-DDTHH:MM:00+07:00
    has_time: bool
    raw: str  # the matched substring (white space runs as one space, NFC)
    start: int = 0  # offsets of the match in the text that was searched, as given
    end: int = 0


# A time: 21:00, 8:55 AM, 03:30 PM, 10h30, 10h, 14:05:33.  The 'h' form needs
# the digits to stand alone so "2019h" or "SN 1984" never match.
_TIME = (
    r"(?<![\d:])(?P<{p}h>[01]?\d|2[0-3])"
    r"(?::(?P<{p}m>[0-5]\d)(?::[0-5]\d)?|h(?P<{p}m2>[0-5]\d)?(?![^\W\d_]))"
    r"(?:\s*(?P<{p}ap>[AaPp]\.?[Mm]\.?|SA|CH)(?![^\W\d_]))?"
)
_SEP = r"(?P<sep>[/.\-])"
_NUMERIC = (
    r"(?<![\d/.\-])(?P<a>\d{1,2})\s*" + _SEP + r"\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})(?!\d)"
)
_SPACED = r"(?<![\d/.\-:])(?P<sa>\d{2}) (?P<sb>\d{2}) (?P<sy>\d{4})(?![\d/.\-])"
_WORDS = r"ngày\s+(?P<wd>\d{1,2})\s+tháng\s+(?P<wm>\d{1,2})\s*(?:,\s*)?năm\s+(?P<wy>\d{4})(?!\d)"
_ISO = (
    r"(?<![\d/.\-])(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    r"(?:[T ](?P<ih>\d{2}):(?P<imin>\d{2})(?::(?P<is>\d{2})(?:\.\d+)?)?"
    r"(?P<itz>Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
# What may stand between a date and its time: spaces, a comma, a bar, a dash, "lúc".
_GAP = r"\s*(?:[,|\-–]\s*)?(?:lúc\s+|vào\s+lúc\s+)?"
_WHITE = frozenset(ch for ch in map(chr, range(0x3001)) if ch.isspace()) | {"\u200b"}
# white space that _clean changes: anything but a lone plain space
_ODD_SPACE = re.compile("[" + "".join(sorted(_WHITE - {" "})) + "]|  ")

_DATE_RE = re.compile(
    rf"(?:(?:{_TIME.format(p='b')})\s*(?:[,|\-–]\s*)?(?:ngày\s+)?)?"  # optional leading time
    rf"(?:{_ISO}|{_WORDS}|{_NUMERIC}|{_SPACED})"
    rf"(?:{_GAP}(?:{_TIME.format(p='a')}))?",
    re.IGNORECASE,
)


def _clean(text: str) -> tuple[str, list[int] | None]:
    """NFC text with every run of white space one plain space, and where each of its
    characters came from in ``text`` (None when nothing moved: the common case)."""
    nfc = unicodedata.normalize("NFC", text)
    if nfc == text and not _ODD_SPACE.search(text):
        return text, None
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        if text[i] in _WHITE:
            while j < len(text) and text[j] in _WHITE:
                j += 1
            out.append(" ")
            origin.append(i)
        else:
            while j < len(text) and unicodedata.combining(text[j]):
                j += 1  # a letter and its combining marks compose as one cluster
            for ch in unicodedata.normalize("NFC", text[i:j]):
                out.append(ch)
                origin.append(i)
        i = j
    origin.append(len(text))
    return "".join(out), origin


def _hour(h: str, ap: str | None) -> int | None:
    hour = int(h)
    if ap:
        marker = ap.replace(".", "").lower()
        if hour < 1 or hour > 12:
            return None
        hour = hour % 12 + 12 if marker in ("pm", "ch") else hour % 12
    return hour


def _build(m: re.Match[str], month_first: bool) -> ParsedDate | None:
    g = m.groupdict()
    tz_given: str | None = None
    time_given: tuple[str, str | None, str | None] | None = None
    if g["iy"]:
        y, mo, d = int(g["iy"]), int(g["im"]), int(g["id"])
        if g["ih"]:
            time_given = (g["ih"], g["imin"], None)
            tz_given = g["itz"]
    elif g["wy"]:
        y, mo, d = int(g["wy"]), int(g["wm"]), int(g["wd"])
    elif g["y"]:
        first, second = int(g["a"]), int(g["b"])
        y = int(g["y"])
        d, mo = (second, first) if month_first else (first, second)
    else:
        first, second = int(g["sa"]), int(g["sb"])
        y = int(g["sy"])
        d, mo = (second, first) if month_first else (first, second)
    if time_given is None:
        if g["ah"] is not None:
            time_given = (g["ah"], g["am"] or g["am2"], g["aap"])
        elif g["bh"] is not None:
            time_given = (g["bh"], g["bm"] or g["bm2"], g["bap"])
    if not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    raw = m.group(0).strip(" ,|-–")
    if time_given is None:
        return ParsedDate(day, day.isoformat(), False, raw, m.start(), m.end())
    h, mi, ap = time_given
    hour = _hour(h, ap)
    minute = int(mi) if mi else 0
    if hour is None or not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    if tz_given:
        if tz_given.upper() == "Z":
            tz = UTC
        else:
            sign = -1 if tz_given[0] == "-" else 1
            digits = tz_given[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 14 or minutes > 59:  # no such UTC offset
                return None
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        value = datetime(y, mo, d, hour, minute, tzinfo=tz).astimezone(VN_TZ)
    else:
        value = datetime(y, mo, d, hour, minute, tzinfo=VN_TZ)
    iso = value.strftime("%Y-%m-%dT%H:%M:00+07:00")
    return ParsedDate(value, iso, True, raw, m.start(), m.end())


def find_dates(text: str | None, *, month_first: bool = False) -> list[ParsedDate]:
    """Every valid date-like substring of ``text``, in order of appearance."""
    if not text:
        return []
    cleaned, origin = _clean(text)
    found: list[ParsedDate] = []
    for m in _DATE_RE.finditer(cleaned):
        parsed = _build(m, month_first)
        if parsed is not None:
            if origin is not None:  # offsets in the text given, not in the cleaned copy
                parsed = replace(parsed, start=origin[parsed.start], end=origin[parsed.end])
            found.append(parsed)
    return found


def parse_date(text: str | None, *, month_first: bool = False) -> ParsedDate | None:
    """The first date (with its time, if given) in ``text``, or None when there is none.

    ``month_first`` reads ``12/20/2012`` as 20 December (US order); otherwise
    day-first is used and a date that is impossible day-first is rejected.
    """
    dates = find_dates(text, month_first=month_first)
    return dates[0] if dates else None
