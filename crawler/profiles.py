"""Portal profiles: one TOML file per portal, validated when loaded.

A profile says where a portal lives, which CMS family it runs (so the right
page object reads it), when to crawl it and how politely.  Format::

    id = "krongno"
    name = "Trang thông tin điện tử huyện Krông Nô"
    province = "Đắk Nông"
    district = "Krông Nô"
    family = "sharepoint2010"
    base_url = "http://krongno.daknong.gov.vn/"
    start_urls = ["http://krongno.daknong.gov.vn/tin-tuc-su-kien/"]
    sample = false
    enabled = true
    requisites = true               # capture each article page's same-host styles and images
    schedule = "0 2 * * *"          # cron, 5 fields
    sitemaps = []                   # optional
    [pagination]                    # optional
    pattern = "tin-tuc-su-kien/page/{n}/"   # relative to base_url
    [politeness]                    # optional
    download_delay = 1.0
    concurrency = 2
    [selectors]                     # optional CSS overrides
    title = "p.Title"

``${VNARCHIVE_SAMPLES_URL}`` in any string is replaced by
:func:`indexer.config.samples_url`.  Every problem raises :class:`ProfileError`
naming the file and the key; the admin form validates through
:func:`profile_from_dict`, the same code path.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from indexer import config

log = logging.getLogger(__name__)

__all__ = [
    "FAMILIES",
    "SELECTOR_KEYS",
    "PortalProfile",
    "ProfileError",
    "get_profile",
    "load_profile",
    "load_profiles",
    "profile_from_dict",
]

FAMILIES = (
    "auto",
    "sharepoint2010",
    "liferay62",
    "liferay_qb",
    "liferay7",
    "wordpress",
    "nukeviet",
    "dnn",
    "generic",
)
"""The CMS families a page object exists for (``generic`` is the fallback), and ``auto``:
the family the portal's markup shows, settled over a crawl's first pages
(:mod:`crawler.pages.fit`)."""

SELECTOR_KEYS = ("title", "date", "category", "body", "listing_item", "next_page")
"""The CSS selectors a profile may override."""

DEFAULT_SCHEDULE = "0 2 * * *"
DEFAULT_DOWNLOAD_DELAY = 1.0
DEFAULT_CONCURRENCY = 2
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TOP_KEYS = {
    "requisites",
    "id",
    "name",
    "province",
    "district",
    "family",
    "base_url",
    "start_urls",
    "sample",
    "enabled",
    "schedule",
    "sitemaps",
    "pagination",
    "politeness",
    "selectors",
}


class ProfileError(ValueError):
    """A portal profile that cannot be used: which file, which key, what is wrong."""

    def __init__(self, path: str | Path | None, key: str | None, message: str) -> None:
        self.path = str(path) if path is not None else "<profile>"
        self.key = key
        self.message = message
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class PortalProfile:
    """One portal: identity, where to crawl, which page object, schedule and politeness."""

    id: str
    name: str
    province: str
    district: str
    family: str
    base_url: str
    start_urls: tuple[str, ...]
    sample: bool = False
    enabled: bool = True
    schedule: str = DEFAULT_SCHEDULE
    sitemaps: tuple[str, ...] = ()
    pagination_pattern: str | None = None
    selectors: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    download_delay: float = DEFAULT_DOWNLOAD_DELAY
    concurrency: int = DEFAULT_CONCURRENCY
    requisites: bool = True  # capture article pages' same-host styles and images
    path: str | None = None  # the TOML file it came from

    @property
    def host(self) -> str:
        """The portal's host name (lower case)."""
        return (urlsplit(self.base_url).hostname or "").lower()

    def summary(self) -> dict[str, Any]:
        """The short JSON shape printed by ``vnarchive portals list --json``.

        ``now``: the portal's unit after the 2025 reform (``indexer.text.places.portal_unit``).
        """
        from indexer.text.places import portal_unit

        return {
            "id": self.id,
            "name": self.name,
            "province": self.province,
            "district": self.district,
            "family": self.family,
            "base_url": self.base_url,
            "enabled": self.enabled,
            "sample": self.sample,
            "now": portal_unit(self.province, self.district),
        }


def _substitute(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("${VNARCHIVE_SAMPLES_URL}", config.samples_url())
    if isinstance(value, list):
        return [_substitute(v) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v) for k, v in value.items()}
    return value


def _check_url(source: Any, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProfileError(source, key, f"must be a URL string, got {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProfileError(source, key, f"not an http(s) URL: {value!r}")
    if any(ch.isspace() for ch in value):
        raise ProfileError(source, key, f"URL contains whitespace: {value!r}")
    return value


def _check_cron(source: Any, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProfileError(source, key, "must be a cron string such as '0 2 * * *'")
    if len(value.split()) != 5:
        raise ProfileError(
            source, key, f"cron needs 5 fields (min hour day month weekday): {value!r}"
        )
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ProfileError(source, key, f"bad cron expression {value!r}: {exc}") from None
    return value


def _string(source: Any, data: dict[str, Any], key: str, *, required: bool = True) -> str:
    if key not in data:
        if required:
            raise ProfileError(source, key, "missing (required)")
        return ""
    value = data[key]
    if not isinstance(value, str):
        raise ProfileError(source, key, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise ProfileError(source, key, "must not be empty")
    return value.strip()


def _bool(source: Any, data: dict[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ProfileError(source, key, f"must be true or false, got {value!r}")
    return value


def _table(source: Any, data: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(source, key, "must be a table")
    for sub in value:
        if sub not in allowed:
            raise ProfileError(
                source, f"{key}.{sub}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
            )
    return value


def profile_from_dict(data: dict[str, Any], *, source: str | Path | None = None) -> PortalProfile:
    """Validate ``data`` (a parsed TOML document or a web form) and build the profile."""
    if not isinstance(data, dict):
        raise ProfileError(source, None, "a profile must be a table of keys")
    for key in data:
        if key not in _TOP_KEYS:
            raise ProfileError(source, key, "unknown key")
    data = _substitute(data)

    pid = _string(source, data, "id")
    if not _ID_RE.match(pid):
        raise ProfileError(source, "id", f"must be lower-case letters, digits, '-' or '_': {pid!r}")
    name = _string(source, data, "name")
    province = _string(source, data, "province")
    district = _string(source, data, "district", required=False)
    family = _string(source, data, "family")
    if family not in FAMILIES:
        raise ProfileError(
            source, "family", f"unknown family {family!r} (one of: {', '.join(FAMILIES)})"
        )
    if "base_url" not in data:
        raise ProfileError(source, "base_url", "missing (required)")
    base_url = _check_url(source, "base_url", data["base_url"])

    starts = data.get("start_urls")
    if starts is None:
        starts = [base_url]
    if not isinstance(starts, list) or not starts:
        raise ProfileError(source, "start_urls", "must be a non-empty list of URLs")
    start_urls = tuple(_check_url(source, f"start_urls[{i}]", u) for i, u in enumerate(starts))

    sitemaps_raw = data.get("sitemaps", [])
    if not isinstance(sitemaps_raw, list):
        raise ProfileError(source, "sitemaps", "must be a list of URLs")
    sitemaps = tuple(_check_url(source, f"sitemaps[{i}]", u) for i, u in enumerate(sitemaps_raw))

    schedule = _check_cron(source, "schedule", data.get("schedule", DEFAULT_SCHEDULE))

    pagination = _table(source, data, "pagination", {"pattern"})
    pattern = pagination.get("pattern")
    if pattern is not None and (not isinstance(pattern, str) or "{n}" not in pattern):
        raise ProfileError(source, "pagination.pattern", "must be a string containing {n}")

    politeness = _table(source, data, "politeness", {"download_delay", "concurrency"})
    delay = politeness.get("download_delay", DEFAULT_DOWNLOAD_DELAY)
    if isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 600:
        raise ProfileError(
            source, "politeness.download_delay", "must be a number of seconds, 0–600"
        )
    concurrency = politeness.get("concurrency", DEFAULT_CONCURRENCY)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= 32
    ):
        raise ProfileError(source, "politeness.concurrency", "must be an integer, 1–32")

    selectors = _table(source, data, "selectors", set(SELECTOR_KEYS))
    for key, value in selectors.items():
        if not isinstance(value, str) or not value.strip():
            raise ProfileError(source, f"selectors.{key}", "must be a non-empty CSS selector")
        try:
            from cssselect import GenericTranslator, SelectorError

            GenericTranslator().css_to_xpath(value)
        except SelectorError as exc:
            raise ProfileError(source, f"selectors.{key}", f"bad CSS selector: {exc}") from None

    return PortalProfile(
        id=pid,
        name=name,
        province=province,
        district=district,
        family=family,
        base_url=base_url,
        start_urls=start_urls,
        sample=_bool(source, data, "sample", False),
        enabled=_bool(source, data, "enabled", True),
        schedule=schedule,
        sitemaps=sitemaps,
        pagination_pattern=pattern,
        selectors=dict(selectors),
        download_delay=float(delay),
        concurrency=concurrency,
        requisites=_bool(source, data, "requisites", True),
        path=str(source) if source is not None else None,
    )


def load_profile(path: str | Path) -> PortalProfile:
    """Read and validate one TOML profile."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(path, None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(path, None, f"invalid TOML: {exc}") from None
    return profile_from_dict(data, source=path)


def scan_profiles(
    directory: str | Path | None = None,
) -> tuple[list[PortalProfile], list[ProfileError]]:
    """Every valid profile (sorted by id) and every broken one's error, without raising.

    Without a ``directory``: the shipped profiles (``config.portals_dir()``) with the
    ones the admin console wrote (``config.admin_portals_dir()``) merged over them (same
    id: the admin's copy wins).  Within one directory, a second file with an id already
    seen is an error (the first file wins).
    """
    if directory is None:
        profiles, errors = scan_profiles(config.portals_dir())
        merged = {p.id: p for p in profiles}
        admin_dir = config.admin_portals_dir()
        if admin_dir.resolve() != config.portals_dir().resolve():
            admin_profiles, admin_errors = scan_profiles(admin_dir)
            merged.update({p.id: p for p in admin_profiles})
            errors += admin_errors
        return sorted(merged.values(), key=lambda p: p.id), errors
    directory = Path(directory)
    if not directory.is_dir():
        return [], []
    profiles: list[PortalProfile] = []
    errors: list[ProfileError] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            errors.append(exc)
            continue
        if profile.id in seen:
            errors.append(
                ProfileError(
                    path, "id", f"duplicate id {profile.id!r} (also in {seen[profile.id]})"
                )
            )
            continue
        seen[profile.id] = str(path)
        profiles.append(profile)
    return sorted(profiles, key=lambda p: p.id), errors


def load_profiles(
    directory: str | Path | None = None, *, strict: bool = False
) -> list[PortalProfile]:
    """Every usable profile in ``directory`` (default: shipped + admin-written), sorted by id.

    One broken file must not stop the work on every other portal: by default it is
    skipped with a warning naming the file and the key (``vnarchive portals check``
    lists them all).  With ``strict=True`` the first problem raises ProfileError.
    """
    profiles, errors = scan_profiles(directory)
    if errors and strict:
        raise errors[0]
    for error in errors:
        log.warning("skipping broken portal profile %s", error)
    return profiles


def get_profile(portal_id: str, directory: str | Path | None = None) -> PortalProfile:
    """The profile with this id.

    Raises the ProfileError of a broken file named ``<portal_id>.toml`` (so the user is
    told what is wrong with the profile they asked for), else KeyError with the known ids.
    """
    profiles, errors = scan_profiles(directory)
    for profile in profiles:
        if profile.id == portal_id:
            return profile
    for error in errors:
        if Path(error.path).stem == portal_id:
            raise error
    known = ", ".join(p.id for p in profiles) or "none"
    broken = f"; {len(errors)} broken profile(s) skipped, see `vnarchive portals check`"
    missing = ""
    if directory is None:
        try:
            config.check_portals_dir()
        except config.ConfigError as exc:
            missing = f": {exc}"
    raise KeyError(f"no portal {portal_id!r} (known: {known}{broken if errors else ''}){missing}")


def profile_for_url(url: str, directory: str | Path | None = None) -> PortalProfile | None:
    """The profile whose base URL (host and path prefix) is the longest match for ``url``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return None
    best: PortalProfile | None = None
    best_len = -1
    for profile in scan_profiles(directory)[0]:
        base = urlsplit(profile.base_url)
        if profile.host != host or base.port != parts.port:
            continue
        base_path = base.path or "/"
        if (parts.path or "/").startswith(base_path) and len(base_path) > best_len:
            best, best_len = profile, len(base_path)
    return best
