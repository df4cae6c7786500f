"""``derive serve``: the application on uvicorn, one server process and its worker pool."""

from __future__ import annotations

import logging
from pathlib import Path

from derive.web.app import Settings, create_app
from derive.web.pool import Limits


def default_cache() -> Path:
    """$DERIVE_CACHE/web, else the user's cache folder (the same root as the TeX formats)."""
    from derive.texformat import cache_folder

    return cache_folder().parent / "web"


def run(host: str, port: int, workers: int, origins: tuple[str, ...], cache: str | None,
        budget: float, max_body: int) -> None:
    """Serve until interrupted; the worker pool stops with the server."""
    import uvicorn

    folder = Path(cache) if cache else default_cache()
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(workers=workers, cache=str(folder), allow_origins=origins,
                        max_body=max_body, limits=Limits(seconds=budget))
    logging.basicConfig(level=logging.INFO, format="derive serve: %(message)s")
    logging.getLogger("derive.web").info(
        "http://%s:%d/ (%d workers, cache %s)", host, port, workers, folder)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                access_log=False, server_header=False)
