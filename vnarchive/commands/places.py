"""``vnarchive places``: the places articles name, old → new (the 2025 reform)."""

from __future__ import annotations

import json
import sys

import click


@click.group(name="places")
def places() -> None:
    """Find and show the administrative units articles name, before and after 1 July 2025."""


@places.command(name="refresh")
@click.option("--portal", help="Only this portal's articles.")
@click.option("--all", "redo_all", is_flag=True, help="Also articles that have places already.")
def refresh(portal: str | None, redo_all: bool) -> None:
    """Compute the places of archived articles (those archived before places existed,
    or every one with --all); run `vnarchive index` afterwards to search them."""
    from crawler.profiles import ProfileError, load_profiles
    from indexer.store.archive import ArchiveStore
    from indexer.text.places import find_article_places

    store = ArchiveStore()
    try:
        profiles = {p.id: p for p in load_profiles()}
    except ProfileError:
        profiles = {}
    seen = changed = 0
    batch: dict[str, list] = {}
    for article in store.iter_articles(portal=portal):
        if article.get("places") is not None and not redo_all:
            continue
        profile = profiles.get(article["portal"])
        batch[article["id"]] = find_article_places(
            article.get("title") or "",
            article.get("body_text") or "",
            province=article.get("province") or (profile.province if profile else None),
            district=article.get("district") or (profile.district if profile else None),
            published=article.get("published"),
        )
        seen += 1
        if len(batch) >= 200:
            changed += store.set_places(batch)
            batch = {}
    if batch:
        changed += store.set_places(batch)
    click.echo(f"places: {seen} article(s) read, {changed} updated")


@places.command(name="show")
@click.argument("article_id")
def show(article_id: str) -> None:
    """Print the places one archived article names, old → new, as JSON."""
    from indexer.store.archive import ArchiveStore

    article = ArchiveStore().get_article(article_id)
    if article is None:
        raise click.ClickException(f"no article {article_id!r} in the archive")
    json.dump(article.get("places") or [], sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
