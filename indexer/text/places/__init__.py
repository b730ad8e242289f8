"""Places, old and new: the units an article names, traced across the 1 July 2025 reform.

The one entry point for the crawl and for import is :func:`find_article_places`; a
portal's own unit is :func:`portal_unit`.  ``gazetteer`` holds the units of both layers,
``finder`` reads mentions in a text, ``resolve`` turns a name into a :class:`Place`,
``convert`` checks underthesea's ``convert_address`` against its own mapping.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from indexer.text.places.finder import find_places_in
from indexer.text.places.gazetteer import gazetteer, name_key, split_type
from indexer.text.places.resolve import (
    Context,
    Place,
    merge_places,
    resolve_district,
    resolve_province,
)

__all__ = [
    "Place",
    "article_place_summary",
    "find_article_places",
    "place_terms",
    "portal_unit",
]


def find_article_places(
    title: str,
    body: str,
    *,
    province: str | None = None,
    district: str | None = None,
    published: str | None = None,
) -> list[dict[str, Any]]:
    """The places an article names (title and body), one dict per unit, first named first.

    ``province``/``district`` are the portal's own (its profile's): ambiguous names are
    read in their context.  Each dict is a :class:`Place` (``level``, ``as_written``,
    ``old``, ``new``, ``change``, ``province_old``, ``province_now``, ``district_old``,
    ``commune_now``, ``successors``, ``uncertain``, ``note``, ``mentions``).  Called by the
    crawl's item pipeline (``crawler.pipelines.PlacesPipeline``), by import, and by
    ``vnarchive places refresh`` for articles archived before places existed.
    """
    text = f"{title or ''}\n\n{body or ''}"
    places = find_places_in(text, province=province, district=district, published=published)
    return [p.to_dict() for p in merge_places(places)]


def portal_unit(province: str | None, district: str | None) -> dict[str, Any]:
    """A portal's own unit after the reform (its profile's province and district).

    ``{"old", "new", "change", "province_now", "successors", "uncertain", "note"}``; a
    district the data does not know (a sample portal's invented one) gives its province
    now, marked uncertain.
    """
    gaz = gazetteer()
    if not province:
        return {"old": None, "new": None, "uncertain": True, "note": "no province in the profile"}
    prov = resolve_province(province, province, gaz)
    if prov is None:
        return {
            "old": province,
            "new": None,
            "uncertain": True,
            "note": f"province {province!r} is not in the gazetteer",
        }
    place: Place = prov
    if district:
        keys = gaz.province_by_name.get(name_key(split_type(province)[1]), [])
        dtype, dname = split_type(district)
        dplace, _ = resolve_district(dname, dtype, district, Context(keys[:1]), gaz)
        if dplace is None:
            prov.uncertain = True
            prov.note = f"district {district!r} is not in the gazetteer: only the province is known"
        else:
            place = dplace
    out = place.to_dict()
    out.pop("as_written", None)
    out.pop("mentions", None)
    out.setdefault("uncertain", False)
    return out


def article_place_summary(
    places: list[dict[str, Any]] | None, province: str | None
) -> dict[str, str | None]:
    """``province_now`` (the portal's province after the reform, else the first named) and
    ``commune_now`` (the new commune most named, certain ones only) of an article."""
    province_now = _province_now(province) if province else None
    best: dict[str, Any] | None = None
    for p in places or []:
        certain = p.get("level") == "commune" and p.get("commune_now") and not p.get("uncertain")
        if certain and (best is None or p.get("mentions", 1) > best.get("mentions", 1)):
            best = p
    if province_now is None:
        province_now = next(
            (p.get("province_now") for p in places or [] if p.get("province_now")), None
        )
    return {"province_now": province_now, "commune_now": best.get("commune_now") if best else None}


@lru_cache(maxsize=1_024)
def _province_now(province: str) -> str | None:
    prov = resolve_province(province, province)
    return prov.province_now if prov else None


def place_terms(places: list[dict[str, Any]] | None) -> list[str]:
    """The folded keys a ``place:`` filter matches for these places: every name, old and new."""
    out: dict[str, None] = {}
    for p in places or []:
        for name in (
            p.get("as_written"),
            (p.get("old") or "").split(",")[0],
            (p.get("new") or "").split(",")[0],
            p.get("commune_now"),
            p.get("province_old"),
            p.get("province_now"),
            p.get("district_old"),
        ):
            if name:
                short = split_type(name)[1]
                for n in (name, short):
                    key = name_key(n)
                    if key:
                        out[key] = None
    return list(out)
