"""The one text normaliser for vnarchive, and diacritic folding.

Every piece of text crawled, stored, indexed or queried passes through
:func:`normalize` exactly once before anything else looks at it.  It is
idempotent: ``normalize(normalize(s)) == normalize(s)``.

What it does, in order:

1. decode stray HTML entities left in text (``L&atilde;nh`` → ``Lãnh``);
2. Unicode NFC (real portals mix composed and decomposed Vietnamese);
3. one tone-mark placement: syllable-final ``oa``, ``oe``, ``uy`` carry the
   mark on the first vowel (``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``), the form
   used by today's official texts; ``quý`` is left alone (``qu`` is a consonant);
4. whitespace: non-breaking and exotic spaces become plain spaces, zero-width
   characters and soft hyphens are dropped, runs of spaces collapse; with
   ``multiline=True`` line breaks are kept and paragraphs are separated by
   exactly one blank line.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["normalize", "fold", "fold_lower", "content_hash"]

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\f\v]+")
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Old tone placement, on composed (NFC) text: a plain o/u followed by a
# tone-marked a/e/y that ends the syllable ("hoà", "khoẻ", "thuỷ"), not after q.
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền sắc hỏi ngã nặng
_PAIRS = {"o": "aeAE", "O": "aeAE", "u": "yY", "U": "yY"}
_TONED: dict[str, tuple[str, str]] = {
    unicodedata.normalize("NFC", base + tone): (base, tone) for base in "aeyAEY" for tone in _TONES
}
_OLD_RE = re.compile(rf"(?<![qQ])([oOuU])([{''.join(_TONED)}])(?![^\W\d_])")


def _move_tone(match: re.Match[str]) -> str:
    first, second = match.group(1), match.group(2)
    base, tone = _TONED[second]
    if base not in _PAIRS[first]:
        return match.group(0)
    return unicodedata.normalize("NFC", first + tone) + base


def normalize(text: str | None, *, multiline: bool = False) -> str:
    """Return ``text`` in vnarchive's one canonical form (see module docstring)."""
    if not text:
        return ""
    for _ in range(4):  # double-escaped entities ("&amp;lt;") too, so a second pass changes nothing
        if "&" not in text or not _ENTITY.search(text):
            break
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if not text.isascii():
        if _ZERO_WIDTH.search(text):
            text = _ZERO_WIDTH.sub("", text)
        text = unicodedata.normalize("NFC", text)
        text = _OLD_RE.sub(_move_tone, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    if not multiline:
        return _SPACES.sub(" ", text.replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def fold(text: str) -> str:
    """Strip Vietnamese diacritics (``Đắk Nông`` → ``Dak Nong``); input must be normalised."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def fold_lower(text: str) -> str:
    """Fold diacritics and lowercase: the key used for accent-insensitive matching."""
    return fold(text).lower()


def content_hash(text: str) -> str:
    """Stable hash of normalised text, used to tell whether an article changed."""
    import hashlib

    return hashlib.sha256(normalize(text, multiline=True).encode("utf-8")).hexdigest()
