"""underthesea's word-segmentation model, called without the cost of its feature round trip.

``underthesea.word_tokenize`` asks underthesea_core's Rust ``CRFFeaturizer`` for the CRF
features of every token (43 strings a token, each made a Python string on the way out),
then hands them back to the Rust ``CRFTagger`` (each copied back in).  That round trip was
three quarters of the segmentation's CPU.  This module computes the same feature strings
in Python (from the model's own ``features.bin`` templates and ``dictionary.bin``), in
about half the time, and gives them to underthesea's tagger unchanged: the tags, hence the
words, are those ``word_tokenize(sentence, use_token_normalize=False)`` returns.

Two guards keep it exact:

* at load, the features computed here are compared with the Rust featurizer's on a probe
  (every character the fast path accepts, as a token, plus edge-case numbers); any
  difference, a template this module does not know, or a model layout it does not
  recognise turns the fast path off for the process (a warning says so);
* a sentence with a character outside those probed ranges (Latin, Vietnamese, combining
  marks, general punctuation: where Python's and Rust's case mappings were compared) goes
  through underthesea's own featurizer.

``tests/indexer/text/test_word_model.py`` compares both paths on the sample corpus and the
real pages.
"""

from __future__ import annotations

import logging
import pickle
import re
import struct
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any

__all__ = ["crf_features", "fast_path_enabled", "word_tokenize_words"]

_log = logging.getLogger(__name__)
_lock = threading.Lock()

#: The characters the Python features are checked against underthesea_core's on (per
#: character ``lower``/``upper``): ASCII and Latin-1, Latin Extended-A/B, combining
#: diacritics, Vietnamese (Latin Extended Additional), general punctuation and currency.
_PROBED_RANGES = ((0x00, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x20CF))
_UNPROBED = re.compile(
    "[^" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _PROBED_RANGES) + "]"
)
_TEMPLATE = re.compile(r"T\[(-?\d+)(?:,(-?\d+))?\](?:\.(lower|isdigit|istitle|is_in_dict))?")
_INT = re.compile(r"[+-]?[0-9]+")
_PAD = 8  # BOS/EOS padding of the value arrays: more than any template's offset


def _isdigit(text: str) -> str:
    """Rust's ``text.parse::<i32>().is_ok()``, as underthesea_core writes it."""
    if _INT.fullmatch(text) and -(2**31) <= int(text) < 2**31:
        return "True"
    return "False"


def _istitle(text: str) -> str:
    """underthesea_core's istitle: each space-separated part starts with an upper-case form."""
    for part in text.split(" "):
        first = part[:1]
        if first != first.upper():
            return "False"
    return "True"


class CRFFeatures:
    """Computes underthesea_core's ``CRFFeaturizer`` strings for one token sequence.

    A template reads a span of ``width`` tokens starting at ``offset`` from the position
    (``T[-1,1]``: three tokens from the one before), possibly through a function.  The
    strings a span gives for all templates of its width are made once and kept (tokens
    and word pairs recur from sentence to sentence), so a sentence mostly reuses strings.
    """

    #: Spans whose strings are kept, per width, before the store starts again (~500 bytes
    #: a span: at 100,000 a width the store grew through most of a 1 GB import, to ~150 MB).
    CACHE_SPANS = 20_000

    def __init__(
        self, templates: Sequence[str], dictionary: set[str], known: set[str] | None = None
    ) -> None:
        self.templates = list(templates)
        self.dictionary = dictionary
        self.known = known
        self.reach = 0  # how far from its token a template reads
        # per width: the (prefix, function) of its templates, in template order
        self._by_width: dict[int, list[tuple[str, str | None]]] = {}
        # per template: (width, index in its width's strings, offset)
        self._layout: list[tuple[int, int, int]] = []
        for template in self.templates:
            match = _TEMPLATE.fullmatch(template)
            if match is None:
                raise ValueError(f"unknown CRF feature template {template!r}")
            first, last, function = match.group(1), match.group(2), match.group(3)
            o1 = int(first)
            o2 = int(last) if last is not None else o1
            if o2 < o1 or max(abs(o1), abs(o2)) >= _PAD - 1:
                raise ValueError(f"unsupported CRF feature template {template!r}")
            self.reach = max(self.reach, abs(o1), abs(o2))
            group = self._by_width.setdefault(o2 - o1 + 1, [])
            self._layout.append((o2 - o1 + 1, len(group), o1))
            group.append((template + "=", function))
        self._edges = {
            width: (
                (self._only_known(p + "BOS" for p, _f in group),) * _PAD,
                (self._only_known(p + "EOS" for p, _f in group),) * _PAD,
            )
            for width, group in self._by_width.items()
        }
        self._cache: dict[int, dict[str, tuple[str | None, ...]]] = {w: {} for w in self._by_width}

    def _only_known(self, strings: Iterable[str]) -> tuple[str | None, ...]:
        """The strings, with None for those the model has no weight for (when it is known)."""
        if self.known is None:
            return tuple(strings)
        return tuple(s if s in self.known else None for s in strings)

    def _strings(self, width: int, span: str) -> tuple[str | None, ...]:
        """The feature strings of one span for every template of its width."""
        values: dict[str | None, str] = {None: span}
        out = []
        for prefix, function in self._by_width[width]:
            value = values.get(function)
            if value is None:
                if function == "lower":
                    value = span.lower()
                elif function == "isdigit":
                    value = _isdigit(span)
                elif function == "istitle":
                    value = _istitle(span)
                else:  # is_in_dict
                    value = "True" if span.lower() in self.dictionary else "False"
                values[function] = value
            out.append(prefix + value)
        cache = self._cache[width]
        if len(cache) >= self.CACHE_SPANS:
            cache.clear()
        strings = cache[span] = self._only_known(out)
        return strings

    def __call__(self, tokens: Sequence[str]) -> list[tuple[str | None, ...]]:
        """The features of each token, in template order (as the Rust featurizer gives)."""
        n = len(tokens)
        if n == 0:
            return []
        rows: dict[int, list[tuple[str | None, ...]]] = {}
        for width in self._by_width:
            cache = self._cache[width]
            if width == 1:
                spans: Sequence[str] = tokens
            else:
                spans = [" ".join(tokens[k : k + width]) for k in range(n - width + 1)]
            bos, eos = self._edges[width]
            rows[width] = [
                *bos,
                *[cache.get(span) or self._strings(width, span) for span in spans],
                *eos,
            ]
        # position i reads the span starting at i + offset: BOS before the sentence, EOS
        # when the span would run past its end (underthesea_core's order of checks)
        columns = [
            list(map(itemgetter(index), rows[width][_PAD + offset : _PAD + offset + n]))
            for width, index, offset in self._layout
        ]
        if self.known is None:
            return list(zip(*columns, strict=True))
        # the tagger ignores an attribute it has no weight for: leaving them out gives it
        # the same attributes in the same order (the same sums), and less to read
        return [tuple(filter(None, row)) for row in zip(*columns, strict=True)]


@lru_cache(maxsize=1)
def _model() -> tuple[Any, Any, CRFFeatures | None, re.Pattern[str]]:
    """(the tokenizer, underthesea's CRF model object, the Python features or None, the
    characters they must not see)."""
    import underthesea.pipeline.word_tokenize as wt
    from underthesea.pipeline.text_normalize.character_normalize import (
        normalize_characters_in_text,
    )
    from underthesea.pipeline.word_tokenize import regex_tokenize

    def tokenize(sentence: str) -> list[str]:
        """``regex_tokenize.tokenize(sentence, use_token_normalize=False)``, the same tokens.

        underthesea takes each token from the first named group that matched, out of the
        match's ``groupdict()``; every alternative of its pattern is one named group that
        spans the whole match, so the token is the match itself (no dict of twenty groups
        a token).  Its pattern is read at each call, as underthesea does.
        """
        text = normalize_characters_in_text(sentence)
        return [match.group() for match in regex_tokenize.patterns.finditer(text)]

    wt.word_tokenize("Khởi động.")  # loads the model the way underthesea does
    model = wt.word_tokenize_model
    features: CRFFeatures | None = None
    unprobed = _UNPROBED
    try:
        folder = Path(wt.__file__).parent / "models" / "ws_crf_vlsp2013_20230727"
        features, unprobed = _checked_features(model, folder)
    except Exception as exc:  # noqa: BLE001 — the slow path is always there
        _log.warning("word segmentation: Python CRF features unavailable (%s)", exc)
    return tokenize, model, features, unprobed


def _load(path: Path) -> Any:
    """A model file underthesea reads with joblib (a plain pickle: read with C pickle, ten
    times faster; joblib when it is not one)."""
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 — the installed package's own data file
    except Exception:  # noqa: BLE001 — a joblib container: let joblib read it
        import joblib

        return joblib.load(path)


def _checked_features(model: Any, folder: Path) -> tuple[CRFFeatures | None, re.Pattern[str]]:
    """The Python features for ``model`` if they agree with its Rust featurizer on one probe
    (else None), and the characters they must not see.

    The probe is every probed character as a token, then pairs of them and edge-case
    numbers.  A character whose own features (``T[0]…``: lower, istitle, …) differ is
    left to underthesea (Unicode versions differ: Python 3.11 and Rust disagree on a few
    letters' cases); every other row must agree string for string, and the tagger must
    score the probe the same with only the attributes its model knows.
    """
    full = CRFFeatures(
        _load(folder / model.path_features), set(_load(folder / model.path_dictionary))
    )
    chars = _probe_chars()
    probe = _probe_tokens(chars)
    expected = model.featurizer.process([[[t] for t in probe]])[0]
    ours = full(probe)
    own = ("T[0]=", "T[0].")
    bad = [
        chars[i]
        for i in range(len(chars))
        if any(a != b for a, b in zip(expected[i], ours[i], strict=True) if a.startswith(own))
    ]
    unprobed = _UNPROBED
    if bad:
        unprobed = re.compile(_UNPROBED.pattern + "|[" + re.escape("".join(bad)) + "]")
    flagged = [bool(unprobed.search(t)) for t in probe]
    for i, (theirs, mine) in enumerate(zip(expected, ours, strict=True)):
        if not any(flagged[max(0, i - full.reach) : i + full.reach + 1]) and list(mine) != theirs:
            _log.warning("word segmentation: Python CRF features differ; using underthesea's")
            return None, unprobed
    known = crfsuite_attributes(folder / model.path_model)
    only_known = [[a for a in row if a in known] for row in expected]
    if model.estimator.tag_with_score(only_known) != model.estimator.tag_with_score(expected):
        _log.warning("word segmentation: the model's attribute list differs; using underthesea's")
        return None, unprobed
    return CRFFeatures(full.templates, full.dictionary, known), unprobed


def crfsuite_attributes(path: Path) -> set[str]:
    """The attribute strings of a CRFsuite model file (its ``lCRF`` header, then the
    attributes' CQDB: a table of entry offsets, each entry ``id, size, bytes``), as
    underthesea_core reads them."""
    data = path.read_bytes()
    head = struct.unpack_from("<4sIIIIIIIII", data, 0)
    magic, attrs, offset = head[0], head[6], head[9]
    if magic != b"lCRF":
        raise ValueError(f"not a CRFsuite model: {path}")
    cqdb, _size, _flag, _order, table_size, table = struct.unpack_from("<4sIIIII", data, offset)
    if cqdb != b"CQDB":
        raise ValueError(f"no attribute table in {path}")
    count = min(attrs, table_size)
    found = set()
    for entry in struct.unpack_from(f"<{count}I", data, offset + table):
        if entry:
            _id, size = struct.unpack_from("<II", data, offset + entry)
            start = offset + entry + 8
            key = data[start : start + size].split(b"\0", 1)[0]
            found.add(key.decode("utf-8", "replace"))
    if len(found) != attrs:
        raise ValueError(f"{len(found)} attributes read of {attrs} in {path}")
    return found


def _probe_chars() -> list[str]:
    return [chr(c) for lo, hi in _PROBED_RANGES for c in range(lo, hi + 1) if not chr(c).isspace()]


def _probe_tokens(chars: list[str]) -> list[str]:
    """The characters as tokens, then pairs of them and numbers at Rust's i32 edges."""
    numbers = ["0", "007", "+5", "-5", "+", "-", "2147483647", "2147483648", "-2147483648"]
    numbers += ["-2147483649", "1.5", "1,5", "٣", "²", "12a"]
    pairs = [a + b for a, b in zip(chars[::7], chars[3::7], strict=False)]
    return chars + numbers + pairs + ["Hà", "Nội", "ủy", "ban", "nhân", "dân", "UBND"]


def fast_path_enabled() -> bool:
    """True when this process computes the CRF features in Python (see the module doc)."""
    return _model()[2] is not None


def crf_features(tokens: Sequence[str]) -> list[list[str]]:
    """underthesea_core's features for ``tokens``, from its own featurizer (for comparisons)."""
    model = _model()[1]
    with _lock:
        return model.featurizer.process([[[t] for t in tokens]])[0]


def word_tokenize_words(sentence: str) -> list[str]:
    """``underthesea.word_tokenize(sentence, use_token_normalize=False)``, the same words."""
    tokenize, model, features, unprobed = _model()
    tokens = tokenize(sentence)
    fast = (
        features is not None
        and all(t and " " not in t for t in tokens)
        and not unprobed.search("".join(tokens))
    )
    with _lock:  # the model object is shared; crawls and the indexer call from one thread
        if fast:
            tags = model.estimator.tag(features(tokens))
        else:
            tags = model.predict([[token] for token in tokens])
    words: list[str] = []
    for tag, token in zip(tags, tokens, strict=False):
        if tag == "I-W" and words:
            words[-1] = words[-1] + " " + token
        else:
            words.append(token)
    return words
