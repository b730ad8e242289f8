"""Relevance of the search on the test set: MRR and P@10 per group of cases and overall.

    .venv/bin/python bench/relevance_eval.py

Builds the archive of ``tests/indexer/search/test_relevance.py`` (the sample portals' ground
truth and the hand-written compound traps of ``tests/indexer/compound_traps.py``) in
a temporary directory, runs every case of its set and prints the mean reciprocal rank
of the first relevant article (over the whole ranking) and the precision of the top
10, per group: ``base`` (the set before word segmentation), ``compound`` (the traps:
the articles holding the query as a word are the relevant ones) and ``crossing``
(queries across a compound boundary).  Run it on two checkouts to compare them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "indexer")]


def main() -> None:
    import archive_helpers  # noqa: F401 — loads tests/indexer/conftest.py as a module
    import test_relevance as rel
    from compound_traps import trap_documents

    conftest = sys.modules["tests_indexer_conftest"]
    docs = conftest.truth_articles() + trap_documents()
    with tempfile.TemporaryDirectory(prefix="vnarchive-relevance-") as tmp:
        started = time.perf_counter()
        _store, index_dir, ids = conftest.build_archive(Path(tmp), docs)
        built = time.perf_counter() - started
        oracle = [rel.Doc(raw, ids[raw["url"]]) for raw in docs]
        metrics = rel.set_metrics(index_dir, oracle)
    print(f"\nrelevance set: {len(docs)} articles (archive built in {built:.1f} s)\n")
    print(f"{'group':10} {'cases':>5} {'MRR':>6} {'P@10':>6}")
    for name in ("base", "compound", "crossing", "all"):
        if name in metrics:
            m = metrics[name]
            print(f"{name:10} {m['cases']:5d} {m['mrr']:6.3f} {m['p10']:6.3f}")


if __name__ == "__main__":
    main()
