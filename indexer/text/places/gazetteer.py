"""The gazetteer: every province, district and commune before and after 1 July 2025.

Built from the mapping that ships with underthesea (``underthesea/address/data/
mapping.json``, read from disk, never downloaded): the 63 provinces, their districts and
communes as they stood before the reform (the "old layer"), the 34 provinces and the
communes after it (the "new layer"), and which old commune became which new one
(``unchanged``, ``renamed``, ``merged``, ``divided``).  Names changed before 2025 (the
"older layer": ``Thừa Thiên Huế`` before it became ``Thành phố Huế``) come from
``data/places.toml``.

Names are looked up by :func:`name_key` (folded, lowercase, letters and digits only), so
``Đăk Glong``/``Đắk Glong`` and ``R'Lấp``/``R’lấp`` meet.  A unit's type (``xã``,
``thị trấn``…) is kept apart from its name: types change (a ``thị xã`` becomes a
``thành phố``) while the name stays.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from indexer import config
from indexer.config import REPO_ROOT
from indexer.text import fold_lower, normalize

__all__ = [
    "District",
    "Gazetteer",
    "NewCommune",
    "NewProvince",
    "OldCommune",
    "OldProvince",
    "gazetteer",
    "mapping_path",
    "name_key",
    "split_type",
]

PLACES_TOML = REPO_ROOT / "data" / "places.toml"

# Unit types, longest first; the key is the canonical lowercase type.
UNIT_TYPES = (
    "thành phố",
    "thị trấn",
    "thị xã",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
)
PROVINCE_TYPES = {"tỉnh", "thành phố"}
DISTRICT_TYPES = {"huyện", "quận", "thị xã", "thành phố"}
COMMUNE_TYPES = {"xã", "phường", "thị trấn", "đặc khu"}
_TYPE_RE = re.compile(
    r"^(" + "|".join(re.escape(t) for t in UNIT_TYPES) + r")\s+(.+)$", re.IGNORECASE
)


@lru_cache(maxsize=65_536)
def name_key(name: str) -> str:
    """The lookup key of a place name: folded, lowercase, only letters and digits.

    ``Đắc``/``Đăk``/``Dak`` are one spelling of ``Đắk`` (portals write all of them).
    """
    folded = _DAC.sub("dak", fold_lower(normalize(name)))
    return re.sub(r"[^a-z0-9]", "", folded)


_DAC = re.compile(r"\bdac\b")


@lru_cache(maxsize=65_536)
def split_type(full: str) -> tuple[str, str]:
    """``("xã", "Nam Bình")`` from ``"Xã Nam Bình"``; ``("", name)`` when it has no type."""
    text = normalize(full).strip()
    match = _TYPE_RE.match(text)
    if not match:
        return "", text
    return match[1].lower(), match[2].strip()


@dataclass
class OldProvince:
    """A province before 1 July 2025 (``key`` as in the mapping)."""

    key: str
    name: str  # "Tỉnh Đắk Nông"
    short: str  # "Đắk Nông"
    new_key: str


@dataclass
class NewProvince:
    """A province after 1 July 2025, and the old provinces it was made of."""

    key: str
    name: str
    short: str
    olds: list[str] = field(default_factory=list)


@dataclass
class NewCommune:
    """A commune-level unit after 1 July 2025 (xã, phường, đặc khu)."""

    province_key: str
    name: str  # "Xã Đức An"
    short: str  # "Đức An"
    type: str


@dataclass
class Succession:
    """One old commune → new commune record of the mapping."""

    new_province_key: str
    new_name: str
    mapping_type: str  # unchanged | renamed | merged | divided
    is_default: bool = False


@dataclass
class OldCommune:
    """A commune before 1 July 2025, in its district, and what it became."""

    province_key: str
    district_key: str
    name: str  # "Xã Nam Bình"
    short: str
    type: str
    successors: list[Succession] = field(default_factory=list)


@dataclass
class District:
    """A district before 1 July 2025 (the level the reform abolished) and its communes."""

    province_key: str
    key: str
    name: str  # "Huyện Krông Nô"
    short: str
    type: str
    communes: list[OldCommune] = field(default_factory=list)
    successors: list[Succession] = field(default_factory=list)  # a district with no commune


@dataclass
class OlderName:
    """A name changed before 2025 (not in the mapping's old layer): what it became then."""

    level: str  # province | district | commune
    name: str  # "Tỉnh Thừa Thiên Huế"
    became: str  # "Thành phố Huế" (a name of the old layer)
    province: str  # the old-layer province it lies in ("" for a province)
    since: str  # when ("2025-01-01", "2020")
    note: str = ""


class Gazetteer:
    """Every unit of both layers with name indexes (see the module docstring).

    Provinces are built at once (a few ms); districts and communes (~1 s) on first use, so
    a process that only needs provinces (the indexer's province keys) never pays for them.
    """

    def __init__(self, data: dict[str, Any], extra: dict[str, Any]) -> None:
        self._data = data
        self.old_provinces: dict[str, OldProvince] = {}
        self.new_provinces: dict[str, NewProvince] = {
            k: NewProvince(k, normalize(v["name"]), normalize(v["short"]))
            for k, v in data["province_names"].items()
        }
        for k, v in data["old_province_names"].items():
            new_key = data["province_mapping"][k]
            self.old_provinces[k] = OldProvince(
                k, normalize(v["name"]), normalize(v["short"]), new_key
            )
            self.new_provinces[new_key].olds.append(k)
        self.province_by_name: dict[str, list[str]] = {}  # name key -> old province keys
        for p in self.old_provinces.values():
            self.province_by_name.setdefault(name_key(p.short), []).append(p.key)
        self.new_province_by_name: dict[str, list[str]] = {}
        for np_ in self.new_provinces.values():
            self.new_province_by_name.setdefault(name_key(np_.short), []).append(np_.key)
        self.older = [
            OlderName(
                level=str(o["level"]),
                name=normalize(o["name"]),
                became=normalize(o["became"]),
                province=normalize(o.get("province", "")),
                since=str(o.get("since", "")),
                note=str(o.get("note", "")),
            )
            for o in extra.get("older", [])
        ]
        for alias in extra.get("alias", []):  # "TP HCM": other names of a province
            if alias.get("level") == "province":
                keys = self.province_by_name.get(name_key(str(alias["means"])), [])
                self.province_by_name.setdefault(name_key(str(alias["name"])), []).extend(keys)
        for o in self.older:  # older province names are looked up like the others
            if o.level == "province":
                keys = self.province_by_name.get(name_key(_short(o.became)), [])
                self.province_by_name.setdefault(name_key(_short(o.name)), []).extend(keys)

    @cached_property
    def _units(self) -> _Units:
        return _build_units(self._data)

    @property
    def districts(self) -> dict[tuple[str, str], District]:
        """Every old district by (province key, district key)."""
        return self._units.districts

    @property
    def district_by_name(self) -> dict[str, list[District]]:
        """Old districts by name key."""
        return self._units.district_by_name

    @property
    def commune_by_name(self) -> dict[str, list[OldCommune]]:
        """Old communes by name key."""
        return self._units.commune_by_name

    @property
    def new_commune_by_name(self) -> dict[str, list[NewCommune]]:
        """New communes by name key."""
        return self._units.new_commune_by_name

    @property
    def new_communes(self) -> dict[tuple[str, str], NewCommune]:
        """New communes by (province key, name key)."""
        return self._units.new_communes

    def province_names(self) -> Iterable[str]:
        """Every province short name: old, older and new."""
        seen = {p.short for p in self.old_provinces.values()}
        seen |= {split_type(o.name)[1] for o in self.older if o.level == "province"}
        seen |= {p.short for p in self.new_provinces.values()}
        return sorted(seen)


@dataclass
class _Units:
    """The districts and communes of both layers, with their name indexes."""

    districts: dict[tuple[str, str], District]
    district_by_name: dict[str, list[District]]
    commune_by_name: dict[str, list[OldCommune]]
    new_commune_by_name: dict[str, list[NewCommune]]
    new_communes: dict[tuple[str, str], NewCommune]


def mapping_path() -> Path:
    """Where underthesea's address mapping lies (raises when underthesea is absent)."""
    spec = find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("underthesea is not installed: the gazetteer needs its address data")
    path = Path(next(iter(spec.submodule_search_locations))) / "address" / "data" / "mapping.json"
    if not path.exists():
        raise RuntimeError(f"underthesea has no address mapping at {path} (version too old?)")
    return path


def load_places_toml(path: Path | None = None) -> dict[str, Any]:
    """``data/places.toml``: the older layer and the converter corrections."""
    if path is None:  # also from a Scrapyd egg (config.read_reference)
        return tomllib.loads(config.read_reference(PLACES_TOML.name).decode("utf-8"))
    with path.open("rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer (built once per process, ~0.5 s)."""
    with mapping_path().open(encoding="utf-8") as fh:
        data = json.load(fh)
    return build(data, load_places_toml())


def _short(name: str) -> str:
    return split_type(name)[1]


def build(data: dict[str, Any], extra: dict[str, Any]) -> Gazetteer:
    """Build the gazetteer from the mapping's JSON and ``data/places.toml``."""
    return Gazetteer(data, extra)


def _build_units(data: dict[str, Any]) -> _Units:
    """Districts and communes, old and new, from the mapping's ward records."""
    norm = lru_cache(maxsize=None)(normalize)  # the same names recur in many records
    districts: dict[tuple[str, str], District] = {}
    communes: dict[tuple[str, str, str], OldCommune] = {}
    new_communes: dict[tuple[str, str], NewCommune] = {}
    for rec in data["ward_mapping"]:
        pk, dk = rec["old_province_key"], rec["old_district_key"]
        dname = norm(rec["old_district"])
        if not dname:
            continue
        dist = districts.get((pk, dk))
        if dist is None:
            dtype, dshort = split_type(dname)
            dist = districts[(pk, dk)] = District(pk, dk, dname, dshort, dtype)
        new_name = norm(rec["new_ward"])
        succ = Succession(
            rec["new_province_key"], new_name, rec["mapping_type"], bool(rec.get("is_default"))
        )
        ntype, nshort = split_type(new_name)
        nkey = (rec["new_province_key"], name_key(nshort))
        if nkey not in new_communes:
            new_communes[nkey] = NewCommune(rec["new_province_key"], new_name, nshort, ntype)
        wname = norm(rec["old_ward"])
        if not wname and rec["old_ward_key"]:
            continue  # ~50 records name no commune, only a key without spaces: unusable
        if not wname:  # a district without communes (an island district): it is the unit
            dist.successors.append(succ)
            continue
        ckey = (pk, dk, rec["old_ward_key"])
        commune = communes.get(ckey)
        if commune is None:
            wtype, wshort = split_type(wname)
            commune = communes[ckey] = OldCommune(pk, dk, wname, wshort, wtype)
            dist.communes.append(commune)
        commune.successors.append(succ)
    district_by_name: dict[str, list[District]] = {}
    for d in districts.values():
        district_by_name.setdefault(name_key(d.short), []).append(d)
    commune_by_name: dict[str, list[OldCommune]] = {}
    for c in communes.values():
        commune_by_name.setdefault(name_key(c.short), []).append(c)
    new_commune_by_name: dict[str, list[NewCommune]] = {}
    for nc in new_communes.values():
        new_commune_by_name.setdefault(name_key(nc.short), []).append(nc)
    return _Units(districts, district_by_name, commune_by_name, new_commune_by_name, new_communes)
