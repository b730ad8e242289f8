"""``vnarchive portals``: list the registered portals and validate their profiles."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group(name="portals")
def portals() -> None:
    """List and validate portal profiles (TOML files in the portals directory)."""


@portals.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
def list_portals(as_json: bool) -> None:
    """List every portal: id, name, place (and what it is since the 2025 reform), CMS family,
    base URL, enabled, sample."""
    from crawler.profiles import scan_profiles

    profiles, errors = scan_profiles()
    for error in errors:
        click.echo(f"warning: skipping broken portal profile {error}", err=True)
    if as_json:
        json.dump([p.summary() for p in profiles], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    if not profiles:
        click.echo("no portal profiles found")
        return
    rows = [("ID", "FAMILY", "ON", "SAMPLE", "PROVINCE", "DISTRICT", "NOW", "BASE URL", "NAME")]
    for p in profiles:
        now = p.summary()["now"]
        now_text = f"{now.get('new') or '?'} ({now.get('change') or 'unknown'})"
        if now.get("uncertain"):
            now_text += " uncertain"
        rows.append(
            (
                p.id,
                p.family,
                "yes" if p.enabled else "no",
                "yes" if p.sample else "no",
                p.province,
                p.district or "-",
                now_text,
                p.base_url,
                p.name,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        )
    if any(p.sample for p in profiles):
        click.echo("")
        click.echo(_samples_note())


def _samples_note() -> str:
    """Where the sample portals' URLs point, and whether a server answers there."""
    import os

    from crawler.operations.runner import server_reachable
    from indexer import config

    url = config.samples_url()
    if os.environ.get("VNARCHIVE_SAMPLES_URL"):
        source = "$VNARCHIVE_SAMPLES_URL"
    elif config.running_samples_server():
        source = "the running `vnarchive samples serve`"
    else:
        source = "the default"
    if server_reachable(url, timeout=0.5):
        return f"sample portals: served at {url} ({source})"
    return (
        f"sample portals: nothing answers at {url} ({source}); "
        "start them with `vnarchive samples serve`"
    )


@portals.command(name="check")
@click.argument("portal_id", required=False)
def check(portal_id: str | None) -> None:
    """Validate every profile (or only PORTAL_ID); exit 1 when any is broken."""
    from crawler.profiles import ProfileError, load_profile
    from indexer import config

    directories = [Path(config.portals_dir())]
    admin_dir = Path(config.admin_portals_dir())
    if admin_dir.is_dir() and admin_dir.resolve() != directories[0].resolve():
        directories.append(admin_dir)
    files = [path for d in directories if d.is_dir() for path in sorted(d.glob("*.toml"))]
    directory = " and ".join(str(d) for d in directories)
    if not files:
        raise click.ClickException(f"no portal profiles in {directory}")
    errors = 0
    checked = 0
    seen: dict[str, Path] = {}
    for path in files:
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            if portal_id and path.stem != portal_id:
                continue
            checked += 1
            errors += 1
            click.echo(f"error  {exc}", err=True)
            continue
        if portal_id and profile.id != portal_id:
            continue
        checked += 1
        if profile.id in seen and seen[profile.id].parent == path.parent:
            errors += 1
            click.echo(
                f"error  {path}: id: duplicate id {profile.id!r} (also in {seen[profile.id]})",
                err=True,
            )
            continue
        seen[profile.id] = path
        click.echo(f"ok     {profile.id:20} {profile.family:15} {path}")
    if portal_id and not checked:
        raise click.ClickException(f"no portal {portal_id!r} in {directory}")
    _report_unmapped_categories(portal_id)
    if errors:
        raise click.ClickException(f"{errors} broken profile(s) of {checked}")


def _report_unmapped_categories(portal_id: str | None) -> None:
    """List the archived categories ``data/topics.toml`` maps to no topic (shown as themselves)."""
    import sqlalchemy as sa

    from indexer.store.archive import ArchiveStore
    from indexer.store.tables import articles
    from indexer.text.topics import TOPICS_TOML, is_mapped

    store = ArchiveStore()
    query = sa.select(articles.c.portal, articles.c.category).distinct()
    if portal_id:
        query = query.where(articles.c.portal == portal_id)
    with store.engine.connect() as conn:
        rows = [(p, c) for p, c in conn.execute(query) if c and not is_mapped(c)]
    for portal, category in sorted(rows):
        click.echo(f"topic  {portal:20} unmapped category {category!r} (add it to {TOPICS_TOML})")
