"""``derive serve``: the application on uvicorn, one server process and its worker pool."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

from derive.errors import InputError
from derive.web.app import Settings, create_app
from derive.web.pool import Limits


def default_cache() -> Path:
    """$DERIVE_CACHE/web, else the user's cache folder (the same root as the TeX formats)."""
    from derive.texformat import cache_folder

    return cache_folder().parent / "web"


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything starts: a taken port is a one-line error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise InputError(f"--host {host} --port {port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def run(host: str, port: int, workers: int, origins: tuple[str, ...], cache: str | None,
        budget: float, max_body: int) -> None:
    """Serve until interrupted; the worker pool stops with the server."""
    import uvicorn

    sock = listening_socket(host, port)
    folder = Path(cache) if cache else default_cache()
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(workers=workers, cache=str(folder), allow_origins=origins,
                        max_body=max_body, limits=Limits(seconds=budget))
    logging.basicConfig(level=logging.INFO, format="derive serve: %(message)s")
    logging.getLogger("derive.web").info(
        "http://%s:%d/ (workers: %d, cache: %s)", host, sock.getsockname()[1], workers, folder)
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False,
                            server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
