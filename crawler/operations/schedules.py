"""Cron schedules: parse a cron expression, its next and missed runs, every portal's effective schedule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from indexer.store.admin import DEFAULT_TIMEZONE, AdminStore
from indexer.store.rows import utcnow

DEFAULT_CRON = "0 2 * * *"  # nightly, 02:00 Vietnam time


class CronError(ValueError):
    """A cron expression or time zone that cannot be used (the message says why)."""


def parse_cron(cron: str, timezone: str = DEFAULT_TIMEZONE) -> CronTrigger:
    """A CronTrigger for a 5-field cron expression (minute hour day month weekday)."""
    cron = " ".join((cron or "").split())
    if len(cron.split(" ")) != 5:
        raise CronError(
            f"cron needs 5 fields (minute hour day month weekday), e.g. '0 2 * * *': {cron!r}"
        )
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {timezone!r}") from None
    try:
        return CronTrigger.from_crontab(cron, timezone=tz)
    except ValueError as exc:
        raise CronError(f"bad cron expression {cron!r}: {exc}") from None


def next_run(
    cron: str, timezone: str = DEFAULT_TIMEZONE, after: datetime | None = None
) -> datetime | None:
    """The first fire time strictly after ``after`` (default: now)."""
    trigger = parse_cron(cron, timezone)
    start = (after or utcnow()) + timedelta(seconds=1)
    return trigger.get_next_fire_time(None, start.replace(microsecond=0))


def next_runs(
    cron: str, timezone: str = DEFAULT_TIMEZONE, count: int = 3, after: datetime | None = None
) -> list[datetime]:
    """The next ``count`` fire times after ``after`` (default: now)."""
    out: list[datetime] = []
    when = after or utcnow()
    for _ in range(count):
        fire = next_run(cron, timezone, when)
        if fire is None:
            break
        out.append(fire)
        when = fire
    return out


def missed_run(schedule: dict[str, Any], now: datetime | None = None) -> datetime | None:
    """The first fire time missed since the schedule last ran (None: nothing missed).

    The reference is ``last_run`` (or, for a schedule that never ran, ``updated_at``:
    a schedule does not owe runs from before it existed).  However many slots were
    missed, the answer is one time: the run happens once.
    """
    now = now or utcnow()
    since = schedule.get("last_run") or schedule.get("updated_at")
    if since is None:
        return None
    trigger = parse_cron(schedule["cron"], schedule.get("timezone") or DEFAULT_TIMEZONE)
    fire = trigger.get_next_fire_time(None, (since + timedelta(seconds=1)).replace(microsecond=0))
    if fire is None or fire > now:
        return None
    return fire


def _load_profiles() -> list[Any]:
    from crawler.profiles import load_profiles

    return load_profiles()


def effective_schedules(
    admin: AdminStore, profiles: Iterable[Any] | None = None, *, seed: bool = False
) -> list[dict[str, Any]]:
    """Every portal's schedule: its store row, else its profile's ``schedule``.

    Each dict has ``portal``, ``cron``, ``timezone``, ``enabled`` (false when the
    schedule or the portal is off), ``portal_enabled``, ``last_run``, ``updated_at``,
    ``source`` (``store`` or ``profile``) and ``next_run``.  With ``seed`` the
    profile schedules are written to the store (what the scheduler does).
    """
    profiles = list(_load_profiles() if profiles is None else profiles)
    rows = {row["portal"]: row for row in admin.list_schedules()}
    out = []
    for profile in profiles:
        row = rows.get(profile.id)
        source = "store"
        if row is None:
            cron = getattr(profile, "schedule", None) or DEFAULT_CRON
            if seed:
                row = admin.set_schedule(profile.id, cron)
            else:
                row = {
                    "portal": profile.id,
                    "cron": cron,
                    "timezone": DEFAULT_TIMEZONE,
                    "enabled": True,
                    "last_run": None,
                    "updated_at": None,
                }
                source = "profile"
        item = dict(row)
        item["source"] = source
        item["portal_enabled"] = bool(profile.enabled)
        item["enabled"] = bool(row["enabled"]) and bool(profile.enabled)
        try:
            item["next_run"] = next_run(item["cron"], item["timezone"]) if item["enabled"] else None
            item["error"] = None
        except CronError as exc:
            item["next_run"] = None
            item["error"] = str(exc)
        out.append(item)
    return out
