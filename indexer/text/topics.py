"""Topics: the one small list portal categories map to (``data/topics.toml``).

Portals name the same section differently (``Quốc phòng - An ninh``, ``An ninh - Quốc
phòng``, ``An ninh Quốc phòng``); :func:`topic_for` maps each to one topic and keeps an
unmapped category as itself (``vnarchive portals check`` lists those).  Categories are
compared by :func:`category_key`: folded, lowercase, letters and digits only.  A category
that a portal writes as a path, ``Kết quả tiếp công dân | xã Đắk Sôr`` (the section, then
the commune it is about), takes its section's topic when the whole is not listed.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from indexer import config
from indexer.config import REPO_ROOT
from indexer.text import fold_lower, normalize

__all__ = ["TOPICS_TOML", "category_key", "is_mapped", "topic_for", "topics"]

TOPICS_TOML = REPO_ROOT / "data" / "topics.toml"


def category_key(category: str) -> str:
    """How categories are compared: folded, lowercase, only letters and digits."""
    return re.sub(r"[^a-z0-9]", "", fold_lower(normalize(category)))


@lru_cache(maxsize=4)
def _table(path: Path | None = None) -> dict[str, str]:
    if path is None:  # also from a Scrapyd egg (config.read_reference)
        data = tomllib.loads(config.read_reference(TOPICS_TOML.name).decode("utf-8"))
    else:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    table: dict[str, str] = {}
    for topic, names in data.get("topics", {}).items():
        table[category_key(topic)] = normalize(topic)
        for name in names:
            table.setdefault(category_key(str(name)), normalize(topic))
    return table


def topics() -> list[str]:
    """The topic list, in the order of ``data/topics.toml``."""
    return list(dict.fromkeys(_table().values()))


def _mapped_topic(category: str) -> str | None:
    """The topic ``data/topics.toml`` gives a category, or its path's first part; else None."""
    table = _table()
    topic = table.get(category_key(category))
    if topic is None and "|" in category:
        topic = table.get(category_key(category.split("|", 1)[0]))
    return topic


def is_mapped(category: str | None) -> bool:
    """Whether ``data/topics.toml`` maps this category to a topic."""
    return bool(category) and _mapped_topic(category or "") is not None


@lru_cache(maxsize=4096)  # a few hundred categories; exports ask once per row
def topic_for(category: str | None) -> str | None:
    """The topic of a portal category; an unmapped category is its own topic; None if empty."""
    if not category or not normalize(category):
        return None
    return _mapped_topic(category) or normalize(category)
