"""``vnarchive index``: bring the search index up to date with the archive store.

New and changed articles since the last run are (re)indexed and gone ones
removed; ``--rebuild`` re-indexes everything (searches keep working meanwhile).
Progress (articles, articles/s) goes to stderr.  Only one indexer runs at a
time: a second one refuses with a clear message, or waits with ``--wait``.
"""

from __future__ import annotations

import sys
import time

import click


class _Progress:
    """A one-line progress bar on stderr: articles done of total, articles/s."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last_draw = 0.0
        self.live = sys.stderr.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.live or (now - self.last_draw < 0.2 and done < total):
            return
        self.last_draw = now
        rate = done / max(now - self.started, 1e-9)
        width = 30
        filled = min(width, int(width * done / total)) if total else width
        bar = "#" * filled + "-" * (width - filled)
        text = f"[{bar}] {done:,}/{total:,} articles  {rate:,.0f} articles/s"
        click.echo("\r" + text.ljust(78), err=True, nl=False)
        self.drawn = True

    def done(self) -> None:
        if self.drawn:
            click.echo("", err=True)


@click.command(name="index")
@click.option("--rebuild", is_flag=True, help="Re-index every article, not only the changes.")
@click.option(
    "--wait", is_flag=True, help="If another indexer runs, wait for it instead of quitting."
)
@click.option(
    "--procs",
    type=click.IntRange(1, 8),
    default=None,
    help="Processes for text analysis of large batches (default: all cores, at most 2).",
)
def index(rebuild: bool, wait: bool, procs: int | None) -> None:
    """Update the search index ($VNARCHIVE_DATA/index) from the archive store."""
    from indexer.search.writer import IndexBusy, update_index
    from indexer.store.archive import ArchiveStore
    from indexer.store.errors import StoreError

    progress = _Progress()
    try:
        store = ArchiveStore()
        if not store.count_articles():
            raise click.ClickException(
                f"nothing to index: the archive {store.engine.url.render_as_string(hide_password=True)} holds no articles yet "
                "(run `vnarchive crawl PORTAL_ID` first)"
            )
        stats = update_index(store, rebuild=rebuild, wait=wait, procs=procs, progress=progress)
    except IndexBusy as exc:
        progress.done()
        raise click.ClickException(str(exc)) from None
    except StoreError as exc:
        progress.done()
        raise click.ClickException(f"cannot open the archive store: {exc}") from None
    except KeyboardInterrupt:
        progress.done()
        raise click.ClickException("interrupted: the index is unchanged") from None
    progress.done()
    what = "rebuilt" if stats.rebuilt else "updated"
    click.echo(
        f"index {what}: {stats.indexed:,} articles indexed, {stats.removed:,} removed, "
        f"{stats.documents:,} in the index ({stats.rate:,.0f} articles/s, {stats.seconds:.1f} s)"
    )
    _hint_missing_places(store)


def _hint_missing_places(store: object) -> None:
    """Say how many articles were archived before places existed (they are not searchable
    by place until `vnarchive places refresh`)."""
    import sqlalchemy as sa

    from indexer.store.tables import articles

    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        missing = conn.execute(
            sa.select(sa.func.count()).select_from(articles).where(articles.c.places.is_(None))
        ).scalar()
    if missing:
        click.echo(
            f"{missing:,} article(s) have no places yet (archived before places existed): "
            "run `vnarchive places refresh`, then `vnarchive index`"
        )
