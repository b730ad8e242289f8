"""What the word fields cost a full index build (issue 13: at most 1.2x the build without them).

    nice -n 10 .venv/bin/python bench/word_fields_bench.py [--size 3000] [--runs 3]

One store of ``--size`` synthetic articles (``bench/index_bench.py``'s corpus, with the
word segmentation stored as a crawl stores it) and a copy of it whose stored
segmentations are empty strings: the same articles, whose word fields
(``title_w``/``title_wf``/``body_w``/``body_wf``) get no terms (an empty segmentation
is "segmented, no compounds", so the writer does not segment it again).  Full builds
(``update_index(rebuild=True)``, each in its own process, as ``index_bench`` runs them)
alternate between the two stores, ``--runs`` times each, so a change of the machine's
load hits both alike.  It prints each run's CPU seconds (the build process and its
workers) and wall seconds, their medians and the ratio with/without.  On a machine
shared with other work, the CPU figures are the ones to read.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import index_bench  # noqa: E402


def without_words(source: Path, target: Path) -> None:
    """A copy of the store ``source`` whose stored segmentations are empty."""
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as db:
        db.execute("UPDATE articles SET title_words = '', summary_words = '', body_words = ''")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=3000, help="articles in the store")
    parser.add_argument("--runs", type=int, default=3, help="builds of each kind (alternated)")
    args = parser.parse_args()
    if args.size < 1 or args.runs < 1:
        parser.error("--size and --runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="word-fields-bench-") as tmp:
        work = Path(tmp)
        with_db, without_db = work / "with.sqlite", work / "without.sqlite"
        index_bench.fill_store(f"sqlite:///{with_db}", index_bench.corpus(args.size))
        without_words(with_db, without_db)
        runs: dict[str, list[dict]] = {"with": [], "without": []}
        for n in range(args.runs):
            for kind, db in (("without", without_db), ("with", with_db)):
                stats = index_bench.whoosh_index(f"sqlite:///{db}", work / f"index-{kind}")
                runs[kind].append(stats)
                print(
                    f"run {n + 1} {kind:7}  {stats['cpu_seconds']:7.1f} s CPU  "
                    f"{stats['seconds']:7.1f} s wall  {stats['final_mb']:6.1f} MB",
                    flush=True,
                )
        print(f"\n{args.size:,} articles, median of {args.runs} alternated runs each")
        med = {
            kind: (
                statistics.median(r["cpu_seconds"] for r in rs),
                statistics.median(r["seconds"] for r in rs),
                statistics.median(r["final_mb"] for r in rs),
            )
            for kind, rs in runs.items()
        }
        for kind, (cpu, wall, mb) in med.items():
            print(f"{kind + ' word fields':22} {cpu:7.1f} s CPU  {wall:7.1f} s wall  {mb:6.1f} MB")
        print(
            f"ratio with/without      {med['with'][0] / med['without'][0]:.2f}x CPU  "
            f"{med['with'][1] / med['without'][1]:.2f}x wall  "
            f"{med['with'][2] / med['without'][2]:.2f}x size"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
