"""Facts of an article body that can be kept in a gold file without keeping the text.

``body_facts(paragraphs)`` gives the body's length and a short hash of its
normalised first and last sentence; the gold files under ``bench/realsite_gold/``
and ``bench/realsite_eval.py`` both use it, so the two sides cut sentences the
same way.  Normalisation: NFC, tone placement and whitespace
(``indexer.text.normalize``), case folded, punctuation removed.  The gold's hashes
were computed with the normaliser of their commit: a change of ``normalize`` that
rewrites letters (such as moving a misplaced tone mark) changes the hash of the
sentences it touches, and the gold is then regenerated from the hand-checked drafts.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.text import normalize  # noqa: E402

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)»]*\s+(?=[\"“‘(«]?[A-ZĐÀ-Ỹ0-9])")
_PUNCT = re.compile(r"[\W_]+")


def sentences(paragraph: str) -> list[str]:
    """A paragraph cut into sentences (at . ! ? … followed by a capital or a digit)."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(normalize(paragraph))) if s]


def norm_sentence(text: str) -> str:
    """The sentence as compared: case folded, punctuation and spacing removed."""
    return _PUNCT.sub(" ", normalize(text).casefold()).strip()


def sentence_hash(text: str) -> str:
    """A 12-hex-digit hash of a normalised sentence."""
    return hashlib.sha1(norm_sentence(text).encode("utf-8")).hexdigest()[:12]


def body_facts(paragraphs: list[str]) -> dict:
    """``{"length", "first", "last"}``: characters of text and hashes of the outer sentences."""
    paras = [normalize(p) for p in paragraphs if normalize(p)]
    if not paras:
        return {"length": 0, "first": None, "last": None}
    first = sentences(paras[0])[0]
    last = sentences(paras[-1])[-1]
    return {
        "length": len("\n\n".join(paras)),
        "first": sentence_hash(first),
        "last": sentence_hash(last),
    }


def paragraphs_of(text: str) -> list[str]:
    """Paragraphs of a stored body (blank-line separated)."""
    return [p for p in (normalize(x) for x in re.split(r"\n\s*\n", text or "")) if p]
