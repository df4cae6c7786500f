"""The server's pages, rendered in a worker process: catalogue, worksheets, check and grad.

Every page works without JavaScript: the forms post back and the answer is a new page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from derive.errors import BudgetExceeded, DeriveError, InputError, one_line
from derive.web.jobs import checked, derivation_text, grad_spec, guarded
from derive.web.reply import HTML, Reply
from derive.web.schema import CHECK_FORM, GRAD_FORM, read_form

NAV = [{"href": "/", "text": "derive"}, {"href": "/sheets/", "text": "Worksheets"},
       {"href": "/check", "text": "Check a derivation"}, {"href": "/grad", "text": "Gradient"}]


def page(template: str, status: int = 200, **context: Any) -> Reply:
    from derive.render import render_html

    return Reply(status, HTML, render_html(template, {"nav": NAV, **context}))


def _errors_as_page(template: str, run: Any, **context: Any) -> Reply:
    """Run ``run()`` for the page's context; bad input is the same page with the message (400)."""
    try:
        return page(template, **{**context, **run()})
    except BudgetExceeded as exc:
        return page(template, 503,
                    **{**context, "error": one_line(f"the work exceeded its budget: {exc}")})
    except DeriveError as exc:
        return page(template, 400, **{**context, "error": one_line(exc)})


@guarded
def home() -> Reply:
    return page("home.html.j2")


@guarded
def catalogue_index() -> Reply:
    from derive import catalogue
    from derive.html.index import index_context

    context = index_context(list(catalogue.entries()), "The catalogue", nav=NAV)
    return page("index.html.j2", **context)


@guarded
def sheet(entry_id: str, cache: str) -> Reply:
    """A catalogue entry's worksheet, built on demand into the shared on-disk cache."""
    from derive import catalogue, pipeline

    try:
        spec = catalogue.get(entry_id)
    except InputError as exc:
        return page("error.html.j2", 404, error=str(exc))
    outcome = pipeline.build(spec, Path(cache), to="html")
    if outcome.html is None:
        reason = outcome.error or outcome.check_line
        return page("error.html.j2", 500, error=f"{entry_id}: {reason}")
    return Reply(200, HTML, outcome.html.read_text(encoding="utf-8"))


@guarded
def check_form() -> Reply:
    return page("check.html.j2", text=CHECK_FORM["examples"][0]["text"], result=None,
                error=None)


@guarded
def check_page(text: str) -> Reply:
    """The check page with the verdict on every line of the posted derivation."""
    from derive.grade import check_text
    from derive.html.checkpage import report_context

    def run() -> dict[str, Any]:
        fields = read_form({"text": text}, CHECK_FORM)
        return {"result": report_context(check_text(derivation_text(fields)))}

    return _errors_as_page("check.html.j2", run, text=text, result=None, error=None)


@guarded
def grad_form() -> Reply:
    return page("grad.html.j2", form=GRAD_FORM["examples"][0], result=None, error=None)


@guarded
def grad_page(form: dict[str, str]) -> Reply:
    """The grad page with the verified derivation of the posted expression."""
    from derive.html.worksheet import sheet_context

    form = {name: form.get(name, "") for name in GRAD_FORM["properties"]}

    def run() -> dict[str, Any]:
        fields = read_form(form, GRAD_FORM)
        spec = grad_spec(fields["expr"], fields["wrt"], fields["shapes"], fields["assume"])
        derivation, check = checked(spec)
        return {"result": {**sheet_context(derivation, "", ""), "passed": check["passed"]}}

    return _errors_as_page("grad.html.j2", run, form=form, result=None, error=None)
