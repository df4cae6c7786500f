"""The JSON API's work, done in a worker process: the same bodies as the CLI's ``--json``.

Each job takes plain data from the request and returns a Reply; a DeriveError
becomes a 400 with its one-line message, never a traceback (see ``guarded``).
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from derive.errors import BudgetExceeded, DeriveError, InputError
from derive.web.reply import Reply, error_reply, json_reply
from derive.web.schema import CHECK, GRAD, read_body

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


def derivation_text(body: dict[str, Any]) -> str:
    """The derivation of a check request, within the size of a derivation file."""
    text = body["text"]
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise InputError(f"text: the file is larger than {MAX_TEXT_BYTES // 1000} kB")
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

    return json_reply(check_text(derivation_text(read_body(raw, CHECK))).json())


def grad_spec(expr: str, wrt: list[str], shapes: list[str], assume: list[str]) -> Any:
    """The ad hoc gradient entry of a grad request or form: the CLI's options (shapes as
    ``NAME=ROWS,COLS``), read by the CLI's API with its messages."""
    from derive import api

    if not wrt:
        raise InputError("Missing option '--wrt'.")  # as the CLI (click) says it
    return api.grad_spec(expr, wrt, shapes=shapes, assume=assume)


def grad_request(body: dict[str, Any]) -> Any:
    """The ad hoc gradient entry of a checked ``/api/grad`` body."""
    shapes = [f"{name}={dims}" for name, dims in body.get("shapes", {}).items()]
    return grad_spec(body["expr"], body["wrt"], shapes, body.get("assume", []))


def checked(spec: Any) -> tuple[Any, dict[str, Any]]:
    """The verified derivation and its check script's verdict (run in a private folder)."""
    from derive import pipeline

    derivation, outcome = pipeline.deliver(spec)
    return derivation, {"script": None, "passed": outcome.passed}


@guarded
def grad(raw: bytes) -> Reply:
    """``grad --json`` for the request's expression."""
    from derive.kinds import derivation_json

    return json_reply(derivation_json(*checked(grad_request(read_body(raw, GRAD)))))


@guarded
def preview(raw: bytes) -> Reply:
    """How each line of a derivation was read (no judging): an HTML fragment for the check page."""
    from derive.grade.source import parse_source, read_text
    from derive.html.checkpage import preview_rows
    from derive.render import render_html

    rows = preview_rows(parse_source(read_text(derivation_text(read_body(raw, CHECK)))))
    return json_reply({"html": render_html("preview.html.j2", {"rows": rows})})


def warm_up() -> None:
    """Import what the jobs need before the workers fork their bounded children."""
    from derive import catalogue
    from derive.grade import check_text
    from derive.pipeline import warm_up as warm_pipeline

    warm_pipeline()
    catalogue.entries()
    check_text("d/dx x^2\n= 2*x")
