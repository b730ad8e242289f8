"""Place finding on hand-checked real articles (bench/places_eval.py and its gold)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from realdata import need_realpages, need_realsites

BENCH = Path(__file__).resolve().parents[3] / "bench" / "places_eval.py"


def _places_eval():
    spec = importlib.util.spec_from_file_location("places_eval", BENCH)
    assert spec is not None and spec.loader is not None
    places_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(places_eval)
    return places_eval


def test_place_finding_precision_and_recall_on_real_articles() -> None:
    realpages, realsites = need_realpages(), need_realsites()
    scores = _places_eval().evaluate(realpages, realsites)
    assert scores["articles"] >= 50
    assert scores["gold places"] >= 150
    assert scores["precision"] >= 0.95, scores
    assert scores["recall"] >= 0.9, scores


def test_place_finding_on_the_held_out_articles() -> None:
    """The 33 articles checked by hand after the finder was tuned (none of them in the
    tuning gold): its goals hold there too."""
    realpages, realsites = need_realpages(), need_realsites()
    gold = BENCH.with_name("places_gold_heldout.json")
    scores = _places_eval().evaluate(realpages, realsites, gold_path=gold)
    assert scores["articles"] >= 30
    assert scores["gold places"] >= 30
    assert scores["precision"] >= 0.95, scores
    assert scores["recall"] >= 0.9, scores
