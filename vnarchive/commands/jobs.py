"""``vnarchive jobs`` (list, show, cancel crawl jobs) and ``vnarchive status`` (portal health)."""

from __future__ import annotations

import json
from typing import Any

import click

from crawler.operations.job_control import job_duration as duration
from vnarchive.commands.scheduler import (
    load_profiles_or_fail,
    open_admin,
    print_table,
    when,
)


def reasons_text(reasons: dict[str, int] | None, limit: int = 3) -> str:
    """Errors by reason, most frequent first: ``timeout: 3, http_404: 1``."""
    if not reasons:
        return ""
    top = sorted(reasons.items(), key=lambda kv: (-int(kv[1]), kv[0]))[:limit]
    return ", ".join(f"{k}: {v}" for k, v in top)


def _job_json(job: dict[str, Any]) -> dict[str, Any]:
    out = dict(job)
    for key in ("started_at", "finished_at"):
        out[key] = out[key].isoformat() if out.get(key) else None
    out["duration"] = duration(job)
    return out


@click.group(invoke_without_command=True)
@click.option("--portal", help="Only this portal's jobs.")
@click.option("--status", "status_filter", help="Only jobs with this status (running, failed…).")
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def jobs(
    ctx: click.Context, portal: str | None, status_filter: str | None, limit: int, as_json: bool
) -> None:
    """List crawl jobs, newest first (`jobs cancel JOB_ID` stops one)."""
    if ctx.invoked_subcommand is not None:
        return
    admin = open_admin()
    admin.reap_dead_jobs()
    rows = admin.store.list_jobs(portal=portal, status=status_filter, limit=limit)
    if as_json:
        click.echo(json.dumps([_job_json(j) for j in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no crawl jobs" + (f" for {portal}" if portal else ""))
        return
    table = [
        [
            j["id"],
            j["portal"],
            j["status"],
            j["trigger"],
            when(j["started_at"]),
            duration(j),
            j["pages"],
            j["articles_new"],
            j["articles_changed"],
            j["errors"],
            reasons_text(j.get("error_reasons")) or (j.get("stop_reason") or "")[:60],
        ]
        for j in rows
    ]
    print_table(
        [
            "id",
            "portal",
            "status",
            "trigger",
            "started",
            "duration",
            "pages",
            "new",
            "changed",
            "errors",
            "reasons / stop",
        ],
        table,
    )


@jobs.command("show")
@click.argument("job_id", type=int)
@click.option(
    "--lines",
    type=click.IntRange(0, 1000),
    default=20,
    show_default=True,
    help="How many lines of the log's tail to print.",
)
def jobs_show(job_id: int, lines: int) -> None:
    """One job's details and the tail of its log."""
    from crawler.operations.job_control import LOG_STATES, log_state, log_tail

    job = open_admin().store.get_job(job_id)
    if job is None:
        raise click.ClickException(f"no crawl job {job_id}")
    for key in (
        "id",
        "portal",
        "status",
        "trigger",
        "pages",
        "articles_new",
        "articles_changed",
        "articles_unchanged",
        "errors",
        "extraction_failures",
        "stop_reason",
        "log_path",
        "warc_file",
        "pid",
    ):
        click.echo(f"{key:20} {job.get(key) if job.get(key) is not None else '-'}")
    click.echo(f"{'started':20} {when(job['started_at'])}")
    click.echo(f"{'finished':20} {when(job['finished_at'])}")
    click.echo(f"{'duration':20} {duration(job)}")
    click.echo(f"{'errors by reason':20} {reasons_text(job.get('error_reasons'), 20) or '-'}")
    found = job.get("discovery") or {}
    click.echo(f"{'pages read as':20} {reasons_text(found.get('pages'), 10) or '-'}")
    click.echo(f"{'not fetched':20} {reasons_text(found.get('skipped'), 20) or '-'}")
    if found.get("dated_from_listing"):
        click.echo(f"{'dated from listing':20} {found['dated_from_listing']}")
    click.echo(f"{'extraction paths':20} {reasons_text(job.get('extraction_paths'), 10) or '-'}")
    for url in found.get("unclassified") or []:
        click.echo(f"{'unclassified':20} {url}")
    if any((found.get("meta_refresh") or {}).values()):
        click.echo(f"{'meta refresh':20} {reasons_text(found['meta_refresh'], 2)}")
    for seen in found.get("refresh_targets") or []:
        how = "followed" if seen.get("followed") else "out of the portal"
        click.echo(f"{'refresh target':20} {seen.get('url')} -> {seen.get('target')} ({how})")
    if lines:
        tail = log_tail(job.get("log_path"), lines)
        state = log_state(job.get("log_path"))
        if not tail and state != "ok":
            click.echo(f"--- {LOG_STATES[state].format(path=job.get('log_path'))} ---")
            return
        click.echo(f"--- last {len(tail)} line(s) of the log ---")
        for line in tail:
            click.echo(line)


@jobs.command("cancel")
@click.argument("job_id", type=int)
def jobs_cancel(job_id: int) -> None:
    """Stop a queued or running crawl cleanly (it can resume on its next run)."""
    from crawler.operations.job_control import cancel_job

    try:
        message = cancel_job(open_admin(), job_id)
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    click.echo(f"job {job_id}: {message}")


@click.command()
@click.option("--check", is_flag=True, help="Re-evaluate health now (probes each portal).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(check: bool, as_json: bool) -> None:
    """A table of portals: health, last crawl, articles, next run."""
    from crawler.operations.schedules import effective_schedules

    admin = open_admin()
    profiles = load_profiles_or_fail()
    if check:
        from crawler.operations.health import check_portal

        for profile in profiles:
            check_portal(admin, profile)
    admin.reap_dead_jobs()
    health = admin.health()
    last = admin.last_jobs()
    counts = {s["portal"]: s["articles"] for s in admin.store.portal_stats()}
    schedules = {s["portal"]: s for s in effective_schedules(admin, profiles)}
    items = []
    for profile in profiles:
        flags = health.get(profile.id, [])
        job = last.get(profile.id)
        sched = schedules.get(profile.id, {})
        items.append(
            {
                "portal": profile.id,
                "enabled": profile.enabled,
                "health": [f["flag"] for f in flags] or (["ok"] if job else ["-"]),
                "health_detail": {f["flag"]: f["detail"] for f in flags},
                "last_crawl": job,
                "articles": counts.get(profile.id, 0),
                "next_run": sched.get("next_run"),
            }
        )
    if as_json:
        out = []
        for item in items:
            job = item["last_crawl"]
            out.append(
                item
                | {
                    "last_crawl": None
                    if job is None
                    else {
                        "job": job["id"],
                        "status": job["status"],
                        "started_at": job["started_at"].isoformat(),
                        "finished_at": job["finished_at"].isoformat()
                        if job["finished_at"]
                        else None,
                    },
                    "next_run": item["next_run"].isoformat() if item["next_run"] else None,
                }
            )
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    rows = []
    for item in items:
        job = item["last_crawl"]
        last_text = "-" if job is None else f"{when(job['started_at'])} {job['status']}"
        rows.append(
            [
                item["portal"] + ("" if item["enabled"] else " (off)"),
                ",".join(item["health"]),
                last_text,
                item["articles"],
                when(item["next_run"]),
            ]
        )
    print_table(["portal", "health", "last crawl", "articles", "next run"], rows)
    details = [(i["portal"], f, d) for i in items for f, d in i["health_detail"].items()]
    if details:
        click.echo("")
        for portal, flag, detail in details:
            click.echo(f"{portal}: {flag}: {detail}")
