"""``vnarchive crawl``: crawl one portal (in this process) or all of them (one process each).

After a crawl the portal's health is re-checked (``crawler.operations.health.check_portal``,
as the scheduler and the admin "Run now" do) and any flag raised is printed; a
failing check is reported and never fails the crawl.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from indexer.store.admin import AdminStore


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


@click.command(name="crawl")
@click.argument("portal_id", required=False)
@click.option("--all", "all_portals", is_flag=True, help="Crawl every enabled portal.")
@click.option("--samples", is_flag=True, help="With --all: the bundled sample portals instead.")
@click.option(
    "--parallel",
    type=click.IntRange(1, 32),
    default=2,
    show_default=True,
    help="With --all: at most this many portals at once (one process each).",
)
@click.option(
    "--max-pages", type=click.IntRange(min=1), help="Stop after fetching this many pages."
)
@click.option(
    "--since", callback=_since, help="Only articles listed as published on/after YYYY-MM-DD."
)
@click.option(
    "--full",
    is_flag=True,
    help="Revalidate every archived article too (conditional requests; 404/410 → gone).",
)
@click.option("--job-id", type=int, help="Attach to a job row created beforehand (scheduler).")
@click.option(
    "--trigger",
    type=click.Choice(["manual", "schedule"]),
    default="manual",
    show_default=True,
    help="Recorded on the job.",
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a crawl setting (see crawler/settings.py), e.g. -s DOWNLOAD_DELAY=0.",
)
@click.option(
    "--health/--no-health",
    default=True,
    show_default=True,
    help="Re-check the portal's health after the crawl (flags stored and printed).",
)
@click.option("--quiet", is_flag=True, help="No progress line or summary (the log has it).")
def crawl(
    portal_id: str | None,
    all_portals: bool,
    samples: bool,
    parallel: int,
    max_pages: int | None,
    since: str | None,
    full: bool,
    job_id: int | None,
    trigger: str,
    settings: tuple[str, ...],
    health: bool,
    quiet: bool,
) -> None:
    """Crawl PORTAL_ID (or --all portals) into the archive.

    A re-crawl fetches only articles not archived yet (listings are always read);
    --full revalidates every archived article.  Stop with Ctrl-C or SIGTERM: the job
    is closed as cancelled and the next crawl of the portal resumes it.  Everything
    goes under $VNARCHIVE_DATA: archive.sqlite, warc/<portal>/vnarchive-<portal>-<time>-<job>.warc.gz and
    jobs/<portal>/<job>.log.  Then the portal's health is re-checked and any flag
    raised is printed (--no-health skips it; a failing check does not fail the crawl).

    Exit status: 0 finished, 1 failed, 2 bad arguments, 3 cancelled, 4 already running.
    """
    from crawler.operations import runner

    try:
        overrides = runner.parse_setting_overrides(settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="-s") from None
    if samples and not portal_id:
        all_portals = True
    if all_portals == bool(portal_id):
        raise click.UsageError("give one PORTAL_ID, or --all (see `vnarchive portals list`)")
    if all_portals:
        if job_id is not None:
            raise click.UsageError("--job-id attaches to one portal's job; not with --all")
        _crawl_all(samples, parallel, max_pages, since, full, trigger, settings, health, quiet)
        return
    assert portal_id is not None
    outcome = runner.run_crawl(
        portal_id,
        full=full,
        since=since,
        max_pages=max_pages,
        job_id=job_id,
        trigger=trigger,
        overrides=overrides,
        quiet=quiet,
    )
    if outcome.job is None:
        click.echo(f"vnarchive crawl: {portal_id}: {outcome.message}", err=True)
        sys.exit(outcome.exit_code)
    if not quiet:
        from crawler.extensions import summary_line

        click.echo(summary_line(outcome.job))
        _where(outcome.job)
    if health and outcome.exit_code != runner.EXIT_CANCELLED:
        _report_health(portal_id, _check_health(portal_id), quiet=quiet)
    sys.exit(outcome.exit_code)


def check_health(portal_id: str, admin: AdminStore | None = None) -> dict[str, str]:
    """Re-evaluate and store a portal's health flags after a crawl: {flag: detail}.

    The same check as the scheduler's and the admin "Run now" (a probe of the start
    page, then the job history); raises whatever the check raises.  ``admin`` may be
    shared by threads (one store, opened once).
    """
    from crawler.operations.health import check_portal
    from crawler.profiles import get_profile
    from indexer.store.admin import AdminStore
    from indexer.store.archive import ArchiveStore

    return check_portal(admin or AdminStore(ArchiveStore()), get_profile(portal_id))


def _check_health(portal_id: str, admin: AdminStore | None = None) -> dict[str, str] | str:
    """:func:`check_health`, or why it failed (a message): it never fails a crawl."""
    try:
        return check_health(portal_id, admin)
    except Exception as exc:  # a broken probe or store must not turn a crawl into a failure
        return f"{type(exc).__name__}: {exc}"[:500]


def _report_health(portal_id: str, result: dict[str, str] | str, *, quiet: bool) -> None:
    """Print a portal's health after its crawl: each flag raised (also when quiet)."""
    if isinstance(result, str):
        click.echo(
            f"vnarchive crawl: {portal_id}: health check failed ({result}); "
            "the crawl itself is recorded",
            err=True,
        )
    elif result:
        for flag, detail in sorted(result.items()):
            click.echo(f"health: {portal_id}: {flag}: {detail}")
    elif not quiet:
        click.echo(f"health: {portal_id}: no flag raised")


def _where(job: dict | None = None) -> None:
    """Print where the archive, WARCs and logs are."""
    from sqlalchemy.engine import make_url

    from indexer import config

    # never the password of a database URL
    click.echo(f"archive: {make_url(config.db_url()).render_as_string(hide_password=True)}")
    if job and job.get("warc_file"):
        from crawler.warc.files import resolve_warc_path

        click.echo(f"WARC:    {resolve_warc_path(job['warc_file'])}")
    else:
        click.echo(f"WARCs:   {config.warc_dir()}")
    if job and job.get("log_path"):
        click.echo(f"log:     {job['log_path']}")
    else:
        click.echo(f"logs:    {config.jobs_dir()}")


def _crawl_all(
    samples: bool,
    parallel: int,
    max_pages: int | None,
    since: str | None,
    full: bool,
    trigger: str,
    settings: tuple[str, ...],
    health: bool,
    quiet: bool,
) -> None:
    from crawler.operations import runner
    from crawler.profiles import ProfileError, load_profiles
    from indexer import config

    try:
        profiles = load_profiles()
    except ProfileError as exc:
        raise click.ClickException(f"broken portal profile: {exc}") from None
    if samples:
        chosen = [p for p in profiles if p.sample]
    else:
        chosen = [p for p in profiles if p.enabled and not p.sample]
    if not chosen:
        raise click.ClickException(
            "no sample portals found" if samples else "no enabled portals to crawl"
        )
    if samples and not runner.server_reachable(config.samples_url()):
        raise click.ClickException(
            f"the sample portal server is not answering at {config.samples_url()}; "
            "start it with `vnarchive samples serve` (or set VNARCHIVE_SAMPLES_URL)"
        )
    child_args: list[str] = ["--trigger", trigger, "--no-health"]  # checked here, below
    if max_pages:
        child_args += ["--max-pages", str(max_pages)]
    if since:
        child_args += ["--since", since]
    if full:
        child_args.append("--full")
    for pair in settings:
        child_args += ["-s", pair]
    report = (lambda _line: None) if quiet else click.echo
    click.echo(
        f"crawling {len(chosen)} portal(s), at most {parallel} at once: "
        + ", ".join(p.id for p in chosen)
    )
    codes = runner.run_many(chosen, parallel=parallel, child_args=child_args, report=report)
    if health:
        # once per portal whose crawl ran (not refused, not cancelled), a few at a time
        checked = [
            pid for pid, code in codes.items() if code in (runner.EXIT_OK, runner.EXIT_FAILED)
        ]
        try:
            from indexer.store.admin import AdminStore
            from indexer.store.archive import ArchiveStore

            admin: AdminStore | str = AdminStore(ArchiveStore())
        except Exception as exc:  # the store cannot be opened: say so, once per portal
            admin = f"{type(exc).__name__}: {exc}"[:500]
        if isinstance(admin, str):
            results: list[dict[str, str] | str] = [admin] * len(checked)
        else:
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                results = list(pool.map(lambda pid: _check_health(pid, admin), checked))
        for pid, result in zip(checked, results, strict=True):
            _report_health(pid, result, quiet=quiet)
    failed = {pid: code for pid, code in codes.items() if code != runner.EXIT_OK}
    click.echo(
        f"done: {len(codes) - len(failed)} finished"
        + (f", {len(failed)} not: {', '.join(sorted(failed))}" if failed else "")
    )
    _where()
    if failed:
        sys.exit(max(failed.values()))
