""" "Did you mean": a spelling close to a query that found nothing, from the index's own words."""

from __future__ import annotations

import itertools
from dataclasses import replace

from whoosh.searching import Searcher

from indexer.search.analysis import fold_token
from indexer.search.match import _plan
from indexer.search.params import SearchParams
from indexer.search.parse import ParsedQuery
from indexer.search.searcher import _cache

# -- did you mean --------------------------------------------------------------------


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance of two short words."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _accented_forms(searcher: Searcher, folded: str) -> list[str]:
    """The words of the index (exact body/title vocabulary) that fold to ``folded``,
    most frequent first (``tuyen`` → ``tuyên``, ``tuyến``, ``tuyển``…)."""
    cache = _cache(searcher)
    forms = getattr(cache, "_vn_accent_forms", None)
    if forms is None:
        forms = {}
        reader = searcher.reader()
        for fieldname in ("title", "body"):
            for word in reader.field_terms(fieldname):
                forms.setdefault(fold_token(word), set()).add(word)
        cache._vn_accent_forms = forms  # type: ignore[attr-defined]
    reader = searcher.reader()
    found = forms.get(folded, set())
    return sorted(found, key=lambda w: (-reader.doc_frequency("body", w), w))


def _suggestions(searcher: Searcher, term: str, exact: bool) -> list[str]:
    """Up to three words of the index for an unknown query word: with strict accents first
    the same letters with other diacritics, then the closest spellings (most frequent first)."""
    reader = searcher.reader()
    fieldname = "body" if exact else "body_f"
    out: list[str] = []
    if exact:
        out += [w for w in _accented_forms(searcher, fold_token(term)) if w != term][:3]
    found = searcher.corrector(fieldname).suggest(term, limit=10, maxdist=2, prefix=1)
    ranked = sorted(
        found, key=lambda w: (_edit_distance(term, w), -reader.doc_frequency(fieldname, w))
    )
    out += [w for w in ranked if w not in out]
    return out[:3]


def _did_you_mean(searcher: Searcher, params: SearchParams, parsed: ParsedQuery) -> str | None:
    """A corrected query string that has results, or None.

    Each query word the index does not know (with strict accents: not with exactly
    these diacritics) gets up to three words it does know (see :func:`_suggestions`),
    typed as the user typed: with diacritics from the exact vocabulary, without from
    the folded one; the first combination with results wins.
    """
    reader = searcher.reader()
    slots: list[tuple[int, int, list[str]]] = []
    known: list[tuple[int, int, list[str]]] = []  # strict accents: other diacritics of known words
    for clause in parsed.clauses():
        exact = clause.accented or params.exact
        for key, span in zip(clause.keys, clause.spans, strict=False):
            term = key if exact else fold_token(key)
            if reader.doc_frequency("body" if exact else "body_f", term) or reader.doc_frequency(
                "title" if exact else "title_f", term
            ):
                if params.exact:
                    others = [w for w in _accented_forms(searcher, fold_token(term)) if w != term]
                    known.append((span[0], span[1], [term, *others[:2]]))
                continue
            found = _suggestions(searcher, term, exact)
            if found:
                slots.append((span[0], span[1], found))
    if not slots or len(slots) > 4:
        return None
    for candidate in (slots, sorted(slots + known)) if known else (slots,):
        corrected = _first_with_results(searcher, params, candidate)
        if corrected:
            return corrected
    return None


def _first_with_results(
    searcher: Searcher, params: SearchParams, slots: list[tuple[int, int, list[str]]]
) -> str | None:
    """The first combination of the slots' words that finds something (at most 27 tried)."""
    if len(slots) > 6:
        return None
    for choice in itertools.islice(itertools.product(*(c for _, _, c in slots)), 27):
        out = params.q
        for (start, end, _), word in sorted(zip(slots, choice, strict=True), reverse=True):
            out = out[:start] + _typed_like(out[start:end], word) + out[end:]
        if out != params.q and _plan(searcher, replace(params, q=out, page=1)).docs:
            return out
    return None


def _typed_like(typed: str, word: str) -> str:
    """``word`` with the capitalisation of what was typed (``Tuyen`` → ``Tuyên``)."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
