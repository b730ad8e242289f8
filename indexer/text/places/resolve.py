"""Resolve a named unit (a level, a name, its context) to a place: old name → new name.

A :class:`Place` says what an article named (``as_written``), the unit of the old layer
(``old``: ``Xã Nam Bình, Huyện Đắk Song, Tỉnh Đắk Nông``), what it is after 1 July 2025
(``new``: ``Xã Đức An, Tỉnh Lâm Đồng``), the kind of change (``unchanged``, ``renamed``,
``merged``, ``split``) and whether the answer is ``uncertain`` (a name shared by several
units that the context could not tell apart, or a unit the data does not know).

Districts were abolished: a district becomes its province after the reform, and its
``successors`` are the communes its communes became (``split`` when there are several).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer.text.places.gazetteer import (
    COMMUNE_TYPES,
    District,
    Gazetteer,
    NewCommune,
    OldCommune,
    gazetteer,
    name_key,
    split_type,
)

__all__ = ["Context", "Place", "resolve_commune", "resolve_district", "resolve_province"]

_CHANGE = {"divided": "split", "merged": "merged", "renamed": "renamed", "unchanged": "unchanged"}


@dataclass
class Place:
    """One administrative unit an article names, old → new (stored as a JSON object)."""

    level: str  # province | district | commune
    as_written: str
    old: str | None  # the unit before 1 July 2025 (None: named by its new name)
    new: str  # the unit after it ("Tỉnh Lâm Đồng" for a district)
    change: str  # unchanged | renamed | merged | split
    province_old: str | None = None  # short names ("Đắk Nông")
    province_now: str | None = None
    district_old: str | None = None
    commune_now: str | None = None  # "Xã Đức An" (None: a province or a district)
    successors: list[str] = field(default_factory=list)
    uncertain: bool = False
    note: str = ""
    mentions: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict (empty fields left out)."""
        return {k: v for k, v in asdict(self).items() if v not in (None, "", [], False)}

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two mentions the same place."""
        return (self.level, self.old or self.new)


@dataclass
class Context:
    """Where a name is read: provinces (old keys) and districts around it, nearest first."""

    provinces: list[str] = field(default_factory=list)
    districts: list[District] = field(default_factory=list)
    published: str | None = None

    @property
    def after_reform(self) -> bool:
        """Whether the text is from after 1 July 2025 (new names come first then)."""
        return bool(self.published) and str(self.published)[:10] >= "2025-07-01"


def _narrow(cands: Sequence[Any], ctx: Context, *, by_district: bool) -> tuple[list[Any], str]:
    """The candidates in the nearest context that has any, and which context it was."""
    if len(cands) <= 1:
        return list(cands), "unique"
    if by_district:
        for d in ctx.districts:
            inside = [
                c for c in cands if (c.province_key, c.district_key) == (d.province_key, d.key)
            ]
            if inside:
                return inside, "district"
    for pk in ctx.provinces:
        inside = [c for c in cands if c.province_key == pk]
        if inside:
            return inside, "province"
    return list(cands), "none"


def _in_context(cands: Sequence[Any], ctx: Context, *, by_district: bool) -> list[Any]:
    """Only the candidates inside the context (empty when none is)."""
    found, how = _narrow(cands, ctx, by_district=by_district)
    if how == "none" or (how == "unique" and ctx.provinces):
        keys = set(ctx.provinces)
        return [c for c in found if c.province_key in keys]
    return found


def _prefer_type(cands: list[Any], unit_type: str) -> list[Any]:
    same = [c for c in cands if c.type == unit_type]
    return same or cands


def resolve_province(name: str, as_written: str, gaz: Gazetteer | None = None) -> Place | None:
    """A province by its name (old, older or new), or None."""
    gaz = gaz or gazetteer()
    key = name_key(split_type(name)[1] or name)
    older = next(
        (o for o in gaz.older if o.level == "province" and name_key(split_type(o.name)[1]) == key),
        None,
    )
    keys = gaz.province_by_name.get(key, [])
    if keys:
        old = gaz.old_provinces[keys[0]]
        new = gaz.new_provinces[old.new_key]
        olds = new.olds
        if len(olds) > 1:
            change = "merged"
        elif older is not None or new.name != old.name:
            change = "renamed"
        else:
            change = "unchanged"
        return Place(
            "province",
            as_written,
            older.name if older else old.name,
            new.name,
            change,
            province_old=split_type(older.name)[1] if older else old.short,
            province_now=new.short,
            note=older.note if older else "",
        )
    new_keys = gaz.new_province_by_name.get(key, [])
    if new_keys:
        new = gaz.new_provinces[new_keys[0]]
        return Place("province", as_written, None, new.name, "unchanged", province_now=new.short)
    return None


def district_place(dist: District, as_written: str, gaz: Gazetteer, note: str = "") -> Place:
    """The place of an old district: its province now and the communes it became."""
    prov = gaz.old_provinces[dist.province_key]
    new_prov = gaz.new_provinces[prov.new_key]
    succ = list(dict.fromkeys(s.new_name for c in dist.communes for s in c.successors))
    succ += [s.new_name for s in dist.successors if s.new_name not in succ]
    commune_now = None
    if len(succ) > 1:
        change = "split"
        new = new_prov.name
    elif succ:
        commune_now = succ[0]
        new = f"{succ[0]}, {new_prov.name}"
        others = [
            c
            for c in gaz.commune_by_name.get(name_key(split_type(succ[0])[1]), [])
            if c.district_key != dist.key
            and any(
                s.new_name == succ[0] and s.new_province_key == prov.new_key for s in c.successors
            )
        ]
        change = "merged" if others else "renamed"
    else:
        change, new = "merged", new_prov.name
    return Place(
        "district",
        as_written,
        f"{dist.name}, {prov.name}",
        new,
        change,
        province_old=prov.short,
        province_now=new_prov.short,
        district_old=dist.short,
        commune_now=commune_now,
        successors=sorted(succ),
        note=note,
    )


def resolve_district(
    name: str,
    unit_type: str,
    as_written: str,
    ctx: Context,
    gaz: Gazetteer | None = None,
    *,
    far: bool = True,
) -> tuple[Place | None, District | None]:
    """A district by name in its context: (place, district), or (None, None) when unknown.

    Older names (``thị xã Gia Nghĩa``) resolve to the unit they became.  Outside the
    context, a name only one district in the country has is taken when ``far``.
    """
    gaz = gaz or gazetteer()
    key = name_key(name)
    note = ""
    cands = gaz.district_by_name.get(key, [])
    for o in gaz.older:
        older_type, older_name = split_type(o.name)
        if o.level == "district" and name_key(older_name) == key and unit_type == older_type:
            note = o.note
    found = _in_context(cands, ctx, by_district=False)
    if not found:
        if far and len(cands) == 1 and unit_type:  # a district name unique in the country
            found = cands
        else:
            return None, None
    if len(found) > 1:
        found = _prefer_type(found, unit_type)
    if len(found) > 1:
        return None, None
    dist = found[0]
    if unit_type and unit_type != dist.type and not note:
        note = f"named {unit_type} here; {dist.type} in the 2025 data"
    return district_place(dist, as_written, gaz, note), dist


def _commune_place(c: OldCommune, as_written: str, gaz: Gazetteer, note: str) -> Place:
    prov = gaz.old_provinces[c.province_key]
    dist = gaz.districts[(c.province_key, c.district_key)]
    new_prov = gaz.new_provinces[prov.new_key]
    names = list(dict.fromkeys(s.new_name for s in c.successors))
    kinds = {_CHANGE.get(s.mapping_type, s.mapping_type) for s in c.successors}
    change = "split" if len(names) > 1 or "split" in kinds else next(iter(kinds), "unchanged")
    if change == "merged" and names and split_type(names[0])[1] == c.short:
        # the mapping calls every member of a merger "merged"; the one that gave its name too
        change = "merged"
    if c.type and names and change == "unchanged" and split_type(names[0])[0] != c.type:
        change = "renamed"
    uncertain = len(names) > 1
    if uncertain:
        note = (note + "; " if note else "") + "split: which part is meant is not known"
    return Place(
        "commune",
        as_written,
        f"{c.name}, {dist.name}, {prov.name}",
        f"{' / '.join(names)}, {new_prov.name}",
        change,
        province_old=prov.short,
        province_now=new_prov.short,
        district_old=dist.short,
        commune_now=" / ".join(names) or None,
        successors=names if len(names) > 1 else [],
        uncertain=uncertain,
        note=note,
    )


def _new_commune_place(n: NewCommune, as_written: str, gaz: Gazetteer) -> Place:
    prov = gaz.new_provinces[n.province_key]
    return Place(
        "commune",
        as_written,
        None,
        f"{n.name}, {prov.name}",
        "unchanged",
        province_now=prov.short,
        commune_now=n.name,
        note="named by its name after the reform",
    )


def resolve_commune(
    name: str, unit_type: str, as_written: str, ctx: Context, gaz: Gazetteer | None = None
) -> Place | None:
    """A commune (xã, phường, thị trấn) by name in its context, or None when unknown here.

    Several communes of that name in the nearest context: an ``uncertain`` place that
    says only the province (when they share one).
    """
    gaz = gaz or gazetteer()
    key = name_key(name)
    olds = _in_context(gaz.commune_by_name.get(key, []), ctx, by_district=True)
    now_keys = [gaz.old_provinces[pk].new_key for pk in ctx.provinces]
    news = [n for n in gaz.new_commune_by_name.get(key, []) if n.province_key in now_keys]
    if not ctx.provinces:
        olds = gaz.commune_by_name.get(key, [])
        olds = olds if len(olds) == 1 else []
    if ctx.after_reform and news:
        return _new_commune_place(news[0], as_written, gaz)
    if len(olds) > 1:
        olds = _prefer_type(olds, unit_type)
    if len(olds) == 1:
        note = ""
        if unit_type and olds[0].type and unit_type != olds[0].type:
            note = f"named {unit_type} here; {olds[0].type} in the 2025 data"
        return _commune_place(olds[0], as_written, gaz, note)
    if len(olds) > 1:
        provs = {c.province_key for c in olds}
        if len(provs) == 1:
            prov = gaz.old_provinces[provs.pop()]
            new_prov = gaz.new_provinces[prov.new_key]
            return Place(
                "commune",
                as_written,
                f"{(unit_type or 'xã').capitalize()} {name}, {prov.name}",
                new_prov.name,
                "merged" if len(new_prov.olds) > 1 else "unchanged",
                province_old=prov.short,
                province_now=new_prov.short,
                uncertain=True,
                note=f"{len(olds)} communes of this name in {prov.short}: which one is not known",
            )
        return None
    if news and (not unit_type or unit_type in COMMUNE_TYPES):
        return _new_commune_place(news[0], as_written, gaz)
    return None


def merge_places(places: Iterable[Place]) -> list[Place]:
    """One place per unit, in order of first mention, with its mention count."""
    out: dict[tuple[str, str], Place] = {}
    for p in places:
        seen = out.get(p.identity)
        if seen is None:
            out[p.identity] = p
        else:
            seen.mentions += p.mentions
    return list(out.values())
