"""``vnarchive serve``: start the web app (search, articles, portals, API) with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from vnarchive.commands.serve_workers import WorkersFailed, balances_connections, run_workers


def server_options(host: str, port: int, log_level: str = "warning") -> dict[str, Any]:
    """The uvicorn options ``vnarchive serve`` runs the app with.

    uvicorn's own proxy-header handling is off: it would trust ``X-Forwarded-For``
    from 127.0.0.1 by default.  The app reads forwarded headers itself, from the
    proxies in ``VNARCHIVE_TRUSTED_PROXIES`` only (``search_app.proxies``).
    """
    return {
        "host": host,
        "port": port,
        "log_level": log_level,
        "h11_max_incomplete_event_size": 65536,
        "proxy_headers": False,
    }


def server_config(app: Any, host: str, port: int, log_level: str = "warning") -> Any:
    """The uvicorn configuration of one ``vnarchive serve`` process (see server_options)."""
    import uvicorn

    return uvicorn.Config(app, **server_options(host, port, log_level))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory to serve (default: $VNARCHIVE_DATA).",
)
@click.option("--log-level", default="warning", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes, each with its own search cache [default: the number of cores].",
)
def serve(host: str, port: int, data_dir: str | None, log_level: str, workers: int | None) -> None:
    """Start the web app and print its address (Ctrl-C stops it)."""
    import uvicorn

    workers = workers or os.cpu_count() or 1
    shown = f"[{host}]" if ":" in host else host
    message = f"vnarchive web app: http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)"
    shown_n = f"{message}  {workers} workers"
    try:
        if workers == 1:
            from search_app.app import create_app

            config = server_config(create_app(data_dir), host, port, log_level)
            click.echo(message)
            uvicorn.Server(config).run()
        elif balances_connections():
            # Each worker process builds the app itself, with its own search cache, on its
            # own SO_REUSEPORT socket: the kernel spreads connections evenly across them.
            run_workers(
                host, port, workers, log_level, data_dir, on_bound=lambda: click.echo(shown_n)
            )
        else:
            # Each worker process builds the app itself (uvicorn's factory), with its own
            # search cache; the data directory reaches them through the environment.
            if data_dir:
                os.environ["VNARCHIVE_DATA"] = str(Path(data_dir).resolve())
            click.echo(shown_n)
            uvicorn.run(
                "search_app.app:create_app",
                factory=True,
                workers=workers,
                **server_options(host, port, log_level),
            )
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    except WorkersFailed as exc:
        raise click.ClickException(str(exc)) from None
