"""Places and topics in the search index: fields, document values, the place facet.

Fields (added to :func:`indexer.search.schema.build_schema`):

``place_key``    every name of every place the article names, old and new, as
                 :func:`indexer.text.places.gazetteer.name_key` keys (``place:`` filter);
``province_any`` the portal's province, old and new (``Đắk Nông`` and ``Lâm Đồng``): the
                 province filter matches either;
``place_now``    the units after the reform the article names (``Xã Đức An (Lâm Đồng)``,
                 ``Lâm Đồng``): the place facet;
``province_now`` the portal's province after the reform (stored);
``places``       the places, stored as JSON (which name matched, per result);
``topic``        the topic of the category (``indexer.text.topics``), a facet column;
``topic_key``    its folded key (``topic`` filter).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from typing import Any

from whoosh.fields import ID, KEYWORD, STORED

from indexer.text import fold_lower, normalize
from indexer.text.places import (
    article_place_summary,
    find_article_places,
    place_terms,
    portal_unit,
)
from indexer.text.places.gazetteer import name_key, split_type
from indexer.text.places.resolve import resolve_province
from indexer.text.topics import topic_for

__all__ = [
    "MAX_PLACE_FACETS",
    "article_places",
    "stored_places",
    "index_fields",
    "matched_place",
    "place_document",
    "place_facet",
    "province_filter_keys",
    "province_keys",
]

MAX_PLACE_FACETS = 50


def index_fields() -> dict[str, Any]:
    """The Whoosh fields of places and topics."""
    return {
        "place_key": KEYWORD(commas=True, scorable=False),
        "province_any": KEYWORD(commas=True, scorable=False),
        "place_now": KEYWORD(commas=True, scorable=False, lowercase=False),
        "province_now": STORED(),
        "places": STORED(),
        "topic": ID(stored=True, sortable=True),
        "topic_key": ID(),
    }


def article_places(article: dict[str, Any]) -> list[dict[str, Any]]:
    """The places of an archived article; found now when it was archived before places
    existed (for one page or row: the index never does this, see :func:`place_document`)."""
    places = stored_places(article)
    if places is None:
        places = find_article_places(
            article.get("title") or "",
            article.get("body_text") or "",
            province=article.get("province"),
            district=article.get("district"),
            published=article.get("published"),
        )
    return places


def stored_places(article: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The places stored with an article (None: not computed yet)."""
    places = article.get("places")
    if isinstance(places, str):
        try:
            places = json.loads(places)
        except ValueError:
            return None
    return list(places) if isinstance(places, list) else None


@lru_cache(maxsize=1_024)
def _province_keys(province: str | None) -> tuple[str, ...]:
    if not province:
        return ()
    keys = [name_key(split_type(province)[1])]
    prov = resolve_province(province, province)
    if prov is not None:
        for name in (prov.province_old, prov.province_now, prov.old, prov.new):
            if name:
                keys.append(name_key(split_type(name)[1]))
    return tuple(dict.fromkeys(k for k in keys if k))


def place_document(article: dict[str, Any]) -> dict[str, Any]:
    """The place and topic values of an article's index document.

    Only stored places are indexed: finding them costs ~6 ms an article, which the crawl
    pays once; articles archived before places existed get them from
    ``vnarchive places refresh`` (``vnarchive index`` says how many lack them).
    """
    places = stored_places(article) or []
    summary = article_place_summary(places, article.get("province"))
    terms = place_terms(places)
    province_keys = list(_province_keys(article.get("province")))
    district = article.get("district")
    own = list(province_keys)
    if district:
        own.append(name_key(split_type(district)[1]))
    now: list[str] = []
    for p in places:
        if p.get("uncertain") and not p.get("province_now"):
            continue
        if p.get("level") == "commune" and p.get("commune_now") and not p.get("uncertain"):
            now.append(f"{p['commune_now']} ({p.get('province_now')})")
        elif p.get("province_now"):
            now.append(str(p["province_now"]))
    doc: dict[str, Any] = {
        "places": json.dumps(places, ensure_ascii=False),
        "province_now": summary["province_now"] or "",
    }
    if terms or own:
        doc["place_key"] = ",".join(dict.fromkeys(terms + own))
    if province_keys:
        doc["province_any"] = ",".join(province_keys)
    if now:
        doc["place_now"] = ",".join(dict.fromkeys(n.replace(",", " ") for n in now))
    topic = topic_for(article.get("category"))
    if topic:
        doc["topic"] = topic
        doc["topic_key"] = fold_lower(normalize(topic))  # as indexer.search.schema.facet_key
    return doc


def province_keys(province: str | None) -> list[str]:
    """The keys of a portal's province by every name it has had: old, older and new."""
    return list(_province_keys(province))


def province_filter_keys(value: str) -> list[str]:
    """The ``province_any`` key a province filter value looks for: the name as typed.

    An article matches when its province had that name before or after the reform:
    ``Lâm Đồng`` finds the articles of Đắk Nông's portals, ``Đắk Nông`` only those.
    """
    return list(dict.fromkeys(k for k in (name_key(split_type(value)[1]),) if k))


def place_filter_keys(value: str) -> list[str]:
    """The ``place_key`` keys a ``place:`` value matches (with or without its unit word)."""
    full = name_key(value)
    short = name_key(split_type(value)[1])
    return list(dict.fromkeys(k for k in (full, short) if k))


def place_facet(searcher: Any, cache: Any, docs: int) -> dict[str, int]:
    """How many matches name each unit after the reform (the biggest ``MAX_PLACE_FACETS``)."""
    if not docs:
        return {}
    counts: Counter[str] = Counter()
    reader = searcher.reader()
    if "place_now" not in reader.schema:
        return {}
    terms = getattr(cache, "_vn_place_now", None)  # the units of this index generation
    if terms is None:
        terms = [
            t.decode("utf-8") if isinstance(t, bytes) else str(t)
            for t in reader.lexicon("place_now")
        ]
        cache._vn_place_now = terms
    for text in terms:
        n = (cache.posting(searcher, "place_now", text).bits & docs).bit_count()
        if n:
            counts[text] = n
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_PLACE_FACETS])


def matched_place(
    stored: dict[str, Any], provinces: list[str], places: list[str]
) -> list[dict[str, str]]:
    """Which of a result's names a province or place filter matched, old or new.

    ``[{"filter": "Lâm Đồng", "name": "Tỉnh Đắk Nông → Tỉnh Lâm Đồng", "matched": "new"}]``;
    ``"matched": "portal"`` when a place filter matched only the portal's own district or
    province (its articles are found by it even where they do not name it).
    """
    out: list[dict[str, str]] = []
    province = stored.get("province") or ""
    for value in provinces:
        keys = {name_key(split_type(value)[1]), name_key(value)}
        prov = resolve_province(province, province) if province else None
        if prov is None:
            continue
        old_key = name_key(split_type(prov.old or "")[1])
        new_key = name_key(split_type(prov.new)[1])
        matched = "old" if old_key in keys else "new" if new_key in keys else "both"
        out.append({"filter": value, "name": f"{prov.old} → {prov.new}", "matched": matched})
    try:
        article_places = json.loads(stored.get("places") or "[]")
    except ValueError:
        article_places = []
    for value in places:
        full, short = name_key(value), name_key(split_type(value)[1])
        best: tuple[int, dict[str, Any], str] | None = None
        for p in article_places:
            old_names = [p.get("as_written"), (p.get("old") or "").split(",")[0]]
            old_names += [p.get("district_old"), p.get("province_old")]
            new_names = [(p.get("new") or "").split(",")[0], p.get("commune_now")]
            new_names.append(p.get("province_now"))
            # a name typed with its unit word ("xã Krông Nô") first, then the bare name
            for rank, which, names, typed in (
                (0, "old", old_names, True),
                (0, "new", new_names, True),
                (1, "old", old_names, False),
                (1, "new", new_names, False),
            ):
                if any(
                    n and (name_key(n) == full if typed else name_key(split_type(n)[1]) == short)
                    for n in names
                ) and (best is None or rank < best[0]):
                    best = (rank, p, which)
                    break
        if best is not None:
            _, p, which = best
            out.append(
                {
                    "filter": value,
                    "name": f"{p.get('old') or p.get('as_written')} → {p.get('new')}",
                    "matched": which,
                }
            )
        else:
            own = _portal_unit_named(stored, short)
            if own is not None:
                out.append({"filter": value, "name": own, "matched": "portal"})
    return out


def _portal_unit_named(stored: dict[str, Any], short: str) -> str | None:
    """``old → new`` of the result's portal's own district or province when ``short`` (a
    name key) names it: the place filter matches a portal's articles by its own unit too."""
    province, district = stored.get("province") or "", stored.get("district") or ""
    if district and name_key(split_type(district)[1]) == short:
        unit = portal_unit(province, district)
    elif short in _province_keys(province):
        unit = portal_unit(province, None)
    else:
        return None
    return f"{unit.get('old') or district or province} → {unit.get('new')}"
