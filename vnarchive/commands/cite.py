"""``vnarchive cite``: how to cite an archived article's capture (APA, Chicago, BibTeX)."""

from __future__ import annotations

import click

from indexer.export.citation import STYLES


@click.command(name="cite")
@click.argument("article")
@click.option(
    "--style",
    type=click.Choice(STYLES),
    default="apa",
    show_default=True,
    help="Citation style.",
)
@click.option(
    "--version",
    "version_no",
    type=click.IntRange(min=1),
    help="Cite the article's N-th capture (1 = first) instead of the latest.",
)
def cite(article: str, style: str, version_no: int | None) -> None:
    """Print a citation of ARTICLE (an article id, or one of its URLs).

    It names the portal, the original URL, the publication date, the capture date and
    the capture's permalink, <app>/web/<YYYYMMDDhhmmss>/<original URL>, where <app> is
    $VNARCHIVE_PUBLIC_URL (default http://127.0.0.1:8000, where `vnarchive serve` runs).
    """
    from crawler.profiles import load_profiles
    from indexer import config
    from indexer.export.citation import CiteSource
    from indexer.export.citation import cite as write_citation
    from indexer.store.archive import ArchiveStore

    store = ArchiveStore()
    row = store.get_article(article) or store.find_article_by_url(article)
    if row is None:
        raise click.ClickException(f"no archived article {article!r}")
    captured_at = None
    if version_no is not None:
        versions = store.versions_of(row["id"])
        if version_no > len(versions):
            raise click.ClickException(
                f"article {row['id']} has {len(versions)} version(s), not {version_no}"
            )
        captured_at = versions[version_no - 1]["captured_at"]
    names = {p.id: p.name for p in load_profiles()}
    source = CiteSource.of(
        row,
        base=config.public_url(),
        portal_name=names.get(row["portal"]),
        captured_at=captured_at,
    )
    click.echo(write_citation(source, style))
