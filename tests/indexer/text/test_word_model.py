"""The cheaper call path into underthesea's segmentation model gives word_tokenize's words."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import lxml.html
import pytest
from realdata import need_realpages
from underthesea import word_tokenize

from crawler.samples.corpus import load_sentences
from indexer.text import normalize
from indexer.text.word_model import (
    CRFFeatures,
    _checked_features,
    _load,
    _model,
    crf_features,
    fast_path_enabled,
    word_tokenize_words,
)
from indexer.text.words import _sentences

EDGES = [
    "Năm 2019, huyện chi +5 tỷ, -3 tỷ; 2147483647 và 2147483648 đồng, số -2147483649.",
    "UBND TP. Gia Nghĩa: Đ/c Nguyễn Văn A (Chủ tịch) dự họp lúc 08:30 ngày 12/3/2019.",
    "Email: ubnd@daknong.gov.vn, web http://daknong.gov.vn/tin-tuc?id=1 — xem “tại đây”…",
    "Ƒ ƛ Ɯ: chữ Latinh lạ; Σίσυφος và 中文 cũng có; ÐẮK NÔNG viết bằng eth.",
    "A",
    "",
    "...",
]


def _same(sentences: list[str]) -> int:
    """Compare both paths on ``sentences``; the number that took the Python features."""
    fast = 0
    unprobed = _model()[3]
    for sentence in sentences:
        assert word_tokenize_words(sentence) == word_tokenize(
            sentence, use_token_normalize=False
        ), sentence
        fast += not unprobed.search(sentence)
    return fast


def test_the_python_features_are_on_and_give_word_tokenize_s_words_on_the_corpus() -> None:
    assert fast_path_enabled()  # the load-time probe agreed with underthesea_core
    sentences = list(load_sentences())
    variants = [s.upper() for s in sentences[:150]] + [s.lower() for s in sentences[:150]]
    assert _same(sentences + variants) >= 0.95 * len(sentences + variants)


def test_the_python_features_are_the_rust_featurizer_s_strings() -> None:
    tokenize, model, features, unprobed = _model()
    assert features is not None
    full = CRFFeatures(features.templates, features.dictionary)  # nothing left out
    for sentence in [*EDGES, *load_sentences()[:100]]:
        if unprobed.search(sentence):
            continue  # underthesea's featurizer does this one (tested below)
        tokens = tokenize(sentence)
        assert [list(row) for row in full(tokens)] == crf_features(tokens), sentence
        # the attributes the model has no weight for are left out, the rest in order
        assert model.estimator.tag_with_score(features(tokens)) == (
            model.estimator.tag_with_score(crf_features(tokens))
        )


def test_odd_characters_and_edge_numbers_give_the_same_words() -> None:
    _same(EDGES)
    unprobed = _model()[3]
    assert unprobed.search("Σίσυφος") and unprobed.search("中文")  # underthesea's own path
    assert not unprobed.search("Ủy ban nhân dân tỉnh Đắk Nông “họp” – 2019…")


def test_real_pages_segment_the_same_on_both_paths() -> None:
    folder = need_realpages()
    sentences: list[str] = []
    for page in sorted(folder.glob("*.html")):
        root = lxml.html.fromstring(page.read_bytes())
        for bad in root.xpath("//script|//style"):
            bad.drop_tree()
        sentences += _sentences(normalize(root.text_content(), multiline=True))
    if len(sentences) < 200:
        pytest.fail(f"only {len(sentences)} sentences in the real pages")
    assert _same(list(dict.fromkeys(sentences))) > 0


def test_features_that_disagree_with_underthesea_turn_the_fast_path_off(tmp_path: Path) -> None:
    import underthesea.pipeline.word_tokenize as wt

    model = _model()[1]
    folder = Path(wt.__file__).parent / "models" / "ws_crf_vlsp2013_20230727"
    for name in (model.path_features, model.path_model):
        shutil.copy(folder / name, tmp_path / name)
    dictionary = _load(folder / model.path_dictionary)
    assert _checked_features(model, folder)[0] is not None
    # a dictionary that lost one word the probe uses: is_in_dict differs for it
    with (tmp_path / model.path_dictionary).open("wb") as fh:
        pickle.dump(set(dictionary) - {"nhân"}, fh)
    assert _checked_features(model, tmp_path)[0] is None
