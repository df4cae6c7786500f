"""A real ``derive serve`` for the web tests, started by the command a user types."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DERIVE = ROOT / ".venv" / "bin" / "derive"
START_TIMEOUT = 180.0  # the workers import sympy, numpy and scipy once


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running server: its URL, process and log file."""

    url: str
    process: subprocess.Popen
    log: Path

    def request(self, path: str, body: bytes | None = None, method: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body of one request (errors are answers too)."""
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=300) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def post_json(self, path: str, data: Any) -> tuple[int, Any]:
        status, _, body = self.request(path, json.dumps(data).encode(),
                                       headers={"Content-Type": "application/json"})
        return status, json.loads(body)


def _command() -> list[str]:
    return [str(DERIVE)] if DERIVE.exists() else ["derive"]


@contextmanager
def serve(tmp: Path, *options: str, workers: int = 2, cache: Path | None = None,
          cwd: Path | None = None, env: dict[str, str] | None = None) -> Iterator[Server]:
    """``derive serve --port P --workers N --cache DIR [options]`` until the block ends (in
    folder ``cwd``, with ``env`` added to the environment)."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    args: Sequence[str] = [*_command(), "serve", "--port", str(port), "--workers", str(workers),
                           "--cache", str(cache or tmp / "web-cache"), *options]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=environment,
                                   start_new_session=True, cwd=cwd)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"derive serve stopped: {server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/api/entries", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    raise RuntimeError(f"derive serve did not answer in {START_TIMEOUT:g} s")
