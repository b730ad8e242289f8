"""``vnarchive warc``: show the archived capture of an article, list the WARC files."""

from __future__ import annotations

import re
import sys
from pathlib import Path

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
    from crawler.warc.files import WarcError, resolve_warc_path
    from crawler.warc.reader import read_capture
    from indexer.store.archive import ArchiveStore

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


@warc.command(name="export")
@click.argument("portal")
@click.option(
    "--from",
    "date_from",
    metavar="DATE",
    help="Only articles published on or after (YYYY-MM-DD, YYYY-MM, YYYY or dd/mm/yyyy).",
)
@click.option("--to", "date_to", metavar="DATE", help="Published on or before (same shapes).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The WACZ file to write (FILE.wacz).",
)
def export_wacz(portal: str, date_from: str | None, date_to: str | None, output: Path) -> None:
    """Write PORTAL's captures as a WACZ 1.1.1 package (for ReplayWeb.page, pywb, archives).

    The package holds every WARC file with a capture of the portal's articles (published
    in --from/--to when given; whole files, so each page's images, styles and revisits
    stay with it), their CDXJ index, pages/pages.jsonl (one line per article with its
    title) and datapackage.json with sha256 hashes.
    """
    from crawler.warc import cdxj_index
    from crawler.warc.files import resolve_warc_path
    from crawler.warc.wacz import Page, WaczError, write_wacz
    from indexer.search.params import QueryError, SearchParams
    from indexer.store.archive import ArchiveStore

    if output.suffix.lower() != ".wacz":
        raise click.BadParameter("the output file must end in .wacz", param_hint="'-o'")
    if date_from or date_to:
        try:
            bounds = SearchParams(date_from=date_from, date_to=date_to).validated()
        except QueryError as exc:
            raise click.BadParameter(exc.message, param_hint="'--from'/'--to'") from None
        date_from, date_to = bounds.date_from, bounds.date_to
    store = ArchiveStore()
    if portal not in store.distinct_values("portal"):
        raise click.ClickException(f"no archived articles of portal {portal!r}")
    files: dict[str, Path] = {}
    chosen: list[dict] = []
    for batch in store.iter_articles_matching(portal=portal, date_from=date_from, date_to=date_to):
        attachments = store.attachments_for([row["id"] for row in batch])
        for row in batch:
            refs = [row, *store.versions_of(row["id"]), *attachments.get(row["id"], [])]
            for ref in refs:
                if ref.get("warc_file"):
                    path = resolve_warc_path(ref["warc_file"])
                    if path.is_file():
                        files[str(path)] = path
            if row.get("warc_file"):
                chosen.append(row)
    if not chosen:
        raise click.ClickException("no archived capture matches: nothing to export")
    # the later captures too (revisits of unchanged pages) from the WARC files beside them
    urls = {row["url"] for row in chosen}
    folders = {path.parent for path in files.values()}
    for folder in folders:
        for path in folder.glob("*.warc.gz"):
            if str(path) in files:
                continue
            index = cdxj_index.open_index(path)
            if any(index.lookup(url) for url in urls):
                files[str(path)] = path
    times: dict[tuple[str, int], str] = {}
    for path in files.values():
        for entry in cdxj_index.open_index(path).entries():
            times[(entry.filename, entry.offset)] = entry.timestamp
    pages = []
    for row in chosen:
        stamp = times.get((Path(row["warc_file"]).name, int(row["warc_offset"])))
        when = (
            f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}Z"
            if stamp
            else row["last_changed"].strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        pages.append(Page(url=row["url"], ts=when, title=row["title"]))
    span = f" ({date_from or '…'} – {date_to or '…'})" if date_from or date_to else ""
    try:
        write_wacz(
            output,
            files.values(),
            pages,
            title=f"vnarchive: {portal}{span}",
            description=f"Captures of {len(pages)} articles of portal {portal}{span}.",
        )
    except (WaczError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{output}: {len(pages)} pages, {len(files)} WARC files, "
        f"{output.stat().st_size:,} bytes (WACZ 1.1.1)"
    )
