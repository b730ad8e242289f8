"""The sample texts' wording: the old tone placement, truth text, edited versions, the deterministic writer."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import datetime

from crawler.samples import corpus, texts
from crawler.samples.specs import PortalSpec
from indexer.text import normalize

# ---------------------------------------------------------------- text transforms

_LETTER = r"[^\W\d_]"


_NEW_TONE = re.compile(
    rf"(?<![qQ])([oOuU])([\u0300\u0301\u0309\u0303\u0323])([aAeEyY])(?!{_LETTER})"
)


_PAIRS = {("o", "a"), ("o", "e"), ("u", "y")}


def old_tone(text: str) -> str:
    """Move tone marks to the old placement (``hòa`` → ``hoà``, ``thủy`` → ``thuỷ``)."""

    def move(m: re.Match[str]) -> str:
        if (m.group(1).lower(), m.group(3).lower()) not in _PAIRS:
            return m.group(0)
        return m.group(1) + m.group(3) + m.group(2)

    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _NEW_TONE.sub(move, decomposed))


def transform_text(text: str, cases: list[str] | tuple[str, ...]) -> str:
    """Apply an article's text cases (old tone, NFD) to logical text."""
    if "old_tone" in cases:
        text = old_tone(text)
    if "nfd" in cases:
        text = unicodedata.normalize("NFD", text)
    return text


def truth_text(text: str | None, cases: list[str] | tuple[str, ...] = ()) -> str | None:
    """What an ideal extraction returns for this text, after normalisation."""
    if text is None:
        return None
    return normalize(transform_text(text, cases), multiline=True)


# ---------------------------------------------------------------- generation


class Writer:
    """Fills the text templates for one portal with seeded random values."""

    def __init__(self, spec: PortalSpec, rng: random.Random):
        self.spec = spec
        self.rng = rng
        places = corpus.load_places()[spec.places]
        if spec.dk == "xã":
            self.communes = tuple(
                ["thôn 1", "thôn 2", "thôn 3", "thôn Tân Lập", "bon Bu Dăr", "thôn Hòa Thuận"]
            )
        else:
            self.communes = tuple(p[0].lower() + p[1:] for p in places)
        self.sentences = corpus.load_sentences()
        self.party = {"huyện": "Huyện ủy", "quận": "Quận ủy", "xã": "Đảng ủy xã"}[spec.dk]
        self.nb = f"huyện {spec.neighbour}"
        self.used: set[str] = set()

    def person(self) -> str:
        r = self.rng
        return f"{r.choice(texts.FAMILY_NAMES)} {r.choice(texts.MIDDLE_NAMES)} {r.choice(texts.GIVEN_NAMES)}"

    def fill(self, template: str, when: datetime) -> str:
        r = self.rng
        commune = r.choice(self.communes)
        dk = self.spec.dk
        values = {
            "dk": dk,
            "DK": dk.capitalize(),
            "D": self.spec.district,
            "P": self.spec.province,
            "C": commune,
            "Ccap": commune[0].upper() + commune[1:],
            "Cn": commune.split(" ", 1)[-1],
            "y": when.year,
            "y1": when.year + 1,
            "m": when.month,
            "d": when.day,
            "q": "IV"
            if when.month > 9
            else "III"
            if when.month > 6
            else "II"
            if when.month > 3
            else "I",
            "n": r.randint(2, 9),
            "n2": r.randint(12, 480),
            "wk": when.isocalendar()[1],
            "person": self.person(),
            "party": self.party,
            "roman": r.choice(texts.ROMAN),
            "nb": self.nb,
        }
        values["role"] = r.choice(texts.ROLES).format(**values)
        return template.format(**values)

    def title(self, kind: str, when: datetime) -> str:
        return self.fill(self.rng.choice(texts.TITLES[kind]), when)

    def lead(self, kind: str, when: datetime) -> str:
        return self.fill(self.rng.choice(texts.LEADS[kind]), when)

    def sentence(self, when: datetime) -> str:
        """One body sentence, not yet used in the current article."""
        for _ in range(20):
            r = self.rng.random()
            if r < 0.45:
                template = self.rng.choice(texts.SENTENCES)
                key, text = template, self.fill(template, when)
            elif r < 0.52:
                key = text = self.rng.choice(texts.NEIGHBOUR_SENTENCES[self.spec.neighbour])
            else:
                key = text = self.rng.choice(self.sentences)
            if key not in self.used:
                break
        self.used.add(key)
        return text

    def new_article(self) -> None:
        """Forget the sentences used so far (they may recur in another article)."""
        self.used = set()

    def paragraph(self, when: datetime) -> str:
        return " ".join(self.sentence(when) for _ in range(self.rng.randint(1, 3)))

    def caption(self, when: datetime) -> str:
        return self.fill(self.rng.choice(texts.CAPTIONS), when)
