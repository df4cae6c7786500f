"""The JSON API's work, done in a worker process: the same bodies as the CLI's ``--json``.

Each job takes plain data from the request and returns a Reply; a DeriveError
becomes a 400 with its one-line message, never a traceback (see ``guarded``).
"""

from __future__ import annotations

import functools
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

from derive.errors import BudgetExceeded, DeriveError, InputError
from derive.web.reply import Reply, error_reply, json_reply

log = logging.getLogger("derive.web")
MAX_TEXT_BYTES = 64_000  # as a derivation file (derive.grade.source.MAX_BYTES)


def guarded(job: Callable[..., Reply]) -> Callable[..., Reply]:
    """Turn every failure of a job into a JSON reply: 400 bad input, 503 over budget, 500 a bug."""

    @functools.wraps(job)
    def run(*args: Any) -> Reply:
        try:
            return job(*args)
        except BudgetExceeded as exc:
            return error_reply(f"the work exceeded its budget: {exc}", 503)
        except DeriveError as exc:
            return error_reply(str(exc), 400)
        except RecursionError:
            return error_reply("the input is nested too deeply", 400)
        except MemoryError:
            return error_reply("the input needs too much memory", 503)
        except Exception:  # noqa: BLE001 - logged for the operator, never shown to the client
            log.error("internal error in %s:\n%s", job.__name__, traceback.format_exc())
            return error_reply("internal error (logged by the server)", 500)

    return run


def request_json(raw: bytes) -> Any:
    """A request's body as JSON: UTF-8, within Python's nesting depth."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError("the body is not UTF-8") from None
    except RecursionError:
        raise InputError("the body is nested too deeply") from None
    except ValueError as exc:
        raise InputError(f"the body is not JSON: {exc}") from None


def field(body: Any, name: str, kind: type, required: bool = True) -> Any:
    """One field of a JSON object, checked for its type; a one-line error names it."""
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    if name not in body or body[name] is None:
        if required:
            raise InputError(f"field '{name}' is missing")
        return kind()
    value = body[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"field '{name}' must be {_KIND_NAMES[kind]}")
    return value


_KIND_NAMES = {str: "a string", list: "a list of strings", dict: "an object of strings"}


def strings(value: list | dict, name: str) -> None:
    """Every item (or value) of a list or object field is a string."""
    items = value.values() if isinstance(value, dict) else value
    if not all(isinstance(v, str) for v in items) or not all(isinstance(k, str) for k in value):
        raise InputError(f"field '{name}' must be {_KIND_NAMES[type(value)]}")


def derivation_text(body: Any) -> str:
    """The derivation of a check request, within the size of a derivation file."""
    text = field(body, "text", str)
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise InputError(f"text: larger than {MAX_TEXT_BYTES // 1000} kB")
    if not text.strip():
        raise InputError("text: the derivation is empty")
    return text


@guarded
def entries() -> Reply:
    """``list --json``."""
    from derive import catalogue

    return json_reply(catalogue.listing(catalogue.entries()))


@guarded
def check(raw: bytes) -> Reply:
    """``check --json`` on the request's text."""
    from derive.grade import check_text

    return json_reply(check_text(derivation_text(request_json(raw))).json())


def grad_spec(body: Any) -> Any:
    """The ad hoc gradient entry of a grad request (the CLI's options as JSON fields)."""
    from derive import api

    expr = field(body, "expr", str)
    wrt = field(body, "wrt", list)
    strings(wrt, "wrt")
    if not wrt:
        raise InputError("field 'wrt' must name at least one variable")
    shapes = field(body, "shapes", dict, required=False)
    strings(shapes, "shapes")
    for name, dims in shapes.items():
        if len(dims.split(",")) != 2 or not name.strip():
            raise InputError(f"shapes: {name}={dims}: expected NAME=ROWS,COLS")
    assume = field(body, "assume", list, required=False)
    strings(assume, "assume")
    return api.grad_spec(expr, wrt, shapes=[f"{k}={v}" for k, v in shapes.items()],
                         assume=assume)


def checked(spec: Any) -> tuple[Any, dict[str, Any]]:
    """The verified derivation and its check script's verdict (run in a private folder)."""
    from derive import pipeline

    derivation, outcome = pipeline.deliver(spec)
    return derivation, {"script": None, "passed": outcome.passed}


@guarded
def grad(raw: bytes) -> Reply:
    """``grad --json`` for the request's expression."""
    from derive.kinds import derivation_json

    return json_reply(derivation_json(*checked(grad_spec(request_json(raw)))))


@guarded
def preview(raw: bytes) -> Reply:
    """How each line of a derivation was read (no judging): an HTML fragment for the check page."""
    from derive.grade.source import parse_source, read_text
    from derive.html.checkpage import preview_rows
    from derive.render import render_html

    rows = preview_rows(parse_source(read_text(derivation_text(request_json(raw)))))
    return json_reply({"html": render_html("preview.html.j2", {"rows": rows})})


def warm_up() -> None:
    """Import what the jobs need before the workers fork their bounded children."""
    from derive import catalogue
    from derive.grade import check_text
    from derive.pipeline import warm_up as warm_pipeline

    warm_pipeline()
    catalogue.entries()
    check_text("d/dx x^2\n= 2*x")
