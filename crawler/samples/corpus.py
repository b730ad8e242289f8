"""The sentence and place-name source of the sample portals.

The sample articles recombine real Vietnamese sentences.  They come from the
VLSP 2013 POS test set and the 2025 administrative-unit mapping that the
``underthesea`` package ships offline.  :func:`regenerate` extracts a few
hundred clean sentences and the place names once into ``sentences.txt`` and
``places.json`` beside this module; the generator only reads those shipped
files (:func:`load_sentences`, :func:`load_places`), so it never depends on
underthesea's internals at run time.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SENTENCES_FILE = HERE / "sentences.txt"
PLACES_FILE = HERE / "places.json"

VLSP_RELPATH = "pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt"
MAPPING_RELPATH = "address/data/mapping.json"

# Districts whose real commune names the sample portals borrow.
PLACE_DISTRICTS = {
    "daknong_krongno": ("Tỉnh Đắk Nông", "Huyện Krông Nô"),
    "daknong_dakrlap": ("Tỉnh Đắk Nông", "Huyện Đắk R'Lấp"),
    "hanoi_longbien": ("Thành phố Hà Nội", "Quận Long Biên"),
    "quangbinh_tuyenhoa": ("Tỉnh Quảng Bình", "Huyện Tuyên Hóa"),
}

# Phrases that the sample pages use as boilerplate: a body sentence must not
# contain them, or a "must_not_contain" check would be ambiguous.
BOILERPLATE_WORDS = (
    "bình chọn",
    "thống kê truy cập",
    "cỡ chữ",
    "các tin khác",
    "tin đã đưa",
    "giấy phép",
    "bản in",
    "quay lại",
    "xem chi tiết",
    "lượt người xem",
    "lượt xem",
    "soạn bài",
    "tin đọc nhiều",
    "trưởng ban biên tập",
    "bảo trì",
    "tin liên quan",
    "đánh giá",
    "truy cập",
    "bài viết",
    "tiếp",
    "trang",
)

_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?)\]…%])")
_NO_SPACE_AFTER = re.compile(r"([(\[]) ")
_GOOD_CHARS = re.compile(r"^[\w\s,.;:()\-–%/’]+$")


def _detokenize(tokens: list[str]) -> str:
    """Join word-segmented tokens back into a plain sentence."""
    text = " ".join(tok.replace("_", " ") for tok in tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    text = text.replace(" - ", " - ").replace(" / ", "/")
    return re.sub(r"\s+", " ", text).strip()


def _is_clean(sentence: str) -> bool:
    """Whether a rebuilt sentence reads like running news text."""
    if not 60 <= len(sentence) <= 230:
        return False
    if not sentence[0].isupper() or not sentence.endswith(".") or sentence.endswith(".."):
        return False
    if not _GOOD_CHARS.match(sentence) or "_" in sentence:
        return False
    if sentence.count("(") != sentence.count(")"):
        return False
    lower = sentence.lower()
    if any(word in lower for word in BOILERPLATE_WORDS):
        return False
    if re.search(r"\b(tôi|mình|anh ấy|chị ấy|em|tao|mày)\b", lower):
        return False
    # mostly Vietnamese: enough letters with diacritics
    marked = sum(1 for ch in sentence if ord(ch) > 127)
    return marked >= len(sentence) // 12


def extract_sentences(vlsp_path: Path, *, limit: int = 700, seed: int = 2013) -> list[str]:
    """Rebuild plain sentences from the VLSP test file and keep ``limit`` clean ones."""
    sentences: list[str] = []
    tokens: list[str] = []
    for line in vlsp_path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if tokens:
                sentences.append(_detokenize(tokens))
                tokens = []
            continue
        tokens.append(line.split("\t")[0])
    seen: set[str] = set()
    clean = []
    for sentence in sentences:
        sentence = unicodedata.normalize("NFC", sentence)
        if sentence not in seen and _is_clean(sentence):
            seen.add(sentence)
            clean.append(sentence)
    random.Random(seed).shuffle(clean)
    return clean[:limit]


def extract_places(mapping_path: Path) -> dict[str, list[str]]:
    """Commune names (without the "Xã"/"Phường" prefix) of a few real districts."""
    data = json.loads(mapping_path.read_text(encoding="utf-8"))
    places: dict[str, list[str]] = {}
    for key, (province, district) in PLACE_DISTRICTS.items():
        names: list[str] = []
        for row in data["ward_mapping"]:
            if row["old_province"] == province and row["old_district"] == district:
                name = row["old_ward"].replace("'", "’")
                if name not in names:
                    names.append(name)
        places[key] = names
    return places


def underthesea_dir() -> Path:
    """The installed underthesea package directory."""
    import underthesea

    return Path(underthesea.__file__).resolve().parent


def regenerate() -> tuple[Path, Path]:
    """Rewrite ``sentences.txt`` and ``places.json`` from underthesea's shipped data."""
    base = underthesea_dir()
    sentences = extract_sentences(base / VLSP_RELPATH)
    SENTENCES_FILE.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    places = extract_places(base / MAPPING_RELPATH)
    PLACES_FILE.write_text(
        json.dumps(places, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    load_sentences.cache_clear()
    load_places.cache_clear()
    return SENTENCES_FILE, PLACES_FILE


@lru_cache(maxsize=1)
def load_sentences() -> tuple[str, ...]:
    """The shipped clean sentences."""
    return tuple(
        line for line in SENTENCES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()
    )


@lru_cache(maxsize=1)
def load_places() -> dict[str, tuple[str, ...]]:
    """The shipped commune names per borrowed district."""
    data = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    return {key: tuple(value) for key, value in data.items()}
