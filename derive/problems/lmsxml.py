"""What the LMS files (Moodle XML, QTI) share: an autoescaping Jinja environment, number text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from derive.render import environment


@cache
def _xml_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def xml_environment(templates: Path | None) -> jinja2.Environment:
    """Jinja for XML templates: the user's folder first, every value XML-escaped."""
    return _xml_environment(environment(templates, latex_syntax=False).loader)


def number(value: float) -> str:
    """A float as LMSs read it: the shortest text that gives the same double."""
    return repr(float(value))
