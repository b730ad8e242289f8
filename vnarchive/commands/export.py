"""``vnarchive export``: the articles of a query (or the whole archive) as CSV, JSONL or Parquet.

The file is written to ``<file>.part`` and renamed when complete, so a failed or
interrupted export never leaves a truncated file under the final name.  Beside
it goes the data package descriptor ``<file>.datapackage.json``.  With ``-o -``
the export streams to stdout and no descriptor is written unless
``--datapackage PATH`` names one.  Progress (rows, rows/s) goes to stderr.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from vnarchive.commands import exact_accents_option, filter_options

FORMATS = ("csv", "jsonl", "parquet")


class _Progress:
    """A one-line progress bar on stderr: rows done, percentage, rows/s."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.started = time.perf_counter()
        self.last_draw = 0.0
        self.live = sys.stderr.isatty()

    def __call__(self, rows: int) -> None:
        now = time.perf_counter()
        if not self.live or now - self.last_draw < 0.2:
            return
        self.last_draw = now
        rate = rows / max(now - self.started, 1e-9)
        if self.total:
            width = 30
            filled = min(width, int(width * rows / self.total))
            bar = "#" * filled + "-" * (width - filled)
            text = f"[{bar}] {rows:,}/{self.total:,} rows  {rate:,.0f} rows/s"
        else:
            text = f"{rows:,} rows  {rate:,.0f} rows/s"
        click.echo("\r" + text.ljust(70), err=True, nl=False)

    def done(self) -> None:
        if self.live and self.last_draw:
            click.echo("\r" + " " * 70 + "\r", err=True, nl=False)


def _format_for(fmt: str | None, output: str) -> str:
    if fmt:
        return fmt
    suffix = Path(output).suffix.lower().lstrip(".")
    if output != "-" and suffix in FORMATS:
        return suffix
    raise click.UsageError("give --format csv|jsonl|parquet (it cannot be told from -o)")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


@click.command(name="export")
@click.argument("query", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format (default: from the -o file extension).",
)
@filter_options
@exact_accents_option
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest"]),
    help="Order of a query's rows (default: relevance). Without a query: archive order.",
)
@click.option("--fields", metavar="a,b,c", help="Fields to export, in this order (default: all).")
@click.option("--excel", is_flag=True, help="CSV for Excel: UTF-8 BOM and formula-injection guard.")
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="File to write; '-' streams to stdout.",
)
@click.option(
    "--datapackage",
    "descriptor",
    metavar="PATH",
    help="Where to write the data package descriptor (default: <FILE>.datapackage.json; "
    "none for stdout unless given).",
)
@click.option("--no-datapackage", is_flag=True, help="Do not write the descriptor.")
def export(
    query: tuple[str, ...],
    fmt: str | None,
    portal: str | None,
    province: str | None,
    category: str | None,
    date_from: str | None,
    date_to: str | None,
    exact_accents: bool,
    sort: str | None,
    fields: str | None,
    excel: bool,
    output: str,
    descriptor: str | None,
    no_datapackage: bool,
) -> None:
    """Export the articles matching QUERY and the filters (none: the whole archive).

    QUERY may be several words without quotes, as for `vnarchive search`.

    One row per article.  Fields: id, url, portal, province, district, category,
    published (a timestamp; a day-only date is midnight +07:00), published_precision
    (day/minute), title, author, credit, summary, body_text, attachments, first_seen,
    last_seen, last_changed, capture_time, archive_url (the capture's permalink, under
    $VNARCHIVE_PUBLIC_URL), warc_file, warc_offset (status on request).  Types, descriptor and Excel mode: see indexer/export/fields.py.  Examples:

    \b
      vnarchive export --format parquet -o all.parquet
      vnarchive export "ủy ban nhân dân" --province "Đắk Nông" --excel -o ubnd.csv
      vnarchive export --format jsonl --portal krongno --fields id,title -o - | head
    """
    from indexer import config
    from indexer.export.datapackage import write_datapackage
    from indexer.export.fields import ExportError, parse_fields
    from indexer.export.request import ExportRequest, count_export_rows
    from indexer.export.stream import ExportResult, stream_export
    from indexer.store.archive import ArchiveStore
    from indexer.store.errors import StoreError
    from vnarchive.commands import check_portal_filter

    fmt = _format_for(fmt, output)
    query_text = " ".join(query)
    check_portal_filter(portal)
    if descriptor and not no_datapackage and not Path(descriptor).parent.is_dir():
        raise click.ClickException(
            f"cannot write the descriptor {descriptor}: no directory {Path(descriptor).parent}"
        )
    try:
        from indexer.search.params import QueryError  # the index module's error, when installed
    except ImportError:  # pragma: no cover - only before the index module exists
        QueryError = ExportError  # type: ignore[misc,assignment]  # noqa: N806
    try:
        request = ExportRequest(
            query=query_text,
            portal=portal,
            province=province,
            category=category,
            date_from=date_from,
            date_to=date_to,
            sort=sort if query_text else None,
            fields=parse_fields(fields),
            excel=excel,
            archive_base=config.public_url(),
            exact=exact_accents,
        )
        store = ArchiveStore()
        index_dir = config.index_dir()
        progress = _Progress(count_export_rows(store, request, index_dir=index_dir))
        result = ExportResult(fmt, request)
        chunks = stream_export(
            store, request, fmt, result=result, on_progress=progress, index_dir=index_dir
        )
    except (ExportError, QueryError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None

    if output == "-":
        stdout = click.get_binary_stream("stdout")
        try:
            for chunk in chunks:
                stdout.write(chunk)
            stdout.flush()
        except BrokenPipeError:  # e.g. `| head`: the reader has what it wanted
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            progress.done()
            return
        progress.done()
        target = None
    else:
        target = Path(output)
        if target.is_dir():
            raise click.ClickException(f"-o {output}: is a directory")
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            progress.done()

    written = None
    if not no_datapackage and (descriptor or target is not None):
        try:
            written = write_datapackage(result, target or Path("stdout." + fmt), descriptor)
        except OSError as exc:
            raise click.ClickException(f"cannot write the descriptor: {exc}") from None
    rate = result.rows / result.seconds if result.seconds else 0.0
    where = "stdout" if target is None else str(target)
    message = (
        f"exported {result.rows:,} rows to {where} ({_size(result.bytes)}) "
        f"in {result.seconds:.1f} s, {rate:,.0f} rows/s"
    )
    if written is not None:
        message += f"; descriptor {written}"
    click.echo(message, err=True)
