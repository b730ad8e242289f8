"""Where underthesea's normalisation fits vnarchive's one normaliser, measured on real texts.

    .venv/bin/python bench/normalize_eval.py [REALSITES_DIR ...]

Reads the article texts of real portal snapshots (every ``*.tar.gz`` of the given
directories, default ``../shared/realsites``; extracted with ``crawler.pages.extract``,
raw: before any normalisation) and the sample portals' ground truth, and compares
``indexer.text.normalize`` with underthesea's normalisation:

1. ``text_normalize`` on the whole text: how many texts it changes beyond what
   ``normalize`` does, and how many of those changes are only spaces put around
   punctuation (which display and stored text must not get);
2. underthesea's token rules (``token_normalize``: its table of misplaced tone marks
   and misspellings) on each word of the text normalised without them: how many words
   and articles they change, split into tone-mark moves (same letters, same
   tone) and spelling changes (other letters);
3. speed: characters per CPU second of ``normalize`` and of ``text_normalize``;
4. word segmentation (``indexer.text.words``, underthesea's ``word_tokenize``, which the
   crawl runs once per new or changed article): CPU milliseconds per text, with the
   sentence cache as the crawl runs it (cleared first) and with every sentence segmented.

Prints a table; never run by the tests.  Figures go to CONTRIBUTING.md.
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_WORD = re.compile(r"[^\W\d_]+")
_TONES = set("\u0300\u0301\u0309\u0303\u0323")


def _real_texts(dirs: list[Path]) -> list[str]:
    from crawler.items import Article
    from crawler.pages import extract

    texts = []
    for folder in dirs:
        for tarball in sorted(folder.glob("*.tar.gz")):
            host = tarball.name.split("@")[0]
            with tarfile.open(tarball) as tar:
                for member in tar.getmembers():
                    if not member.name.endswith(".html"):
                        continue
                    data = tar.extractfile(member)
                    if data is None:
                        continue
                    url = f"http://{host}/{member.name.removesuffix('index.html')}"
                    try:
                        page = extract(data.read(), url)
                    except Exception:  # noqa: BLE001 — a page the extractor refuses is not text
                        continue
                    if isinstance(page, Article) and len(page.body_text) > 200:
                        texts.append(f"{page.title}\n\n{page.body_text}")
    return texts


def _sample_texts() -> list[str]:
    out = []
    for path in sorted((REPO / "crawler" / "samples" / "truth").glob("*.json")):
        for art in json.loads(path.read_text("utf-8")).get("articles", []):
            out.append(f"{art.get('title') or ''}\n\n{art.get('body_text') or ''}")
    return out


def _letters(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES)


def _tones(word: str) -> list[str]:
    return sorted(c for c in unicodedata.normalize("NFD", word) if c in _TONES)


@contextmanager
def _rules_off() -> Iterator[None]:
    """``normalize`` without underthesea's rules (the extractor normalises too)."""
    from indexer import text as text_mod

    keep = text_mod.underthesea_rules
    text_mod.underthesea_rules = lambda: ({}, {})  # type: ignore[assignment]
    text_mod._word_rules.cache_clear()
    try:
        yield
    finally:
        text_mod.underthesea_rules = keep  # type: ignore[assignment]
        text_mod._word_rules.cache_clear()


def _without_rules(texts: list[str]) -> list[str]:
    """The texts normalised by ``normalize`` with underthesea's rules switched off."""
    from indexer.text import normalize

    with _rules_off():
        return [normalize(t, multiline=True) for t in texts]


def measure(name: str, texts: list[str]) -> dict[str, object]:
    from underthesea import text_normalize
    from underthesea.pipeline.text_normalize import token_normalize

    from indexer.text import normalize

    # what underthesea's rules change is measured on the text normalised without them
    ours = _without_rules(texts)
    theirs = [text_normalize(t) for t in texts]
    squash = re.compile(r"\s+")
    differs = sum(
        squash.sub(" ", a).strip() != b.strip() for a, b in zip(ours, theirs, strict=True)
    )
    spacing_only = sum(
        squash.sub("", a) == squash.sub("", b) and squash.sub(" ", a).strip() != b.strip()
        for a, b in zip(ours, theirs, strict=True)
    )
    tone_moves: Counter[str] = Counter()
    spellings: Counter[str] = Counter()
    articles_changed = 0
    words = 0
    for text in ours:
        changed = False
        for word in _WORD.findall(text):
            words += 1
            fixed = token_normalize(word)
            if fixed == word:
                continue
            changed = True
            same_letters = _letters(fixed) == _letters(word) and _tones(fixed) == _tones(word)
            (tone_moves if same_letters else spellings)[f"{word}→{fixed}"] += 1
        articles_changed += changed
    chars = sum(len(t) for t in texts)
    normalize("á")  # the rules load once
    started = time.process_time()
    for t in texts:
        normalize(t, multiline=True)
    ours_rate = chars / (time.process_time() - started)
    started = time.process_time()
    _without_rules(texts)
    plain_rate = chars / (time.process_time() - started)
    started = time.process_time()
    for t in texts:
        text_normalize(t)
    theirs_rate = chars / (time.process_time() - started)
    return {
        "name": name,
        "texts": len(texts),
        "words": words,
        "text_normalize_differs": differs,
        "spacing_only": spacing_only,
        "tone_moves": tone_moves,
        "spellings": spellings,
        "articles_changed": articles_changed,
        "ours_mchars": ours_rate / 1e6,
        "plain_mchars": plain_rate / 1e6,
        "theirs_mchars": theirs_rate / 1e6,
    }


def segmentation_ms(texts: list[str]) -> tuple[float, float]:
    """CPU ms per text of ``indexer.text.words.segment``: (sentence cache on, every sentence)."""
    from indexer.text import normalize, words

    clean = [normalize(t, multiline=True) for t in texts]
    words.segment(clean[0])  # load the model outside the timing
    words._segment_sentence.cache_clear()
    start = time.process_time()
    for text in clean:
        words.segment(text)
    cached = time.process_time() - start
    uncached = words._segment_sentence.__wrapped__
    start = time.process_time()
    for text in clean:
        for sentence in words._sentences(text):
            uncached(sentence)
    cold = time.process_time() - start
    return cached / len(clean) * 1000, cold / len(clean) * 1000


def main() -> None:
    dirs = [Path(a) for a in sys.argv[1:]] or [REPO.parent / "shared" / "realsites"]
    rows = []
    with _rules_off():  # page objects normalise what they extract
        real = _real_texts([d for d in dirs if d.is_dir()])
    if real:
        rows.append(measure("real portal snapshots", real))
    else:
        print(f"no real snapshots in {', '.join(map(str, dirs))}: samples only", file=sys.stderr)
    rows.append(measure("sample portals", _sample_texts()))
    print()
    header = (
        f"{'texts':24} {'n':>5} {'text_normalize ≠':>16} {'of which spacing':>16} "
        f"{'token rules: words':>18} {'tone':>5} {'spelling':>8} {'articles':>8} "
        f"{'normalize Mch/s (without rules)':>31} {'text_normalize Mch/s':>20}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        tone, spell = r["tone_moves"], r["spellings"]
        print(
            f"{r['name']:24} {r['texts']:5d} {r['text_normalize_differs']:16d} "
            f"{r['spacing_only']:16d} {sum(tone.values()) + sum(spell.values()):18d} "
            f"{sum(tone.values()):5d} {sum(spell.values()):8d} {r['articles_changed']:8d} "
            f"{r['ours_mchars']:15.2f} ({r['plain_mchars']:5.2f}){'':9} {r['theirs_mchars']:20.2f}"
        )
    for name, texts in (("real portal snapshots", real), ("sample portals", _sample_texts())):
        if texts:
            cached, cold = segmentation_ms(texts)
            print(
                f"\n{name}: word segmentation {cached:.1f} ms CPU per text with the sentence "
                f"cache, {cold:.1f} ms without ({len(texts)} texts)"
            )
    for r in rows:
        print(f"\n{r['name']}: {r['words']:,} words")
        print("  tone moves:", ", ".join(f"{k} ×{n}" for k, n in r["tone_moves"].most_common(8)))
        print("  spellings: ", ", ".join(f"{k} ×{n}" for k, n in r["spellings"].most_common(8)))


if __name__ == "__main__":
    main()
