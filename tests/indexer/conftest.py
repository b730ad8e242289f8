"""Fixtures of the indexer tests: archives built straight into a store (no crawl), and their index.

``build_archive(root, docs)`` loads article dicts into a fresh store under
``root`` and indexes them.  ``sample_archive`` (session) does it once for the
ground truth of the bundled sample portals and the hand-written compound traps
(``compound_traps.py``), for the relevance test set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from crawler.items import Article, Attachment
from indexer.search.writer import update_index
from indexer.store.archive import ArchiveStore
from indexer.text import content_hash, normalize

REPO = Path(__file__).resolve().parents[2]
TRUTH_DIR = REPO / "crawler" / "samples" / "truth"


def make_article(**fields: Any) -> Article:
    """A normalised ``Article`` from keyword fields (url and title are required)."""
    body = normalize(fields.pop("body_text", ""), multiline=True)
    fields["title"] = normalize(fields["title"])
    fields.setdefault("portal", "test-portal")
    return Article(body_text=body, content_hash=content_hash(fields["title"] + body), **fields)


def load_docs(store: ArchiveStore, docs: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Store article dicts (with optional ``province``/``district``); return {url: article id}."""
    ids = {}
    for doc in docs:
        doc = dict(doc)
        doc.pop("truth_id", None)
        doc.pop("trap_key", None)
        province, district = doc.pop("province", None), doc.pop("district", None)
        _outcome, article_id = store.upsert_article(
            make_article(**doc), province=province, district=district
        )
        ids[doc["url"]] = article_id
    return ids


def build_archive(
    root: Path, docs: Iterable[dict[str, Any]]
) -> tuple[ArchiveStore, Path, dict[str, str]]:
    """A store at ``root/archive.sqlite`` holding ``docs``, indexed into ``root/index``."""
    root.mkdir(parents=True, exist_ok=True)
    store = ArchiveStore(f"sqlite:///{root / 'archive.sqlite'}")
    ids = load_docs(store, docs)
    index_dir = root / "index"
    update_index(store, index_dir)
    return store, index_dir, ids


def truth_articles() -> list[dict[str, Any]]:
    """Every article of the sample portals' ground truth, as store-ready dicts.

    Truth URLs are relative to the portal; they become ``https://<portal>.sample/<url>``.
    Each dict keeps the truth's ``truth_id`` and ``attachments`` (names and URLs).
    """
    docs = []
    for path in sorted(TRUTH_DIR.glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        portal = data.get("portal") or path.stem
        for art in data.get("articles", []):
            if not art.get("title") or not art.get("url"):
                continue
            url = f"https://{portal}.sample/{art['url'].lstrip('/')}"
            docs.append(
                {
                    "truth_id": str(art.get("id")),
                    "url": url,
                    "title": art["title"],
                    "portal": portal,
                    "published": art.get("published"),
                    "category": art.get("category"),
                    "summary": art.get("summary"),
                    "body_text": art.get("body_text") or "",
                    "attachments": [
                        Attachment(url=f"https://{portal}.sample/{a['url']}", name=a["name"])
                        for a in art.get("attachments") or []
                    ],
                    "province": data.get("province"),
                    "district": data.get("district"),
                }
            )
    return docs


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample portals' ground truth and the compound traps (``compound_traps``) in a
    store and an index (built once per session)."""
    from compound_traps import trap_documents

    docs = truth_articles()
    if not docs:
        pytest.skip("the sample portals' ground truth (crawler/samples/truth) is not there yet")
    docs += trap_documents()
    store, index_dir, ids = build_archive(tmp_path_factory.mktemp("sample_archive"), docs)
    return {"store": store, "index_dir": index_dir, "ids": ids, "docs": docs}
