"""``vnarchive warc``: show the archived capture of an article, list the WARC files."""

from __future__ import annotations

import re
import sys

import click

# Crawled bytes are hostile: never let them drive the terminal (escape sequences,
# bells, carriage returns that overwrite lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SERIAL = re.compile(r".+-\d{14,20}-(\d+)\.warc\.gz")


def _safe(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


@click.group(name="warc")
def warc() -> None:
    """Show archived WARC captures (the raw HTTP responses behind each article)."""


@warc.command(name="show")
@click.argument("article")
@click.option("--headers", "headers_only", is_flag=True, help="Only the status and headers.")
@click.option(
    "--raw", is_flag=True, help="Write the archived payload bytes to stdout, nothing else."
)
@click.option(
    "--version",
    "version_no",
    type=click.IntRange(min=1),
    help="Show the capture of the article's N-th version (1 = first) instead of the latest.",
)
def show(article: str, headers_only: bool, raw: bool, version_no: int | None) -> None:
    """Print the archived response of ARTICLE (an article id, or one of its URLs)."""
    from crawler.warc import WarcError, read_capture, resolve_warc_path
    from indexer.store import ArchiveStore

    store = ArchiveStore()
    row = store.get_article(article) or store.find_article_by_url(article)
    if row is None:
        raise click.ClickException(f"no archived article {article!r}")
    location = (row.get("warc_file"), row.get("warc_offset"))
    if version_no is not None:
        versions = store.versions_of(row["id"])
        if version_no > len(versions):
            raise click.ClickException(
                f"article {row['id']} has {len(versions)} version(s), not {version_no}"
            )
        chosen = versions[version_no - 1]
        location = (chosen.get("warc_file"), chosen.get("warc_offset"))
    if not location[0] or location[1] is None:
        raise click.ClickException(f"article {row['id']} has no WARC capture recorded")
    try:
        capture = read_capture(location[0], int(location[1]))
    except WarcError as exc:
        raise click.ClickException(str(exc)) from None
    if raw:
        sys.stdout.buffer.write(capture.body)
        sys.stdout.buffer.flush()
        return
    click.echo(f"# article   {row['id']} ({row['portal']}, {row['status']})")
    click.echo(f"# WARC      {resolve_warc_path(location[0])} @ {location[1]}")
    click.echo(f"# record    {capture.record_id}  captured {capture.date}")
    click.echo(f"# URL       {_safe(capture.url)}")
    click.echo(f"HTTP {_safe(capture.status_line)}")
    for name, value in capture.headers:
        click.echo(f"{_safe(name)}: {_safe(value)}")
    if headers_only:
        return
    click.echo("")
    click.echo(_safe(_decode(capture.body, capture.header("Content-Type"))))


def _decode(body: bytes, content_type: str | None) -> str:
    """The payload as text: the declared charset, else UTF-8, else windows-1258."""
    match = re.search(r"charset=([\w.:-]+)", content_type or "", re.I)
    for codec in ([match.group(1)] if match else []) + ["utf-8", "cp1258"]:
        try:
            return body.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


@warc.command(name="list")
@click.argument("portal", required=False)
def list_files(portal: str | None) -> None:
    """List the WARC files (of one PORTAL, or all) with their size and crawl job."""
    from indexer import config

    root = config.warc_dir()
    dirs = [root / portal] if portal else sorted(p for p in root.glob("*") if p.is_dir())
    found = False
    for directory in dirs:
        for path in sorted(directory.glob("*.warc.gz"), key=lambda p: (len(p.name), p.name)):
            found = True
            named = _SERIAL.fullmatch(path.name)  # vnarchive-<portal>-<timestamp>-<job>
            job = str(int(named.group(1))) if named else path.name.removesuffix(".warc.gz")
            click.echo(f"{directory.name}\tjob {job}\t{path.stat().st_size:>12,} bytes\t{path}")
    if not found:
        click.echo("no WARC files" + (f" for {portal}" if portal else "") + f" under {root}")
