"""A threaded HTTP server that serves every sample portal on 127.0.0.1.

Each portal lives under its own path prefix: ``http://HOST:PORT/<portal-id>/``.
The server is a thin shell over :func:`crawler.samples.render.render` (GET/HEAD)
and :func:`crawler.samples.site.control` (``POST /_control/...``); all page
logic lives in ``site``.  State (control modes, edits, flaky hits) belongs to
one server process (one :class:`~crawler.samples.portal_state.SiteState`).

Use :func:`start_in_thread` in tests (port 0 picks a free port) and
:func:`serve` from the command line.
"""

from __future__ import annotations

import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from crawler.samples import portal_state, render, responses, site

MAX_BODY = 64 * 1024  # control requests are tiny


class SamplesHTTPServer(ThreadingHTTPServer):
    """The sample portal server: a ThreadingHTTPServer holding one SiteState."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, verbose: bool = False):
        super().__init__((host, port), SamplesHandler)
        self.state = portal_state.SiteState()
        self.verbose = verbose

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore clients that hang up; print other errors (the server keeps serving)."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @property
    def base_url(self) -> str:
        """``http://host:port`` of this server (no trailing slash)."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class SamplesHandler(BaseHTTPRequestHandler):
    """Answers one request by asking ``site`` for the response."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server_version = "Microsoft-IIS/7.5"
    sys_version = ""
    server: SamplesHTTPServer

    def _base_url(self) -> str:
        host = self.headers.get("Host") or ""
        if not host or any(ch in host for ch in "/\\ <>\"'"):
            return self.server.base_url
        return f"http://{host}"

    def _send(self, response: responses.Response, *, head: bool = False) -> None:
        if response.status == portal_state.CLOSE_CONNECTION:
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if not head and response.body:
            self.wfile.write(response.body)

    def _dispatch(self, *, head: bool = False) -> None:
        try:
            response = site.handle_get(
                self.path,
                base_url=self._base_url(),
                headers={k: v for k, v in self.headers.items()},
                state=self.server.state,
            )
        except Exception:  # never let a bad page kill the server
            traceback.print_exc(file=sys.stderr)
            response = responses.Response(
                500, {"Content-Type": "text/plain; charset=utf-8"}, b"internal error\n"
            )
        self._send(response, head=head)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        """Serve a page."""
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        """Serve a page's headers only."""
        self._dispatch(head=True)

    def do_POST(self) -> None:  # noqa: N802
        """The control API (``POST /_control/<portal-id>`` or ``/_control/reset``)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(responses.text_response(413, "request body too large\n"))
            return
        raw = self.rfile.read(length) if length else b""
        try:
            params = site.parse_control_body(raw, self.headers.get("Content-Type") or "")
            path, _, query = self.path.partition("?")
            params.update(dict(parse_qsl(query)))
            response = site.control(self.server.state, path, params)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = responses.text_response(500, "internal error\n")
        self._send(response)

    def do_PUT(self) -> None:  # noqa: N802
        """Not allowed."""
        self._send(responses.text_response(405, "method not allowed\n"))

    do_DELETE = do_PUT  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Log requests only when the server was started verbose."""
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def start_in_thread(host: str = "127.0.0.1", port: int = 0) -> SamplesHTTPServer:
    """Start a server in a daemon thread and return it (``.shutdown()`` stops it)."""
    render.warm_up()
    server = SamplesHTTPServer(host, port)
    thread = threading.Thread(target=server.serve_forever, name="samples-server", daemon=True)
    thread.start()
    return server


def serve(host: str = "127.0.0.1", port: int = 8765, *, verbose: bool = False) -> None:
    """Serve until interrupted (raises OSError if the port is taken)."""
    render.warm_up()
    server = SamplesHTTPServer(host, port, verbose=verbose)
    try:
        server.serve_forever()
    finally:
        server.server_close()
