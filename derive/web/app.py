"""The ASGI application (starlette): routes, the body-size limit, CORS, JSON errors.

Handlers only read the request and hand plain data to a job in the worker pool;
the job's Reply becomes the response. No traceback reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from derive.errors import InputError
from derive.files import marked_text
from derive.web import jobs, pages
from derive.web.pool import Limits, WorkerPool
from derive.web.reply import Reply, error_reply

log = logging.getLogger("derive.web")
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Settings:
    """How ``derive serve`` was started."""

    workers: int = 2
    cache: str = ".derive-web-cache"
    allow_origins: tuple[str, ...] = ()
    max_body: int = 100_000
    limits: Limits = field(default_factory=Limits)


class BodyTooLarge(Exception):
    """The request's body passed the size limit."""


class BodyLimit:
    """Refuse a body over ``limit`` bytes with 413: by its Content-Length, or as it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _send(scope, receive, send, self._too_large())
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _send(scope, receive, send, self._too_large())

    def _too_large(self) -> Response:
        return _response(error_reply(f"the request body is larger than {self.limit} bytes", 413))


async def _send(scope: Scope, receive: Receive, send: Send, response: Response) -> None:
    await response(scope, receive, send)


#: pages run no script but the preview's own file, post only to this server, embed nothing
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
    "style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _response(reply: Reply) -> Response:
    return Response(reply.body, status_code=reply.status, media_type=reply.media_type,
                    headers=SECURITY_HEADERS)


class _Bad(Exception):
    """A request the server refuses before any job runs (400)."""


async def form_text(request: Request, name: str) -> str:
    """A form field's text, or the uploaded file's (read as ``derive check`` reads a file)."""
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read()
        try:
            return marked_text(data, upload.filename)
        except InputError as exc:
            raise _Bad(str(exc)) from None
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def create_app(settings: Settings) -> Starlette:
    """The application; its worker pool starts with the server and stops with it."""
    pool: WorkerPool | None = None

    @asynccontextmanager
    async def lifespan(_: Starlette):
        nonlocal pool
        pool = WorkerPool(settings.workers, settings.limits)
        await pool.start()
        try:
            yield
        finally:
            pool.close()

    def handler(work: Callable[[Request], Awaitable[tuple]], seconds: float | None = None):
        async def endpoint(request: Request) -> Response:
            try:
                job, *args = await work(request)
            except _Bad as exc:
                return _response(error_reply(str(exc), 400))
            assert pool is not None
            return _response(await pool.run(job, *args, seconds=seconds))

        return endpoint

    async def api_check(request: Request) -> tuple:
        return (jobs.check, await request.body())

    async def api_grad(request: Request) -> tuple:
        return (jobs.grad, await request.body())

    async def api_preview(request: Request) -> tuple:
        return (jobs.preview, await request.body())

    async def api_entries(_: Request) -> tuple:
        return (jobs.entries,)

    async def home(_: Request) -> tuple:
        return (pages.home,)

    async def sheets(_: Request) -> tuple:
        return (pages.catalogue_index,)

    async def sheet(request: Request) -> tuple:
        return (pages.sheet, request.path_params["entry"], settings.cache)

    async def check(request: Request) -> tuple:
        if request.method == "GET":
            return (pages.check_form,)
        return (pages.check_page, await form_text(request, "text"))

    async def grad(request: Request) -> tuple:
        if request.method == "GET":
            return (pages.grad_form,)
        form = await request.form(max_files=0, max_fields=20)
        return (pages.grad_page, {k: v for k, v in form.items() if isinstance(v, str)})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in {p.name for p in STATIC.iterdir()}:
            return _response(error_reply("not found", 404))
        return FileResponse(STATIC / name, media_type="text/javascript; charset=utf-8")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        if status == 500:
            log.error("internal error on %s", request.url.path, exc_info=exc)
        return _response(error_reply(str(detail), status))

    routes = [
        Route("/", handler(home)),
        Route("/sheets/", handler(sheets)),
        Route("/sheets/index.html", handler(sheets)),
        Route("/sheets/{entry:str}.html", handler(sheet, settings.limits.sheet_seconds)),
        Route("/check", handler(check), methods=["GET", "POST"]),
        Route("/grad", handler(grad), methods=["GET", "POST"]),
        Route("/api/entries", handler(api_entries)),
        Route("/api/check", handler(api_check), methods=["POST"]),
        Route("/api/grad", handler(api_grad), methods=["POST"]),
        Route("/api/preview", handler(api_preview), methods=["POST"]),
        Route("/static/{name:str}", static),
    ]
    middleware = [Middleware(BodyLimit, limit=settings.max_body)]
    if settings.allow_origins:
        middleware.insert(0, Middleware(CORSMiddleware, allow_origins=list(settings.allow_origins),
                                        allow_methods=["GET", "POST"],
                                        allow_headers=["Content-Type"]))
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                     exception_handlers={HTTPException: http_error, Exception: http_error})
