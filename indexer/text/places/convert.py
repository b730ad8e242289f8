"""underthesea's ``convert_address``, checked against its own mapping data.

The converter is right most of the time and confidently wrong some of the time
(``Huyện Xuyên Mộc, Tỉnh Bà Rịa - Vũng Tàu`` comes back as ``Đặc khu Côn Đảo`` with
status ``success``; ``Tỉnh Thừa Thiên Huế`` is ``not_found``).  :func:`checked_convert`
runs it, resolves the same address with the gazetteer (:mod:`indexer.text.places.resolve`)
and says whether the two agree.  Known wrong answers are listed in ``data/places.toml``
(``[[correction]]``, one test each); an answer nothing could confirm is ``uncertain``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from indexer.text import normalize
from indexer.text.places.gazetteer import (
    COMMUNE_TYPES,
    DISTRICT_TYPES,
    gazetteer,
    load_places_toml,
    name_key,
    split_type,
)
from indexer.text.places.resolve import (
    Context,
    Place,
    resolve_commune,
    resolve_district,
    resolve_province,
)

__all__ = ["Checked", "checked_convert", "corrections"]


@dataclass
class Checked:
    """The converter's answer, ours, and whether they agree."""

    address: str
    converter: str  # what convert_address gave ("" for not_found)
    converter_status: str
    answer: str | None  # what we hold true (None: nothing could be resolved)
    change: str | None
    agrees: bool
    uncertain: bool
    correction: dict[str, Any] | None = None  # the data/places.toml entry that applies
    place: Place | None = None


def corrections() -> list[dict[str, Any]]:
    """The ``[[correction]]`` entries of ``data/places.toml``."""
    return list(load_places_toml().get("correction", []))


def _ours(address: str) -> Place | None:
    """The most precise unit of an address ``[commune,] [district,] province`` in the data."""
    gaz = gazetteer()
    parts = [normalize(p).strip() for p in address.split(",") if p.strip()]
    if not parts:
        return None
    prov = resolve_province(parts[-1], parts[-1], gaz)
    if prov is None:
        return None
    keys = gaz.province_by_name.get(name_key(split_type(parts[-1])[1]), [])
    ctx = Context(keys[:1])
    found: Place = prov
    rest = parts[:-1]
    dist = None
    if rest and split_type(rest[-1])[0] in DISTRICT_TYPES | {""}:
        dtype, dname = split_type(rest[-1])
        dplace, dist = resolve_district(dname, dtype, rest[-1], ctx, gaz)
        if dplace is None:
            return None
        found = dplace
        rest = rest[:-1]
    if rest:
        ctype, cname = split_type(rest[-1])
        if ctype and ctype not in COMMUNE_TYPES:
            return None
        cctx = Context(ctx.provinces, [dist] if dist else [])
        cplace = resolve_commune(cname, ctype, rest[-1], cctx, gaz)
        if cplace is None:
            return None
        found = cplace
    return found


def checked_convert(address: str) -> Checked:
    """Convert an old address with underthesea and check the answer (see module docstring)."""
    from underthesea.address import convert_address

    result = convert_address(address)
    converter = result.converted or ""
    status = getattr(result.status, "value", str(result.status))
    place = _ours(address)
    correction = next((c for c in corrections() if name_key(c["input"]) == name_key(address)), None)
    if place is None:
        return Checked(address, converter, status, converter or None, None, False, True, correction)
    answer = place.new
    if place.level == "commune":
        agrees = bool(converter) and name_key(converter) == name_key(answer)
    else:  # a province or a district: the converter must not invent a commune
        agrees = bool(converter) and name_key(converter) == name_key(
            f"{place.commune_now}, {answer.split(', ')[-1]}" if place.commune_now else answer
        )
    return Checked(
        address,
        converter,
        status,
        answer,
        place.change,
        agrees,
        place.uncertain,
        correction,
        place,
    )
