"""``vnarchive serve``: start the web app (search, articles, portals, API) with uvicorn."""

from __future__ import annotations

from typing import Any

import click


def server_config(app: Any, host: str, port: int, log_level: str = "warning") -> Any:
    """The uvicorn configuration ``vnarchive serve`` runs the app with.

    uvicorn's own proxy-header handling is off: it would trust ``X-Forwarded-For``
    from 127.0.0.1 by default.  The app reads forwarded headers itself, from the
    proxies in ``VNARCHIVE_TRUSTED_PROXIES`` only (``search_app.proxies``).
    """
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        h11_max_incomplete_event_size=65536,
        proxy_headers=False,
    )


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
def serve(host: str, port: int, data_dir: str | None, log_level: str) -> None:
    """Start the web app and print its address (Ctrl-C stops it)."""
    import uvicorn

    from search_app.app import create_app

    app = create_app(data_dir)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"vnarchive web app: http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)")
    config = server_config(app, host, port, log_level)
    try:
        uvicorn.Server(config).run()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
