"""What a job hands back to the server: plain data that pickles across processes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from derive.errors import one_line

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Reply:
    """An HTTP status, a media type and the body's text."""

    status: int
    media_type: str
    body: str


def json_reply(data: Any, status: int = 200) -> Reply:
    """A UTF-8 JSON body (non-ASCII characters as they are)."""
    return Reply(status, JSON, json.dumps(data, ensure_ascii=False))


def error_reply(message: str, status: int = 400) -> Reply:
    """``{"error": "<one line>"}``, the line as the CLI prints it (derive.errors.one_line)."""
    return json_reply({"error": one_line(message) or "error"}, status)
