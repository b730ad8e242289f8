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
4. underthesea's text-normalisation rules where they fit (measured: CONTRIBUTING.md,
   ``bench/normalize_eval.py``): its character map (``Ð``/``ð``, the Icelandic eth
   that some portals type for ``Đ``/``đ``) and those of its token rules that only move a
   misplaced tone mark (``qùa`` → ``quà``, ``cuả`` → ``của``, ``baì`` → ``bài``).  Not its
   spelling rules (``nghành`` → ``ngành``: an archive keeps the portal's spelling) and not
   its tokenisation (it puts spaces around punctuation);
5. whitespace: non-breaking and exotic spaces become plain spaces, zero-width
   characters and soft hyphens are dropped, runs of spaces collapse; with
   ``multiline=True`` line breaks are kept and paragraphs are separated by
   exactly one blank line.
"""

from __future__ import annotations

import html
import importlib.util
import logging
import pickle
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

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


_log = logging.getLogger(__name__)
_RULES = "pipeline/text_normalize/tn_rules_*.bin"


def _same_letters_and_tones(a: str, b: str) -> bool:
    def split(word: str) -> tuple[str, list[str]]:
        nfd = unicodedata.normalize("NFD", word)
        return "".join(c for c in nfd if c not in _TONES), sorted(c for c in nfd if c in _TONES)

    return split(a) == split(b)


def _load_rules() -> dict[str, dict[str, str]]:
    """underthesea's normalisation tables, read from its package without importing it
    (importing underthesea costs seconds; its table loads in milliseconds)."""
    spec = importlib.util.find_spec("underthesea")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        for path in sorted(Path(folder).glob(_RULES), reverse=True):  # newest rules first
            with path.open("rb") as fh:  # the installed package's own data file
                return pickle.load(fh)  # noqa: S301
    from underthesea.pipeline.text_normalize import text_normalizer  # layout changed: import

    return {"character": text_normalizer.character_map, "token": text_normalizer.token_map}


@lru_cache(maxsize=1)
def underthesea_rules() -> tuple[dict[str, str], dict[str, str]]:
    """(character map, tone-mark word map) of underthesea's rules that ``normalize`` uses.

    Only the word rules that move a tone mark (same letters, same marks) and agree with
    the tone placement below; an empty pair when underthesea's tables cannot be read.
    """
    try:
        rules = _load_rules()
    except Exception as exc:  # noqa: BLE001 — normalising must never fail on this
        _log.warning("underthesea's normalisation rules are unavailable: %s", exc)
        return {}, {}
    characters = {k: v for k, v in rules["character"].items() if k != v}
    words = {
        bad: good
        for bad, good in rules["token"].items()
        if bad != good
        and _same_letters_and_tones(bad, good)
        and _OLD_RE.sub(_move_tone, good) == good
    }
    return characters, words


def _trie_pattern(words: list[str]) -> str:
    """A regex matching exactly ``words``, as a trie (a flat alternation of thousands of
    words is tried word by word at every position; a trie is walked once)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(c) + build(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


_LETTERS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _word_rules() -> tuple[re.Pattern[str] | None, dict[str, str], bool]:
    """(the rules' pattern, their words, whether every word is letters only)."""
    words = underthesea_rules()[1]
    if not words:
        return None, words, False
    pattern = re.compile(rf"(?<![^\W\d_])(?:{_trie_pattern(list(words))})(?![^\W\d_])")
    return pattern, words, all(_LETTERS.fullmatch(w) for w in words)


def _has_rule_word(text: str, words: dict[str, str], letters_only: bool) -> bool:
    """Whether the word rules' pattern can match in ``text`` (False: it cannot).

    The pattern matches a rule's word with no letter before or after it: when every
    word is letters only, that is a whole run of letters of the text, so a text none of
    whose letter runs is a rule's word has nothing to rewrite (most texts: the pattern
    itself, tried at every position, cost half of normalising).
    """
    return not letters_only or not words.keys().isdisjoint(_LETTERS.findall(text))


#: Short texts are normalised once per process: a portal's menus, labels and footers
#: come back on every page (70 % of the calls of an import, measured on a sample portal).
_CACHED_CHARS = 500


#: Long texts are remembered a few at a time: an article's body is normalised when it is
#: hashed and again when the crawl's pipeline normalises its fields.
_RECENT_CHARS = 200_000


def normalize(text: str | None, *, multiline: bool = False) -> str:
    """Return ``text`` in vnarchive's one canonical form (see module docstring)."""
    if not text:
        return ""
    if len(text) <= _CACHED_CHARS:
        return _normalize_short(text, multiline)
    if len(text) <= _RECENT_CHARS:
        return _normalize_recent(text, multiline)
    return _normalize(text, multiline)


@lru_cache(maxsize=8192)
def _normalize_short(text: str, multiline: bool) -> str:
    return _normalize(text, multiline)


@lru_cache(maxsize=8)
def _normalize_recent(text: str, multiline: bool) -> str:
    return _normalize(text, multiline)


def _normalize(text: str, multiline: bool) -> str:
    for _ in range(4):  # double-escaped entities ("&amp;lt;") too, so a second pass changes nothing
        if "&" not in text or not _ENTITY.search(text):
            break
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if not text.isascii():
        if _ZERO_WIDTH.search(text):
            text = _ZERO_WIDTH.sub("", text)
        text = unicodedata.normalize("NFC", text)
        composed = text
        characters, _words = underthesea_rules()
        for bad, good in characters.items():
            if bad in text:
                text = text.replace(bad, good)
        pattern, words, letters_only = _word_rules()
        if pattern is not None and _has_rule_word(text, words, letters_only):
            text = pattern.sub(lambda m: words[m.group(0)], text)
        text = _OLD_RE.sub(_move_tone, text)
        if text != composed:  # a stray combining mark after a rewritten letter composes now
            text = unicodedata.normalize("NFC", text)
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


#: The combining marks of Latin text (Vietnamese tones and vowel marks among them), and
#: what is left to look at once they are gone: any other character outside ASCII.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]+")  # U+034F is of class 0
_NON_ASCII = re.compile("[^\x00-\x7f]")


def fold(text: str) -> str:
    """Strip Vietnamese diacritics (``Đắk Nông`` → ``Dak Nong``); input must be normalised.

    Every combining mark goes (Unicode's combining classes); the Latin ones by one regex,
    and only a text with other characters outside ASCII left is looked at per character.
    """
    if text.isascii():
        return text
    stripped = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
    if any(unicodedata.combining(ch) for ch in _NON_ASCII.findall(stripped)):
        stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def fold_lower(text: str) -> str:
    """Fold diacritics and lowercase: the key used for accent-insensitive matching."""
    return fold(text).lower()


def content_hash(text: str) -> str:
    """Stable hash of normalised text, used to tell whether an article changed."""
    import hashlib

    return hashlib.sha256(normalize(text, multiline=True).encode("utf-8")).hexdigest()
