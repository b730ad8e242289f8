"""``vnarchive search``: search the archive from the command line (same engine as the web app)."""

from __future__ import annotations

import json
import re
import sys

import click

from vnarchive.commands import exact_accents_option, filter_options

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _snippet_text(snippet_html: str, color: bool) -> str:
    """The plain text of a snippet on one line, matched words in bold (or [brackets] without colour).

    Whitespace (the body's paragraph breaks included) is collapsed to single spaces so
    each result stays one block in the terminal.
    """
    import html

    def mark(match: re.Match[str]) -> str:
        word = " ".join(match.group(1).split())
        return click.style(word, bold=True, fg="yellow") if color else f"[{word}]"

    text = html.unescape(_TAG.sub("", _MARK.sub(lambda m: mark(m), snippet_html)))
    return " ".join(text.split())


FACET_TOP = 10  # facet values printed by --json unless --facets says otherwise


def _facet_limit(_ctx: click.Context, _param: click.Parameter, value: str) -> int | None:
    """``--facets``: a positive number, or ``all`` (None: no limit)."""
    if value.strip().lower() == "all":
        return None
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if limit < 1:
        raise click.BadParameter(f"expected a number from 1 or 'all', got {value!r}")
    return limit


def bound_facets(result: dict, limit: int | None) -> dict:
    """``result`` with each facet cut to its ``limit`` most frequent values (None: all).

    The values kept stay in the facet's own order (years and months by date); how many
    were left out is under ``facets_truncated`` ({facet: n}, only for facets that were cut).
    """
    if limit is None:
        return result
    facets: dict[str, dict[str, int]] = {}
    truncated: dict[str, int] = {}
    for name, counts in (result.get("facets") or {}).items():
        if len(counts) > limit:
            top = set(sorted(counts, key=lambda k: (-counts[k], str(k)))[:limit])
            facets[name] = {k: v for k, v in counts.items() if k in top}
            truncated[name] = len(counts) - limit
        else:
            facets[name] = counts
    out = dict(result, facets=facets)
    if truncated:
        out["facets_truncated"] = truncated
    return out


@click.command(name="search")
@click.argument("query", nargs=-1)
@filter_options
@click.option("--place", help="Only articles naming this place (its old or new name).")
@click.option("--topic", help="Only this topic (categories mapped across portals).")
@exact_accents_option
@click.option(
    "--sort",
    type=click.Choice(["relevance", "newest", "oldest"]),
    default="relevance",
    show_default=True,
)
@click.option("--page", type=int, default=1, show_default=True, help="Page of results to show.")
@click.option(
    "--per-page", type=int, default=10, show_default=True, help="Results per page (at most 100)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--facets",
    "facet_limit",
    default=str(FACET_TOP),
    show_default=True,
    metavar="N|all",
    callback=_facet_limit,
    help="With --json: the N most frequent values of each facet ('all': every value).",
)
def search(
    query: tuple[str, ...],
    portal: str | None,
    province: str | None,
    category: str | None,
    date_from: str | None,
    date_to: str | None,
    exact_accents: bool,
    sort: str,
    page: int,
    per_page: int,
    as_json: bool,
    facet_limit: int | None,
    place: str | None = None,
    topic: str | None = None,
) -> None:
    """Search the archived articles for QUERY (diacritics optional).

    \b
    Syntax: words (all must match), "a phrase", -excluded, a OR b,
    title:word, and filters portal:ID province:P category:C year:YYYY
    place:P topic:T.  A province or place matches its name before or after
    the 1 July 2025 reform (--province "Lâm Đồng" finds Đắk Nông's articles).
    --exact-accents: only words with exactly the typed diacritics match.
    """
    from indexer.search.params import QueryError, SearchParams
    from indexer.search.query import search as run_search
    from vnarchive.commands import check_portal_filter

    check_portal_filter(portal)
    try:
        params = SearchParams.from_mapping(
            {
                "q": " ".join(query),
                "portal": portal,
                "province": province,
                "category": category,
                "date_from": date_from,
                "date_to": date_to,
                "sort": sort,
                "page": page,
                "per_page": per_page,
                "place": place,
                "topic": topic,
                "exact": exact_accents,
            }
        )
        result = run_search(params)
    except QueryError as exc:
        option = {"q": "QUERY", "date_from": "--from", "date_to": "--to"}.get(
            exc.field, "--" + exc.field.replace("_", "-")
        )
        raise click.BadParameter(exc.message, param_hint=option) from None
    if as_json:
        click.echo(json.dumps(bound_facets(result, facet_limit), ensure_ascii=False, indent=2))
        return
    total = result["total"]
    if not total:
        from indexer.search.writer import open_index

        if open_index() is None:
            click.echo("No search index yet: run `vnarchive index` first.")
            return
        click.echo("No articles found.")
        if result["did_you_mean"]:
            click.echo(f"Did you mean: {result['did_you_mean']}")
        return
    color = sys.stdout.isatty()
    first = (params.page - 1) * params.per_page + 1
    for n, hit in enumerate(result["results"], start=first):
        date = (hit["published"] or "")[:10] or "no date"
        click.echo(
            click.style(f"{n}. {hit['title']}", bold=True) if color else f"{n}. {hit['title']}"
        )
        click.echo(f"   {hit['id']} · {hit['portal']} · {date} · {hit['url']}")
        for match in hit.get("place_match") or []:
            which = match["matched"]
            which = "the portal's own unit" if which == "portal" else f"{which} name"
            click.echo(f"   matched {match['filter']!r}: {match['name']} ({which})")
        if hit["snippet_html"]:
            click.echo(f"   {_snippet_text(hit['snippet_html'], color)}")
        click.echo("")
    last = first + len(result["results"]) - 1
    if result["results"]:
        click.echo(f"{first}–{last} of {total:,} articles ({result['took_ms']:.0f} ms)")
    else:
        click.echo(f"{total:,} articles; page {params.page} is past the end")
