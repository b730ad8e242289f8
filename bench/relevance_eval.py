"""Relevance of the search on the test set: MRR and P@10 per group of cases and overall.

    .venv/bin/python bench/relevance_eval.py

Builds the archive of ``tests/indexer/search/test_relevance.py`` (the sample portals' ground
truth and the hand-written compound traps of ``tests/indexer/compound_traps.py``) in
a temporary directory, runs every case of its set and prints the mean reciprocal rank
of the first relevant article (over the whole ranking) and the precision of the top
10, per group: ``base`` (the set before word segmentation), ``compound`` (the traps:
the articles holding the query as a word are the relevant ones) and ``crossing``
(queries across a compound boundary).  It prints the set twice: with the word fields,
and without them (the same archive with its stored segmentations emptied and the index
rebuilt, so no query syllables are found as a word: ranking by syllables and their
adjacency only, as before words were indexed).  Run it on two checkouts to compare them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(REPO),
    str(REPO / "tests" / "indexer"),
    str(REPO / "tests" / "indexer" / "search"),
]


def main() -> None:
    import archive_helpers  # noqa: F401 — loads tests/indexer/conftest.py as a module
    import test_relevance as rel
    from compound_traps import trap_documents

    from indexer.search.writer import update_index

    conftest = sys.modules["tests_indexer_conftest"]
    docs = conftest.truth_articles() + trap_documents()
    with tempfile.TemporaryDirectory(prefix="vnarchive-relevance-") as tmp:
        started = time.perf_counter()
        _store, index_dir, ids = conftest.build_archive(Path(tmp), docs)
        built = time.perf_counter() - started
        oracle = [rel.Doc(raw, ids[raw["url"]]) for raw in docs]
        metrics = rel.set_metrics(index_dir, oracle)
        without_words(_store)
        update_index(_store, index_dir, rebuild=True)
        plain = rel.set_metrics(index_dir, oracle)
    print(f"\nrelevance set: {len(docs)} articles (archive built in {built:.1f} s)\n")
    print(f"{'':16} {'with word fields':>17}   {'without':>13}")
    print(f"{'group':10} {'cases':>5} {'MRR':>8} {'P@10':>8}   {'MRR':>6} {'P@10':>6}")
    for name in ("base", "compound", "crossing", "all"):
        if name in metrics:
            m, w = metrics[name], plain[name]
            print(
                f"{name:10} {m['cases']:5d} {m['mrr']:8.3f} {m['p10']:8.3f}   "
                f"{w['mrr']:6.3f} {w['p10']:6.3f}"
            )


def without_words(store) -> None:
    """Empty every stored segmentation (an empty one is not segmented again)."""
    from indexer.store.tables import articles

    with store.writer.begin() as conn:
        conn.execute(articles.update().values(title_words="", summary_words="", body_words=""))


if __name__ == "__main__":
    main()
