"""``vnarchive samples``: serve the bundled sample portals, or regenerate their data."""

from __future__ import annotations

import errno
import json
import os
import signal
from pathlib import Path

import click


@click.group(name="samples")
def samples() -> None:
    """Serve or regenerate the bundled sample portals (test and demo data)."""


@samples.command(name="serve")
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port (0 picks a free one).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--verbose", is_flag=True, help="Log every request to stderr.")
def serve(port: int, host: str, verbose: bool) -> None:
    """Serve every sample portal under http://HOST:PORT/<portal-id>/ until Ctrl-C.

    Point the sample profiles at it with VNARCHIVE_SAMPLES_URL=http://HOST:PORT
    (the default is http://127.0.0.1:8765).  Control API: POST /_control/<portal-id>
    with mode=normal|relayout|redirect|down|maintenance or edit=<article-id>;
    POST /_control/reset.
    """
    from crawler.samples import render, specs
    from crawler.samples.server import SamplesHTTPServer

    render.warm_up()
    try:
        server = SamplesHTTPServer(host, port, verbose=verbose)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use; choose another with --port N "
                "(and set VNARCHIVE_SAMPLES_URL to match)"
            ) from None
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    base = server.base_url
    record = _record_server(base)
    click.echo(f"Sample portals on {base} (Ctrl-C to stop):")
    for portal_id in specs.PORTAL_IDS:
        spec = specs.SPECS[portal_id]
        click.echo(f"  {base}/{portal_id}/  {spec.name} [{spec.family}]")
    if base != "http://127.0.0.1:8765" and record is None:
        click.echo(f"Set VNARCHIVE_SAMPLES_URL={base} so the sample profiles point here.")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()
        if record is not None:
            record.unlink(missing_ok=True)


def _record_server(base: str) -> Path | None:
    """Write where this server runs (``config.samples_server_file()``); None if it cannot.

    Commands run without ``$VNARCHIVE_SAMPLES_URL`` (``portals list``, ``crawl``) then use
    the URL the samples are really served at, whatever ``--port`` was.
    """
    from indexer import config

    path = config.samples_server_file()
    try:
        path.write_text(json.dumps({"url": base, "pid": os.getpid()}) + "\n", encoding="utf-8")
    except OSError:
        return None
    return path


@samples.command(name="generate")
@click.option(
    "--sentences/--no-sentences",
    default=True,
    show_default=True,
    help="Also re-extract sentences.txt and places.json from underthesea's shipped data.",
)
def generate(sentences: bool) -> None:
    """Rewrite crawler/samples/truth/*.json (and the sentence file) from the generator."""
    from crawler.samples import corpus, model, truth

    if sentences:
        try:
            for path in corpus.regenerate():
                click.echo(f"wrote {path}")
        except (ImportError, OSError, KeyError, ValueError) as exc:
            raise click.ClickException(f"cannot read underthesea's data: {exc}") from None
        model.get_portal.cache_clear()
    for path in truth.write_truth():
        click.echo(f"wrote {path}")
