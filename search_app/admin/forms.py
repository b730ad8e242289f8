"""The admin portal form: form fields ⇄ profile dict, validation, and writing the TOML.

Validation goes through :func:`crawler.profiles.profile_from_dict`, the code path
that loads every profile file, so the form accepts exactly what a TOML file may
hold.  Saved profiles go to ``indexer.config.admin_portals_dir()`` (one
``<id>.toml`` each), which ``load_profiles()`` merges over the shipped ones.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from crawler.profiles import (
    SELECTOR_KEYS,
    PortalProfile,
    ProfileError,
    load_profile,
    profile_from_dict,
)
from indexer import config

FORM_SOURCE = "admin form"
MAX_FIELD = 2000  # characters per form field: profiles are small
MAX_URLS = 50

# Form field name → profile key (for errors: ProfileError.key → the field to mark).
FIELD_FOR_KEY = {
    "pagination.pattern": "pagination_pattern",
    "politeness.download_delay": "download_delay",
    "politeness.concurrency": "concurrency",
    **{f"selectors.{k}": f"selector_{k}" for k in SELECTOR_KEYS},
}


def raw_profile(profile: PortalProfile) -> dict[str, Any]:
    """The profile as written in its TOML file (placeholders such as the samples URL kept)."""
    if profile.path and Path(profile.path).is_file():
        try:
            return tomllib.loads(Path(profile.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    data: dict[str, Any] = {
        "id": profile.id,
        "name": profile.name,
        "province": profile.province,
        "district": profile.district,
        "family": profile.family,
        "base_url": profile.base_url,
        "start_urls": list(profile.start_urls),
        "sample": profile.sample,
        "enabled": profile.enabled,
        "schedule": profile.schedule,
        "sitemaps": list(profile.sitemaps),
        "politeness": {
            "download_delay": profile.download_delay,
            "concurrency": profile.concurrency,
        },
    }
    if profile.pagination_pattern:
        data["pagination"] = {"pattern": profile.pagination_pattern}
    if profile.selectors:
        data["selectors"] = dict(profile.selectors)
    return data


def form_from_raw(data: dict[str, Any]) -> dict[str, str]:
    """The form's field values for a profile dict (what the edit form shows)."""
    politeness = data.get("politeness") or {}
    selectors = data.get("selectors") or {}
    form = {
        "id": str(data.get("id", "")),
        "name": str(data.get("name", "")),
        "province": str(data.get("province", "")),
        "district": str(data.get("district", "")),
        "family": str(data.get("family", "generic")),
        "base_url": str(data.get("base_url", "")),
        "start_urls": "\n".join(str(u) for u in data.get("start_urls") or []),
        "sitemaps": "\n".join(str(u) for u in data.get("sitemaps") or []),
        "schedule": str(data.get("schedule", "0 2 * * *")),
        "enabled": "1" if data.get("enabled", True) else "",
        "pagination_pattern": str((data.get("pagination") or {}).get("pattern", "")),
        "download_delay": str(politeness.get("download_delay", 1.0)),
        "concurrency": str(politeness.get("concurrency", 2)),
    }
    for key in SELECTOR_KEYS:
        form[f"selector_{key}"] = str(selectors.get(key, ""))
    return form


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()][:MAX_URLS]


def _number(value: str, kind: type) -> Any:
    value = value.strip()
    try:
        return kind(value)
    except ValueError:
        return value  # profile_from_dict names the key and says what it must be


def raw_from_form(form: dict[str, str], *, sample: bool = False) -> dict[str, Any]:
    """A profile dict from the submitted form (not validated yet)."""
    form = {k: (v if isinstance(v, str) else "")[:MAX_FIELD] for k, v in form.items()}
    data: dict[str, Any] = {
        "id": form.get("id", "").strip(),
        "name": form.get("name", "").strip(),
        "province": form.get("province", "").strip(),
        "district": form.get("district", "").strip(),
        "family": form.get("family", "").strip(),
        "base_url": form.get("base_url", "").strip(),
        "sample": sample,
        "enabled": bool(form.get("enabled")),
        "schedule": " ".join(form.get("schedule", "").split()) or "0 2 * * *",
    }
    starts = _lines(form.get("start_urls", ""))
    data["start_urls"] = starts or ([data["base_url"]] if data["base_url"] else [])
    sitemaps = _lines(form.get("sitemaps", ""))
    if sitemaps:
        data["sitemaps"] = sitemaps
    pattern = form.get("pagination_pattern", "").strip()
    if pattern:
        data["pagination"] = {"pattern": pattern}
    data["politeness"] = {
        "download_delay": _number(form.get("download_delay", "") or "1.0", float),
        "concurrency": _number(form.get("concurrency", "") or "2", int),
    }
    selectors = {
        key: form.get(f"selector_{key}", "").strip()
        for key in SELECTOR_KEYS
        if form.get(f"selector_{key}", "").strip()
    }
    if selectors:
        data["selectors"] = selectors
    return data


def validate(data: dict[str, Any]) -> PortalProfile:
    """The validated profile (raises ProfileError naming the key)."""
    return profile_from_dict(data, source=FORM_SOURCE)


def error_field(exc: ProfileError) -> str:
    """The form field a ProfileError is about (``start_urls[1]`` → ``start_urls``)."""
    key = (exc.key or "").split("[", 1)[0]
    return FIELD_FOR_KEY.get(key, key)


# -- TOML ---------------------------------------------------------------------

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def to_toml(data: dict[str, Any]) -> str:
    """A profile dict as TOML text (scalars and arrays first, then one table per dict)."""
    lines = ["# Written by the vnarchive admin console."]
    tables = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for name, table in tables:
        if not table:
            continue
        lines.append("")
        lines.append(f"[{_toml_key(name)}]")
        for key, value in table.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def save_profile(data: dict[str, Any]) -> PortalProfile:
    """Validate and write a profile to the admin portals directory; return it as loaded.

    Written to a temporary file and renamed, then loaded back through the normal
    loader, so a profile on disk is always one that loads.
    """
    validate(data)
    directory = config.admin_portals_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{data['id']}.toml"
    text = to_toml(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{data['id']}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        profile = load_profile(tmp)  # what the loader will see, before it is visible
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return load_profile(target) if profile else profile
