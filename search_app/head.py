"""HEAD wherever GET is allowed: a HEAD request runs the GET route and sends its headers only.

FastAPI routes declared with ``@router.get`` answer only GET (a HEAD got 405).
:class:`HeadAsGetMiddleware` hands the app a copy of the request whose method is
GET, forwards the response's status and headers unchanged (so ``Content-Length``,
``Content-Type`` and ``Content-Disposition`` are what a GET would give) and sends
no body.  Once the headers are out, a streamed body (an export) is stopped rather
than generated for nothing.  A route that does not allow GET still answers 405.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _HeadDone(Exception):
    """Raised into the app once a HEAD response is complete: the rest is not needed."""


class HeadAsGetMiddleware:
    """ASGI middleware: HEAD is served by the GET route, without a body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return
        as_get = dict(scope, method="GET")
        finished = False

        async def send_head(message: Message) -> None:
            nonlocal finished
            if finished:
                raise _HeadDone
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body":
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                if message.get("more_body", False):
                    raise _HeadDone  # a stream: stop producing it
            else:
                await send(message)

        try:
            await self.app(as_get, receive, send_head)
        except _HeadDone:
            pass
        except BaseExceptionGroup as group:  # anyio task groups may wrap it
            rest = group.subgroup(lambda exc: not isinstance(exc, _HeadDone))
            if rest is not None:
                raise rest from None
