"""``vnarchive scheduler`` (run scheduled crawls) and ``vnarchive schedule`` (edit schedules).

Schedules live in the archive store (table ``schedules``): cron expressions with 5
fields (minute hour day month weekday), in Asia/Ho_Chi_Minh time.  A portal without
a row uses its profile's ``schedule`` (default nightly ``0 2 * * *``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def when(value: datetime | None) -> str:
    """A timestamp as Vietnam local time (``YYYY-MM-DD HH:MM``), or ``-``."""
    return value.astimezone(VN).strftime("%Y-%m-%d %H:%M") if value else "-"


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    """Print rows as an aligned plain-text table."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            click.echo("  ".join("-" * w for w in widths))


def open_admin() -> Any:
    """The AdminStore of ``$VNARCHIVE_DATA`` (a clear error if the store cannot open)."""
    from indexer.store.admin import AdminStore
    from indexer.store.errors import StoreError

    try:
        return AdminStore()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def load_profiles_or_fail() -> list[Any]:
    """Every portal profile, or a click error naming the broken file and key."""
    from crawler.profiles import ProfileError, load_profiles

    try:
        return load_profiles()
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None


def known_portal(portal: str) -> Any:
    """The profile of ``portal``, or a click error listing the known ids."""
    profiles = load_profiles_or_fail()
    for profile in profiles:
        if profile.id == portal:
            return profile
    known = ", ".join(p.id for p in profiles) or "none"
    raise click.ClickException(f"no portal {portal!r} (known: {known})")


@click.command()
@click.option(
    "--max-concurrent",
    type=click.IntRange(1, 32),
    default=None,
    help="At most this many crawls at once (default: $VNARCHIVE_MAX_CRAWLS or 2).",
)
@click.option(
    "--poll",
    "poll_seconds",
    type=click.FloatRange(0.2, 3600),
    default=5.0,
    show_default=True,
    help="How often to re-read the schedules from the store (seconds).",
)
@click.option(
    "--max-pages",
    type=click.IntRange(1),
    default=None,
    help="Pass --max-pages to every crawl (demos, tests).",
)
@click.option("--no-index", is_flag=True, help="Do not update the search index after crawls.")
@click.option("--no-probe", is_flag=True, help="Judge health from the store only (no live probe).")
@click.option("--no-catch-up", is_flag=True, help="Do not run the schedules missed while down.")
@click.option("-v", "--verbose", is_flag=True, help="Log every scheduler event.")
def scheduler(
    max_concurrent: int | None,
    poll_seconds: float,
    max_pages: int | None,
    no_index: bool,
    no_probe: bool,
    no_catch_up: bool,
    verbose: bool,
) -> None:
    """Run scheduled crawls until stopped (Ctrl-C or SIGTERM).

    Each portal's cron fires a `vnarchive crawl` process; at most --max-concurrent run
    at once, never two of one portal; the index is updated after them.  Runs missed
    while the scheduler was down are run once when it starts.
    """
    from crawler.operations.scheduler import CrawlScheduler, SchedulerSettings

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("vnarchive.scheduler").setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
    settings = SchedulerSettings(
        poll_seconds=poll_seconds,
        max_pages=max_pages,
        index_after=not no_index,
        probe_health=not no_probe,
        catch_up=not no_catch_up,
    )
    if max_concurrent:
        settings.max_concurrent = max_concurrent
    load_profiles_or_fail()
    runner = CrawlScheduler(open_admin(), settings)
    click.echo(
        f"scheduler: at most {settings.max_concurrent} crawl(s) at once; Ctrl-C to stop",
        err=True,
    )
    runner.run_forever()


@click.group()
def schedule() -> None:
    """Set, list or turn off crawl schedules (cron, Asia/Ho_Chi_Minh time)."""


@schedule.command("set")
@click.argument("portal")
@click.argument("cron")
@click.option("--timezone", default="Asia/Ho_Chi_Minh", show_default=True)
def schedule_set(portal: str, cron: str, timezone: str) -> None:
    """Crawl PORTAL on CRON, e.g. vnarchive schedule set krongno "0 2 * * *"."""
    from crawler.operations.schedules import CronError, next_runs

    known_portal(portal)
    try:
        upcoming = next_runs(cron, timezone, 3)
    except CronError as exc:
        raise click.ClickException(str(exc)) from None
    open_admin().set_schedule(portal, " ".join(cron.split()), timezone=timezone)
    click.echo(f"{portal}: {cron} ({timezone}); next runs: " + ", ".join(when(t) for t in upcoming))


@schedule.command("off")
@click.argument("portal")
def schedule_off(portal: str) -> None:
    """Stop the scheduled crawls of PORTAL (turn back on with `schedule set`)."""
    from crawler.operations.schedules import DEFAULT_CRON

    profile = known_portal(portal)
    admin = open_admin()
    if not admin.set_schedule_enabled(portal, False):
        admin.set_schedule(portal, profile.schedule or DEFAULT_CRON, enabled=False)
    click.echo(f"{portal}: scheduled crawls off")


@schedule.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def schedule_list(as_json: bool) -> None:
    """Every portal's schedule, whether it is on, its last and next run."""
    from crawler.operations.schedules import effective_schedules

    items = effective_schedules(open_admin(), load_profiles_or_fail())
    if as_json:
        out = [
            {
                "portal": s["portal"],
                "cron": s["cron"],
                "timezone": s["timezone"],
                "enabled": s["enabled"],
                "portal_enabled": s["portal_enabled"],
                "source": s["source"],
                "last_run": s["last_run"].isoformat() if s["last_run"] else None,
                "next_run": s["next_run"].isoformat() if s["next_run"] else None,
                "error": s["error"],
            }
            for s in items
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    rows = []
    for s in items:
        state = "on" if s["enabled"] else ("portal off" if not s["portal_enabled"] else "off")
        rows.append(
            [
                s["portal"],
                s["cron"] + ("" if s["source"] == "store" else " (profile)"),
                state,
                when(s["last_run"]),
                s["error"] or when(s["next_run"]),
            ]
        )
    print_table(["portal", "cron", "state", "last run", "next run"], rows)
