"""``vnarchive import``: add captures made by other tools (WARC, WARC.gz, WACZ) to the archive."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--portal", "portal_id", required=True, help="The portal the captures belong to.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Processes reading the pages (page objects, places, words): 1 is this one alone, 0 one per core.",
)
@click.option("--quiet", is_flag=True, help="No progress bar, only the summary.")
def import_command(paths: tuple[Path, ...], portal_id: str, workers: int, quiet: bool) -> None:
    """Import WARC, WARC.gz or WACZ files (or folders of them) written by other tools.

    Every HTML page of the portal's host goes through the same page objects as a crawl;
    the capture's own date becomes first/last seen; what the archive already holds becomes
    a version or nothing; Wayback-style URLs map back to the original; a bad record is
    skipped with its offset. Running it again adds nothing twice.  With --workers N
    the pages are read by N processes while this one stores them in capture order: the
    archive comes out the same, sooner on a machine with free cores.
    """
    from crawler.import_sources import copy_size
    from crawler.import_work import default_workers
    from crawler.importer import import_paths
    from crawler.profiles import ProfileError, get_profile
    from indexer.store.archive import ArchiveStore

    try:
        profile = get_profile(portal_id)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="'--portal'") from None
    except ProfileError as exc:
        raise click.ClickException(f"broken portal profile: {exc}") from None
    sources = list(paths)
    try:
        total = copy_size(sources)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'PATHS'") from None
    store = ArchiveStore()
    workers = workers or default_workers()
    if quiet:
        summary = import_paths(sources, profile, store, workers=workers)
    else:
        with click.progressbar(
            length=total,
            label=f"importing into {profile.id}",
            show_pos=False,
            item_show_func=lambda text: text,
            file=click.get_text_stream("stderr"),
        ) as bar:

            def progress(n: int, summary) -> None:  # noqa: ANN001
                bar.current_item = (
                    f"{summary.pages_read} pages, {summary.outcomes['new']} new, "
                    f"{summary.outcomes['version'] + summary.outcomes['changed']} versions"
                )
                bar.update(n)

            summary = import_paths(sources, profile, store, progress=progress, workers=workers)
    for line in summary.lines():
        click.echo(line)
