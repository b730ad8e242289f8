"""Real compounds versus accidental neighbours: which matches hold the query's words as words.

A query's syllables side by side (``bộ trưởng``) can be one word of the article
(``Bộ_trưởng Bộ Nội_vụ``) or the end of one word and the start of the next
(``cán_bộ trưởng_thôn``).  The index holds each article's compounds as underthesea
segmented them (``title_w``/``body_w``, folded ``title_wf``/``body_wf``; see
``indexer.text.words``), so the query module can rank the articles that hold a query's
syllables as a word above those where they only stand side by side.

The query is segmented against the index's own words, not by running the model on
it: out of context, underthesea splits short queries differently from running text
(``hòa bình`` → ``hòa | bình``, ``Tuyên Hóa`` → ``Tuyên | Hóa``, ``ủy ban nhân dân`` →
``ủy | ban nhân dân``, where articles give ``Hòa_bình``, ``Tuyên_Hóa``,
``Ủy_ban nhân_dân``).  Every run of two to :data:`MAX_WORD` neighbouring query
syllables is looked up as a word of the articles, i.e. as the model segmented it in
running text.

A *run* is a quoted phrase, a word with several syllables (``3/2025``), or
neighbouring one-syllable words of the query (``bộ trưởng``).  A match is a
*compound match* when, in the same field, the run's syllables stand side by side
and one of its sub-runs is a word of the article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq

from indexer.search.analysis import bigram_key, fold_token

__all__ = [
    "COMPOUND_BOOST",
    "MAX_WORD",
    "Run",
    "compound_bonus",
    "compound_docs",
    "query_runs",
    "query_words",
]

MAX_WORD = 4  # the longest compound looked up, in syllables (``ủy ban nhân dân``)
COMPOUND_BOOST = 4.0  # a compound found as a word scores like an adjacency bonus again
_MAX_RUNS = 8
_TEXT_FIELDS = ("title", "body")

TermBits = Callable[[str, str], int]


@dataclass(frozen=True)
class Run:
    """Neighbouring syllables of a query (canonical keys) and the fields they apply to.

    ``phrase``: one clause of several syllables (a quoted phrase, ``3/2025``); else a
    chain of neighbouring one-syllable words of the query.
    """

    keys: tuple[str, ...]
    fields: tuple[str, ...]
    phrase: bool = False


def query_words(root: Any) -> tuple[list[Run], list[str]]:
    """The runs of a parsed query tree (``indexer.search.query``'s ``Node``/``Clause``) and its
    lone one-syllable words, exclusions left out (shared with ``indexer.search.highlight``)."""
    runs: list[Run] = []
    singles: list[str] = []

    def fields_of(clause: Any) -> tuple[str, ...]:
        return (clause.fieldname,) if clause.fieldname else _TEXT_FIELDS

    def flush(chain: list[Any]) -> None:
        if len(chain) > 1:
            runs.append(Run(tuple(c.keys[0] for c in chain), fields_of(chain[0])))
        elif chain:
            singles.append(chain[0].keys[0])
        chain.clear()

    def walk(node: Any) -> None:
        if hasattr(node, "keys"):
            if len(node.keys) > 1:
                runs.append(Run(tuple(node.keys), fields_of(node), phrase=True))
            else:
                singles.append(node.keys[0])
            return
        if node.op == "not":
            return
        if node.op != "and":
            for child in node.children:
                walk(child)
            return
        chain: list[Any] = []
        for child in node.children:
            single = hasattr(child, "keys") and len(child.keys) == 1 and not child.quoted
            if single and (not chain or chain[0].fieldname == child.fieldname):
                chain.append(child)
                continue
            flush(chain)
            if single:
                chain.append(child)
            else:
                walk(child)
        flush(chain)

    walk(root)
    return runs, singles


def query_runs(root: Any) -> list[Run]:
    """The runs of a parsed query tree (at most a few: each costs lookups)."""
    return query_words(root)[0][:_MAX_RUNS]


def _keys(run: Run, exact: bool) -> list[str]:
    return list(run.keys) if exact else [fold_token(k) for k in run.keys]


def sub_runs(run: Run, exact: bool) -> list[str]:
    """Every run of 2 to MAX_WORD neighbouring syllables of ``run``, as word-field keys."""
    keys = _keys(run, exact)
    return [
        " ".join(keys[i:j])
        for i in range(len(keys))
        for j in range(i + 2, min(len(keys), i + MAX_WORD) + 1)
    ]


def _word_field(name: str, exact: bool) -> str:
    return f"{name}_w" if exact else f"{name}_wf"


def compound_docs(term: TermBits, runs: list[Run], exact: bool) -> int:
    """The documents holding a run side by side with a sub-run of it as one word (bitset).

    ``term(fieldname, text)`` gives the bitset of a term's documents.
    """
    out = 0
    for run in runs:
        folded = [fold_token(k) for k in run.keys]
        pairs = [bigram_key(a, b) for a, b in zip(folded, folded[1:], strict=False)]
        for name in run.fields:
            words = 0
            for key in sub_runs(run, exact):
                words |= term(_word_field(name, exact), key)
            if not words:
                continue
            for pair in pairs:
                words &= term(f"{name}_bi_f", pair)
            out |= words
    return out


def compound_bonus(
    term: TermBits, runs: list[Run], exact: bool, boosts: dict[str, float]
) -> list[wq.Query]:
    """Scoring terms for the query's sub-runs that are words of some article."""
    out: list[wq.Query] = []
    for run in runs:
        for name in run.fields:
            fieldname = _word_field(name, exact)
            for key in sub_runs(run, exact):
                if term(fieldname, key):
                    out.append(wq.Term(fieldname, key, boost=COMPOUND_BOOST * boosts[name]))
    return out[:32]
